"""Sweep on titanic (3 features x 9 ratios x 4 algorithms x 3 repeats) vs a plain serial loop,
and the same sweep on a 2-worker dask LocalCluster, all in the same run.

Plain loop: for every distinct training set (each feature's shifted sets plus the one shared
baseline) and seed, ``shift_training_set`` then, per algorithm, ``Pipeline([preprocessor,
estimator])`` fitted serially on the same rows (the SVM's budget does not bind on titanic),
predicting and scoring the frozen test set, under ``threadpool_limits(1)``.

    python -m benchmarks.bench_sweep [--runs 2]
"""

from __future__ import annotations

import argparse
import sys
import warnings

import numpy as np
from sklearn.metrics import f1_score
from threadpoolctl import threadpool_limits

from benchmarks._common import Timer, load_average, median, report, table, verdict
from distviz import models
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.loop.fit import class_scores
from distviz.shift import shift_training_set
from distviz.sweep import DEFAULT_RATIOS, Sweep

TARGET = 0.45  # issue 28 (issue 26's was 0.55)
FEATURES = ["sex", "class", "age"]  # all three of titanic's features


def make_sweep(ds: Dataset, **extra) -> Sweep:
    loop = ModelLoop(dataset=ds, cache=ResultCache(), n_jobs=2)  # fresh cache every time
    return Sweep(dataset=ds, features=FEATURES, ratios=list(DEFAULT_RATIOS), repeats=3,
                 loop=loop, **extra)


def plain_loop(ds: Dataset, sweep: Sweep) -> tuple[float, int, list]:
    """Every distinct (training set, seed, algorithm) of the sweep, fitted serially."""
    names = sweep.resolved_algorithms()
    states = {}
    for _, _, specs in sweep.plan():
        for spec in specs:
            states.setdefault(spec.training_key(), spec)
    seeds = [sweep.seed + k for k in range(sweep.repeats)]
    fits, f1s = 0, []
    with Timer() as t, threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for spec in states.values():
            for seed in seeds:
                shifted = shift_training_set(ds, spec, random_state=seed)
                for name in names:
                    pipe = models.make_full_pipeline(models.get(name, ds.task_name), ds.kinds,
                                                     seed)
                    pipe.fit(shifted.X, shifted.y)
                    y_pred = np.asarray(pipe.predict(ds.X_test)).astype(np.int64)
                    class_scores(pipe, ds.X_test, len(ds.classes))
                    f1s.append((spec.training_key(), name, seed,
                                f1_score(ds.y_test, y_pred, pos_label=ds.positive_index)))
                    fits += 1
    return t.seconds, fits, f1s


def one_run(ds: Dataset, log) -> dict:
    sweep = make_sweep(ds)
    sweep.make_loop().warm_up()
    with Timer() as local_t:
        local_table = sweep.run()
    local_stats = sweep.stats
    with Timer() as cached_t:
        sweep.run()
    dask_sweep = make_sweep(ds, scheduler="local")
    with Timer() as dask_t:
        dask_sweep.run()
    dask_stats = dask_sweep.stats
    plain_seconds, plain_fits, f1s = plain_loop(ds, sweep)
    # the sweep's numbers must be the plain loop's numbers (same pipelines, rows and seeds)
    by_key = {(r.feature, r.ratio, r.algorithm, r.repeat): r.f1
              for r in local_table.itertuples()}
    gap = _f1_gap(local_table, f1s, sweep)
    out = {"local": local_t.seconds, "cached": cached_t.seconds, "dask": dask_t.seconds,
           "plain": plain_seconds, "fits": local_stats.fits, "computed": local_stats.computed,
           "dask_computed": dask_stats.computed, "plain_fits": plain_fits,
           "local_ratio": local_t.seconds / plain_seconds,
           "dask_ratio": dask_t.seconds / plain_seconds,
           "cached_ratio": cached_t.seconds / plain_seconds, "f1_gap": gap,
           "rows": len(by_key),
           # seconds the workers spent fitting (the baseline rows of ratio 0 counted once)
           "worker_seconds": float(local_table.loc[(local_table["ratio"] != 0) | (
               local_table["feature"] == FEATURES[0]), "fit_seconds"].sum())}
    log(f"  local {out['local']:.1f} s ({out['computed']} fits), cached {out['cached']:.2f} s, "
        f"dask {out['dask']:.1f} s, plain {out['plain']:.1f} s ({plain_fits} fits) -> "
        f"{out['local_ratio']:.2f}x / dask {out['dask_ratio']:.2f}x; max |F1 gap| {gap:.2g}")
    return out


def _f1_gap(table_, f1s, sweep) -> float:
    """Largest |F1 sweep - F1 plain| over the sweep's rows (matched by training set)."""
    plain = {(key, name, seed): f1 for key, name, seed, f1 in f1s}
    gaps = []
    for _, _, specs in sweep.plan():
        for spec in specs:
            rows = table_[(table_["feature"] == spec.feature) & (table_["ratio"] == spec.ratio)]
            for r in rows.itertuples():
                seed = sweep.seed + int(r.repeat)
                gaps.append(abs(r.f1 - plain[(spec.training_key(), r.algorithm, seed)]))
    return float(max(gaps))


def run(runs: int = 2, log=print) -> dict:
    ds = Dataset(source="titanic")
    log(f"bench_sweep: titanic, features {FEATURES}, ratios {list(DEFAULT_RATIOS)}")
    loads, results = [load_average()], []
    for _ in range(runs):
        results.append(one_run(ds, log))
        loads.append(load_average())
    keys = ("local", "cached", "dask", "plain", "local_ratio", "dask_ratio", "cached_ratio",
            "worker_seconds")
    summary = {k: median([r[k] for r in results]) for k in keys}
    summary.update(runs=runs, loads=loads, all=results, fits=results[0]["fits"],
                   plain_fits=results[0]["plain_fits"],
                   f1_gap=max(r["f1_gap"] for r in results), rows=results[0]["rows"])
    return summary


def section(s: dict) -> str:
    rows = [
        {"figure": "sweep, local 2-process pool, fresh cache", "median": f"{s['local']:.1f} s",
         "reference": f"plain loop {s['plain']:.1f} s", "ratio": f"{s['local_ratio']:.2f}x",
         "target": f"<= {TARGET}x", "verdict": verdict(s["local_ratio"], TARGET)},
        {"figure": "same sweep, dask LocalCluster (2 workers, started by the sweep)",
         "median": f"{s['dask']:.1f} s", "reference": f"plain loop {s['plain']:.1f} s",
         "ratio": f"{s['dask_ratio']:.2f}x", "target": "recorded beside it", "verdict": "-"},
        {"figure": "same sweep again, all cached", "median": f"{s['cached']:.2f} s",
         "reference": f"plain loop {s['plain']:.1f} s", "ratio": f"{s['cached_ratio']:.4f}x",
         "target": "-", "verdict": "-"},
    ]
    why = (f"\nThe sweep submits its whole grid at once (`ModelLoop.prefetch`), so both "
           f"workers stay busy across ratios; the fits themselves took {s['worker_seconds']:.1f} "
           f"s of worker time (median), i.e. at best {s['worker_seconds'] / 2:.1f} s on 2 "
           f"workers = {s['worker_seconds'] / 2 / s['plain']:.2f}x of the plain loop.\n")
    if s["local_ratio"] > TARGET:
        why += ("\n**Why the local target is missed:** 2 cores are shared by the 2 workers and "
                "the main process, which shifts and preprocesses each of the grid's training "
                "sets and ships every fit's matrices to a worker; with titanic's fits taking "
                "~0.1 s each, these fixed costs are a large share, and any other load on the "
                "machine (see the load average) takes a core from the workers. The table's "
                f"intervals are part of it too: reading the whole grid back from the cache, "
                f"which is mostly the paired bootstrap of every cell (issue 12's honest "
                f"intervals), takes {s['cached']:.1f} s of the sweep's {s['local']:.1f} s.\n")
    return f"""## Sweep vs plain serial loop (`bench_sweep.py`)

titanic, features {', '.join(FEATURES)} (each shifted in its smallest group), ratios
{', '.join(f'{r:g}' for r in DEFAULT_RATIOS)}, the 4 default algorithms, 3 repeats:
{s['rows']} table rows, {s['fits']} distinct fits (the baseline is shared by all features).
Sweep: `distviz.sweep.Sweep(loop=ModelLoop(n_jobs=2, cache=ResultCache()))`, pool warmed
before timing; dask: the same with `scheduler="local"` (the sweep starts and stops its own
2-worker LocalCluster; start-up included). Plain loop: every distinct (training set, seed,
algorithm) as `shift_training_set` + `Pipeline([preprocessor, estimator])` fitted serially
under `threadpool_limits(1)`, scoring the same test set ({s['plain_fits']} fits). The sweep's
F1 equals the plain loop's: largest gap {s['f1_gap']:.2g}. Adaptive seeds (the settings
policy's): each shifted set's first 2 seeds, the third only where it may change the call, so the
sweep needs {s['fits']} of the {s['plain_fits']} fits the plain loop makes with every seed (its
rows are the fits made; `--all-seeds` makes them all). Median of {s['runs']} runs; 1-minute
load average before/after each run: {' -> '.join(s['loads'])}.

{table(rows, ["figure", "median", "reference", "ratio", "target", "verdict"])}
{why}"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("sweep", section(run(args.runs)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
