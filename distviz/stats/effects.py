"""Paired effects of a shift with intervals that count every source of noise (semantics 6).

distviz retrains every algorithm with K seeds on the shifted and on the baseline training set and
scores all of them on one frozen test set. :func:`paired_delta` turns those predictions into each
metric's change and an interval that counts every source of noise the conclusion depends on: the
algorithm's seed, the resampling draw (both set by the seed) and the test sample (the frozen test
rows are one sample of the population). Nothing is refitted.

Method
------
For paired seeds ``s = 1..K`` let ``d_s = m(shifted_s) - m(baseline_s)`` on the full test set.
The reported delta is ``mean(d_s)``: exactly the plain difference of scikit-learn's metrics,
averaged over seeds. What it estimates is the population delta for this training set, the mean
over seeds of the metric's change on the whole population. Over test samples ``T`` and seeds,

    Var(mean d) = E_seeds[ Var_T(mean d | seeds) ] + Var_seeds[ E_T(mean d | seeds) ],

and the two parts are estimated separately and added:

1. **Test sample**: a paired nonparametric bootstrap of the test rows (Efron & Tibshirani 1993,
   ch. 6 and 13). Every replicate reweights the rows by multinomial counts, and the *same*
   counts weight the shifted and the baseline predictions of *every* seed, so the replicate of
   the seed-averaged delta keeps the pairing between the arms and the correlation between seeds.
   ``var_test`` is the variance of that replicate over ``n_boot`` replicates (200 give the
   standard error to about 5 %, Efron & Tibshirani ch. 19).
2. **Seed and resampling draw**: ``var_seed = s² / K``, with ``s²`` the sample variance of the
   ``d_s`` (K - 1 degrees of freedom).

``se = sqrt(var_test + var_seed)``; the interval is ``delta ± t(df) * se`` with ``df`` from
Welch–Satterthwaite (only the seed part is estimated from few values; the bootstrap part, from
hundreds of rows, is treated as known), and ``p_value`` comes from the same t, so
``significant`` (the interval excludes 0) is ``p_value < 1 - confidence``. A normal-theory
interval is used rather than bootstrap percentiles because two variance sources are combined.
Classification deltas are clipped to [-1, 1].

The seed spread ``s²`` on one test set also holds the seed x test-row interaction (different
seeds err on different rows), which the bootstrap already counts: the sum double-counts that
term, so the interval is conservative by at most a factor 2 in variance -- the same bias as
the two-way ("pigeonhole") bootstrap of crossed data (Owen 2007). The unbiased alternative
(subtracting the bootstrap's estimate of the interaction from ``s²``, truncated at 0) was
measured in ``benchmarks/bench_calibration.py``: coverage near 95 %, but two runs that differ
only in seeds were called significant in 5-9 % of cases, above the 5 % the design asks for;
the conservative sum keeps that rate at 1-2 % with coverage of 94-98 % (benchmarks/RESULTS.md,
"Calibration", from ``python -m benchmarks.bench_calibration``).

Why not the alternatives: a t-interval over seeds on one frozen test set (what distviz did)
leaves out the test sample, the largest source in practice (Bouthillier et al. 2021, "Accounting
for variance in machine learning benchmarks", MLSys), and covered the population delta in only
66-78 % of calibration cells -- the inflated error rate Dietterich (1998) reports for t-tests on
dependent resamples. Repeated train/test splits with the corrected resampled t-test (Nadeau &
Bengio 2003) need a refit per split and answer a question about the dataset, not about the
user's fixed split and training data; the bootstrap gives the test-sample part from predictions
alone, fast enough for every slider move.

**A deterministic algorithm on a deterministic shift** (identical predictions for every seed)
has ``s² = 0`` but still the test-sample part, so its interval is not empty whenever the two
arms disagree on some row. **With one seed** the seed part cannot be estimated
(``Effect.se_seed`` is NaN, ``seed_part_known`` False); the test-sample variance is multiplied
by ``single_seed_inflation`` (default 2, i.e. assuming a seed part as large as the test part,
while the test sample held 80-84 % of the variance in the calibration runs), which keeps one
seed's intervals conservative. Pass 1 for the test-sample part alone.

**Many cells at once** (a sweep, advise, the write-up): :mod:`distviz.stats.comparisons`
controls the false-discovery rate (Benjamini & Hochberg 1995) and says how many cells a per-cell
5 % test flags with no real effect.

**Speed**: :mod:`distviz.stats.weighted` scores every prediction set under every bootstrap
replicate at once (about 20 ms for 10,000 rows, 5 seeds x 2 runs, all classification metrics
and 200 replicates; ``benchmarks/bench_calibration.py`` measures it).

References
----------
Benjamini, Y. & Hochberg, Y. (1995). Controlling the false discovery rate. JRSS B 57(1).
Bouthillier, X. et al. (2021). Accounting for variance in machine learning benchmarks. MLSys.
Dietterich, T. G. (1998). Approximate statistical tests for comparing supervised classification
learning algorithms. Neural Computation 10(7).
Efron, B. & Tibshirani, R. J. (1993). An Introduction to the Bootstrap. Chapman & Hall.
Nadeau, C. & Bengio, Y. (2003). Inference for the generalization error. Machine Learning 52(3).
Owen, A. B. (2007). The pigeonhole bootstrap. Annals of Applied Statistics 1(2).
Satterthwaite, F. E. (1946). An approximate distribution of estimates of variance components.
Biometrics Bulletin 2(6).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import special

from ..tasks import is_better
from .interval import mean_interval, test_variance
from .weighted import AUC_BINS, bootstrap_weights, metric_names, prediction_set, score_sets

_CLASSIFICATION_BOUND = 1.0  # every classification metric lies in [0, 1], so a delta in [-1, 1]
NAN = float("nan")


# ---------------------------------------------------------------------------- result
@dataclass(frozen=True)
class Effect:
    """The change of one metric from baseline to shifted, with its interval and verdict.

    Attributes
    ----------
    metric : str
    delta : float
        Mean over paired seeds of ``metric(shifted) - metric(baseline)`` on the full test set.
    low, high : float
        The interval at ``confidence`` (default 95 %).
    p_value : float
        Two-sided, for "no change"; ``p_value < 1 - confidence`` exactly when the interval
        excludes 0.
    significant : bool
        The interval excludes 0.
    verdict : {"better", "worse", "within noise"}
        Respects the metric's direction (lower RMSE / MAE is better).
    se : float
        Standard error of ``delta``: ``sqrt(se_test**2 + se_seed**2)``.
    se_test : float
        The test-sample part (paired bootstrap over the test rows).
    se_seed : float
        The seed part (algorithm seed and resampling draw); NaN with one seed, where it is
        unknown and ``single_seed_inflation`` stands in for it.
    df : float
        Degrees of freedom of the t quantile (Welch–Satterthwaite; ``inf`` when the seed part
        is zero or unknown).
    n_seeds : int
        Paired seeds used.
    shifted, baseline : float
        The metric's mean over those seeds, shifted and baseline.
    half_width : float
        ``t(df) * se``, the interval's half-width before classification deltas are clipped to
        [-1, 1]: the smallest change this run calls beyond the noise
        (:mod:`distviz.stats.practical`'s ``detectable``).
    """

    metric: str
    delta: float
    low: float
    high: float
    p_value: float
    significant: bool
    verdict: str
    se: float
    se_test: float
    se_seed: float
    df: float
    n_seeds: int
    shifted: float
    baseline: float
    half_width: float = float("nan")

    @property
    def ci(self) -> tuple[float, float]:
        return self.low, self.high

    @property
    def seed_part_known(self) -> bool:
        return not np.isnan(self.se_seed)

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass(frozen=True)
class Level:
    """One metric's mean over seeds with its interval (the same two noise parts as a delta).

    ``low`` / ``high`` are NaN with one seed (the seed part is unknown; see
    :func:`distviz.stats.seeds.default_repeats`). Classification levels are clipped to [0, 1], R² to at most 1,
    RMSE and MAE to at least 0."""

    metric: str
    value: float
    low: float
    high: float
    se: float
    se_test: float
    se_seed: float
    n_seeds: int

    def to_dict(self) -> dict:
        return asdict(self)


def verdict(metric: str, delta: float, significant: bool) -> str:
    """better / worse / within noise, with lower RMSE and MAE counting as better."""
    if not significant:
        return "within noise"
    improved = is_better(metric, delta)
    return "better" if improved else "worse"


# ---------------------------------------------------------------------------- paired delta
def _pairs(shifted, baseline, task: str) -> list[tuple]:
    """Pairs by seed: common keys of two mappings, else positions; failed seeds dropped."""
    if isinstance(shifted, Mapping) and isinstance(baseline, Mapping):
        raw = [(shifted[key], baseline[key]) for key in shifted if key in baseline]
    elif isinstance(shifted, Sequence) and isinstance(baseline, Sequence):
        raw = list(zip(shifted, baseline))
    else:
        raise TypeError("shifted and baseline must both be lists (paired by position) or both "
                        "mappings seed -> predictions (paired by seed).")
    pairs = [(prediction_set(a, task), prediction_set(b, task)) for a, b in raw]
    return [(a, b) for a, b in pairs if a is not None and b is not None]



def paired_delta(y_true, shifted, baseline, *, task: str, n_classes: int = 0,
                 positive: int | None = None, metrics=None, n_boot: int = 200,
                 confidence: float = 0.95, sample_weight=None,
                 single_seed_inflation: float = 2.0, auc_bins: int | None = AUC_BINS,
                 random_state: int = 0) -> dict[str, Effect]:
    """Each metric's change from baseline to shifted, with an interval counting every noise source.

    Parameters
    ----------
    y_true : array, shape (n,)
        The frozen test set's targets (class codes for classification).
    shifted, baseline : list or mapping seed -> predictions
        One entry per seed, paired by position (lists) or by seed (mappings); a failed seed
        (None, or an object whose ``error`` is set) and its partner are left out, and lists of
        different lengths are paired as far as both go. An entry is ``(y_pred, scores)`` (or a
        FitResult-like object with ``y_pred`` and ``scores``) for classification, with class
        codes (n,) and per-class scores (n, n_classes) or None (then no ROC AUC); an array of
        predicted values (n,) for regression.
    task : {"classification", "regression"}
    n_classes : int
        Number of classes (0: from the scores' width, else the largest code + 1).
    positive : int, optional
        The positive class code for binary F1 / precision / recall / specificity / ROC AUC
        (default 1). Ignored for more than two classes (macro averages).
    metrics : iterable of str, optional
        Default: every metric of the task (``distviz.metrics.metric_names``).
    n_boot : int
        Bootstrap replicates of the test rows (200 gives the standard error to about 5 %).
    confidence : float
        Two-sided coverage of the interval.
    sample_weight : array (n,), optional
        Test-row weights (e.g. a test set shifted like the training set); multiplied into
        every bootstrap replicate.
    single_seed_inflation : float
        With one seed the seed part of the variance is unknown; the test-sample variance is
        multiplied by this factor in its place (1 reports the test-sample part alone).
    auc_bins : int or None
        Score levels for ROC AUC inside the bootstrap (see :func:`classification_scores`);
        the deltas themselves are always exact.
    random_state : int
        Seed of the bootstrap replicates (cached: the same test size and seed reuse them).

    Returns
    -------
    dict metric -> Effect, in ``distviz.metrics.metric_names(task)`` order; empty without
    seed pairs.
    ``Effect.delta`` equals the mean over pairs of the difference of scikit-learn's metrics.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> y = rng.integers(0, 2, 400)
    >>> good = np.where(rng.random(400) < 0.85, y, 1 - y)
    >>> bad = np.where(rng.random(400) < 0.75, y, 1 - y)
    >>> one_hot = lambda p: np.eye(2)[p]
    >>> effects = paired_delta(y, [(good, one_hot(good))], [(bad, one_hot(bad))],
    ...                        task="classification", n_classes=2, metrics=["accuracy"])
    >>> effects["accuracy"].verdict
    'better'
    """
    return _paired_delta(y_true, shifted, baseline, task=task, n_classes=n_classes,
                         positive=positive, metrics=metrics, n_boot=n_boot,
                         confidence=confidence, sample_weight=sample_weight,
                         single_seed_inflation=single_seed_inflation, auc_bins=auc_bins,
                         random_state=random_state)


def _paired_delta(y_true, shifted, baseline, *, task, n_classes, positive, metrics, n_boot,
                  confidence, sample_weight, single_seed_inflation, auc_bins, random_state,
                  seed_part="sum"):
    """:func:`paired_delta`; ``seed_part="corrected"`` is the rejected alternative that
    subtracts the seed x test-row interaction (kept so the benchmark can measure it)."""
    names = metric_names(task, metrics)
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1).")
    pairs = _pairs(shifted, baseline, task)
    if not pairs:
        return {}
    weights = bootstrap_weights(len(np.asarray(y_true)), n_boot, random_state=random_state)
    base_weight = None
    if sample_weight is not None:
        base_weight = np.asarray(sample_weight, dtype=float).ravel()
        weights = (weights * base_weight[:, None]).astype(weights.dtype)
    sets = [a for a, _ in pairs] + [b for _, b in pairs]  # shifted seeds, then baseline seeds
    names, point, replicates = score_sets(
        y_true, sets, weights, task=task, names=names, n_classes=n_classes, positive=positive,
        sample_weight=base_weight, auc_bins=auc_bins)
    k = len(pairs)
    return {m: _effect(m, point[m][0, :k], point[m][0, k:], replicates[m][:, :k],
                       replicates[m][:, k:], confidence=confidence,
                       single_seed_inflation=single_seed_inflation,
                       bounded=task == "classification", seed_part=seed_part) for m in names}


def _effect(metric, shifted, baseline, shifted_boot, baseline_boot, *, confidence,
            single_seed_inflation, bounded, seed_part="sum") -> Effect:
    """Combine the seed spread of the paired deltas with their test-sample bootstrap."""
    deltas = shifted - baseline                     # (K,) one per seed, full test set
    boot = shifted_boot - baseline_boot             # (B, K) same rows for every seed and arm
    boot = boot[np.isfinite(boot).all(axis=1)]
    k = len(deltas)
    delta = float(np.mean(deltas))
    if not np.isfinite(delta) or len(boot) < 2:
        return Effect(metric, delta, NAN, NAN, NAN, False, "within noise", NAN, NAN, NAN, NAN,
                      k, float(np.mean(shifted)), float(np.mean(baseline)))
    noise = mean_interval(deltas, boot, confidence=confidence,
                          single_seed_inflation=single_seed_inflation, seed_part=seed_part)
    low, high = delta - noise.half_width, delta + noise.half_width
    if bounded:
        low, high = max(low, -_CLASSIFICATION_BOUND), min(high, _CLASSIFICATION_BOUND)
    if noise.se > 0:
        p_value = float(2 * special.stdtr(noise.df, -abs(delta) / noise.se))  # t survival
    else:
        p_value = 1.0 if delta == 0 else 0.0
    significant = bool(low > 0 or high < 0)
    return Effect(metric, delta, float(low), float(high), p_value, significant,
                  verdict(metric, delta, significant), noise.se, noise.se_test, noise.se_seed,
                  noise.df, k, float(np.mean(shifted)), float(np.mean(baseline)),
                  noise.half_width)


# ---------------------------------------------------------------------------- many sets at once
class ScoreBoard:
    """Every metric of many named prediction sets on one test set, point and bootstrap, at once.

    ``sets`` maps a label (e.g. ``("xgboost", "shifted")``) to a mapping seed -> predictions
    (entries as in :func:`paired_delta`; failed seeds are left out). All sets are scored in one
    pass under the same bootstrap replicates as :func:`paired_delta`, so :meth:`effect` of two
    labels equals ``paired_delta`` of their predictions, and comparing any two sets (an
    algorithm against another in the same cell, a shift against its baseline) costs no further
    scoring. A sweep cell uses it for the change of every algorithm, the level of every metric
    and the lead of the best algorithm over the others.
    """

    def __init__(self, y_true, sets: Mapping, *, task: str, n_classes: int = 0,
                 positive: int | None = None, metrics=None, n_boot: int = 200,
                 auc_bins: int | None = AUC_BINS, random_state: int = 0):
        names = metric_names(task, metrics)
        self.task = task
        self.columns: dict = {}          # label -> {seed: column}
        flat = []
        for label, by_seed in sets.items():
            if not isinstance(by_seed, Mapping):
                by_seed = dict(enumerate(by_seed))
            self.columns[label] = {}
            for seed, item in by_seed.items():
                unpacked = prediction_set(item, task)
                if unpacked is not None:
                    self.columns[label][seed] = len(flat)
                    flat.append(unpacked)
        self.point: dict[str, np.ndarray] = {m: np.empty((1, 0)) for m in names}
        self.replicates: dict[str, np.ndarray] = {m: np.empty((n_boot, 0)) for m in names}
        if flat:
            weights = bootstrap_weights(len(np.asarray(y_true)), n_boot,
                                        random_state=random_state)
            names, self.point, self.replicates = score_sets(
                y_true, flat, weights, task=task, names=names, n_classes=n_classes,
                positive=positive, auc_bins=auc_bins)
        self.metrics = list(names)

    def seeds(self, label) -> list:
        return list(self.columns.get(label, {}))

    def effect(self, a, b, *, confidence: float = 0.95,
               single_seed_inflation: float = 2.0) -> dict[str, Effect]:
        """``a`` against ``b``, paired by seed: exactly :func:`paired_delta`'s Effect."""
        ca, cb = self.columns.get(a, {}), self.columns.get(b, {})
        common = [s for s in ca if s in cb]
        if not common:
            return {}
        ia, ib = [ca[s] for s in common], [cb[s] for s in common]
        return {m: _effect(m, self.point[m][0, ia], self.point[m][0, ib],
                           self.replicates[m][:, ia], self.replicates[m][:, ib],
                           confidence=confidence, single_seed_inflation=single_seed_inflation,
                           bounded=self.task == "classification") for m in self.metrics}

    def level(self, a, *, confidence: float = 0.95) -> dict[str, Level]:
        """Each metric's mean over the seeds of ``a`` with its interval (NaN with one seed)."""
        columns = list(self.columns.get(a, {}).values())
        if not columns:
            return {}
        return {m: self._level(m, columns, confidence) for m in self.metrics}

    def _level(self, metric: str, columns: list[int], confidence: float) -> Level:
        values = self.point[metric][0, columns]
        boot = self.replicates[metric][:, columns]
        boot = boot[np.isfinite(boot).all(axis=1)]
        k, value = len(values), float(np.mean(values))
        if len(boot) < 2:
            return Level(metric, value, NAN, NAN, NAN, NAN, NAN, k)
        if k < 2 or not np.isfinite(value):  # no seed part: no interval
            return Level(metric, value, NAN, NAN, NAN, float(np.sqrt(test_variance(boot))),
                         NAN, k)
        noise = mean_interval(values, boot, confidence=confidence)
        low, high = value - noise.half_width, value + noise.half_width
        if self.task == "classification":
            low, high = max(low, 0.0), min(high, 1.0)
        elif metric == "r2":
            high = min(high, 1.0)
        else:
            low = max(low, 0.0)
        return Level(metric, value, float(low), float(high), noise.se, noise.se_test,
                     noise.se_seed, k)
