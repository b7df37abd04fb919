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

**Many cells at once** (a sweep, advise, the write-up): :func:`benjamini_hochberg` and
:func:`adjusted_p_values` control the false-discovery rate (Benjamini & Hochberg 1995), and
:func:`flagged_by_chance` says how many cells a per-cell 5 % test flags with no real effect.

Speed
-----
One ``(n_rows, n_boot)`` count matrix (cached per test size and seed) weights every prediction
set. Classification: one sparse indicator maps each test row to its (true class, predicted
class, score level) cell in every prediction set, one sparse-dense product gives all weighted
cell totals, and every metric is a ratio of totals (ROC AUC as the weighted Mann–Whitney
statistic; within the bootstrap, scores are rounded to ``auc_bins`` equal-frequency levels, ties
kept together). Regression: one dense product gives the weighted sums of squared and absolute
errors and of the target's moments. About 20 ms for 10,000 rows, 5 seeds x 2 runs, all
classification metrics and 200 replicates (``benchmarks/bench_calibration.py`` measures it).

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

import functools
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass

import numpy as np
from scipy import sparse, special, stats

from . import metrics as scoring  # not "metrics": a parameter has that name
from .tasks import is_better

AUC_BINS = 256
_CLASSIFICATION_BOUND = 1.0  # every classification metric lies in [0, 1], so a delta in [-1, 1]


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


def _t_quantile(q: float, df: float) -> float:
    """Student t's quantile: scipy.stats.t.ppf's own ufunc, without its per-call checks (a
    sweep asks thousands of times; the same numbers, df = inf included)."""
    return float(special.stdtrit(df, q))


# ---------------------------------------------------------------------------- bootstrap weights
@functools.lru_cache(maxsize=4)
def _multinomial_counts(n_rows: int, n_boot: int, random_state: int) -> np.ndarray:
    rng = np.random.default_rng([random_state, n_rows, n_boot])
    draws = rng.integers(0, n_rows, size=(n_boot, n_rows))
    draws += (np.arange(n_boot) * n_rows)[:, None]
    counts = np.bincount(draws.ravel(), minlength=n_boot * n_rows).reshape(n_boot, n_rows)
    # Rows x replicates, C order: each test row's weights are contiguous for the products.
    # float32 halves the memory traffic of the products; counts stay exact below 2**24.
    weights = np.ascontiguousarray(counts.T, dtype=np.float32)
    weights.flags.writeable = False
    return weights


def bootstrap_weights(n_rows: int, n_boot: int = 200, *, random_state: int = 0) -> np.ndarray:
    """Nonparametric bootstrap of the test rows as counts: an ``(n_rows, n_boot)`` matrix.

    Column ``b`` says how often each test row appears in replicate ``b`` (a multinomial draw of
    ``n_rows`` rows with replacement, Efron & Tibshirani 1993, ch. 6). The same matrix weights
    every prediction set, so shifted and baseline, and all seeds, see the same resampled rows.
    Cached per ``(n_rows, n_boot, random_state)``: repeated calls on one test set are free and
    give the same replicates. Read-only.
    """
    if n_rows < 1 or n_boot < 2:
        raise ValueError("bootstrap_weights needs at least one row and two replicates.")
    return _multinomial_counts(int(n_rows), int(n_boot), int(random_state))


# ---------------------------------------------------------------------------- vectorised metrics
def _score_groups(scores: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Each row's group of equal scores, groups in increasing score order, and their sizes."""
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    return inverse.ravel(), counts


def _coarsen(inverse: np.ndarray, counts: np.ndarray, bins: int | None) -> tuple[np.ndarray, int]:
    """Score groups merged into at most ``bins`` equal-frequency levels (ties never split)."""
    if bins is None or len(counts) <= bins:
        return inverse, len(counts)
    level = (np.cumsum(counts) - counts) * bins // counts.sum()
    level = np.concatenate([[0], np.cumsum(np.diff(level) > 0)])  # dense, still ordered
    return level[inverse], int(level[-1]) + 1


def _auc_from_groups(pos: np.ndarray, neg: np.ndarray) -> np.ndarray:
    """Weighted Mann–Whitney AUC (ties count 1/2) from positive / negative weight per score
    group, groups in increasing score order along axis 0; one AUC per column."""
    below = np.cumsum(neg, axis=0) - neg
    concordant = (pos * (below + 0.5 * neg)).sum(axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        return concordant / (pos.sum(axis=0) * neg.sum(axis=0))


def classification_scores(y_true, predictions, weights=None, *, n_classes: int,
                          positive: int | None = None, metrics=None,
                          auc_bins: int | None = None) -> dict[str, np.ndarray]:
    """The classification metrics of several prediction sets under many row weightings at once.

    Parameters
    ----------
    y_true : array of int, shape (n,)
        True class codes ``0 .. n_classes - 1``.
    predictions : list of (y_pred, scores)
        Predicted class codes (n,) and per-class scores (n, n_classes) or None (no ROC AUC).
    weights : array, shape (n,) or (n, B), optional
        Row weights, one column per weighting (bootstrap counts, sample weights); default 1.
    n_classes, positive : int
        As in :func:`distviz.metrics.score_classification` (``positive`` defaults to 1).
    metrics : iterable of str, optional
        Which metrics (default all of ``distviz.metrics.CLASSIFICATION_METRICS``).
    auc_bins : int, optional
        Round scores to at most this many equal-frequency levels for ROC AUC (ties kept
        together); None is exact. The bootstrap rounds (a weighting's AUC then costs
        ``O(levels)``, not ``O(n)``); the tests bound its effect on the standard error.

    Returns
    -------
    dict metric -> array of shape (B, n_sets) (``(1, n_sets)`` without weights). With all
    weights 1 (or any weights, with ``auc_bins=None``) each value equals scikit-learn's, as
    computed by ``distviz.metrics.score_classification(..., sample_weight=w)``.

    Notes
    -----
    One sparse matrix maps every test row to its cell in every prediction set: (true class,
    predicted class, ROC score group); one product with the weights gives every cell's total,
    and every metric is a ratio of those totals (precision, recall, F1 with zero_division=0,
    specificity, accuracy, balanced accuracy over the classes present; ROC AUC as the weighted
    Mann–Whitney statistic, one-vs-rest macro for more than two classes).
    """
    return _classification(y_true, predictions, [(weights, auc_bins)], n_classes=n_classes,
                           positive=positive, metrics=metrics)[0]


def _classification(y_true, predictions, weightings, *, n_classes, positive, metrics):
    """:func:`classification_scores` for several (weights, auc_bins), sorting scores once."""
    y_true = np.asarray(y_true).astype(np.int64).ravel()
    n, k = len(y_true), int(n_classes)
    positive = 1 if positive is None else int(positive)
    wanted = tuple(metrics) if metrics is not None else scoring.CLASSIFICATION_METRICS
    auc_columns = [positive] if k == 2 else list(range(k))
    want_auc = "roc_auc" in wanted
    prepared = []
    for y_pred, scores in predictions:
        cell = y_true * k + np.asarray(y_pred).astype(np.int64).ravel()
        groups = []
        if want_auc and scores is not None:
            scores = np.asarray(scores, dtype=float)
            groups = [_score_groups(scores[:, c]) for c in auc_columns]
        prepared.append((cell, groups))
    return [_weighted_classification(y_true, prepared, _weight_matrix(w, n), bins, k,
                                     positive, auc_columns, wanted) for w, bins in weightings]


def _weighted_classification(y_true, prepared, w, bins, k, positive, auc_columns, wanted):
    n = len(y_true)
    # Per set: the first AUC column's score group is fused with the confusion cell (one
    # nonzero per row); further one-vs-rest columns (multi-class) get their own cells.
    cells, layout, offset = [], [], 0
    for cell, groups in prepared:
        if groups:
            first, n_first = _coarsen(*groups[0], bins)
        else:
            first, n_first = np.zeros(n, dtype=np.int64), 1
        cells.append(offset + cell * n_first + first)
        entry = {"fused": (offset, n_first), "auc": []}
        offset += k * k * n_first
        for inverse, counts in groups[1:]:
            group, n_groups = _coarsen(inverse, counts, bins)
            cells.append(offset + np.where(y_true == auc_columns[len(entry["auc"]) + 1], 0,
                                           n_groups) + group)
            entry["auc"].append((offset, n_groups))
            offset += 2 * n_groups
        entry["has_auc"] = bool(groups)
        layout.append(entry)
    cells = np.concatenate(cells)
    indicator = sparse.csr_matrix(
        (np.ones(len(cells), dtype=w.dtype), (cells, np.tile(np.arange(n), len(cells) // n))),
        shape=(offset, n))
    totals = np.asarray(indicator @ w, dtype=np.float64)  # (cells, B)

    n_sets, n_boot = len(layout), w.shape[1]
    confusion = np.empty((n_sets, k, k, n_boot))
    auc = np.full((n_sets, n_boot), np.nan)
    for s, entry in enumerate(layout):
        o, g = entry["fused"]
        fused = totals[o:o + k * k * g].reshape(k, k, g, n_boot)
        confusion[s] = fused.sum(axis=2)
        if entry["has_auc"] and "roc_auc" in wanted:
            by_truth = fused.sum(axis=1)  # (true class, score group, B)
            column = auc_columns[0]
            per_class = [_auc_from_groups(by_truth[column],
                                          by_truth.sum(axis=0) - by_truth[column])]
            per_class += [_auc_from_groups(totals[o2:o2 + g2], totals[o2 + g2:o2 + 2 * g2])
                          for o2, g2 in entry["auc"]]
            auc[s] = np.mean(per_class, axis=0)  # NaN if a class is absent, as sklearn
    out = _confusion_metrics(confusion, positive, wanted)
    if "roc_auc" in wanted:
        out["roc_auc"] = auc
    return {m: out[m].T for m in wanted}


def _confusion_metrics(confusion: np.ndarray, positive: int, wanted) -> dict[str, np.ndarray]:
    """Metrics from weighted confusion counts (sets, true, predicted, B) -> (sets, B)."""
    k = confusion.shape[1]
    tp = np.einsum("skkb->skb", confusion)
    support = confusion.sum(axis=2)
    predicted = confusion.sum(axis=1)
    total = support.sum(axis=1)
    out = {}
    with np.errstate(divide="ignore", invalid="ignore"):
        precision = np.where(predicted > 0, tp / predicted, 0.0)
        recall = np.where(support > 0, tp / support, 0.0)
        f1 = np.where(support + predicted > 0, 2 * tp / (support + predicted), 0.0)
        negatives = total[:, None, :] - support
        true_negatives = negatives - (predicted - tp)
        specificity = np.where(negatives > 0, true_negatives / negatives, np.nan)
        present_recall = np.where(support > 0, tp / support, np.nan)
        if k == 2:
            out.update(f1=f1[:, positive], precision=precision[:, positive],
                       recall=recall[:, positive], specificity=specificity[:, positive])
        else:
            out.update(f1=f1.mean(axis=1), precision=precision.mean(axis=1),
                       recall=recall.mean(axis=1), specificity=_nanmean(specificity, axis=1))
        out["accuracy"] = tp.sum(axis=1) / total
        out["balanced_accuracy"] = _nanmean(present_recall, axis=1)
    return {m: v for m, v in out.items() if m in wanted}


def regression_scores(y_true, predictions, weights=None, *,
                      metrics=None) -> dict[str, np.ndarray]:
    """R², RMSE and MAE of several prediction sets under many row weightings at once.

    ``predictions`` is a list of predicted-value arrays (n,); ``weights`` as in
    :func:`classification_scores`. Returns metric -> (B, n_sets), equal to
    ``distviz.metrics.score_regression(..., sample_weight=w)`` (R² follows scikit-learn's
    ``force_finite``: 1 for a perfect fit, 0 for a constant target otherwise).
    """
    y_true = np.asarray(y_true, dtype=float).ravel()
    n = len(y_true)
    wanted = tuple(metrics) if metrics is not None else scoring.REGRESSION_METRICS
    w = _weight_matrix(weights, n).astype(np.float64, copy=False)  # one BLAS product
    # Centring first keeps the weighted total sum of squares free of cancellation.
    centre = y_true[0] if np.ptp(y_true) == 0 else y_true.mean()
    centred = y_true - centre
    errors = [y_true - np.asarray(p, dtype=float).ravel() for p in predictions]
    columns = np.column_stack([e * e for e in errors] + [np.abs(e) for e in errors]
                              + [np.ones(n), centred, centred * centred])
    sums = columns.T @ w  # (2 sets + 3, B)
    n_sets = len(errors)
    squared, absolute = sums[:n_sets], sums[n_sets:2 * n_sets]
    total_weight, weighted_y, weighted_yy = sums[-3], sums[-2], sums[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        spread = np.maximum(weighted_yy - weighted_y ** 2 / total_weight, 0.0)
        r2 = np.where(squared == 0, 1.0,
                      np.where(spread > 0, 1 - squared / spread, 0.0))
        out = {"r2": r2, "rmse": np.sqrt(squared / total_weight),
               "mae": absolute / total_weight}
    return {m: out[m].T for m in wanted}


def _weight_matrix(weights, n: int) -> np.ndarray:
    if weights is None:
        return np.ones((n, 1))
    w = np.asarray(weights)
    if w.dtype not in (np.float32, np.float64):
        w = w.astype(np.float64)
    if w.ndim == 1:
        w = w[:, None]
    if w.shape[0] != n:
        raise ValueError(f"weights have {w.shape[0]} rows; the test set has {n}.")
    return w


def _nanmean(values: np.ndarray, axis: int) -> np.ndarray:
    """Mean over the non-NaN values (NaN where there are none), without a warning."""
    finite = ~np.isnan(values)
    count = finite.sum(axis=axis)
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.where(finite, values, 0.0).sum(axis=axis) / np.where(count, count, np.nan)


# ---------------------------------------------------------------------------- paired delta
def _unpack(item, task: str):
    """(y_pred, scores) for classification, y_pred for regression; None for a failed seed.

    An item is a FitResult-like object (``y_pred``, ``scores``, ``error``), a mapping with
    those keys, a ``(y_pred, scores)`` tuple, or (regression, or no scores) an array."""
    if item is None or getattr(item, "error", None):
        return None
    if isinstance(item, Mapping):
        if item.get("error"):
            return None
        y_pred, scores = item.get("y_pred"), item.get("scores")
    elif hasattr(item, "y_pred"):
        y_pred, scores = item.y_pred, getattr(item, "scores", None)
    elif isinstance(item, tuple):
        y_pred, scores = (item + (None,))[:2]
    else:
        y_pred, scores = item, None
    if y_pred is None:
        return None
    return (y_pred, scores) if task == "classification" else y_pred


def _pairs(shifted, baseline, task: str) -> list[tuple]:
    """Pairs by seed: common keys of two mappings, else positions; failed seeds dropped."""
    if isinstance(shifted, Mapping) and isinstance(baseline, Mapping):
        raw = [(shifted[key], baseline[key]) for key in shifted if key in baseline]
    elif isinstance(shifted, Sequence) and isinstance(baseline, Sequence):
        raw = list(zip(shifted, baseline))
    else:
        raise TypeError("shifted and baseline must both be lists (paired by position) or both "
                        "mappings seed -> predictions (paired by seed).")
    pairs = [(_unpack(a, task), _unpack(b, task)) for a, b in raw]
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
    if task not in ("classification", "regression"):
        raise ValueError(f"unknown task {task!r}; use 'classification' or 'regression'.")
    if not 0 < confidence < 1:
        raise ValueError("confidence must lie in (0, 1).")
    pairs = _pairs(shifted, baseline, task)
    if not pairs:
        return {}
    names = [m for m in scoring.metric_names(task) if metrics is None or m in set(metrics)]
    n = len(np.asarray(y_true))
    weights = bootstrap_weights(n, n_boot, random_state=random_state)
    base_weight = None
    if sample_weight is not None:
        base_weight = np.asarray(sample_weight, dtype=float).ravel()
        weights = (weights * base_weight[:, None]).astype(weights.dtype)
    sets = [a for a, _ in pairs] + [b for _, b in pairs]  # shifted seeds, then baseline seeds
    if task == "classification":
        n_classes = int(n_classes) or _infer_classes(y_true, sets)
        if any(s[1] is None for s in sets):
            names = [m for m in names if m != "roc_auc"]
        point, replicates = _classification(
            y_true, sets, [(base_weight, None), (weights, auc_bins)], n_classes=n_classes,
            positive=positive, metrics=names)
    else:
        point = regression_scores(y_true, sets, base_weight, metrics=names)
        replicates = regression_scores(y_true, sets, weights, metrics=names)
    k = len(pairs)
    return {m: _effect(m, point[m][0, :k], point[m][0, k:], replicates[m][:, :k],
                       replicates[m][:, k:], confidence=confidence,
                       single_seed_inflation=single_seed_inflation,
                       bounded=task == "classification", seed_part=seed_part) for m in names}


def _infer_classes(y_true, sets) -> int:
    for _, scores in sets:
        if scores is not None:
            return int(np.asarray(scores).shape[1])
    return int(max(np.max(y_true), *(np.max(p) for p, _ in sets))) + 1


def _effect(metric, shifted, baseline, shifted_boot, baseline_boot, *, confidence,
            single_seed_inflation, bounded, seed_part="sum") -> Effect:
    """Combine the seed spread of the paired deltas with their test-sample bootstrap."""
    deltas = shifted - baseline                     # (K,) one per seed, full test set
    boot = shifted_boot - baseline_boot             # (B, K) same rows for every seed and arm
    boot = boot[np.isfinite(boot).all(axis=1)]
    k = len(deltas)
    delta = float(np.mean(deltas))
    nan = float("nan")
    if not np.isfinite(delta) or len(boot) < 2:
        return Effect(metric, delta, nan, nan, nan, False, "within noise", nan, nan, nan, nan,
                      k, float(np.mean(shifted)), float(np.mean(baseline)))
    var_test = float(np.var(boot.mean(axis=1), ddof=1))
    if k >= 2:
        spread = float(np.var(deltas, ddof=1))
        if seed_part == "corrected":
            # The part of the seed spread that is test-row noise, already in var_test.
            centred = boot - boot.mean(axis=0)
            spread = max(spread - float(np.var(centred, axis=1, ddof=1).mean())
                         * len(boot) / (len(boot) - 1), 0.0)
        var_seed = spread / k
        var = var_test + var_seed
        # Welch–Satterthwaite: only the seed spread is estimated from few values (k - 1 df).
        df = (k - 1) * (var / var_seed) ** 2 if var_seed > 0 else np.inf
        se_seed = float(np.sqrt(var_seed))
    else:
        var, df, se_seed = var_test * single_seed_inflation, np.inf, nan
    se = float(np.sqrt(var))
    quantile = _t_quantile(0.5 + confidence / 2, df)
    low, high = delta - quantile * se, delta + quantile * se
    if bounded:
        low, high = max(low, -_CLASSIFICATION_BOUND), min(high, _CLASSIFICATION_BOUND)
    if se > 0:
        p_value = float(2 * special.stdtr(df, -abs(delta) / se))  # Student t survival
    else:
        p_value = 1.0 if delta == 0 else 0.0
    significant = bool(low > 0 or high < 0)
    return Effect(metric, delta, float(low), float(high), p_value, significant,
                  verdict(metric, delta, significant), se, float(np.sqrt(var_test)), se_seed,
                  float(df), k, float(np.mean(shifted)), float(np.mean(baseline)),
                  float(quantile * se))


def verdict(metric: str, delta: float, significant: bool) -> str:
    """better / worse / within noise, with lower RMSE and MAE counting as better."""
    if not significant:
        return "within noise"
    improved = is_better(metric, delta)
    return "better" if improved else "worse"


# ---------------------------------------------------------------------------- many sets at once
@dataclass(frozen=True)
class Level:
    """One metric's mean over seeds with its interval (the same two noise parts as a delta).

    ``low`` / ``high`` are NaN with one seed (the seed part is unknown; see
    :func:`default_repeats`). Classification levels are clipped to [0, 1], R² to at most 1,
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
        if task not in ("classification", "regression"):
            raise ValueError(f"unknown task {task!r}; use 'classification' or 'regression'.")
        self.task = task
        self.columns: dict = {}          # label -> {seed: column}
        flat = []
        for label, by_seed in sets.items():
            if not isinstance(by_seed, Mapping):
                by_seed = dict(enumerate(by_seed))
            self.columns[label] = {}
            for seed, item in by_seed.items():
                unpacked = _unpack(item, task)
                if unpacked is not None:
                    self.columns[label][seed] = len(flat)
                    flat.append(unpacked)
        names = [m for m in scoring.metric_names(task) if metrics is None or m in set(metrics)]
        self.point: dict[str, np.ndarray] = {m: np.empty((1, 0)) for m in names}
        self.replicates: dict[str, np.ndarray] = {m: np.empty((n_boot, 0)) for m in names}
        if flat:
            weights = bootstrap_weights(len(np.asarray(y_true)), n_boot,
                                        random_state=random_state)
            if task == "classification":
                n_classes = int(n_classes) or _infer_classes(y_true, flat)
                if any(s[1] is None for s in flat):
                    names = [m for m in names if m != "roc_auc"]
                self.point, self.replicates = _classification(
                    y_true, flat, [(None, None), (weights, auc_bins)], n_classes=n_classes,
                    positive=positive, metrics=names)
            else:
                self.point = regression_scores(y_true, flat, None, metrics=names)
                self.replicates = regression_scores(y_true, flat, weights, metrics=names)
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
        out = {}
        for m in self.metrics:
            values = self.point[m][0, columns]
            boot = self.replicates[m][:, columns]
            boot = boot[np.isfinite(boot).all(axis=1)]
            k, value, nan = len(values), float(np.mean(values)), float("nan")
            if k < 2 or len(boot) < 2 or not np.isfinite(value):
                se_test = float(np.std(boot.mean(axis=1), ddof=1)) if len(boot) >= 2 else nan
                out[m] = Level(m, value, nan, nan, nan, se_test, nan, k)
                continue
            var_test = float(np.var(boot.mean(axis=1), ddof=1))
            var_seed = float(np.var(values, ddof=1)) / k
            var = var_test + var_seed
            df = (k - 1) * (var / var_seed) ** 2 if var_seed > 0 else np.inf
            half = _t_quantile(0.5 + confidence / 2, df) * np.sqrt(var)
            low, high = value - half, value + half
            if self.task == "classification":
                low, high = max(low, 0.0), min(high, 1.0)
            elif m == "r2":
                high = min(high, 1.0)
            else:
                low = max(low, 0.0)
            out[m] = Level(m, value, float(low), float(high), float(np.sqrt(var)),
                           float(np.sqrt(var_test)), float(np.sqrt(var_seed)), k)
        return out


# ---------------------------------------------------------------------------- how many seeds
SMALL_TRAINING_SET = 20_000
REPEATS_SMALL, REPEATS_LARGE = 5, 3


def default_repeats(n_train_rows: int) -> int:
    """Seeds per state that reach a useful interval by default: 5 up to 20,000 training rows,
    3 above (issue 12). The settings policy's seeds (distviz.loop.policy), on every surface.

    Two seeds are the least that estimate the seed part of the noise; with one, distviz reports
    the change without an interval (``ci95`` / ``significant`` absent, a ``note`` says so)."""
    return REPEATS_SMALL if int(n_train_rows) <= SMALL_TRAINING_SET else REPEATS_LARGE


NO_INTERVAL_NOTE = ("one seed: no interval. The noise from the algorithm's seed and the "
                    "resampling draw cannot be estimated from one seed, so ci95, significant "
                    "and verdict are left out; run with --repeats 2 or more (the default is "
                    "5 seeds up to 20,000 training rows, 3 above).")


# ---------------------------------------------------------------------------- many cells
def adjusted_p_values(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (step-up; NaN stays NaN and is not counted).

    A cell is a discovery at false-discovery rate ``q`` exactly when its adjusted p-value is
    at most ``q`` (Benjamini & Hochberg 1995)."""
    p = np.asarray(p_values, dtype=float).ravel()
    adjusted = np.full(p.shape, np.nan)
    finite = ~np.isnan(p)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p[finite], method="bh")
    return adjusted


def benjamini_hochberg(p_values, alpha: float = 0.05) -> np.ndarray:
    """Which cells stay significant when many are judged at once, at false-discovery rate
    ``alpha``: a boolean array in the input's order (NaN p-values are never significant)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(adjusted_p_values(p_values) <= alpha)


@dataclass(frozen=True)
class ChanceFlags:
    """How many of ``cells`` tests would come out significant with no real effect anywhere."""

    cells: int
    alpha: float
    expected: float   # alpha * cells
    upper: int        # exceeded by chance in at most 5 % of sweeps (independent cells)

    def sentence(self, flagged: int | None = None) -> str:
        text = (f"{self.expected:.1f} of {self.cells} cells would be flagged by chance "
                f"(up to {self.upper} in 95 % of repeats)")
        if flagged is not None:
            text = f"{flagged} of {self.cells} cells are beyond the noise; " + text
        return text + "."


def flagged_by_chance(n_cells: int, alpha: float = 0.05) -> ChanceFlags:
    """Cells a per-cell test at level ``alpha`` flags when nothing changed: ``alpha * n`` on
    average, and the 95th percentile of Binomial(n, alpha) (cells treated as independent)."""
    n_cells = int(n_cells)
    upper = int(stats.binom.ppf(0.95, n_cells, alpha)) if n_cells else 0
    return ChanceFlags(n_cells, float(alpha), float(alpha * n_cells), upper)
