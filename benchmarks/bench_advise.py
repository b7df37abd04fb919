"""``advise`` (issue 14) against a plain serial scikit-learn loop over the same cells, and how
well the dashboard's instant preview (``distviz.preview``) predicts the retrain it stands in for.

1. advise on titanic and on a generated 40,000-row table: time and fits with a fresh cache,
   after a user's slider moves (the share of fits reused from the cache), and all cached; beside
   a plain loop (every distinct training set x seed x algorithm as ``shift_training_set``, the
   preprocessor fitted on it and the estimator on its training-row budget's sample, serially
   under ``threadpool_limits(1)``, scoring the same test set; every seed, where advise's
   adaptive seeds fit fewer). Medians of ``--runs`` runs, compared within each run.
2. A slider move's retrain on titanic alone and while the map computes in the background.
3. The preview on every bundled dataset: the top feature's groups are trained at every slider
   position; each position is then estimated from a subset of the others exactly as the
   dashboard would (:func:`distviz.preview.estimate` on the trained neighbours) and compared with
   its retrain: how often the estimate's verdict equals the retrain's (per cell, 95 %), and the
   mean absolute error of the estimated change. Two cases: only the map's ratios (-0.5, 0, +1)
   are trained, and both neighbouring slider positions are.

    python -m benchmarks.bench_advise [--runs 2] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
from sklearn.metrics import f1_score, r2_score
from threadpoolctl import threadpool_limits

from benchmarks._common import Timer, budget_rows, load_average, median, report, table
from distviz import models, synth
from distviz.advise import DEFAULT_ADVISE_RATIOS, advise
from distviz.data import Dataset, catalog
from distviz.importance import top_features
from distviz.loop import ModelLoop, ResultCache
from distviz.preview import KnownPoint, estimate
from distviz.shift import ShiftSpec, shift_training_set
from distviz.sweep import Plan

# The dashboard's slider positions (distviz.views.controls.RATIOS; the engine cannot import it).
SLIDER = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
MAP_RATIOS = [-0.5, 0.0, 1.0]
CASES = {  # the name in the table -> the dataset and the loop advise runs with
    "titanic": dict(source="titanic", algorithms=None, repeats=3, top=3),
    "40,000 rows": dict(source="synth", algorithms=["xgboost", "logistic_regression"],
                        repeats=2, top=2),
}
PREVIEW_ALGORITHMS = {"classification": ["xgboost", "logistic_regression"],
                      "regression": ["xgboost", "ridge"]}
PREVIEW_REPEATS = 3


def make_dataset(source: str) -> Dataset:
    if source == "synth":
        return Dataset(source=synth.make_table(40_000), target=synth.TARGET)
    return Dataset(source=source)


# ---------------------------------------------------------------------------- 1. advise
def make_loop(ds: Dataset, case: dict) -> ModelLoop:
    algorithms = case["algorithms"] or list(models.default_algorithms(ds.task_name))
    return ModelLoop(dataset=ds, algorithms=algorithms, repeats=case["repeats"], n_jobs=2,
                     cache=ResultCache())  # fresh every time


def plain_loop(ds: Dataset, loop: ModelLoop, entries) -> tuple[float, int, dict]:
    """Every distinct (training set, seed, algorithm) of the advice, fitted serially; the
    headline metric of each fit, keyed like the loop's fits."""
    states = {}
    for _, _, specs in entries:
        for spec in specs:
            for state in (spec, spec.baseline()):
                states.setdefault(state.training_key(), state)
    scores = {}
    with Timer() as t, threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for key, state in states.items():
            for seed in loop.seeds:
                shifted = shift_training_set(ds, state, random_state=seed)
                # The preprocessing on the training set, each estimator on its training-row
                # budget's stratified sample (the settings policy's 10,000), as the loop.
                prep = models.make_preprocessor(ds.kinds)
                X_fit = np.asarray(prep.fit_transform(shifted.X), dtype=np.float64)
                X_test = np.asarray(prep.transform(ds.X_test), dtype=np.float64)
                y_fit = np.asarray(shifted.y)
                for name in loop.algorithms:
                    algorithm = models.get(name, ds.task_name)
                    sample = budget_rows(y_fit, loop.budget_for(algorithm), seed)
                    estimator = algorithm.make(seed).fit(X_fit[sample], y_fit[sample])
                    y_pred = estimator.predict(X_test)
                    if ds.is_classification:
                        y_pred = np.asarray(y_pred).astype(np.int64)
                        score = f1_score(ds.y_test, y_pred, pos_label=ds.positive_index)
                    else:
                        score = r2_score(ds.y_test, y_pred)
                    scores[(key, name, seed)] = score
    return t.seconds, len(scores), scores


def _gap(advice, scores, seeds) -> float:
    """Largest |advise's delta - the plain loop's mean paired delta| over the cells."""
    gaps = []
    for c in advice.cells:
        spec = ShiftSpec(c.feature, c.group, c.ratio)
        # Adaptive seeds: the cell paired its first c.seeds seeds (the first ones, or all).
        paired = [scores[(spec.training_key(), c.algorithm, s)]
                  - scores[(spec.baseline().training_key(), c.algorithm, s)]
                  for s in seeds[:c.seeds]]
        gaps.append(abs(c.delta - float(np.mean(paired))))
    return float(max(gaps))


def one_advise_run(ds: Dataset, features: list[str], case: dict, log) -> dict:
    loop = make_loop(ds, case)
    loop.warm_up()
    with Timer() as cold_t:
        cold = advise(loop, features=features)
    with Timer() as warm_t:
        warm = advise(loop, features=features)
    # A user's session: the baseline, then the default group of the top feature halved and
    # doubled on the slider; the map then reuses those fits.
    moved = make_loop(ds, case)
    group = ds.default_group(features[0])
    with Timer() as moves_t:
        for ratio in DEFAULT_ADVISE_RATIOS:
            moved.run(ShiftSpec(features[0], group, ratio))
    with Timer() as after_t:
        after = advise(moved, features=features)
    entries = Plan.for_advice(loop, features=features).rows
    plain_seconds, plain_fits, scores = plain_loop(ds, loop, entries)
    out = {"cold": cold_t.seconds, "warm": warm_t.seconds, "after": after_t.seconds,
           "moves": moves_t.seconds, "plain": plain_seconds, "fits": cold.fits,
           "computed": cold.computed, "warm_computed": warm.computed,
           "after_reused": (after.fits - after.computed) / after.fits,
           "after_fits": after.fits, "after_computed": after.computed,
           "plain_fits": plain_fits, "cells": len(cold.cells),
           "advice": len(cold.advice), "gap": _gap(cold, scores, loop.seeds),
           "cold_ratio": cold_t.seconds / plain_seconds,
           "warm_ratio": warm_t.seconds / plain_seconds,
           "after_ratio": after_t.seconds / plain_seconds,
           "algorithms": list(loop.algorithms), "repeats": loop.repeats,
           "group": f"{features[0]} = {group}"}
    log(f"  cold {out['cold']:.1f} s ({out['computed']} of {out['fits']} fits), after moves "
        f"{out['after']:.1f} s ({out['after_reused']:.0%} reused), cached {out['warm']:.2f} s, "
        f"plain {out['plain']:.1f} s ({plain_fits} fits); max |delta gap| {out['gap']:.2g}")
    return out


def run_advise(runs: int, log=print) -> dict:
    out = {}
    for name, case in CASES.items():
        ds = make_dataset(case["source"])
        features = top_features(ds, case["top"])  # ranked before timing
        log(f"bench_advise: {name}, features {features}")
        loads, results = [load_average()], []
        for _ in range(runs):
            results.append(one_advise_run(ds, features, case, log))
            loads.append(load_average())
        keys = ("cold", "warm", "after", "plain", "cold_ratio", "warm_ratio", "after_ratio",
                "moves")
        summary = {k: median([r[k] for r in results]) for k in keys}
        first = results[0]
        summary.update({k: first[k] for k in ("fits", "computed", "after_reused", "after_fits",
                                              "after_computed", "cells",
                                              "advice", "plain_fits", "algorithms",
                                              "repeats", "group", "warm_computed")},
                       gap=max(r["gap"] for r in results), loads=loads, runs=runs,
                       features=features, rows=len(ds.frame), train_rows=len(ds.X_train))
        out[name] = summary
    return out


# ---------------------------------------------------------------------------- the slider
DELAY_POSITIONS = (0.25, 1.5, -0.8)  # slider positions the map does not compute


def slider_delay(log=print) -> dict:
    """A slider move's retrain on titanic (the dashboard's 4 default algorithms, 3 seeds, the
    baseline cached) with the machine idle and while the map computes in the background (as
    the tab does: a background prefetch of the map's states through a clone of the loop, the
    cheapest algorithm first). The same state is timed both ways, each on a fresh cache."""
    ds = Dataset(source="titanic")
    features = top_features(ds, 3)
    loop = ModelLoop(dataset=ds, algorithms=list(models.default_algorithms(ds.task_name)),
                     repeats=3, n_jobs=2, cache=ResultCache())
    loop.warm_up()
    map_specs = Plan.for_advice(loop, features=features).specs
    group = ds.default_group(features[0])
    idle, busy = [], []
    for ratio in DELAY_POSITIONS:
        spec = ShiftSpec(features[0], group, ratio)
        alone = loop.clone(cache=ResultCache())
        alone.run()  # the baseline, as shown before any move
        with Timer() as t:
            alone.run(spec)
        idle.append(t.seconds)
        shared = loop.clone(cache=ResultCache())
        shared.run()
        cheapest = min(shared.algorithms, key=lambda n: models.get(n, ds.task_name).cost)
        handle = shared.clone(algorithms=[cheapest]).prefetch(map_specs, background=True)
        handle.wait(1.0)  # the map's fits are in flight when the user moves
        with Timer() as t:
            shared.run(spec)
        busy.append(t.seconds)
        handle.cancel()
        handle.wait()
        log(f"  slider move to {ratio:+g}: {idle[-1]:.2f} s idle, {busy[-1]:.2f} s while the "
            "map computes")
    return {"idle": median(idle), "busy": median(busy), "positions": list(DELAY_POSITIONS),
            "group": f"{features[0]} = {group}", "cheapest": cheapest,
            "all_idle": idle, "all_busy": busy}


# ---------------------------------------------------------------------------- 2. preview
def grid_points(ds: Dataset, loop: ModelLoop, feature: str, group: str) -> dict:
    """Every slider position of one group, per algorithm: (KnownPoint, the retrain's verdict)."""
    specs = [ShiftSpec(feature, group, r) for r in SLIDER if r != 0]
    loop.prefetch(specs)
    metric = ds.headline_metric
    out = {}
    for spec in specs:
        run = loop.run(spec)
        for a in run.algorithms:
            if not a.ok or a.ci95 is None:
                continue
            low, high = a.ci95[metric]
            out[(a.algorithm, spec.ratio)] = (
                KnownPoint(spec.ratio, a.delta[metric], low, high, a.baseline[metric]),
                a.verdict[metric])
    return out


def score_preview(points: dict, algorithms, metric: str) -> dict[str, list]:
    """For each case, (estimate, retrain's point, retrain's verdict) of every position that
    case does not train."""
    found = {"map": [], "neighbours": []}
    for name in algorithms:
        known = {r: points[(name, r)] for r in SLIDER if (name, r) in points}
        for ratio, (truth, verdict) in known.items():
            if ratio in MAP_RATIOS:
                continue
            trained = [known[r][0] for r in MAP_RATIOS if r in known]
            found["map"].append((estimate(trained, ratio, algorithm=name, metric=metric),
                                 truth, verdict))
        for i, ratio in enumerate(SLIDER):
            if ratio == 0 or ratio not in known:
                continue
            sides = [SLIDER[j] for j in (i - 1, i + 1) if 0 <= j < len(SLIDER)]
            trained = [known[r][0] for r in sides if r in known]
            found["neighbours"].append((estimate(trained, ratio, algorithm=name,
                                                 metric=metric), known[ratio][0],
                                        known[ratio][1]))
    return found


def run_preview(log=print) -> dict:
    rows = {}
    for name in catalog():
        ds = Dataset(source=name)
        feature = top_features(ds, 1)[0]
        algorithms = PREVIEW_ALGORITHMS[ds.task_name]
        loop = ModelLoop(dataset=ds, algorithms=algorithms, repeats=PREVIEW_REPEATS, n_jobs=2,
                         cache=ResultCache())
        table_ = ds.groups(feature)
        groups = [g for g, n in zip(table_["group"], table_["train_rows"]) if n >= 10]
        found = {"map": [], "neighbours": []}
        with Timer() as t:
            for group in groups:
                points = grid_points(ds, loop, feature, group)
                for case, items in score_preview(points, algorithms,
                                                 ds.headline_metric).items():
                    found[case] += items
        for case, items in found.items():
            rows[(name, case)] = _preview_stats(items) | {
                "feature": feature, "groups": len(groups), "seconds": t.seconds,
                "algorithms": algorithms}
        log(f"  preview {name}: {feature}, {len(groups)} groups, {t.seconds:.0f} s; " + "; ".join(
            f"{c} agree {rows[(name, c)]['agree']:.0%} MAE {rows[(name, c)]['mae']:.4f}"
            for c in found))
    return rows


def _preview_stats(items) -> dict:
    """Coverage, verdict agreement and mean absolute error of the estimated change; the same
    error for the naive guess 'no change' beside it."""
    made = [(e, truth, v) for e, truth, v in items if e is not None]
    errors = [abs(e.delta - truth.delta) for e, truth, _ in made]
    agree = [e.verdict == v for e, _, v in made]
    real = [(e, v) for e, _, v in made if v != "within noise"]
    return {"positions": len(items), "estimated": len(made),
            "agree": float(np.mean(agree)) if agree else float("nan"),
            "mae": float(np.mean(errors)) if errors else float("nan"),
            "naive_mae": float(np.mean([abs(truth.delta) for _, truth, _ in made]))
            if made else float("nan"),
            "real": len(real), "real_found": sum(e.verdict == v for e, v in real),
            "called_real": sum(e.verdict != "within noise" for e, _, _ in made),
            "called_wrong": sum(e.verdict != "within noise" and e.verdict != v
                                for e, _, v in made)}


# ---------------------------------------------------------------------------- report
def run(runs: int = 2, log=print) -> dict:
    return {"advise": run_advise(runs, log), "slider": slider_delay(log),
            "preview": run_preview(log)}


def section(s: dict) -> str:
    advise_rows, notes = [], []
    for name, a in s["advise"].items():
        advise_rows += [
            {"data": name, "advise run": "fresh cache",
             "median": f"{a['cold']:.1f} s", "fits computed": f"{a['computed']} of {a['fits']}",
             "reused from the cache": f"{(a['fits'] - a['computed']) / a['fits']:.0%}",
             "plain loop": f"{a['plain']:.1f} s",
             "ratio": f"{a['cold_ratio']:.2f}x"},
            {"data": name, "advise run": f"after the slider moved {a['group']} to -0.5 and +1",
             "median": f"{a['after']:.1f} s",
             "fits computed": f"{a['after_computed']} of {a['after_fits']}",
             "reused from the cache": f"{a['after_reused']:.0%}",
             "plain loop": f"{a['plain']:.1f} s", "ratio": f"{a['after_ratio']:.2f}x"},
            {"data": name, "advise run": "again, all cached", "median": f"{a['warm']:.2f} s",
             "fits computed": f"{a['warm_computed']} of {a['fits']}",
             "reused from the cache": f"{(a['fits'] - a['warm_computed']) / a['fits']:.0%}",
             "plain loop": f"{a['plain']:.1f} s",
             "ratio": f"{a['warm_ratio']:.3f}x"}]
        notes.append(
            f"- **{name}** ({a['rows']:,} rows, {a['train_rows']:,} training): features "
            f"{', '.join(a['features'])}, every group with at least 10 training rows, ratios "
            f"-0.5 and +1, algorithms {', '.join(a['algorithms'])}, {a['repeats']} seeds: "
            f"{a['cells']} cells, {a['fits']} distinct fits ({a['plain_fits']} in the plain "
            f"loop), {a['advice']} beyond the noise after BH. The cells' changes equal the plain "
            f"loop's paired F1/R² changes: largest gap {a['gap']:.2g}. Median of {a['runs']} "
            f"runs; load average {' -> '.join(a['loads'])}.")
    preview_rows = []
    for (name, case), p in s["preview"].items():
        preview_rows.append({
            "dataset": name, "trained": ("the map's ratios -0.5, 0, +1" if case == "map"
                                         else "both neighbouring slider positions"),
            "positions": p["positions"], "estimated": p["estimated"],
            "verdict agrees": f"{p['agree']:.0%}",
            "real changes found": f"{p['real_found']} of {p['real']}",
            "called real, wrongly": f"{p['called_wrong']} of {p['called_real']}",
            "MAE of the change": f"{p['mae']:.4f}",
            "MAE of 'no change'": f"{p['naive_mae']:.4f}"})
    totals = {}
    for (name, case), p in s["preview"].items():
        t = totals.setdefault(case, {"n": 0, "agree": 0.0, "err": 0.0, "naive": 0.0})
        t["n"] += p["estimated"]
        t["agree"] += p["agree"] * p["estimated"]
        t["err"] += p["mae"] * p["estimated"]
        t["naive"] += p["naive_mae"] * p["estimated"]
    overall = "; ".join(
        f"{'map ratios only' if case == 'map' else 'neighbours trained'}: the verdict agrees "
        f"in {t['agree'] / t['n']:.0%} of {t['n']} estimates, mean absolute error "
        f"{t['err'] / t['n']:.4f} (guessing 'no change': {t['naive'] / t['n']:.4f})"
        for case, t in totals.items())
    first = next(iter(s["preview"].values()))
    d = s["slider"]
    delay = (f"**Does the map delay the slider?** A move of {d['group']} to "
             f"{', '.join(f'{r:+g}' for r in d['positions'])} on titanic (4 default algorithms, "
             f"3 seeds, baseline cached, each state on a fresh cache both times): median "
             f"{d['idle']:.2f} s with no map computing, {d['busy']:.2f} s while the map's "
             f"background prefetch ({d['cheapest']} first) is fitting "
             f"({d['busy'] / d['idle']:.2f}x). A background prefetch submits no fit while the "
             "move computes; what the move waits for is the map's fits already in a worker "
             f"(at most one per worker). Each: idle "
             f"{', '.join(f'{v:.2f}' for v in d['all_idle'])} s; busy "
             f"{', '.join(f'{v:.2f}' for v in d['all_busy'])} s.")
    return f"""## Where data helps: advise and the instant preview (`bench_advise.py`, issue 14)

`distviz.advise.advise(ModelLoop(n_jobs=2, cache=ResultCache()))` (the pool warmed, features
ranked before timing) against a plain loop: every distinct (training set, seed, algorithm) as
`shift_training_set`, the preprocessor fitted on it and the estimator on its training-row
budget's stratified sample (the loop's), serially under `threadpool_limits(1)`, scoring the same
test set, with every seed (advise's adaptive seeds fit a shifted set's first seeds and the rest
only where they may change the call: "fits computed" below against the plain loop's). "After the slider moved" is a fresh cache
where the baseline and the top feature's default group at -0.5 and +1 were run first (what a
user halving and doubling it on the slider computes): those fits are reused, not refitted.

{table(advise_rows, ["data", "advise run", "median", "fits computed", "reused from the cache",
                     "plain loop", "ratio"])}

{chr(10).join(notes)}

{delay}

**The instant preview.** For every bundled dataset, every group (at least 10 training rows) of
its top feature by Gini importance was trained at every slider position
({', '.join(f'{r:+g}' for r in SLIDER if r)}) with {', '.join(first['algorithms'])} (regression:
xgboost, ridge) and {PREVIEW_REPEATS} seeds. Each position was then estimated the way the
dashboard does (`distviz.preview.estimate` from the nearest trained ratios: interpolated between
them, the nearest one beyond them) and compared with its own retrain: does the estimate's
verdict (better / worse only when the neighbours' noise band around it excludes 0) equal the
retrain's per-cell verdict, and how far is the estimated change from the retrain's. Beside it
the error of guessing "no change" (0). Overall — {overall}.

{table(preview_rows, ["dataset", "trained", "positions", "estimated", "verdict agrees",
                      "real changes found", "called real, wrongly", "MAE of the change",
                      "MAE of 'no change'"])}

*Positions* are the (group, ratio, algorithm) cells a case does not train; *estimated* those
with an estimate (none when only the baseline lies on that side). *Real changes found*: of the
cells whose retrain is beyond the noise, how many the estimate called the same way. Most cells
are within the noise, so agreement is high largely because both say "within noise"; the
preview is a hint while the retrain runs, and the dashboard labels it as an estimate.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("advise", section(run(args.runs)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
