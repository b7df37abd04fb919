"""Calibration of ``distviz.noise.paired_delta`` on a synthetic population with a known answer.

One training set is drawn from a population with four groups of different sizes and signal.
Each cell is one algorithm, one group, one ratio (the group's training rows become
``round(n_g * (1 + r))``: under-sampling without replacement, or random duplicates) and one
*replication*: its own frozen test set (independent rows of the population) and its own seeds
(a seed sets the model's ``random_state`` and the resampling draw). The cell's interval comes
from ``paired_delta`` on the frozen test set; the true delta is the mean over the *other*
replications' seeds of the metric delta on a large independent test set (the population).

Reported: coverage of the nominal 95 % intervals of F1 and R² deltas (and of the other
metrics), the same for the old method (t-interval over seeds on one frozen test set), the A/A
false-positive rate (two runs that differ only in seeds, compared on one frozen test set),
the power to detect a planted effect (a group whose training labels are coin flips: removing
it helps), single-seed coverage, and the time of ``paired_delta``.

    python -m benchmarks.bench_calibration [--replications 8] [--no-write]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from threadpoolctl import threadpool_limits

from benchmarks._common import Timer, load_average, median, report, table
from distviz import metrics as scoring
from distviz import noise

GROUP_SHARES = (0.45, 0.30, 0.15, 0.10)
GROUP_SHIFT = (-0.5, 0.0, 0.5, 1.0)      # mean of x0 per group
GROUP_INTERCEPT = (0.0, 0.6, -0.6, 1.0)
GROUP_SLOPE = (1.0, -1.0, 0.5, 2.0)      # slope of x2 per group: what a shift can teach
N_FEATURES = 6


@dataclass(frozen=True)
class Design:
    """Sizes of one calibration run (the test uses a smaller one than the benchmark)."""

    classifiers: tuple[str, ...] = ("logistic_regression", "decision_tree", "random_forest",
                                    "hist_gradient_boosting")
    regressors: tuple[str, ...] = ("ridge", "decision_tree", "random_forest")
    ratios: tuple[float, ...] = (-0.75, -0.5, 1.0, 2.0)
    groups: tuple[int, ...] = (0, 1, 2, 3)
    train_rows: int = 1_000
    test_rows: int = 500            # each replication's frozen test set
    population_rows: int = 50_000   # the large independent test set
    seeds: int = 5                  # per replication and arm
    replications: int = 6
    n_boot: int = 200
    forest_trees: int = 20
    power_group: int = 3            # its training labels are coin flips (a bad data source)
    power_ratio: float = -1.0       # ... and the shift removes them
    power_algorithms: tuple[str, ...] = ("logistic_regression", "decision_tree",
                                         "random_forest")
    power_test_rows: tuple[int, ...] = (500, 2_000)
    power_replications: int = 20
    random_state: int = 0
    timing_rows: int = 10_000


# ---------------------------------------------------------------------------- population
def population(n: int, rng: np.random.Generator, task: str) -> tuple[np.ndarray, np.ndarray,
                                                                     np.ndarray]:
    """Rows of the population: features (numeric + group one-hot), target, group code."""
    group = rng.choice(len(GROUP_SHARES), size=n, p=GROUP_SHARES)
    x = rng.normal(size=(n, N_FEATURES))
    x[:, 0] += np.take(GROUP_SHIFT, group)
    signal = (1.2 * x[:, 0] - 0.8 * x[:, 1] + np.take(GROUP_SLOPE, group) * x[:, 2]
              + np.take(GROUP_INTERCEPT, group) + 0.7 * x[:, 3] * x[:, 4])
    if task == "classification":
        y = (rng.random(n) < 1 / (1 + np.exp(-(signal - 0.5)))).astype(np.int64)
    else:
        y = signal + np.sin(2 * x[:, 5]) + rng.normal(0, np.take((1.0, 1.0, 1.5, 0.7), group))
    features = np.column_stack([x, np.eye(len(GROUP_SHARES))[group]])
    return features, y, group


def shifted_rows(group: np.ndarray, target: int, ratio: float, seed: int) -> np.ndarray:
    """Training rows after the shift (semantics 3): the group's rows become
    ``round(n_g * (1 + ratio))``; others untouched. Under-sampling draws without replacement,
    up-sampling keeps every row and adds random duplicates of the group's rows."""
    rng = np.random.default_rng([seed, 7])
    members = np.flatnonzero(group == target)
    others = np.flatnonzero(group != target)
    n_target = round(len(members) * (1 + ratio))
    if ratio < 0:
        kept = rng.choice(members, size=n_target, replace=False)
    else:
        kept = np.concatenate([members, rng.choice(members, size=n_target - len(members))])
    return np.sort(np.concatenate([others, kept]))


def make_model(name: str, task: str, seed: int, trees: int):
    from sklearn.ensemble import (
        HistGradientBoostingClassifier,
        RandomForestClassifier,
        RandomForestRegressor,
    )
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
    classification = task == "classification"
    if name == "logistic_regression":
        return LogisticRegression(max_iter=1000, random_state=seed)
    if name == "ridge":
        return Ridge(alpha=1.0)
    if name == "decision_tree":
        tree = DecisionTreeClassifier if classification else DecisionTreeRegressor
        return tree(min_samples_leaf=5, max_depth=8, random_state=seed)
    if name == "random_forest":
        forest = RandomForestClassifier if classification else RandomForestRegressor
        return forest(n_estimators=trees, min_samples_leaf=3, n_jobs=1, random_state=seed)
    if name == "hist_gradient_boosting":
        return HistGradientBoostingClassifier(max_iter=40, random_state=seed)
    raise ValueError(f"unknown algorithm {name!r}")


@dataclass
class World:
    """One training set, the population test set and the replications' frozen test sets."""

    task: str
    X_train: np.ndarray
    y_train: np.ndarray
    group_train: np.ndarray
    X_eval: np.ndarray            # population rows, then every replication's test rows
    y_population: np.ndarray
    y_tests: list[np.ndarray]
    design: Design
    cache: dict = field(default_factory=dict)

    @property
    def n_population(self) -> int:
        return len(self.y_population)

    def predict(self, algorithm: str, group: int | None, ratio: float, seed: int,
                noisy_group: int | None = None):
        """(population metrics, [frozen-test predictions per replication]) of one fit."""
        key = (algorithm, group, ratio, seed, noisy_group)
        if key in self.cache:
            return self.cache[key]
        rows = (np.arange(len(self.y_train)) if ratio == 0
                else shifted_rows(self.group_train, group, ratio, seed))
        y = self.y_train
        if noisy_group is not None:
            y = noisy_labels(self.y_train, self.group_train, noisy_group)
        model = make_model(algorithm, self.task, seed, self.design.forest_trees)
        with threadpool_limits(1), warnings.catch_warnings():
            warnings.simplefilter("ignore")
            model.fit(self.X_train[rows], y[rows])
            if self.task == "classification":
                scores = np.zeros((len(self.X_eval), 2))
                scores[:, model.classes_.astype(int)] = model.predict_proba(self.X_eval)
                whole = (np.argmax(scores, axis=1).astype(np.int64), scores)
            else:
                whole = np.asarray(model.predict(self.X_eval), dtype=float)
        n, m = self.n_population, self.design.test_rows
        cut = (lambda a, lo, hi: (a[0][lo:hi], a[1][lo:hi])) if self.task == "classification" \
            else (lambda a, lo, hi: a[lo:hi])
        truth = _metrics(self.task, self.y_population, [cut(whole, 0, n)])
        tests = [cut(whole, n + j * m, n + (j + 1) * m) for j in range(len(self.y_tests))]
        self.cache[key] = (truth, tests)
        return truth, tests


def noisy_labels(y: np.ndarray, group: np.ndarray, target: int) -> np.ndarray:
    """Training labels of one group replaced by coin flips (a bad data source); fixed."""
    rng = np.random.default_rng(12345)
    return np.where(group == target, rng.integers(0, 2, len(y)), y)


def _metrics(task, y_true, predictions) -> dict[str, float]:
    if task == "classification":
        out = noise.classification_scores(y_true, predictions, n_classes=2, positive=1)
    else:
        out = noise.regression_scores(y_true, predictions)
    return {m: float(v[0, 0]) for m, v in out.items()}


def make_world(task: str, design: Design) -> World:
    rng = np.random.default_rng([design.random_state, 0 if task == "classification" else 1])
    X_train, y_train, group_train = population(design.train_rows, rng, task)
    X_pop, y_pop, _ = population(design.population_rows, rng, task)
    tests = [population(design.test_rows, rng, task) for _ in range(design.replications)]
    X_eval = np.vstack([X_pop] + [t[0] for t in tests])
    return World(task, X_train, y_train, group_train, X_eval, y_pop, [t[1] for t in tests],
                 design)


# ---------------------------------------------------------------------------- cells
def _seeds(design: Design, replication: int) -> list[int]:
    return [replication * design.seeds + i for i in range(design.seeds)]


def _old_interval(shifted, baseline, y_true, task, metric):
    """The old method: t-interval over seeds of per-seed deltas on the frozen test set."""
    a = _per_set(task, y_true, shifted, metric)
    b = _per_set(task, y_true, baseline, metric)
    return scoring.mean_ci(a - b)


def _per_set(task, y_true, predictions, metric):
    if task == "classification":
        out = noise.classification_scores(y_true, predictions, n_classes=2, metrics=[metric])
    else:
        out = noise.regression_scores(y_true, predictions, metrics=[metric])
    return out[metric][0]


def coverage_cells(world: World, metrics, seed_part: str = "sum") -> list[dict]:
    """One row per (algorithm, group, ratio, replication, metric): the interval and the truth."""
    d, task = world.design, world.task
    algorithms = d.classifiers if task == "classification" else d.regressors
    rows = []
    n_seeds_total = d.seeds * d.replications
    for algorithm in algorithms:
        base = [world.predict(algorithm, None, 0.0, s) for s in range(n_seeds_total)]
        for group in d.groups:
            for ratio in d.ratios:
                shifted = [world.predict(algorithm, group, ratio, s)
                           for s in range(n_seeds_total)]
                per_seed_truth = {m: np.array([shifted[s][0][m] - base[s][0][m]
                                               for s in range(n_seeds_total)])
                                  for m in metrics}
                for j, y_test in enumerate(world.y_tests):
                    seeds = _seeds(d, j)
                    others = [s for s in range(n_seeds_total) if s not in seeds]
                    a = [shifted[s][1][j] for s in seeds]
                    b = [base[s][1][j] for s in seeds]
                    effects = _paired(y_test, a, b, task, metrics, d, seed_part)
                    single = _paired(y_test, a[:1], b[:1], task, metrics, d, seed_part)
                    # A/A: the same configuration, the next replication's seeds as "baseline".
                    other_seeds = _seeds(d, (j + 1) % d.replications)
                    aa = _paired(y_test, a, [shifted[s][1][j] for s in other_seeds], task,
                                 metrics, d, seed_part)
                    for m in metrics:
                        e, truth = effects[m], float(per_seed_truth[m][others].mean())
                        _, old_low, old_high = _old_interval(a, b, y_test, task, m)
                        rows.append({
                            "task": task, "algorithm": algorithm, "group": group,
                            "ratio": ratio, "replication": j, "metric": m,
                            "delta": e.delta, "low": e.low, "high": e.high, "truth": truth,
                            "covered": e.low <= truth <= e.high, "significant": e.significant,
                            "se_test": e.se_test, "se_seed": e.se_seed,
                            "old_covered": bool(old_low <= truth <= old_high),
                            "single_covered": single[m].low <= truth <= single[m].high,
                            "single_test_only_covered": bool(
                                abs(single[m].delta - truth) <= 1.959964 * single[m].se_test),
                            "aa_significant": aa[m].significant,
                            "seed_sd_truth": float(per_seed_truth[m].std(ddof=1)),
                        })
    return rows


def _paired(y_test, a, b, task, metrics, design, seed_part):
    if seed_part == "sum":
        return noise.paired_delta(y_test, a, b, task=task, n_classes=2, metrics=metrics,
                                  n_boot=design.n_boot, random_state=design.random_state)
    # The rejected alternative, measured beside the method (docs/noise.md).
    return noise._paired_delta(y_test, a, b, task=task, n_classes=2, positive=None,
                               metrics=metrics, n_boot=design.n_boot, confidence=0.95,
                               sample_weight=None, single_seed_inflation=2.0,
                               auc_bins=noise.AUC_BINS, random_state=design.random_state,
                               seed_part=seed_part)


def power_cells(design: Design) -> list[dict]:
    """The planted effect: group ``power_group``'s training labels are coin flips (test labels
    stay clean); removing that group (``power_ratio``) improves F1. Each replication's frozen
    test set is evaluated whole and by its first rows, for each size in ``power_test_rows``."""
    sizes = sorted(design.power_test_rows)
    d = replace(design, replications=design.power_replications, test_rows=sizes[-1])
    world = make_world("classification", d)
    rows = []
    n_seeds_total = d.seeds * d.replications
    for algorithm in d.power_algorithms:
        base = [world.predict(algorithm, None, 0.0, s, noisy_group=d.power_group)
                for s in range(n_seeds_total)]
        shifted = [world.predict(algorithm, d.power_group, d.power_ratio, s,
                                 noisy_group=d.power_group) for s in range(n_seeds_total)]
        truth = float(np.mean([s[0]["f1"] - b[0]["f1"] for s, b in zip(shifted, base)]))
        for j, y_test in enumerate(world.y_tests):
            seeds = _seeds(d, j)
            for size in sizes:
                e = noise.paired_delta(y_test[:size],
                                       [_head(shifted[s][1][j], size) for s in seeds],
                                       [_head(base[s][1][j], size) for s in seeds],
                                       task="classification", n_classes=2, metrics=["f1"],
                                       n_boot=d.n_boot)["f1"]
                rows.append({"algorithm": algorithm, "test_rows": size, "truth": truth,
                             "delta": e.delta, "detected": e.verdict == "better",
                             "wrong_sign": e.verdict == "worse", "width": e.high - e.low,
                             "covered": e.low <= truth <= e.high})
    return rows


def _head(prediction, rows: int):
    """A classification prediction restricted to the first ``rows`` test rows."""
    return prediction[0][:rows], prediction[1][:rows]


def summarise_power(rows: list[dict]) -> list[dict]:
    out = []
    for algorithm in dict.fromkeys(r["algorithm"] for r in rows):
        for size in sorted({r["test_rows"] for r in rows}):
            p = [r for r in rows if r["algorithm"] == algorithm and r["test_rows"] == size]
            out.append({"algorithm": algorithm, "test_rows": size, "cells": len(p),
                        "truth": p[0]["truth"],
                        "rate": float(np.mean([r["detected"] for r in p])),
                        "wrong_sign": float(np.mean([r["wrong_sign"] for r in p])),
                        "coverage": float(np.mean([r["covered"] for r in p])),
                        "median_width": float(np.median([r["width"] for r in p]))})
    return out


# ---------------------------------------------------------------------------- timing
def time_paired_delta(n_rows: int = 10_000, n_seeds: int = 5, n_boot: int = 200,
                      task: str = "classification", runs: int = 7) -> float:
    """Median seconds of one ``paired_delta`` call (all metrics), n rows, n_seeds x 2 runs."""
    rng = np.random.default_rng(0)
    y = rng.integers(0, 2, n_rows) if task == "classification" else rng.normal(size=n_rows)

    def arm(noise_sd):
        if task == "regression":
            return [y + rng.normal(0, noise_sd, n_rows) for _ in range(n_seeds)]
        out = []
        for _ in range(n_seeds):
            p = np.clip(0.3 + 0.4 * y + rng.normal(0, noise_sd, n_rows), 0, 1)
            out.append(((p > 0.5).astype(np.int64), np.column_stack([1 - p, p])))
        return out
    shifted, baseline = arm(0.25), arm(0.26)
    noise.paired_delta(y, shifted, baseline, task=task, n_classes=2, n_boot=n_boot)  # warm
    seconds = []
    for _ in range(runs):
        with Timer() as t:
            noise.paired_delta(y, shifted, baseline, task=task, n_classes=2, n_boot=n_boot)
        seconds.append(t.seconds)
    return median(seconds)


# ---------------------------------------------------------------------------- run / section
def summarise(rows: list[dict], metric: str) -> dict:
    picked = [r for r in rows if r["metric"] == metric]
    if not picked:
        return {}
    return {
        "cells": len(picked),
        "coverage": float(np.mean([r["covered"] for r in picked])),
        "old_coverage": float(np.mean([r["old_covered"] for r in picked])),
        "single_coverage": float(np.mean([r["single_covered"] for r in picked])),
        "single_test_only": float(np.mean([r["single_test_only_covered"] for r in picked])),
        "aa_rate": float(np.mean([r["aa_significant"] for r in picked])),
        "significant": float(np.mean([r["significant"] for r in picked])),
        "median_width": float(np.median([r["high"] - r["low"] for r in picked])),
        "test_share": float(np.median([r["se_test"] ** 2 / (r["se_test"] ** 2
                                                            + r["se_seed"] ** 2)
                                       for r in picked if r["se_test"] > 0])),
    }


CLASSIFICATION_REPORTED = ("f1", "balanced_accuracy", "roc_auc", "accuracy")
REGRESSION_REPORTED = ("r2", "rmse", "mae")


def run(design: Design | None = None, log=print, variants: bool = True) -> dict:
    design = design or Design()
    started, loads = time.perf_counter(), [load_average()]
    rows = {}
    for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                          ("regression", REGRESSION_REPORTED)):
        world = make_world(task, design)
        with Timer() as t:
            rows[task] = coverage_cells(world, metrics)
        log(f"  {task}: {len(rows[task])} metric cells in {t.seconds:.0f} s")
        if variants:
            rows[task + "_corrected"] = coverage_cells(world, metrics, seed_part="corrected")
    summary = {"design": design, "loads": loads}
    for key, metrics in (("classification", CLASSIFICATION_REPORTED),
                         ("regression", REGRESSION_REPORTED)):
        summary[key] = {m: summarise(rows[key], m) for m in metrics}
        if variants:
            summary[key + "_corrected"] = {m: summarise(rows[key + "_corrected"], m)
                                           for m in metrics}
    with Timer() as t:
        power = power_cells(design)
    log(f"  power: {len(power)} cells in {t.seconds:.0f} s")
    summary["power"] = summarise_power(power)
    summary["timing"] = {
        (task, b): time_paired_delta(design.timing_rows, 5, b, task)
        for task in ("classification", "regression") for b in (200, 500)}
    loads.append(load_average())
    summary["seconds"] = time.perf_counter() - started
    summary["rows"] = rows
    return summary


def pct(value: float) -> str:
    return f"{100 * value:.1f} %"


def section(s: dict) -> str:
    d: Design = s["design"]
    lines = []
    for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                          ("regression", REGRESSION_REPORTED)):
        for m in metrics:
            r = s[task][m]
            c = s.get(task + "_corrected", {}).get(m)
            lines.append({
                "metric": m, "cells": r["cells"], "coverage": f"**{pct(r['coverage'])}**",
                "old method": pct(r["old_coverage"]),
                "one seed": pct(r["single_coverage"]),
                "one seed, test part only": pct(r["single_test_only"]),
                "A/A significant": f"**{pct(r['aa_rate'])}**",
                "median width": f"{r['median_width']:.3f}",
                "test-sample share of variance": pct(r["test_share"]),
                "interaction removed: coverage / A/A": (f"{pct(c['coverage'])} / "
                                                        f"{pct(c['aa_rate'])}" if c else "-"),
            })
    power_rows = [{"algorithm": p["algorithm"], "frozen test rows": f"{p['test_rows']:,}",
                   "cells": p["cells"], "population F1 delta": f"{p['truth']:+.3f}",
                   "detected (better)": f"**{pct(p['rate'])}**",
                   "wrong sign": pct(p["wrong_sign"]), "coverage": pct(p["coverage"]),
                   "median width": f"{p['median_width']:.3f}"} for p in s["power"]]
    timing = s["timing"]
    return f"""## Calibration of the noise intervals (`bench_calibration.py`, issue 12)

`distviz.noise.paired_delta`: delta = mean over seeds of the per-seed metric delta on the
frozen test set; 95 % interval from the seed spread plus a paired bootstrap of the test rows
({d.n_boot} replicates; method in `docs/noise.md`). Synthetic population with 4 groups (shares
{', '.join(f'{g:.0%}' for g in GROUP_SHARES)}); one training set of {d.train_rows:,} rows;
cells = algorithms x groups {list(d.groups)} x ratios {list(d.ratios)} x {d.replications}
replications, each replication with its own frozen test set of {d.test_rows:,} rows and its own
{d.seeds} seeds (a seed sets the model's `random_state` and the resampling draw). True delta:
mean over the other replications' {d.seeds * (d.replications - 1)} seeds of the delta on
{d.population_rows:,} independent rows. Classifiers: {', '.join(d.classifiers)}; regressors:
{', '.join(d.regressors)}. **Coverage** = share of cells whose interval contains the true delta
(target >= 90 % at nominal 95 %); **old method** = t-interval over seeds on the frozen test
set; **one seed** = the first seed alone (test-sample variance x2 for the unknown seed part;
beside it without that inflation);
**A/A** = two runs of the same configuration differing only in seeds, called significant
(target <= 5 %); **interaction removed** = the alternative estimator that subtracts the
seed x test-row interaction from the seed spread (not used: see `docs/noise.md`).

{table(lines, list(lines[0]))}

Power for a planted effect: group {d.power_group}'s training labels replaced by coin flips (a
bad data source; test labels clean); shift = that group at ratio {d.power_ratio:+g}; {d.seeds}
seeds; {d.power_replications} replications (frozen test sets and seeds); the effect's size is
the population F1 delta in the table.

{table(power_rows, list(power_rows[0]))}

Time of one `paired_delta` call, {d.timing_rows:,} test rows, 5 seeds x 2 runs, every metric
(median of 7): classification {1000 * timing[('classification', 200)]:.0f} ms (200
replicates), {1000 * timing[('classification', 500)]:.0f} ms (500); regression
{1000 * timing[('regression', 200)]:.0f} ms (200), {1000 * timing[('regression', 500)]:.0f} ms (500).
Whole benchmark {s['seconds']:.0f} s, 1-minute load average {' -> '.join(s['loads'])}.

    python -m benchmarks.bench_calibration
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replications", type=int, default=Design.replications)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("calibration", section(run(Design(replications=args.replications))),
                  args.no_write)


if __name__ == "__main__":
    sys.exit(main())
