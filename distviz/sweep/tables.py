"""Sweep tables read back: per-cell summaries with intervals, the winner per cell, and a plain
text view."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .. import metrics
from ..tasks import LOWER_IS_BETTER


def summarize(table: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """Mean over repeats of ``metric`` and of its change against the baseline of the same seed,
    each with its 95 % Student-t interval, one row per (feature, group, ratio, algorithm), in
    table order.

    ``significant`` is True when the interval of the change excludes 0, False when it includes
    it, and None with a single repeat (no interval).
    """
    metric = metric or headline_metric(table)
    rows = []
    keys = ["feature", "group", "ratio", "algorithm"]
    for key, cell in table.groupby(keys, sort=False):
        value, value_low, value_high = metrics.mean_ci(cell[metric].to_numpy(dtype=float))
        delta, low, high = metrics.mean_ci(cell[f"delta_{metric}"].to_numpy(dtype=float))
        values = cell[metric].dropna()
        rows.append({**dict(zip(keys, key)), "metric": metric,
                     "value": value, "value_low": value_low, "value_high": value_high,
                     "delta": delta, "ci_low": low, "ci_high": high,
                     "significant": metrics.is_significant(low, high),
                     "repeats": int(len(values)), "errors": int(cell["error"].notna().sum())})
    return pd.DataFrame(rows)


def headline_metric(table: pd.DataFrame) -> str:
    """The headline metric of a sweep table (F1 when it has one, else R²)."""
    return "f1" if "f1" in table.columns else "r2"


def winners(summary: pd.DataFrame) -> pd.DataFrame:
    """The best algorithm at each (feature, group, ratio) of a :func:`summarize` table (ties: the
    first listed wins), with the runner-up and the margin between them."""
    rows = []
    for (feature, group, ratio), cell in summary.groupby(["feature", "group", "ratio"],
                                                         sort=False):
        metric = cell["metric"].iloc[0]
        sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
        scored = cell.dropna(subset=["value"])
        if scored.empty:
            rows.append({"feature": feature, "group": group, "ratio": ratio, "metric": metric,
                         "best": None, "value": np.nan, "runner_up": None, "margin": np.nan})
            continue
        order = np.argsort(-sign * scored["value"].to_numpy(), kind="stable")
        best = scored.iloc[order[0]]
        second = scored.iloc[order[1]] if len(order) > 1 else None
        rows.append({"feature": feature, "group": group, "ratio": ratio, "metric": metric,
                     "best": best["algorithm"], "value": best["value"],
                     "runner_up": None if second is None else second["algorithm"],
                     "margin": np.nan if second is None
                     else abs(best["value"] - second["value"])})
    return pd.DataFrame(rows)


def paired_lead(table: pd.DataFrame, feature: str, ratio: float, leader: str, other: str,
                metric: str) -> tuple[float, float, float]:
    """Mean and 95 % interval over seeds of how far ``leader`` is ahead of ``other`` in one
    cell (positive = ahead, for lower-is-better metrics too)."""
    cell = table[(table["feature"] == feature) & (table["ratio"] == ratio)]
    ahead = (cell[cell["algorithm"] == leader].set_index("seed")[metric]
             - cell[cell["algorithm"] == other].set_index("seed")[metric]).dropna()
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    return metrics.mean_ci(sign * ahead.to_numpy(dtype=float))


def format_summary(table: pd.DataFrame, stats=None) -> str:
    """A plain-text view of a sweep: the headline metric per cell and algorithm."""
    metric = headline_metric(table)
    summary = summarize(table, metric)
    algorithms = list(dict.fromkeys(summary["algorithm"]))
    repeats = int(table["repeat"].max()) + 1
    name = table["dataset"].iloc[0]
    lines = [f"{name}: {len(table)} rows = {table['feature'].nunique()} features x "
             f"{table['ratio'].nunique()} ratios x {len(algorithms)} algorithms x "
             f"{repeats} repeats",
             f"{metric.upper()} (mean over repeats) and change vs baseline"
             + ("; * = 95 % interval excludes 0" if repeats > 1 else ""), ""]
    width = max(14, *(len(a) + 2 for a in algorithms))
    header = f"{'feature':<16}{'group':<18}{'ratio':>7}  " + "".join(
        f"{a:>{width}}" for a in algorithms)
    lines += [header, "-" * len(header)]
    for (feature, group, ratio), cell in summary.groupby(["feature", "group", "ratio"],
                                                         sort=False):
        texts = []
        for algorithm in algorithms:
            row = cell[cell["algorithm"] == algorithm].iloc[0]
            if math.isnan(row["value"]):
                texts.append(f"{'error':>{width}}")
                continue
            mark = "*" if row["significant"] is True else " "
            texts.append(f"{row['value']:.3f} {row['delta']:+.3f}{mark}".rjust(width))
        lines.append(f"{feature[:15]:<16}{group[:17]:<18}{ratio:>+7.2f}  " + "".join(texts))
    best = winners(summary)
    base = best[best["ratio"] == 0.0]
    if len(base):
        lines += ["", f"best at baseline: {base['best'].iloc[0]}"]
    changes = best[best["best"] != (base["best"].iloc[0] if len(base) else None)]
    if len(base) and len(changes):
        counts = changes["best"].value_counts()
        leader = base["best"].iloc[0]
        real = sum(paired_lead(table, r.feature, r.ratio, r.best, leader, metric)[1] > 0
                   for r in changes.itertuples())
        lines.append(f"another algorithm leads in {len(changes)} of {len(best)} cells ("
                     + ", ".join(f"{name} {n}" for name, n in counts.items())
                     + f"); {real} of these leads exceed the noise")
    errors = int(table["error"].notna().sum())
    if errors:
        lines.append(f"{errors} fits failed; see the error column.")
    if stats is not None:
        lines.append(f"{stats.fits} distinct fits: {stats.computed} computed, {stats.cached} "
                     f"from cache, {stats.seconds:.1f} s on {stats.backend}")
    return "\n".join(lines)
