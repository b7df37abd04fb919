"""Per-cell statistics of a saved sweep table, as the write-up reads them."""

from __future__ import annotations

import numpy as np
import pandas as pd

from distviz.sweep import summarize


def cell_stats(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """Mean over repeats and 95 % interval of ``column`` (a metric, or ``delta_<metric>``) per
    (feature, group, ratio, algorithm), in table order: the sweep's own per-cell intervals
    (distviz.stats: seed, resampling draw and test sample; ``distviz.sweep.summarize``).

    For a change, ``p`` is its p-value and ``real`` its verdict after Benjamini–Hochberg over
    the table's shifted cells at a false-discovery rate of 5 %: "up", "down", "noise", or "no
    interval"; call it on a dataset's whole table so the family is the whole sweep."""
    metric = column.removeprefix("delta_")
    summary = summarize(table, metric)
    keys = ["feature", "group", "ratio", "algorithm"]
    if column.startswith("delta_"):
        out = summary[keys + ["delta", "ci_low", "ci_high", "p_value", "significant_bh"]].rename(
            columns={"delta": "mean", "ci_low": "low", "ci_high": "high", "p_value": "p"})
        out["real"] = [real_change(m, lo, hi, bh) for m, lo, hi, bh in
                       zip(out["mean"], out["low"], out["high"], out["significant_bh"])]
        return out.drop(columns="significant_bh")
    out = summary[keys + ["value", "value_low", "value_high"]].rename(
        columns={"value": "mean", "value_low": "low", "value_high": "high"})
    return out


def real_change(mean, low, high, controlled) -> str:
    """A change's name in the write-up: beyond the noise after Benjamini–Hochberg ('up' /
    'down'), 'noise', or 'no interval'."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no interval"
    if controlled is not True and controlled is not np.True_:
        return "noise"
    return "up" if mean > 0 else "down"
