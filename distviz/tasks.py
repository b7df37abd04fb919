"""The two learning tasks, their metrics and headline metric: the one place these are named."""

from __future__ import annotations

TASKS = ("classification", "regression")
CLASSIFICATION_METRICS = ("f1", "precision", "recall", "specificity", "accuracy",
                          "balanced_accuracy", "roc_auc")
REGRESSION_METRICS = ("r2", "rmse", "mae")
LOWER_IS_BETTER = frozenset({"rmse", "mae"})


def metric_names(task: str) -> tuple[str, ...]:
    """The metrics reported for ``task``, headline first."""
    return CLASSIFICATION_METRICS if task == "classification" else REGRESSION_METRICS


def headline_metric(task: str) -> str:
    """F1 for classification, R² for regression: the metric the leaderboard ranks by."""
    return metric_names(task)[0]


def is_better(metric: str, change: float) -> bool:
    """Whether a change of ``metric`` by ``change`` is an improvement."""
    return change < 0 if metric in LOWER_IS_BETTER else change > 0
