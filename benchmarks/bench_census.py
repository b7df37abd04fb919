"""A user's own 50,000-row census-shaped file, engine only (issue 28): the baseline and one cold
move with every seed, the dashboard's default algorithms and settings (the settings policy),
against the plain serial scikit-learn loop over the same rows in the same run; every metric of
every fit must equal the plain loop's. ``--profile`` prints where the loop's time goes
(cProfile of this process and of one worker's fits, run serially).

    python -m benchmarks.bench_census [--rows 50000] [--runs 2] [--profile]
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
import pandas as pd
from imblearn.under_sampling import RandomUnderSampler
from sklearn import metrics as skm
from threadpoolctl import threadpool_limits

from benchmarks._common import Timer, budget_rows, load_average, median, report, table

FEATURE, GROUP, RATIO = "marital_status", "Never-married", -0.5
METRICS = ("f1", "precision", "recall", "specificity", "accuracy", "balanced_accuracy",
           "roc_auc")


def make_census(n_rows: int = 50_000, seed: int = 0) -> pd.DataFrame:
    """Shaped like the adult census: 6 numeric and 8 categorical columns, missing values (where
    the real file has '?': workclass, occupation, native country; some ages and hours), a
    rare positive class (about 8 %)."""
    rng = np.random.default_rng(seed)

    def pick(values, p=None):
        return rng.choice(values, size=n_rows, p=p).astype(object)

    marital = pick(["Married-civ-spouse", "Never-married", "Divorced", "Separated", "Widowed",
                    "Married-spouse-absent", "Married-AF-spouse"],
                   [0.4603, 0.33, 0.136, 0.031, 0.029, 0.013, 0.0007])
    education = pick([f"edu-{i}" for i in range(16)])
    education_num = np.array([int(e.split("-")[1]) + 1 for e in education])
    age = rng.integers(17, 90, n_rows).astype(float)
    hours = rng.integers(1, 99, n_rows).astype(float)
    gain = np.where(rng.random(n_rows) < 0.92, 0, rng.lognormal(8, 1, n_rows).round())
    loss = np.where(rng.random(n_rows) < 0.95, 0, rng.lognormal(7, 0.5, n_rows).round())
    sex = pick(["Male", "Female"], [0.67, 0.33])
    score = (1.2 * (marital == "Married-civ-spouse") + 0.18 * education_num + 0.02 * age
             + 0.015 * hours + 0.4 * (sex == "Male") + 0.3 * (gain > 0)
             + rng.normal(0, 1, n_rows))
    income = np.where(score > np.quantile(score, 0.92), ">50K", "<=50K")
    frame = pd.DataFrame({
        "age": age, "workclass": pick(["Private", "Self-emp-not-inc", "Self-emp-inc",
                                       "Local-gov", "State-gov", "Federal-gov", "Without-pay"],
                                      [0.70, 0.08, 0.035, 0.065, 0.04, 0.03, 0.05]),
        "fnlwgt": rng.lognormal(12, 0.5, n_rows).round(), "education": education,
        "education_num": education_num.astype(float), "marital_status": marital,
        "occupation": pick([f"occupation-{i}" for i in range(14)]),
        "relationship": pick(["Husband", "Not-in-family", "Own-child", "Unmarried", "Wife",
                              "Other-relative"], [0.40, 0.26, 0.15, 0.10, 0.05, 0.04]),
        "race": pick(["White", "Black", "Asian-Pac-Islander", "Amer-Indian-Eskimo", "Other"],
                     [0.85, 0.096, 0.031, 0.0096, 0.0134]),
        "sex": sex, "capital_gain": gain, "capital_loss": loss, "hours_per_week": hours,
        "native_country": pick([f"country-{i}" for i in range(41)]),
        "income": income,
    })
    for column, share in (("workclass", 0.057), ("occupation", 0.057),
                          ("native_country", 0.018), ("age", 0.01), ("hours_per_week", 0.01)):
        frame.loc[rng.random(n_rows) < share, column] = np.nan
    return frame


# ---------------------------------------------------------------- the plain loop (no distviz)
def shifted_rows(X_train: pd.DataFrame, seed: int) -> np.ndarray:
    """The training rows after halving the group (imbalanced-learn's under-sampler)."""
    in_group = (X_train[FEATURE] == GROUP).to_numpy()
    keep = int(round(in_group.sum() * (1 + RATIO)))
    sampler = RandomUnderSampler(sampling_strategy={1: keep}, random_state=seed)
    sampler.fit_resample(np.arange(len(in_group)).reshape(-1, 1), in_group.astype(int))
    return np.sort(sampler.sample_indices_)


def cpu_seconds() -> float:
    """CPU time of this process and its children (the worker pool) so far: a figure other
    work on the machine disturbs less than wall-clock time."""
    import psutil
    me = psutil.Process()
    total = sum(me.cpu_times()[:2])
    for child in me.children(recursive=True):
        try:
            total += sum(child.cpu_times()[:2])
        except psutil.Error:
            pass
    return total


def plain_scores(estimator, X) -> np.ndarray:
    """The positive class's score: predict_proba, or an SVC's decision squashed by a logistic."""
    if hasattr(estimator, "predict_proba"):
        return estimator.predict_proba(X)[:, 1]
    return 1.0 / (1.0 + np.exp(-estimator.decision_function(X)))


def plain_loop(ds, algorithms, seeds, budgets, test_budgets,
               wanted=None) -> tuple[dict, float, float]:
    """What a user would write, serially: per state and seed, the preprocessing fitted on the
    training set, each estimator on its row budget's stratified sample, every metric from
    scikit-learn on the test set (a slow predictor's on its test-row sample). ``wanted``: the
    (state, name, seed) fits to make (the loop's, with adaptive seeds), default all. Returns
    ({(state, name, seed): metrics}, seconds, CPU seconds)."""
    from distviz import models
    out = {}
    cpu = cpu_seconds()
    with Timer() as t, threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for state in ("baseline", "shifted"):
            for seed in seeds:
                chosen = [a for a in algorithms
                          if wanted is None or (state, a.name, seed) in wanted]
                if not chosen:
                    continue
                rows = (np.arange(len(ds.y_train)) if state == "baseline"
                        else shifted_rows(ds.X_train, seed))
                X, y = ds.X_train.iloc[rows], ds.y_train[rows]
                prep = models.make_preprocessor(ds.kinds)
                X_fit = np.asarray(prep.fit_transform(X), dtype=np.float64)
                X_test = np.asarray(prep.transform(ds.X_test), dtype=np.float64)
                for algorithm in chosen:
                    sample = budget_rows(y, budgets[algorithm.name], seed)
                    estimator = algorithm.make(seed).fit(X_fit[sample], y[sample])
                    scored = budget_rows(ds.y_test, test_budgets[algorithm.name], 0)
                    y_pred = np.asarray(estimator.predict(X_test[scored])).astype(np.int64)
                    out[(state, algorithm.name, seed)] = plain_metrics(
                        ds.y_test[scored], y_pred, plain_scores(estimator, X_test[scored]))
    return out, t.seconds, cpu_seconds() - cpu


def plain_metrics(y_true, y_pred, score) -> dict[str, float]:
    return {"f1": skm.f1_score(y_true, y_pred, zero_division=0),
            "precision": skm.precision_score(y_true, y_pred, zero_division=0),
            "recall": skm.recall_score(y_true, y_pred, zero_division=0),
            "specificity": skm.recall_score(y_true, y_pred, pos_label=0, zero_division=0),
            "accuracy": skm.accuracy_score(y_true, y_pred),
            "balanced_accuracy": skm.balanced_accuracy_score(y_true, y_pred),
            "roc_auc": skm.roc_auc_score(y_true, score)}


# ---------------------------------------------------------------- the loop
def make_dataset(n_rows: int):
    from distviz.data import Dataset
    ds = Dataset(source=make_census(n_rows), target="income")
    assert ds.positive_index == 1, ds.classes  # the plain loop scores class 1: ">50K"
    return ds


def loop_run(ds, n_jobs: int) -> dict:
    """Baseline, then one cold move, with a fresh cache and a warm pool (the dashboard's)."""
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import ShiftSpec
    loop = ModelLoop(dataset=ds, cache=ResultCache(), n_jobs=n_jobs)
    loop.warm_up()
    spec = ShiftSpec(FEATURE, GROUP, RATIO)
    cpu = cpu_seconds()
    with Timer() as base_t:
        baseline = loop.run(spec.baseline())
    with Timer() as move_t:
        moved = loop.run(spec)
    fits = {}
    for name, run in (("baseline", baseline), ("shifted", moved)):
        for result in run.algorithms:
            for fit in result.fits:
                assert fit.error is None, fit.error
                fits[(name, result.algorithm, fit.seed)] = fit
    return {"loop": loop, "baseline": base_t.seconds, "move": move_t.seconds,
            "total": base_t.seconds + move_t.seconds, "cpu": cpu_seconds() - cpu, "fits": fits}


def check_equal(fits: dict, plain: dict) -> int:
    """Every metric of every fit equals the plain loop's (exactly); returns the fits checked."""
    assert set(fits) == set(plain), (sorted(fits), sorted(plain))
    for key, fit in fits.items():
        for metric in METRICS:
            assert fit.metrics[metric] == plain[key][metric], (key, metric, fit.metrics[metric],
                                                               plain[key][metric])
    return len(fits)


def one_run(ds, n_jobs: int) -> dict:
    out = loop_run(ds, n_jobs)
    loop = out.pop("loop")
    algorithms = loop.resolved_algorithms()
    test_budgets = {a.name: getattr(loop, "test_budget_for", lambda a: None)(a)
                    for a in algorithms}
    # The same fits as the loop's (adaptive seeds: fewer than every seed everywhere).
    plain, plain_seconds, plain_cpu = plain_loop(
        ds, algorithms, loop.seeds, {a.name: loop.budget_for(a) for a in algorithms},
        test_budgets, wanted=set(out["fits"]))
    out.update(plain=plain_seconds, ratio=out["total"] / plain_seconds, plain_cpu=plain_cpu,
               cpu_ratio=out["cpu"] / plain_cpu, test_budgets=test_budgets,
               checked=check_equal(out.pop("fits"), plain), seeds=loop.seeds,
               names=[a.name for a in algorithms], settings=loop.stated_settings(),
               every_seed=2 * len(loop.seeds) * len(algorithms))
    return out


def profile(ds, top: int = 14) -> str:
    """cProfile of the whole engine path run serially in this process (n_jobs=1), so
    the fits' own time is counted: the top functions by cumulative and by own time."""
    import cProfile
    import io
    import pstats
    # Wall-clock: a CPU-time timer inflates code of many small Python calls several times.
    profiler = cProfile.Profile()
    profiler.enable()
    loop_run(ds, n_jobs=1)
    profiler.disable()
    text = io.StringIO()
    stats = pstats.Stats(profiler, stream=text)
    stats.sort_stats("cumulative").print_stats(top * 3)
    stats.sort_stats("tottime").print_stats(top)
    return text.getvalue()


def run(n_rows: int = 50_000, runs: int = 2, n_jobs: int = 2, log=print) -> dict:
    with Timer() as t:
        ds = make_dataset(n_rows)
    log(f"bench_census: {n_rows:,} rows ({len(ds.X_train):,} train / {len(ds.X_test):,} "
        f"test, {np.mean(ds.y_train == ds.positive_index):.1%} positive), built in "
        f"{t.seconds:.2f} s")
    results, loads = [], [load_average()]
    for k in range(runs):
        results.append(one_run(ds, n_jobs))
        r = results[-1]
        log(f"  run {k + 1}/{runs}: baseline {r['baseline']:.2f} s + move {r['move']:.2f} s = "
            f"{r['total']:.2f} s; plain loop {r['plain']:.2f} s -> {r['ratio']:.2f}x; CPU "
            f"{r['cpu']:.1f} s vs {r['plain_cpu']:.1f} s; {r['checked']} fits, every metric "
            f"equal")
        loads.append(load_average())
    summary = {k: median([r[k] for r in results])
               for k in ("baseline", "move", "total", "plain", "ratio", "cpu", "plain_cpu",
                         "cpu_ratio")}
    summary.update(runs=runs, loads=loads, n_rows=n_rows, n_jobs=n_jobs, all=results,
                   train_rows=len(ds.X_train), test_rows=len(ds.X_test),
                   checked=results[-1]["checked"], seeds=results[-1]["seeds"],
                   names=results[-1]["names"], settings=results[-1]["settings"],
                   test_budgets=results[-1]["test_budgets"],
                   every_seed=results[-1]["every_seed"],
                   fits_per_run=[r["checked"] for r in results])
    return summary


def section(s: dict) -> str:
    rows = [{"figure": "baseline (every seed)", "median": f"{s['baseline']:.2f} s"},
            {"figure": "one cold move, ratio -0.5 (every fit it asks for)",
             "median": f"{s['move']:.2f} s"},
            {"figure": "baseline + move", "median": f"{s['total']:.2f} s"},
            {"figure": f"fits, baseline + move (every seed everywhere: {s['every_seed']})",
             "median": f"{median(s['fits_per_run']):.0f}"},
            {"figure": "plain serial loop, same fits", "median": f"{s['plain']:.2f} s"},
            {"figure": "ratio (loop / plain)", "median": f"{s['ratio']:.2f}x"},
            {"figure": "CPU seconds, loop (this process + workers)", "median": f"{s['cpu']:.1f} s"},
            {"figure": "CPU seconds, plain loop", "median": f"{s['plain_cpu']:.1f} s"},
            {"figure": "CPU ratio (loop / plain)", "median": f"{s['cpu_ratio']:.2f}x"}]
    sampled = {n: r for n, r in s["test_budgets"].items() if r and s["test_rows"] > r}
    scored = ("every test row scored" if not sampled else "every test row scored except by " +
              ", ".join(f"{n} (a seeded stratified sample of {r:,}: its test-row budget)"
                        for n, r in sampled.items()))
    per_run = ", ".join(f"{r['total']:.2f} s / {r['plain']:.2f} s" for r in s["all"])
    budgets = s["settings"]["algorithm_budgets"]
    return f"""## A 50,000-row census-shaped file, engine only (`bench_census.py`, issue 28)

Generated table (`bench_census.make_census`): {s['n_rows']:,} rows, 6 numeric + 8 categorical
columns, missing values in 5 columns, 8 % positives; frozen split {s['train_rows']:,} train /
{s['test_rows']:,} test. The dashboard's defaults: algorithms {', '.join(s['names'])}, the
settings policy's seeds {s['seeds']} and budgets {budgets}. Loop: `ModelLoop(n_jobs={s['n_jobs']})`,
background off, fresh cache, warm pool: the baseline run, then the move `{FEATURE} =
{GROUP}`, ratio {RATIO} (its baseline cached; adaptive seeds: the move's first seeds, the rest only
where they may change the call). Plain loop: the same {s['checked']} fits serially
(imbalanced-learn's under-sampler for the same rows, the preprocessing fitted on each training
set, each estimator on the same stratified budget sample, {scored}, metrics from scikit-learn);
**every metric of every fit is asserted equal** to the loop's. CPU seconds count the loop's
worker processes too (wall-clock time on a shared 2-core machine follows the load). Median of {s['runs']} runs (loop / plain
per run: {per_run}); 1-minute load: {' -> '.join(s['loads'])} (2 cores, shared).

{table(rows, ["figure", "median"])}
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--n-jobs", type=int, default=2)
    parser.add_argument("--profile", action="store_true", help="print a cProfile and stop")
    parser.add_argument("--no-write", action="store_true", help="print only")
    args = parser.parse_args(argv)
    if args.profile:
        print(profile(make_dataset(args.rows)))
        return 0
    return report("census", section(run(args.rows, args.runs, args.n_jobs)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
