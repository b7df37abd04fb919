"""Formatting shared by docs/make_report.py and the report's parts (one helper, not copies)."""

from __future__ import annotations

import numpy as np

METRIC_LABELS = {"f1": "F1", "r2": "R²", "recall": "recall", "specificity": "specificity",
                 "rmse": "RMSE", "mae": "MAE", "precision": "precision",
                 "accuracy": "accuracy", "balanced_accuracy": "balanced accuracy",
                 "roc_auc": "ROC AUC"}


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


def md_table(key: str, header: list[str], rows: list[list[str]]) -> str:
    """A Markdown table between markers that tests/test_report.py finds and checks."""
    lines = [f"<!-- table:{key} -->", "| " + " | ".join(header) + " |",
             "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(str(c) for c in row) + " |" for row in rows]
    lines.append("<!-- /table -->")
    return "\n".join(lines)


def ratio_text(ratio: float) -> str:
    return f"{ratio:+g}" if ratio else "0"


def and_join(names) -> str:
    """'a', 'a and b', 'a, b and c'."""
    names = list(names)
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} and {names[-1]}"


def effect_number(value) -> str:
    """A min_effect or detectable size, e.g. 0.01 or 0.0312."""
    return f"{float(value):.3g}" if value is not None and np.isfinite(value) else "n/a"
