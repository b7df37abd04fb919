"""Regenerate the technical write-up from real sweeps: ``make report`` / ``python -m docs.make_report``.

1. runs a sweep per dataset (top features by Gini importance, each one's default group, the
   default ratios, the default algorithms, several seeds) and saves the tidy tables to
   ``docs/results/<dataset>.csv`` with the run's metadata in ``docs/results/meta.json``;
2. draws the figures in ``docs/figures/`` from those tables;
3. runs ``distviz advise`` per dataset (every group of the top ``ADVISE_TOP`` features, halved
   and doubled, the same algorithms and seeds) and saves it to
   ``docs/results/<dataset>_advice.json`` (the ``distviz advise --json`` object);
4. renders ``docs/writeup.md`` from ``docs/writeup.md.j2``: every number in it is computed here
   from the saved results (``tests/test_report.py`` re-renders it and recomputes the tables).

``--render-only`` skips steps 1 and 3 and rebuilds figures and text from the saved results.
Fits are read from and written to the on-disk result cache (``$DISTVIZ_CACHE_DIR`` or
``~/.cache/distviz``) unless ``--no-cache`` is given, so a second run is quick.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

from distviz.metrics import LOWER_IS_BETTER
from distviz.stats import flagged_by_chance
from distviz.sweep import paired_lead, summarize, winners

DOCS = Path(__file__).resolve().parent
RESULTS = DOCS / "results"
FIGURES = DOCS / "figures"
IMAGES = DOCS / "images"
TEMPLATE = "writeup.md.j2"
WRITEUP = DOCS / "writeup.md"

DATASETS = ("titanic", "breast_cancer", "penguins", "diabetes", "superstore")
TOP = 3
REPEATS = 3
# The advise runs, small so `make report` stays affordable (superstore's sweep alone fits for
# minutes): every group of the top 3 features (as the dashboard's map), halved and doubled, two
# fast algorithms, the sweeps' seeds.
ADVISE_TOP = 3
ADVISE_ALGORITHMS = {"classification": ["xgboost", "logistic_regression"],
                     "regression": ["xgboost", "ridge"]}
TINY_GROUP = 10  # training rows below which the write-up warns that a group is tiny
METRIC_LABELS = {"f1": "F1", "r2": "R²", "recall": "recall", "specificity": "specificity",
                 "rmse": "RMSE", "mae": "MAE", "precision": "precision",
                 "accuracy": "accuracy", "balanced_accuracy": "balanced accuracy",
                 "roc_auc": "ROC AUC"}
_FORMULA = re.compile(r"^'(?=[=+\-@\t\r])")


# ---------------------------------------------------------------------------- 1. sweeps
def run_sweeps(names=DATASETS, *, use_cache: bool = True, n_jobs: int = 2) -> dict:
    """Run every sweep, save its table and return the metadata written to meta.json."""
    from dataclasses import asdict

    from distviz import models
    from distviz.data import Dataset
    from distviz.importance import rank_features
    from distviz.loop import ModelLoop, ResultCache, default_cache_dir
    from distviz.output import neutralise_csv
    from distviz.sweep import DEFAULT_RATIOS, Sweep, write_table

    RESULTS.mkdir(parents=True, exist_ok=True)
    cache = ResultCache(default_cache_dir()) if use_cache else ResultCache()
    meta = {"datasets": {}}
    for name in names:
        dataset = Dataset(source=name)
        loop = ModelLoop(dataset=dataset, n_jobs=n_jobs, cache=cache)
        sweep = Sweep(dataset=dataset, loop=loop, top=TOP, method="gini",
                      ratios=list(DEFAULT_RATIOS), repeats=REPEATS)
        features = sweep.resolved_features()
        print(f"{name}: sweeping {', '.join(features)} ...", flush=True)
        table = sweep.run(progress=_progress(name))
        write_table(table, RESULTS / f"{name}.csv")
        ranking = rank_features(dataset, method="gini")
        neutralise_csv(ranking).to_csv(RESULTS / f"{name}_ranking.csv", index=False)
        algorithms = sweep.resolved_algorithms()
        meta["datasets"][name] = {
            "summary": dataset.summary(),
            "test_size": dataset.test_size, "n_bins": dataset.n_bins,
            "split_seed": dataset.random_state,
            "features": features,
            "groups": {f: dataset.groups(f).to_dict("records") for f in features},
            "algorithms": algorithms,
            "labels": {a: models.get(a, dataset.task_name).label for a in algorithms},
            "budgets": {a: models.get(a, dataset.task_name).max_train_rows
                        for a in algorithms},
            "ratios": sweep.resolved_ratios(), "repeats": REPEATS,
            "stats": asdict(sweep.stats),
        }
        print(f"{name}: {sweep.stats.fits} fits, {sweep.stats.computed} computed, "
              f"{sweep.stats.seconds:.0f} s", flush=True)
    meta["environment"] = _environment(n_jobs)
    (RESULTS / "meta.json").write_text(json.dumps(meta, indent=2, default=_json_default) + "\n")
    return meta


def run_advice(names=DATASETS, *, use_cache: bool = True, n_jobs: int = 2) -> None:
    """``advise`` per dataset, saved as ``docs/results/<dataset>_advice.json``."""
    from distviz.advise import advise
    from distviz.data import Dataset
    from distviz.loop import ModelLoop, ResultCache, default_cache_dir
    from distviz.output import to_json

    RESULTS.mkdir(parents=True, exist_ok=True)
    cache = ResultCache(default_cache_dir()) if use_cache else ResultCache()
    for name in names:
        dataset = Dataset(source=name)
        loop = ModelLoop(dataset=dataset, n_jobs=n_jobs, cache=cache, repeats=REPEATS,
                         algorithms=ADVISE_ALGORITHMS[dataset.task_name])
        print(f"{name}: advise over the top {ADVISE_TOP} features ...", flush=True)
        result = advise(loop, top=ADVISE_TOP, progress=_progress(f"{name} advise"))
        saved = result.to_dict()  # the `distviz advise --json` object, and the group tables
        saved["groups"] = {f: dataset.groups(f).to_dict("records") for f in result.features}
        (RESULTS / f"{name}_advice.json").write_text(to_json(saved) + "\n")
        print(f"{name}: {result.fits} fits, {result.computed} computed, "
              f"{result.seconds:.0f} s", flush=True)


def _progress(name):
    if not sys.stderr.isatty():
        return None
    from tqdm import tqdm
    bar = tqdm(desc=name, unit="fit", leave=False)

    def update(done, total, _fit):
        bar.total = total
        bar.n = done
        bar.refresh()
        if done == total:
            bar.close()
    return update


def _environment(n_jobs: int) -> dict:
    import importlib
    modules = {"distviz": "distviz", "scikit-learn": "sklearn", "xgboost": "xgboost",
               "imbalanced-learn": "imblearn", "pandas": "pandas", "numpy": "numpy"}
    versions = {name: importlib.import_module(module).__version__
                for name, module in modules.items()}
    return {"python": platform.python_version(), "cpus": os.cpu_count(), "n_jobs": n_jobs,
            "machine": platform.machine(), "packages": versions,
            "date": time.strftime("%Y-%m-%d", time.gmtime())}


def _json_default(value):
    if isinstance(value, np.generic):
        return value.item()
    raise TypeError(f"cannot store {type(value).__name__} in meta.json")


# ---------------------------------------------------------------------------- loading
def read_table(path: Path) -> pd.DataFrame:
    """A saved sweep or ranking table, with CSV formula-neutralising undone on text cells."""
    table = pd.read_csv(path)
    for column in table.columns:
        if pd.api.types.is_string_dtype(table[column]) or \
                pd.api.types.is_object_dtype(table[column]):
            table[column] = table[column].map(
                lambda v: _FORMULA.sub("", v) if isinstance(v, str) else v)
    return table


def load_results(directory: Path = RESULTS) -> dict:
    """meta.json and every dataset's sweep and ranking tables."""
    meta = json.loads((directory / "meta.json").read_text())
    tables = {name: read_table(directory / f"{name}.csv") for name in meta["datasets"]}
    rankings = {name: read_table(directory / f"{name}_ranking.csv")
                for name in meta["datasets"]}
    advice = {name: json.loads((directory / f"{name}_advice.json").read_text())
              for name in meta["datasets"] if (directory / f"{name}_advice.json").exists()}
    return {"meta": meta, "tables": tables, "rankings": rankings, "advice": advice}


# ---------------------------------------------------------------------------- numbers
def fmt(value, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{round(float(value), digits) + 0.0:.{digits}f}"  # + 0.0: no "-0.000"


def signed(value, digits: int = 3) -> str:
    if value is None or not np.isfinite(value):
        return "n/a"
    return f"{round(float(value), digits) + 0.0:+.{digits}f}"


def interval(low, high, digits: int = 3, *, sign: bool = True) -> str:
    """``[low, high]``; changes carry their sign (``sign=True``), levels do not."""
    if low is None or not (np.isfinite(low) and np.isfinite(high)):
        return "n/a"
    show = signed if sign else fmt

    def bound(value):  # a bound that is not 0 never prints as 0: it decides the verdict
        more = value != 0 and round(float(value), digits) == 0
        return show(value, digits + 2 if more else digits)
    return f"[{bound(low)}, {bound(high)}]"


def ratio_text(ratio: float) -> str:
    return f"{ratio:+g}" if ratio else "0"


def verdict(low, high) -> str:
    """How the write-up names a change: 'up' / 'down' when its interval excludes 0."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no interval"
    return "up" if low > 0 else "down" if high < 0 else "noise"


def md_table(key: str, header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table between markers that tests/test_report.py finds and checks."""
    lines = [f"<!-- table:{key} -->", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines.append("<!-- /table -->")
    return "\n".join(lines)


def cell_stats(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean over repeats and 95 % interval of ``column`` (a metric, or ``delta_<metric>``) per
    (feature, group, ratio, algorithm), in table order: the sweep's own per-cell intervals
    (distviz.stats: seed, resampling draw and test sample; ``distviz.sweep.summarize``).

    For a change, ``p`` is its p-value and ``real`` its verdict after Benjamini–Hochberg over
    the table's shifted cells at a false-discovery rate of 5 %: "up", "down", "noise", or "no
    interval"; call it on a dataset's whole table so the family is the whole sweep."""
    metric = column.removeprefix("delta_")
    summary = summarize(table, metric)
    keys = ["feature", "group", "ratio", "algorithm"]
    if column.startswith("delta_"):
        out = summary[keys + ["delta", "ci_low", "ci_high", "p_value", "significant_bh"]].rename(
            columns={"delta": "mean", "ci_low": "low", "ci_high": "high", "p_value": "p"})
        out["real"] = [real_change(m, lo, hi, bh) for m, lo, hi, bh in
                       zip(out["mean"], out["low"], out["high"], out["significant_bh"])]
        return out.drop(columns="significant_bh")
    out = summary[keys + ["value", "value_low", "value_high"]].rename(
        columns={"value": "mean", "value_low": "low", "value_high": "high"})
    return out


def real_change(mean, low, high, controlled) -> str:
    """A change's name in the write-up: beyond the noise after Benjamini–Hochberg ('up' /
    'down'), 'noise', or 'no interval'."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no interval"
    if controlled is not True and controlled is not np.True_:
        return "noise"
    return "up" if mean > 0 else "down"


def baseline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The ratio-0 rows (the same fits under every feature: take the first feature's)."""
    first = table["feature"].iloc[0]
    return table[(table["ratio"] == 0) & (table["feature"] == first)]


def dataset_context(name: str, table: pd.DataFrame, ranking: pd.DataFrame, meta: dict) -> dict:
    """Every number the write-up says about one dataset, with its tables."""
    info = meta["datasets"][name]
    summary = info["summary"]
    classification = summary["task"] == "classification"
    metric = "f1" if classification else "r2"
    sign = -1 if metric in LOWER_IS_BETTER else 1
    label = METRIC_LABELS[metric]
    algorithms = list(info["algorithms"])
    ratios = sorted(table["ratio"].unique())
    down, up = min(ratios), max(ratios)
    features = list(dict.fromkeys(table["feature"]))
    groups = {f: table.loc[table["feature"] == f, "group"].iloc[0] for f in features}

    # Baseline: every algorithm at ratio 0.
    base = baseline_rows(table)
    side = ["recall", "specificity"] if classification else ["rmse", "mae"]
    base_rows, base_values = [], {}
    base_levels = cell_stats(base, metric).set_index("algorithm")
    for algorithm in algorithms:
        cell = base[base["algorithm"] == algorithm]
        mean, low, high = base_levels.loc[algorithm, ["mean", "low", "high"]]
        base_values[algorithm] = mean
        base_rows.append([algorithm, fmt(mean), interval(low, high, sign=False)]
                         + [fmt(cell[m].mean()) for m in side]
                         + [fmt(cell["train_rows_used"].mean(), 0), fmt(cell["fit_seconds"].mean(), 2)])
    best_base = max(algorithms, key=lambda a: sign * base_values[a])
    runner_up = max((a for a in algorithms if a != best_base), key=lambda a: sign * base_values[a])
    lead = paired_lead(table, features[0], 0.0, best_base, runner_up, metric)
    baseline_table = md_table(
        f"{name}:baseline",
        ["algorithm", label, "95 % interval", *(METRIC_LABELS[m] for m in side),
         "training rows used", "fit seconds"], base_rows)

    # The swept features and their groups.
    gini = ranking.set_index("feature")["gini"]
    kinds = ranking.set_index("feature")["kind"]
    feature_rows, feature_info = [], []
    train_rows = summary["train_rows"]
    for rank, feature in enumerate(features, start=1):
        group_table = pd.DataFrame(info["groups"][feature]).set_index("group")
        n_group = int(group_table.loc[groups[feature], "train_rows"])
        feature_info.append({"feature": feature, "group": groups[feature], "rows": n_group,
                             "share": n_group / train_rows, "kind": kinds[feature],
                             "n_groups": len(group_table), "rank": rank,
                             "rows_down": int(round(n_group * (1 + down))),
                             "rows_up": int(round(n_group * (1 + up)))})
        feature_rows.append([rank, feature, kinds[feature], fmt(gini[feature]),
                             f"`{groups[feature]}`", len(group_table), n_group,
                             f"{100 * n_group / train_rows:.1f} %"])
    features_table = md_table(
        f"{name}:features",
        ["rank", "feature", "kind", "Gini importance", "group shifted", "groups",
         "group training rows", "share of training set"], feature_rows)

    # Who wins at each ratio: named only when the lead over every other algorithm is beyond
    # the noise (distviz.sweep.winners), else "within noise: ...".
    best_cells = winners(summarize(table, metric))
    winner_rows, changes = [], []
    for ratio in ratios:
        row = [ratio_text(ratio)]
        for feature in features:
            best = best_cells[(best_cells["feature"] == feature)
                              & (best_cells["ratio"] == ratio)].iloc[0]
            row.append(f"{best['best']} {fmt(best['value'])}")
            if best["leader"] != best_base:
                d, lo, hi = paired_lead(table, feature, ratio, best["leader"], best_base,
                                        metric)
                changes.append({"feature": feature, "group": groups[feature],
                                "ratio": ratio_text(ratio), "best": best["leader"],
                                "value": fmt(best["value"]), "lead": signed(d),
                                "interval": interval(lo, hi), "verdict": verdict(lo, hi),
                                "real": bool(np.isfinite(lo) and lo > 0)})
        winner_rows.append(row)
    winners_table = md_table(f"{name}:winners",
                             ["ratio", *(f"`{f} = {groups[f]}`" for f in features)],
                             winner_rows)
    leads_table = md_table(
        f"{name}:leads",
        ["feature", "ratio", "best", label, f"lead over {best_base}", "95 % interval",
         "verdict"],
        [[c["feature"], c["ratio"], c["best"], c["value"], c["lead"], c["interval"],
          "real lead" if c["real"] else "within the noise"] for c in changes]) \
        if changes else None

    # Effects: the change against baseline at the extremes, and where it is real.
    deltas = cell_stats(table, f"delta_{metric}")
    effect_rows, per_feature = [], []
    for feature in features:
        fd = deltas[deltas["feature"] == feature]
        feature_summary = {"feature": feature, "group": groups[feature], "down": {}, "up": {}}
        for algorithm in algorithms:
            ad = fd[fd["algorithm"] == algorithm].set_index("ratio")
            real = [f"{ratio_text(r)} {ad.loc[r, 'real']}" for r in ratios
                    if r != 0 and ad.loc[r, "real"] in ("up", "down")]
            effect_rows.append([feature, algorithm,
                                signed(ad.loc[down, "mean"]),
                                interval(ad.loc[down, "low"], ad.loc[down, "high"]),
                                signed(ad.loc[up, "mean"]),
                                interval(ad.loc[up, "low"], ad.loc[up, "high"]),
                                ", ".join(real) if real else "none"])
        for end, ratio in (("down", down), ("up", up)):
            at = fd[fd["ratio"] == ratio]
            verdicts = at["real"].tolist()
            feature_summary[end] = {
                "ratio": ratio_text(ratio), "mean": signed(at["mean"].mean()),
                "lowest": signed(at["mean"].min()), "highest": signed(at["mean"].max()),
                "real_up": verdicts.count("up"), "real_down": verdicts.count("down"),
                "noise": verdicts.count("noise"), "n": len(verdicts),
                "verdict": _verdict_sentence(verdicts)}
        per_feature.append(feature_summary)
    effects_table = md_table(
        f"{name}:effects",
        ["feature", "algorithm", f"Δ {label} at r = {ratio_text(down)}", "95 % interval",
         f"Δ {label} at r = {ratio_text(up)}", "95 % interval", "real changes (ratio, direction)"],
        effect_rows)

    # Sensitivity vs specificity (classification).
    sensspec_table, sensspec = None, []
    side_stats = {m: cell_stats(table, f"delta_{m}") for m in ("recall", "specificity")} \
        if classification else {}
    if classification:
        rows = []
        for feature in features:
            for ratio in (down, up):
                entry = [feature, ratio_text(ratio)]
                summary_entry = {"feature": feature, "ratio": ratio_text(ratio)}
                for m in ("recall", "specificity"):
                    st = side_stats[m]
                    st = st[(st["feature"] == feature) & (st["ratio"] == ratio)]
                    verdicts = st["real"].tolist()
                    entry += [signed(st["mean"].mean()),
                              f"{verdicts.count('up')} up, {verdicts.count('down')} down"]
                    summary_entry[m] = {"mean": signed(st["mean"].mean()),
                                        "up": verdicts.count("up"),
                                        "down": verdicts.count("down")}
                rows.append(entry)
                sensspec.append(summary_entry)
        sensspec_table = md_table(
            f"{name}:sensspec",
            ["feature", "ratio", "mean Δ recall (sensitivity)", "algorithms with a real change",
             "mean Δ specificity", "algorithms with a real change"], rows)

    # Noise: how many shifted cells moved beyond their interval.
    shifted = deltas[deltas["ratio"] != 0]
    verdicts = shifted["real"].tolist()
    real = shifted[[v in ("up", "down") for v in verdicts]]
    noise = shifted[[v == "noise" for v in verdicts]]
    per_cell = int(((shifted["low"] > 0) | (shifted["high"] < 0)).sum())
    chance = flagged_by_chance(len(shifted))
    biggest_real = real.loc[real["mean"].abs().idxmax()] if len(real) else None
    biggest_noise = noise.loc[noise["mean"].abs().idxmax()] if len(noise) else None
    identical = int(((real["high"] - real["low"]).abs() < 1e-12).sum())
    noise_row = [name, label, len(shifted), len(real), verdicts.count("up"),
                 verdicts.count("down"), per_cell, f"{chance.expected:.1f}", identical,
                 _describe(biggest_real), _describe(biggest_noise)]
    tiny = [f for f in feature_info if f["rows"] < TINY_GROUP]

    algorithm_rows = []
    for algorithm in algorithms:
        cells = shifted[shifted["algorithm"] == algorithm]
        cell_verdicts = cells["real"].tolist()
        algorithm_rows.append([name, algorithm, len(cells), fmt(cells["mean"].abs().mean()),
                               fmt(cells["mean"].abs().max()),
                               fmt((cells["high"] - cells["low"]).median()),
                               sum(v in ("up", "down") for v in cell_verdicts)])

    sensspec_totals = {}
    if classification:
        for m in ("recall", "specificity"):
            st = side_stats[m]
            st = st[st["ratio"] != 0]
            v = st["real"].tolist()
            sensspec_totals[m] = {"up": v.count("up"), "down": v.count("down"), "n": len(v)}

    stats = info["stats"]
    return {
        "name": name, "summary": summary, "classification": classification,
        "metric": metric, "label": label, "algorithms": algorithms,
        "labels": info["labels"], "budgets": info["budgets"],
        "ratios": [ratio_text(r) for r in ratios], "down": ratio_text(down),
        "up": ratio_text(up), "down_share": f"{100 * (1 + down):.0f} %",
        "up_factor": f"{1 + up:g}", "repeats": int(table["repeat"].max()) + 1,
        "features": feature_info, "best_base": best_base,
        "best_base_value": fmt(base_values[best_base]), "runner_up": runner_up,
        "runner_up_value": fmt(base_values[runner_up]), "lead": signed(lead[0]),
        "lead_interval": interval(lead[1], lead[2]), "lead_verdict": verdict(lead[1], lead[2]),
        "changes": changes, "real_changes": [c for c in changes if c["real"]],
        "lead_summary": _lead_summary(changes),
        "per_feature": per_feature, "sensspec": sensspec,
        "cells": len(shifted), "real": len(real), "per_cell": per_cell,
        "expected_by_chance": f"{chance.expected:.1f}", "chance_upper": chance.upper,
        "rows": len(table), "fits": stats["fits"], "computed": stats["computed"],
        "cached": stats["cached"], "seconds": f"{stats['seconds']:.0f}",
        "tables": {"baseline": baseline_table, "features": features_table,
                   "winners": winners_table, "leads": leads_table, "effects": effects_table,
                   "sensspec": sensspec_table},
        "noise_row": noise_row, "identical": identical, "tiny": tiny,
        "algorithm_rows": algorithm_rows, "sensspec_totals": sensspec_totals,
        "multiclass": classification and len(summary.get("classes", [])) > 2,
        "figures": {k: f"figures/{name}_{k}.png" for k in
                    (["curves", "delta", "sensspec"] if classification else ["curves", "delta"])},
    }


def _lead_summary(changes: list[dict]) -> str:
    real = sum(c["real"] for c in changes)
    if real:
        return (f"another algorithm takes the lead beyond the noise in {real} "
                f"cell{'s' if real != 1 else ''}")
    if changes:
        return (f"the lead changes hands in {len(changes)} cell{'s' if len(changes) != 1 else ''}"
                ", never by more than the noise")
    return "no shift takes the lead from it"


def _verdict_sentence(verdicts: list[str]) -> str:
    down, up = verdicts.count("down"), verdicts.count("up")
    if not down and not up:
        return f"no algorithm's change is beyond the noise ({len(verdicts)} of {len(verdicts)} within it)"
    parts = [f"{n} real {word}{'s' if n != 1 else ''}"
             for n, word in ((down, "decrease"), (up, "increase")) if n]
    return f"{' and '.join(parts)} of {len(verdicts)} algorithms, the rest within the noise"


def _describe(row) -> str:
    if row is None:
        return "none"
    return (f"{row['algorithm']}, `{row['feature']} = {row['group']}`, r = "
            f"{ratio_text(row['ratio'])}: {signed(row['mean'])} {interval(row['low'], row['high'])}")


def build_context(results: dict) -> dict:
    meta = results["meta"]
    datasets = [dataset_context(name, results["tables"][name], results["rankings"][name], meta)
                for name in meta["datasets"]]
    noise_table = md_table(
        "noise", ["dataset", "metric", "shifted cells", "real changes", "up", "down",
                  "beyond at 5 % per cell", "flagged by chance",
                  "identical on every seed", "largest real change",
                  "largest change within the noise"],
        [d["noise_row"] for d in datasets])
    algorithms_table = md_table(
        "algorithms", ["dataset", "algorithm", "shifted cells", "mean abs Δ", "largest abs Δ",
                       "median interval width", "real changes"],
        [row for d in datasets for row in d["algorithm_rows"]])
    first = datasets[0]
    steps = sorted(IMAGES.glob("step-*.png"), key=lambda p: _natural(p.name))
    return {
        "datasets": datasets, "by_name": {d["name"]: d for d in datasets},
        "noise_table": noise_table, "algorithms_table": algorithms_table,
        "environment": meta["environment"], "tiny_group": TINY_GROUP,
        "total_identical": sum(d["identical"] for d in datasets),
        "ratios": first["ratios"], "repeats": first["repeats"], "top": len(first["features"]),
        "test_share": f"{100 * meta['datasets'][first['name']]['test_size']:.0f} %",
        "n_bins": meta["datasets"][first["name"]]["n_bins"],
        "total_cells": sum(d["cells"] for d in datasets),
        "expected_by_chance": f"{flagged_by_chance(sum(d['cells'] for d in datasets)).expected:.0f}",
        "total_real": sum(d["real"] for d in datasets),
        "total_per_cell": sum(d["per_cell"] for d in datasets),
        "total_rows": sum(d["rows"] for d in datasets),
        "total_fits": sum(d["fits"] for d in datasets),
        "total_seconds": f"{sum(float(d['seconds']) for d in datasets):.0f}",
        "numeric_example": next((f"{f['feature']}: {f['group']}" for d in datasets
                                 for f in d["features"] if f["kind"] == "numeric"), "Q1 [a, b]"),
        "dashboard_image": (IMAGES / "dashboard.png").exists(),
        "step_images": [f"images/{p.name}" for p in steps],
        "distribution_figure": "figures/distribution.png",
        "advice": advice_context(results.get("advice", {})),
    }


# ---------------------------------------------------------------------------- where data helps
SHOWN_ADVICE = 5  # advice sentences quoted per dataset (the JSON holds them all)


def advice_context(advice: dict) -> dict | None:
    """Every number the "Where more data helps" section says, from the saved advise runs."""
    if not advice:
        return None
    datasets, rows = [], []
    for name, out in advice.items():
        cells = out["cells"]
        judged = [c for c in cells if c["verdict_bh"] is not None]
        better = [c for c in judged if c["verdict_bh"] == "better"]
        worse = [c for c in judged if c["verdict_bh"] == "worse"]
        chance = out["chance"]
        ranked = out["advice"]
        label = METRIC_LABELS.get(out["metric"], out["metric"])
        top = [{"sentence": a["sentence"], "group": a["group_sentence"]}
               for a in ranked[:SHOWN_ADVICE]]
        # The largest fall comes last in the advice (best improvement first).
        fall = next((a for a in reversed(ranked) if a["verdict_bh"] == "worse"), None)
        groups = len({(c["feature"], c["group"]) for c in cells})
        datasets.append({
            "name": name, "label": label, "features": _and(out["features"]), "groups": groups,
            "algorithms": out["algorithms"], "cells": len(cells), "judged": len(judged),
            "better": len(better), "worse": len(worse), "per_cell": chance["per_cell_flagged"],
            "expected": f"{chance['expected_by_chance']:.1f}", "top": top,
            "more": max(len(ranked) - SHOWN_ADVICE, 0),
            "worst": fall["sentence"] if fall is not None and fall not in ranked[:SHOWN_ADVICE]
            else None,
            "skipped": _skipped(out["skipped"]),
            "fits": out["fits"]["total"], "computed": out["fits"]["computed"],
            "seconds": f"{out['seconds']:.0f}", "figure": f"figures/{name}_advice.png"})
        best = ranked[0] if ranked and ranked[0]["verdict_bh"] == "better" else None
        rows.append([name, label, len(cells), len(better) + len(worse), len(better), len(worse),
                     chance["per_cell_flagged"], f"{chance['expected_by_chance']:.1f}",
                     best["sentence"] if best else "none"])
    first = next(iter(advice.values()))
    table_ = md_table("advice", ["dataset", "metric", "cells", "beyond the noise (BH)", "better",
                                 "worse", "beyond at 5 % per cell", "flagged by chance",
                                 "largest improvement"], rows)
    tasks = {}  # task -> its algorithms, as run
    for name, out in advice.items():
        tasks.setdefault(out["dataset"]["task"], out["algorithms"])
    return {"datasets": datasets, "table": table_, "top": len(first["features"]),
            "algorithms": "; ".join(f"{_and(names)} for {task}" for task, names in tasks.items()),
            "ratios": [ratio_text(r) for r in first["ratios"]], "repeats": first["repeats"],
            "fdr": f"{100 * first['multiple_comparisons']['fdr']:.0f} %",
            "cells": sum(d["cells"] for d in datasets),
            "beyond": sum(d["better"] + d["worse"] for d in datasets),
            "better": sum(d["better"] for d in datasets),
            "per_cell": sum(d["per_cell"] for d in datasets),
            "expected": f"{sum(float(d['expected']) for d in datasets):.0f}",
            "fits": sum(d["fits"] for d in datasets),
            "seconds": f"{sum(float(d['seconds']) for d in datasets):.0f}",
            "steps": [f"{edge:g}" for edge in _advice_steps()]}


def _and(names) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def _skipped(skipped: list[dict]) -> list[str]:
    """What was not shifted, one entry per group and reason (with the ratios it applies to)."""
    ratios: dict[tuple, list] = {}
    for s in skipped:
        ratios.setdefault((s["feature"], s["group"], s["reason"]), []).append(s["ratio"])
    return [f"`{feature} = {group}` at r = {_and(ratio_text(r) for r in rs)} ({reason})"
            for (feature, group, reason), rs in ratios.items()]


def _advice_steps():
    from distviz.views.advise_plots import STEPS
    return STEPS


def _natural(text: str):
    return [int(t) if t.isdigit() else t for t in re.split(r"(\d+)", text)]


def render(results: dict) -> str:
    """The write-up's Markdown, from the saved results only."""
    import jinja2
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(DOCS), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True, trim_blocks=True, lstrip_blocks=True,
                             autoescape=False)
    text = env.get_template(TEMPLATE).render(**build_context(results))
    return re.sub(r"\n{3,}", "\n\n", text)


# ---------------------------------------------------------------------------- 2. figures
def make_figures(results: dict) -> list[Path]:
    """Per dataset: the headline metric vs ratio, its change vs baseline, and (classification)
    the changes in recall and specificity; each with its 95 % band (distviz.stats)."""
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    FIGURES.mkdir(parents=True, exist_ok=True)
    plt.rcParams.update({"figure.dpi": 110, "font.size": 9, "axes.grid": True,
                         "grid.alpha": 0.3, "savefig.bbox": "tight"})
    written = []
    for name, table in results["tables"].items():
        metric = "f1" if "f1" in table.columns else "r2"
        label = METRIC_LABELS[metric]
        figures = {"curves": ([metric], f"{name}: {label} vs ratio (mean of seeds, 95 % band: seed and test sample)"),
                   "delta": ([f"delta_{metric}"],
                             f"{name}: change in {label} vs baseline (95 % band: seed and test sample)")}
        if metric == "f1":
            figures["sensspec"] = (["delta_recall", "delta_specificity"],
                                   f"{name}: change in recall (sensitivity) and specificity "
                                   "vs baseline")
        for kind, (columns, title) in figures.items():
            path = FIGURES / f"{name}_{kind}.png"
            _grid_figure(plt, table, columns, title, path)
            written.append(path)
    written.append(_distribution_figure(results, plt))
    for name, advice in results.get("advice", {}).items():
        written.append(_advice_figure(plt, name, advice))
    return written


def _advice_figure(plt, name: str, advice: dict) -> Path:
    """The dashboard's map of an advise run: groups x algorithms per ratio, coloured (the
    dashboard's colours) only beyond the noise after Benjamini–Hochberg, each cell labelled
    with its change."""
    from matplotlib.colors import to_rgb

    from distviz.advise import Cell, Skipped
    from distviz.views.advise_plots import cell_frame, colour_of

    cells = [Cell(**c) for c in advice["cells"]]
    skipped = [Skipped(**s) for s in advice["skipped"]]
    rows = list(dict.fromkeys((c.feature, c.group) for c in cells))
    algorithms, ratios = advice["algorithms"], advice["ratios"]
    frame = cell_frame(cells, rows, algorithms, ratios, skipped)
    label = METRIC_LABELS.get(advice["metric"], advice["metric"])
    fig, axes = plt.subplots(1, len(ratios), squeeze=False, sharey=True,
                             figsize=(1.2 + 1.25 * len(algorithms) * len(ratios),
                                      1.3 + 0.32 * len(rows)))
    for ax, ratio in zip(axes[0], ratios):
        at = frame[frame["ratio"] == ratio].set_index(["row", "algorithm"])
        labels = [f"{f} = {g}" for f, g in rows]
        image = np.ones((len(rows), len(algorithms), 3))
        for i, row in enumerate(labels):
            for j, algorithm in enumerate(algorithms):
                cell = at.loc[(row, algorithm)]
                image[i, j] = to_rgb(colour_of(cell["shade"], cell["state"]))
                ax.text(j, i, cell["text"], ha="center", va="center", fontsize=7)
        ax.imshow(image, aspect="auto")
        ax.set_xticks(range(len(algorithms)), algorithms, rotation=30, ha="right", fontsize=8)
        ax.set_yticks(range(len(rows)), labels, fontsize=8)
        ax.set_title(f"r = {ratio_text(ratio)}: change in {label}", fontsize=9)
        ax.grid(False)
    fig.suptitle(f"{name}: where more (or fewer) rows help; colour only beyond the noise "
                 "(Benjamini–Hochberg), grey within it", fontsize=9)
    fig.tight_layout()
    path = FIGURES / f"{name}_advice.png"
    fig.savefig(path)
    plt.close(fig)
    return path


def _grid_figure(plt, table, columns, title, path) -> None:
    """One row per column, one panel per feature, one line + band per algorithm."""
    from distviz.views.sweep_plots import algorithm_colors

    algorithms = list(dict.fromkeys(table["algorithm"]))
    colors = algorithm_colors(algorithms)
    features = list(dict.fromkeys(table["feature"]))
    fig, axes = plt.subplots(len(columns), len(features), squeeze=False,
                             figsize=(4.2 * len(features), 3.0 * len(columns) + 0.4))
    for row, column in enumerate(columns):
        for ax, feature in zip(axes[row], features):
            sub = table[table["feature"] == feature]
            for algorithm in algorithms:
                st = cell_stats(sub[sub["algorithm"] == algorithm], column)
                ax.fill_between(st["ratio"], st["low"].fillna(st["mean"]),
                                st["high"].fillna(st["mean"]), color=colors[algorithm],
                                alpha=0.15, linewidth=0)
                ax.plot(st["ratio"], st["mean"], color=colors[algorithm], marker="o",
                        markersize=3, label=algorithm)
            if column.startswith("delta_"):
                ax.axhline(0, color="#444444", linewidth=0.8)
            ax.axvline(0, color="#999999", linewidth=0.8, linestyle=":")
            ax.set_title(f"{feature} = {sub['group'].iloc[0]}", fontsize=9)
            if row == len(columns) - 1:
                ax.set_xlabel("ratio r (group rows x (1 + r))")
        name = column.removeprefix("delta_")
        axes[row][0].set_ylabel(("change in " if column.startswith("delta_") else "")
                                + METRIC_LABELS.get(name, name))
    handles, labels = axes[0][0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="lower center", ncol=len(algorithms), frameon=False,
               bbox_to_anchor=(0.5, -0.06 / len(columns)))
    fig.suptitle(title, fontsize=10)
    fig.tight_layout()
    fig.savefig(path)
    plt.close(fig)


def _distribution_figure(results, plt) -> Path:
    """Group sizes of the first dataset's first swept feature at a few ratios (the counts are
    the sweep's own ``group_rows`` and ``train_rows`` columns)."""
    name, table = next(iter(results["tables"].items()))
    meta = results["meta"]["datasets"][name]
    feature = table["feature"].iloc[0]
    group = table["group"].iloc[0]
    groups = pd.DataFrame(meta["groups"][feature])
    groups = groups[groups["train_rows"] > 0]
    ratios = sorted(table["ratio"].unique())
    shown = [r for r in (min(ratios), 0.0, 1.0, max(ratios)) if r in ratios]
    fig, ax = plt.subplots(figsize=(7, 3))
    width = 0.8 / len(shown)
    for k, ratio in enumerate(shown):
        row = table[(table["feature"] == feature) & (table["ratio"] == ratio)].iloc[0]
        counts = [row["group_rows"] if g == group else n
                  for g, n in zip(groups["group"], groups["train_rows"])]
        total = row["train_rows"]
        ax.bar(np.arange(len(groups)) + (k - (len(shown) - 1) / 2) * width,
               np.asarray(counts) / total, width, label=f"r = {ratio_text(ratio)}")
    ax.set_xticks(np.arange(len(groups)), groups["group"], rotation=0)
    ax.set_ylabel("share of training rows")
    ax.set_title(f"{name}: training distribution of {feature} as the {group} group is "
                 "shifted (the test set is unchanged)", fontsize=9)
    ax.legend(frameon=False, fontsize=8)
    path = FIGURES / "distribution.png"
    fig.savefig(path)
    plt.close(fig)
    return path


# ---------------------------------------------------------------------------- main
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m docs.make_report", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--render-only", action="store_true",
                        help="rebuild figures and text from docs/results without sweeping")
    parser.add_argument("--no-cache", action="store_true",
                        help="fit everything again instead of reading the on-disk cache")
    parser.add_argument("--datasets", default=",".join(DATASETS),
                        help="comma-separated bundled datasets (default %(default)s)")
    parser.add_argument("--n-jobs", type=int, default=2)
    args = parser.parse_args(argv)
    started = time.perf_counter()
    if not args.render_only:
        names = [n for n in args.datasets.split(",") if n]
        run_sweeps(names, use_cache=not args.no_cache, n_jobs=args.n_jobs)
        run_advice(names, use_cache=not args.no_cache, n_jobs=args.n_jobs)
    results = load_results()
    figures = make_figures(results)
    WRITEUP.write_text(render(results))
    print(f"wrote {WRITEUP.relative_to(DOCS.parent)} and {len(figures)} figures in "
          f"{time.perf_counter() - started:.0f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
