"""Metrics, confusion matrices, ROC curves, per-group metrics and 95 % intervals.

Every metric is scikit-learn's own function applied to the predictions; nothing is re-derived.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import stats
from sklearn import metrics as skm

from .tasks import CLASSIFICATION_METRICS, LOWER_IS_BETTER, REGRESSION_METRICS, metric_names

__all__ = ["CLASSIFICATION_METRICS", "LOWER_IS_BETTER", "REGRESSION_METRICS", "metric_names"]


def specificity(y_true, y_pred, *, n_classes: int, positive: int, sample_weight=None) -> float:
    """True-negative rate: binary for the positive class, macro-averaged over classes otherwise."""
    cm = skm.confusion_matrix(y_true, y_pred, labels=list(range(n_classes)),
                              sample_weight=sample_weight)
    per_class = []
    for k in range(n_classes):
        negatives = cm.sum() - cm[k].sum()
        true_negatives = negatives - (cm[:, k].sum() - cm[k, k])
        per_class.append(true_negatives / negatives if negatives else np.nan)
    return float(per_class[positive] if n_classes == 2 else np.nanmean(per_class))


def score_classification(y_true, y_pred, scores, *, n_classes: int, positive: int,
                         sample_weight=None) -> dict[str, float]:
    """F1/precision/recall (binary: positive class; multi-class: macro), specificity,
    accuracy, balanced accuracy and ROC AUC (one-vs-rest macro for multi-class)."""
    labels = list(range(n_classes))
    if n_classes == 2:
        averaging = dict(average="binary", pos_label=positive)
    else:
        averaging = dict(average="macro", labels=labels)
    out = {
        "f1": skm.f1_score(y_true, y_pred, zero_division=0, sample_weight=sample_weight,
                           **averaging),
        "precision": skm.precision_score(y_true, y_pred, zero_division=0,
                                         sample_weight=sample_weight, **averaging),
        "recall": skm.recall_score(y_true, y_pred, zero_division=0,
                                   sample_weight=sample_weight, **averaging),
        "specificity": specificity(y_true, y_pred, n_classes=n_classes, positive=positive,
                                   sample_weight=sample_weight),
        "accuracy": skm.accuracy_score(y_true, y_pred, sample_weight=sample_weight),
        "balanced_accuracy": skm.balanced_accuracy_score(y_true, y_pred,
                                                         sample_weight=sample_weight),
        "roc_auc": roc_auc(y_true, scores, n_classes=n_classes, positive=positive,
                           sample_weight=sample_weight),
    }
    return {k: float(v) for k, v in out.items()}


def roc_auc(y_true, scores, *, n_classes: int, positive: int, sample_weight=None) -> float:
    if n_classes == 2:
        return float(skm.roc_auc_score(np.asarray(y_true) == positive, scores[:, positive],
                                       sample_weight=sample_weight))
    return float(skm.roc_auc_score(y_true, scores, multi_class="ovr", average="macro",
                                   labels=list(range(n_classes)), sample_weight=sample_weight))


def score_regression(y_true, y_pred, *, sample_weight=None) -> dict[str, float]:
    return {
        "r2": float(skm.r2_score(y_true, y_pred, sample_weight=sample_weight)),
        "rmse": float(skm.root_mean_squared_error(y_true, y_pred, sample_weight=sample_weight)),
        "mae": float(skm.mean_absolute_error(y_true, y_pred, sample_weight=sample_weight)),
    }


def confusion(y_true, y_pred, n_classes: int) -> np.ndarray:
    """Counts, rows = true class, columns = predicted class (scikit-learn's convention, for
    class indices 0..n_classes-1; one bincount: every render of every seed needs them)."""
    cells = np.asarray(y_true, dtype=np.int64) * n_classes + np.asarray(y_pred, dtype=np.int64)
    return np.bincount(cells, minlength=n_classes * n_classes).reshape(n_classes, n_classes)


def roc_points(y_true, scores, *, positive: int, max_points: int = 200) -> pd.DataFrame:
    """ROC curve of the positive class (one-vs-rest), thinned to at most ``max_points``."""
    fpr, tpr, _ = skm.roc_curve(np.asarray(y_true) == positive, scores[:, positive])
    if len(fpr) > max_points:
        keep = np.unique(np.linspace(0, len(fpr) - 1, max_points).round().astype(int))
        fpr, tpr = fpr[keep], tpr[keep]
    return pd.DataFrame({"fpr": fpr, "tpr": tpr})


def group_metrics(y_true, y_pred, groups, *, task: str, positive: int | None = None,
                  n_classes: int = 2) -> pd.DataFrame:
    """Per group of the chosen feature on the test set.

    Classification: rows, F1, TPR, FPR and selection rate of the positive class.
    Regression: rows, R² and MAE.
    """
    y_true, y_pred, groups = np.asarray(y_true), np.asarray(y_pred), np.asarray(groups)
    rows = []
    for group in pd.unique(groups):
        mask = groups == group
        t, p = y_true[mask], y_pred[mask]
        if task == "classification":
            actual, predicted = t == positive, p == positive
            negatives = (~actual).sum()
            rows.append({
                "group": group, "rows": int(mask.sum()),
                "f1": float(skm.f1_score(actual, predicted, zero_division=0)),
                "tpr": float(predicted[actual].mean()) if actual.any() else np.nan,
                "fpr": float(predicted[~actual].mean()) if negatives else np.nan,
                "selection_rate": float(predicted.mean()),
            })
        else:
            rows.append({
                "group": group, "rows": int(mask.sum()),
                "r2": float(skm.r2_score(t, p)) if mask.sum() > 1 else np.nan,
                "mae": float(skm.mean_absolute_error(t, p)),
            })
    return pd.DataFrame(rows)


def mean_ci(values, confidence: float = 0.95) -> tuple[float, float, float]:
    """Mean and Student-t interval of ``values`` (NaN interval for a single value)."""
    values = np.asarray(values, dtype=float)
    values = values[~np.isnan(values)]
    if len(values) == 0:
        return np.nan, np.nan, np.nan
    mean = float(values.mean())
    if len(values) < 2:
        return mean, np.nan, np.nan
    sem = values.std(ddof=1) / np.sqrt(len(values))
    half = float(stats.t.ppf(0.5 + confidence / 2, len(values) - 1) * sem)
    return mean, mean - half, mean + half


def is_significant(low: float, high: float) -> bool | None:
    """A change counts as real only when its interval excludes 0; unknown without one."""
    if np.isnan(low) or np.isnan(high):
        return None
    return bool(low > 0 or high < 0)
