"""Metrics of many prediction sets under many row weightings at once: the bootstrap's counts of
the test rows and the vectorised classification and regression metrics that
:mod:`distviz.stats.effects` turns into intervals. With all weights 1 every value equals
scikit-learn's.

One ``(n_rows, n_boot)`` count matrix (cached per test size and seed) weights every prediction
set. Classification: one sparse indicator maps each test row to its (true class, predicted
class, score level) cell in every prediction set, one sparse-dense product gives all weighted
cell totals, and every metric is a ratio of totals (ROC AUC as the weighted Mann–Whitney
statistic; within the bootstrap, scores are rounded to ``auc_bins`` equal-frequency levels, ties
kept together). Regression: one dense product gives the weighted sums of squared and absolute
errors and of the target's moments. About 20 ms for 10,000 rows, 5 seeds x 2 runs, all
classification metrics and 200 replicates (``benchmarks/bench_calibration.py`` measures it).

"""

from __future__ import annotations

import functools
from collections.abc import Mapping

import numpy as np
from scipy import sparse

from .. import metrics as scoring  # not "metrics": a parameter has that name

AUC_BINS = 256


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



# ---------------------------------------------------------------------------- prediction sets
def metric_names(task: str, metrics=None) -> list[str]:
    """The task's metrics in ``distviz.metrics.metric_names`` order, only ``metrics`` if given."""
    if task not in ("classification", "regression"):
        raise ValueError(f"unknown task {task!r}; use 'classification' or 'regression'.")
    return [m for m in scoring.metric_names(task) if metrics is None or m in set(metrics)]


def prediction_set(item, task: str):
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



def score_sets(y_true, sets, weights, *, task: str, names: list[str], n_classes: int = 0,
               positive: int | None = None, sample_weight=None,
               auc_bins: int | None = AUC_BINS):
    """Every metric of ``sets`` (entries of :func:`prediction_set`) on the test set, weighted by
    ``sample_weight`` (default 1, ROC AUC exact), and under each column of ``weights`` (the
    bootstrap's, ROC AUC on ``auc_bins`` levels), sorting scores once.

    Returns ``(names, point, replicates)``: the metrics scored (ROC AUC left out when a set has
    no scores), metric -> (1, n_sets) and metric -> (n_boot, n_sets)."""
    if task == "classification":
        n_classes = int(n_classes) or _infer_classes(y_true, sets)
        if any(s[1] is None for s in sets):
            names = [m for m in names if m != "roc_auc"]
        point, replicates = _classification(
            y_true, sets, [(sample_weight, None), (weights, auc_bins)], n_classes=n_classes,
            positive=positive, metrics=names)
    else:
        point = regression_scores(y_true, sets, sample_weight, metrics=names)
        replicates = regression_scores(y_true, sets, weights, metrics=names)
    return names, point, replicates


def _infer_classes(y_true, sets) -> int:
    for _, scores in sets:
        if scores is not None:
            return int(np.asarray(scores).shape[1])
    return int(max(np.max(y_true), *(np.max(p) for p, _ in sets))) + 1
