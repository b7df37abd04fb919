"""Calibration of ``distviz.stats.paired_delta`` on a synthetic population with a known answer.

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
it helps), single-seed coverage, and the time of ``paired_delta``; and the practical calls
(``distviz.stats``, issue 27) on the same cells: with a true delta of 0 how often each call is
made against the power of equivalence, and with a true |delta| >= min_effect how often
``equivalent`` is called (a section of its own, "Practical calls").

    python -m benchmarks.bench_calibration [--replications 8] [--no-write] [--practical-only]
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from dataclasses import dataclass, field, replace

import numpy as np
from scipy import stats
from threadpoolctl import threadpool_limits

from benchmarks._common import Timer, load_average, median, report, table, write_results
from distviz import metrics as scoring
from distviz.stats import (
    AUC_BINS,
    CALLS,
    classification_scores,
    default_min_effect,
    judge,
    paired_delta,
    practical_call,
    regression_scores,
)
from distviz.stats.seeds import first_seeds, more_seeds_matter
from distviz.stats.effects import _paired_delta  # the rejected alternative, measured

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
        out = classification_scores(y_true, predictions, n_classes=2, positive=1)
    else:
        out = regression_scores(y_true, predictions)
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
        out = classification_scores(y_true, predictions, n_classes=2, metrics=[metric])
    else:
        out = regression_scores(y_true, predictions, metrics=[metric])
    return out[metric][0]


def coverage_cells(world: World, metrics, seed_part: str = "sum") -> list[dict]:
    """One row per (algorithm, group, ratio, replication, metric): the interval and the truth;
    with the method's seed part, also the adaptive-seeds variants (:func:`_adaptive`)."""
    d, task = world.design, world.task
    min_effects = default_min_effect(task, world.y_population)
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
                    other = [shifted[s][1][j] for s in other_seeds]
                    aa = _paired(y_test, a, other, task, metrics, d, seed_part)
                    adaptive = (_adaptive(y_test, a, b, other, effects, aa, task, metrics, d,
                                          seed_part, min_effects)
                                if seed_part == "sum" else {})
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
                            "se": e.se, "half_width": e.half_width,
                            "aa_low": aa[m].low, "aa_high": aa[m].high, "aa_se": aa[m].se,
                            "aa_half_width": aa[m].half_width,
                            **{f"{name}_{m_key}": value
                               for name, per_metric in adaptive.items()
                               for m_key, value in per_metric[m].items()},
                        })
    return rows


HEADLINE = {"classification": "f1", "regression": "r2"}


def _adaptive(y_test, a, b, other, effects, aa, task, metrics, design, seed_part, min_effects):
    """Adaptive seeds on one cell (``distviz.stats.seeds``), for each policy size K the cell
    can hold (5 and 3 seeds): the first ``first_seeds(K)`` seeds, and all K only where
    ``more_seeds_matter`` says so for the headline metric; the A/A comparison likewise. Per
    metric: whether that interval covers (filled in by the caller's truth), is significant in
    A/A, the seeds fitted, and whether its practical call equals the one of all K seeds."""
    headline = HEADLINE[task]
    out = {}
    for total in sorted({design.seeds, 3}):
        if total > design.seeds:
            continue
        first = first_seeds(total)
        full = effects if total == design.seeds else _paired(y_test, a[:total], b[:total], task,
                                                             metrics, design, seed_part)
        early = _paired(y_test, a[:first], b[:first], task, metrics, design, seed_part)
        aa_full = aa if total == design.seeds else _paired(y_test, a[:total], other[:total],
                                                           task, metrics, design, seed_part)
        aa_early = _paired(y_test, a[:first], other[:first], task, metrics, design, seed_part)
        more = more_seeds_matter(early[headline], repeats=total,
                                 min_effect=min_effects[headline])
        aa_more = more_seeds_matter(aa_early[headline], repeats=total,
                                    min_effect=min_effects[headline])
        chosen, aa_chosen = (full if more else early), (aa_full if aa_more else aa_early)
        per_metric = {}
        for m in metrics:
            call = practical_call(m, chosen[m].low, chosen[m].high, min_effects[m])
            per_metric[m] = {
                "low": chosen[m].low, "high": chosen[m].high,
                "full_low": full[m].low, "full_high": full[m].high,
                "seeds": total if more else first,
                "aa_significant": aa_chosen[m].significant,
                "full_aa_significant": aa_full[m].significant,
                "aa_seeds": total if aa_more else first,
                "same_call": call == practical_call(m, full[m].low, full[m].high,
                                                    min_effects[m]),
                "aa_same_call": practical_call(m, aa_chosen[m].low, aa_chosen[m].high,
                                               min_effects[m])
                == practical_call(m, aa_full[m].low, aa_full[m].high, min_effects[m])}
        out[f"adaptive{total}"] = per_metric
    return out


def _paired(y_test, a, b, task, metrics, design, seed_part):
    if seed_part == "sum":
        return paired_delta(y_test, a, b, task=task, n_classes=2, metrics=metrics,
                                  n_boot=design.n_boot, random_state=design.random_state)
    # The rejected alternative, measured beside the method (docs/noise.md).
    return _paired_delta(y_test, a, b, task=task, n_classes=2, positive=None,
                               metrics=metrics, n_boot=design.n_boot, confidence=0.95,
                               sample_weight=None, single_seed_inflation=2.0,
                               auc_bins=AUC_BINS, random_state=design.random_state,
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
                e = paired_delta(y_test[:size],
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


# ---------------------------------------------------------------------------- practical calls
MIN_EFFECT_MULTIPLES = (1, 2, 5, 10)


def equivalence_power(min_effect: float, half_width: float, se: float) -> float:
    """P(equivalent) when the true delta is 0 and the estimate ~ N(0, se^2): the interval
    ``delta +- half_width`` lies inside ``(-min_effect, min_effect)`` when ``|delta| <
    min_effect - half_width``. With the cell's own (conservative) se it is a lower bound."""
    if not min_effect > half_width:
        return 0.0
    if se <= 0:
        return 1.0
    return float(2 * stats.norm.cdf((min_effect - half_width) / se) - 1)


def summarise_practical(rows: list[dict], metric: str, scale: float,
                        multiples=MIN_EFFECT_MULTIPLES) -> dict:
    """The practical calls of one metric's cells against ``min_effect = k * scale``.

    True delta 0: the A/A comparisons (two runs differing only in seeds): how often each call
    is made, beside the power of equivalence at each cell's own standard error. True |delta|
    >= min_effect: the shifted cells whose population delta is at least min_effect, called
    equivalent how often. At the boundary (min_effect = |true delta|, the least favourable
    case of the two one-sided tests), over the cells whose half-width leaves room for it."""
    picked = [r for r in rows if r["metric"] == metric]
    levels = []
    for k in multiples:
        m = k * scale
        null = [practical_call(metric, r["aa_low"], r["aa_high"], m) for r in picked]
        real = [r for r in picked if abs(r["truth"]) >= m]
        real_calls = [practical_call(metric, r["low"], r["high"], m) for r in real]
        levels.append({
            "multiple": k, "min_effect": m, "null_cells": len(null),
            "null_equivalent": float(np.mean([c == "equivalent" for c in null])),
            "null_power": float(np.mean([equivalence_power(m, r["aa_half_width"], r["aa_se"])
                                         for r in picked])),
            "null_better_worse": float(np.mean([c in ("better", "worse") for c in null])),
            "null_negligible": float(np.mean([c == "negligible" for c in null])),
            "null_inconclusive": float(np.mean([c == "inconclusive" for c in null])),
            "real_cells": len(real),
            "real_equivalent": float(np.mean([c == "equivalent" for c in real_calls]))
            if real else float("nan")})
    reachable = [r for r in picked if 0 < r["half_width"] < abs(r["truth"])]
    boundary = [practical_call(metric, r["low"], r["high"], abs(r["truth"])) for r in reachable]
    return {"metric": metric, "scale": scale, "cells": len(picked), "levels": levels,
            "boundary_cells": len(reachable),
            "boundary_equivalent": float(np.mean([c == "equivalent" for c in boundary]))
            if boundary else float("nan")}


@dataclass(frozen=True)
class Planted:
    """A population of predictions with a planted accuracy delta (the prediction-level
    calibration of the practical calls: the true delta is known exactly, and many cells cost
    no fit)."""

    deltas: tuple[float, ...] = (0.0, 0.005, 0.01, 0.02)
    min_effect: float = 0.01
    test_rows: tuple[int, ...] = (1_000, 4_000, 16_000)
    population_rows: int = 200_000
    seeds: int = 5
    cells: int = 300
    redrawn: float = 0.25       # share of rows the shifted model decides afresh
    error_rate: float = 0.20    # the baseline's error rate
    seed_sd: float = 0.01       # sd of a seed's error rate on the re-drawn rows
    random_state: int = 0


def planted_cells(p: Planted) -> list[dict]:
    """One row per (test rows, true delta, cell): the practical call of ``paired_delta``'s
    accuracy interval on a fresh test sample of the population with fresh seeds.

    Every baseline seed errs on the same rows (share ``error_rate``) except that it re-draws
    the ``redrawn`` rows at the same rate; every shifted seed re-draws them at
    ``error_rate - delta / redrawn`` plus its own N(0, seed_sd) (the seed part). The expected
    accuracy delta over seeds and the population is exactly ``delta``."""
    rng = np.random.default_rng([p.random_state, 27])
    y = (rng.random(p.population_rows) < 0.35).astype(np.int64)
    wrong = rng.random(p.population_rows) < p.error_rate
    redraw = rng.random(p.population_rows) < p.redrawn

    def arm(rows, rate):
        errs = np.where(redraw[rows], rng.random(len(rows)) < rate, wrong[rows])
        return np.where(errs, 1 - y[rows], y[rows]), None

    out = []
    for n in p.test_rows:
        for delta in p.deltas:
            shifted_rate = p.error_rate - delta / p.redrawn
            for _ in range(p.cells):
                rows = rng.choice(p.population_rows, n, replace=False)
                shifted = [arm(rows, shifted_rate + rng.normal(0, p.seed_sd))
                           for _ in range(p.seeds)]
                baseline = [arm(rows, p.error_rate) for _ in range(p.seeds)]
                e = paired_delta(y[rows], shifted, baseline, task="classification",
                                       n_classes=2, metrics=["accuracy"])["accuracy"]
                judged = judge(e, p.min_effect, test_rows=n)
                out.append({"test_rows": n, "truth": delta, "delta": e.delta, "low": e.low,
                            "high": e.high, "se": e.se, "half_width": e.half_width,
                            "call": judged.call, "needed": judged.test_rows_needed})
    return out


def summarise_planted(rows: list[dict], p: Planted) -> list[dict]:
    """Per (test rows, true delta): how often each call is made; with a true delta of 0 the
    power of equivalence (at the empirical sd of the estimates over the cells) beside it."""
    out = []
    for n in p.test_rows:
        for delta in p.deltas:
            cell = [r for r in rows if r["test_rows"] == n and r["truth"] == delta]
            sd = float(np.std([r["delta"] for r in cell], ddof=1))
            needed = [r["needed"] for r in cell if r["call"] == "inconclusive" and r["needed"]]
            out.append({
                "test_rows": n, "truth": delta, "cells": len(cell),
                **{call: float(np.mean([r["call"] == call for r in cell])) for call in CALLS},
                "power": float(np.mean([equivalence_power(p.min_effect, r["half_width"], sd)
                                        for r in cell])) if delta == 0 else float("nan"),
                "coverage": float(np.mean([r["low"] <= delta <= r["high"] for r in cell])),
                "median_half_width": float(np.median([r["half_width"] for r in cell])),
                "median_needed": float(np.median(needed)) if needed else float("nan")})
    return out


def practical_summaries(rows: dict, scales: dict) -> dict:
    """:func:`summarise_practical` of every reported metric of both tasks."""
    return {task: [summarise_practical(rows[task], m, scales[task][m]) for m in metrics]
            for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                                  ("regression", REGRESSION_REPORTED))}


def run_practical(design: Design | None = None, log=print) -> dict:
    """Only what the practical calls need: the coverage cells of both tasks."""
    design = design or Design()
    started, loads = time.perf_counter(), [load_average()]
    rows, scales = {}, {}
    for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                          ("regression", REGRESSION_REPORTED)):
        world = make_world(task, design)
        scales[task] = default_min_effect(task, world.y_population)
        with Timer() as t:
            rows[task] = coverage_cells(world, metrics)
        log(f"  {task}: {len(rows[task])} metric cells in {t.seconds:.0f} s")
    planted = Planted()
    with Timer() as t:
        planted_rows = planted_cells(planted)
    log(f"  planted predictions: {len(planted_rows)} cells in {t.seconds:.0f} s")
    loads.append(load_average())
    return {"design": design, "practical": practical_summaries(rows, scales),
            "planted": planted, "planted_summary": summarise_planted(planted_rows, planted),
            "seconds": time.perf_counter() - started, "loads": loads}


def practical_section(s: dict) -> str:
    d: Design = s["design"]
    p: Planted = s["planted"]
    planted = [{"test rows": f"{r['test_rows']:,}", "true delta": f"{r['truth']:g}",
                "cells": r["cells"], "better / worse": f"**{pct(r['better'] + r['worse'])}**",
                "negligible": pct(r["negligible"]),
                "equivalent": f"**{pct(r['equivalent'])}**",
                "power of equivalence": pct(r["power"]) if r["truth"] == 0 else "-",
                "inconclusive": pct(r["inconclusive"]), "coverage": pct(r["coverage"]),
                "median half-width": f"{r['median_half_width']:.4f}",
                "median test rows asked for": (f"{r['median_needed']:,.0f}"
                                               if np.isfinite(r["median_needed"]) else "-")}
               for r in s["planted_summary"]]
    lines, edges = [], []
    inconclusive = [q["levels"][0]["null_inconclusive"]
                    for task in ("classification", "regression") for q in s["practical"][task]]
    for task in ("classification", "regression"):
        for q in s["practical"][task]:
            for level in q["levels"]:
                lines.append({
                    "metric": q["metric"], "min_effect": f"{level['min_effect']:.3g}"
                    + (" (default)" if level["multiple"] == 1 else ""),
                    "true delta 0: cells": level["null_cells"],
                    "better / worse": f"**{pct(level['null_better_worse'])}**",
                    "equivalent": f"**{pct(level['null_equivalent'])}**",
                    "power (lower bound)": pct(level["null_power"]),
                    "negligible": pct(level["null_negligible"]),
                    "inconclusive": pct(level["null_inconclusive"]),
                    "true abs delta >= min_effect: cells": level["real_cells"],
                    "called equivalent": (f"**{pct(level['real_equivalent'])}**"
                                          if level["real_cells"] else "-")})
            edges.append(f"{q['metric']} {q['boundary_cells']}"
                         + (f" ({pct(q['boundary_equivalent'])} equivalent)"
                            if q["boundary_cells"] else ""))
    return f"""## Practical calls (`bench_calibration.py`, issue 27)

`distviz.stats.practical_call` (better / worse / negligible / equivalent / inconclusive against
min_effect; equivalence = two one-sided tests read off the 95 % interval, 2.5 % per side).
Targets: with a true delta of 0, **better / worse <= 5 %** and **equivalent** at the rate power
allows; with a true |delta| >= min_effect, **equivalent <= 5 %** (nominal 2.5 %).

**Planted predictions** (the true delta known exactly): a population of {p.population_rows:,}
rows; every baseline seed errs on the same {p.error_rate:.0%} of rows except that it re-draws
{p.redrawn:.0%} of the rows at that rate; every shifted seed re-draws them at a rate lowered by
delta / {p.redrawn:g}, plus its own N(0, {p.seed_sd:g}) (the seed part), so the expected accuracy
delta is exactly the planted one. Each cell: a fresh sample of test rows, {p.seeds} fresh seeds
per arm, `paired_delta`'s accuracy interval, min_effect {p.min_effect:g}. **Power of
equivalence** = the mean over cells of P(|estimate| < min_effect - the cell's half-width), the
estimate ~ N(0, sd of the estimates over the cells). **Median test rows asked for** = the
inconclusive cells' `test_rows_needed` (what would bring the half-width to min_effect).

{table(planted, list(planted[0]))}

**Fitted models** (the calibration cells above: the same population, algorithms, groups x
ratios x {d.replications} replications, {d.test_rows:,} frozen test rows, {d.seeds} seeds each),
against min_effect = 1, 2, 5 and 10 times the default (0.01; RMSE / MAE: 1 % of a constant
prediction's error on the population). True delta 0 = the A/A comparisons (two runs of one
configuration differing only in seeds); **power (lower bound)** = as above at each cell's own
standard error (the intervals are conservative, so the true power is higher). True |delta| >=
min_effect = the shifted cells whose population delta is at least min_effect. At the
default min_effect, {pct(min(inconclusive))} to {pct(max(inconclusive))} of the true-delta-0
cells are *inconclusive*: {d.test_rows:,} test rows often cannot tell a change of min_effect
from none, which is what the call is for.

{table(lines, list(lines[0]))}

At the boundary (min_effect = a cell's own |true delta|, the least favourable case for the two
one-sided tests), cells whose half-width leaves room for equivalence at all: {', '.join(edges)}
(few fitted cells have a true delta larger than their half-width; the planted rows at true
delta = min_effect test the boundary with {p.cells} cells per size).

{s['seconds']:.0f} s, 1-minute load average {' -> '.join(s['loads'])}.

    python -m benchmarks.bench_calibration --practical-only
"""


# ---------------------------------------------------------------------------- adaptive seeds
def run_adaptive(design: Design, log=print) -> dict:
    """The adaptive-seeds section alone: the calibration cells of both tasks, summarised by
    :func:`summarise_adaptive` for the policy's 5 and 3 seeds."""
    started, loads, rows = time.perf_counter(), [load_average()], {}
    for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                          ("regression", REGRESSION_REPORTED)):
        with Timer() as t:
            rows[task] = coverage_cells(make_world(task, design), metrics)
        log(f"  {task}: {len(rows[task])} metric cells in {t.seconds:.0f} s")
    loads.append(load_average())
    return {"design": design, "adaptive": adaptive_summaries(rows),
            "seconds": time.perf_counter() - started, "loads": loads}


def adaptive_summaries(rows: dict) -> list[dict]:
    return [summarise_adaptive(rows[task], m, total)
            for total in (5, 3)
            for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                                  ("regression", REGRESSION_REPORTED))
            for m in metrics if summarise_adaptive(rows[task], m, total)]


def adaptive_section(s: dict) -> str:
    d: Design = s["design"]
    lines = [{"seeds (first, up to)": f"{r['first']}, {r['total']}", "metric": r["metric"],
              "cells": r["cells"],
              "coverage: adaptive / all seeds": f"**{pct(r['coverage'])}** / "
                                                f"{pct(r['full_coverage'])}",
              "A/A significant: adaptive / all seeds": f"**{pct(r['aa_rate'])}** / "
                                                       f"{pct(r['full_aa_rate'])}",
              "seeds fitted (shifted; A/A)": f"{r['seeds']:.2f}; {r['aa_seeds']:.2f}",
              "fits saved": pct(1 - r["seeds"] / r["total"]),
              "same call as all seeds (shifted; A/A)": f"{pct(r['same_call'])}; "
                                                       f"{pct(r['aa_same_call'])}"}
             for r in s["adaptive"]]
    return f"""## Adaptive seeds (`bench_calibration.py`, issue 28)

`distviz.stats.seeds.more_seeds_matter`: a shifted state fits its first seeds (5 -> 3, 3 -> 2:
`first_seeds`) and the rest only where they may change the call on the headline metric (F1,
R²): where 0 or +-min_effect (the default, 0.01) lies between the half-width the seeds up to K
would give and the one now, widened by how far the new seeds may move the delta. The reported
interval is that of the seeds fitted. On the calibration cells above ({d.replications}
replications x algorithms x groups x ratios, {d.test_rows:,} frozen test rows; the 3-seed rows
use each replication's first 3 seeds): **coverage** of the true delta and the **A/A** rate
(target >= 90 % and <= 5 %, as for every seed), beside the same with every seed; **seeds
fitted** = the mean per cell (its shifted arm; the A/A comparison's own decision); **same
call** = the practical call (better / worse / negligible / equivalent / inconclusive at the
default min_effect) equals the one from every seed. Every metric uses the seeds the headline
metric's rule chose.

{table(lines, list(lines[0]))}

{s['seconds']:.0f} s, 1-minute load average {' -> '.join(s['loads'])}.

    python -m benchmarks.bench_calibration --adaptive-only
"""


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
    paired_delta(y, shifted, baseline, task=task, n_classes=2, n_boot=n_boot)  # warm
    seconds = []
    for _ in range(runs):
        with Timer() as t:
            paired_delta(y, shifted, baseline, task=task, n_classes=2, n_boot=n_boot)
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


def summarise_adaptive(rows: list[dict], metric: str, total: int) -> dict:
    """Adaptive seeds against all ``total`` seeds on one metric's cells (:func:`_adaptive`):
    coverage and the A/A rate of each, the seeds fitted per arm (shifted cells and A/A), and
    how often the adaptive practical call equals the one of all seeds."""
    name = f"adaptive{total}"
    picked = [r for r in rows if r["metric"] == metric and f"{name}_seeds" in r]
    if not picked:
        return {}

    def covered(low, high):
        return float(np.mean([r[low] <= r["truth"] <= r[high] for r in picked]))

    return {
        "metric": metric, "total": total, "first": first_seeds(total), "cells": len(picked),
        "coverage": covered(f"{name}_low", f"{name}_high"),
        "full_coverage": covered(f"{name}_full_low", f"{name}_full_high"),
        "aa_rate": float(np.mean([r[f"{name}_aa_significant"] for r in picked])),
        "full_aa_rate": float(np.mean([r[f"{name}_full_aa_significant"] for r in picked])),
        "seeds": float(np.mean([r[f"{name}_seeds"] for r in picked])),
        "aa_seeds": float(np.mean([r[f"{name}_aa_seeds"] for r in picked])),
        "same_call": float(np.mean([r[f"{name}_same_call"] for r in picked])),
        "aa_same_call": float(np.mean([r[f"{name}_aa_same_call"] for r in picked]))}


CLASSIFICATION_REPORTED = ("f1", "balanced_accuracy", "roc_auc", "accuracy")
REGRESSION_REPORTED = ("r2", "rmse", "mae")


def run(design: Design | None = None, log=print, variants: bool = True) -> dict:
    design = design or Design()
    started, loads = time.perf_counter(), [load_average()]
    rows, scales = {}, {}
    for task, metrics in (("classification", CLASSIFICATION_REPORTED),
                          ("regression", REGRESSION_REPORTED)):
        world = make_world(task, design)
        scales[task] = default_min_effect(task, world.y_population)
        with Timer() as t:
            rows[task] = coverage_cells(world, metrics)
        log(f"  {task}: {len(rows[task])} metric cells in {t.seconds:.0f} s")
        if variants:
            rows[task + "_corrected"] = coverage_cells(world, metrics, seed_part="corrected")
    summary = {"design": design, "loads": loads,
               "practical": practical_summaries(rows, scales)}
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
    planted = Planted()
    summary.update(planted=planted, planted_summary=summarise_planted(planted_cells(planted),
                                                                      planted))
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

`distviz.stats.paired_delta`: delta = mean over seeds of the per-seed metric delta on the
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
    parser.add_argument("--practical-only", action="store_true",
                        help="only the practical calls' section (no variants, power, timing)")
    parser.add_argument("--adaptive-only", action="store_true",
                        help="only the adaptive seeds' section")
    args = parser.parse_args(argv)
    design = Design(replications=args.replications)
    if args.adaptive_only:
        return report("calibration_adaptive", adaptive_section(run_adaptive(design)),
                      args.no_write)
    if args.practical_only:
        return report("calibration_practical", practical_section(run_practical(design)),
                      args.no_write)
    summary = run(design)
    text, practical = section(summary), practical_section(summary)
    print(text, practical, sep="\n")
    if not args.no_write:
        print(f"wrote {write_results({'calibration': text, 'calibration_practical': practical})}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
