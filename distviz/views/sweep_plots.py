"""Pure functions: a sweep's summary -> HoloViews elements (no Panel, no state).

The summary is :func:`distviz.sweep.summarize` of a sweep table: one row per (feature, group,
ratio, algorithm) with the mean metric, its change against the baseline and their intervals.
Each point is marked with its ``practical`` call (:mod:`~distviz.views.practical_marks`); the
page judges them against its smallest change that matters with :func:`judge_calls`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401 - options need a loaded plotting backend

from .plots import WHEEL_ZOOM_OFF, size_opts
from .practical_marks import POINT_DIMS, marks, point_call, point_opts
from .style import RATIO_LABEL, algorithm_colors, escape

KINDS = {"value": ("value", "value_low", "value_high"),
         "delta": ("delta", "ci_low", "ci_high")}


def judge_calls(summary: pd.DataFrame, min_effect: float | None) -> pd.DataFrame:
    """``summary`` with ``practical`` and ``min_effect`` judged against ``min_effect``: each
    shifted cell's change interval ``[ci_low, ci_high]`` by
    :func:`distviz.stats.practical_call`, beyond the noise when the Benjamini–Hochberg step over
    the sweep's cells says so (``significant_bh``, as the map's cells); None at the baseline
    (ratio 0) and without an interval. Nothing else changes (the intervals are the sweep's)."""
    if summary.empty:
        return summary
    calls = [point_call(metric, low, high, min_effect,
                        beyond=None if bh is None or pd.isna(bh) else bool(bh))
             if ratio != 0 else None
             for metric, low, high, bh, ratio in zip(
                 summary["metric"], summary["ci_low"], summary["ci_high"],
                 summary["significant_bh"], summary["ratio"])]
    return summary.assign(practical=pd.Series(calls, index=summary.index, dtype=object),
                          min_effect=np.nan if min_effect is None else float(min_effect))


def feature_curves(summary: pd.DataFrame, feature: str, *, kind: str = "value",
                   ratio: float | None = None, colors: dict[str, str] | None = None,
                   height: int = 320, width: int | None = 420,
                   legend: bool = True) -> hv.Overlay:
    """Metric (or its change vs baseline) against ratio for every algorithm of one feature, each
    with its 95 % interval band; a dashed vertical line marks ``ratio``. Each point is marked
    with the summary's ``practical`` call of its change (none without that column).

    ``width=None`` fills the width it is given (``responsive``); ``legend`` puts the algorithms'
    legend outside the plot, at its right (a page with several panels shows one
    :func:`algorithm_key` instead)."""
    column, low, high = KINDS[kind]
    rows = summary[summary["feature"] == feature]
    if rows.empty:
        raise ValueError(f"feature {feature!r} is not in the sweep")
    metric = rows["metric"].iloc[0]
    group = rows["group"].iloc[0]
    colors = colors or algorithm_colors(summary["algorithm"])
    label = metric.upper() if kind == "value" else f"change in {metric.upper()}"
    ratio_dim = hv.Dimension("ratio", label=RATIO_LABEL)
    value_dim = hv.Dimension("value", label=label)
    elements = []
    if kind == "delta":
        elements.append(hv.HLine(0).opts(color="#555555", line_width=1))
    for algorithm, cell in rows.groupby("algorithm", sort=False):
        cell = cell.sort_values("ratio")
        color = colors.get(algorithm, "#333333")
        band = pd.DataFrame({"ratio": cell["ratio"].to_numpy(),
                             "low": cell[low].fillna(cell[column]).to_numpy(),
                             "high": cell[high].fillna(cell[column]).to_numpy()})
        data = pd.DataFrame({"ratio": cell["ratio"].to_numpy(),
                             "value": cell[column].to_numpy(), "algorithm": algorithm})
        calls = cell["practical"] if "practical" in cell else [None] * len(cell)
        dots = data.assign(**marks(calls, color), change=[
            f"{d:+.4f}" if np.isfinite(d) else "" for d in cell["delta"]], interval=[
            f"[{lo:+.4f}, {hi:+.4f}]" if np.isfinite(lo) and np.isfinite(hi) else ""
            for lo, hi in zip(cell["ci_low"], cell["ci_high"])]).astype(
            {c: object for c in ("algorithm", "call", "change", "interval")})
        elements.append(hv.Area(band, ratio_dim, [hv.Dimension("low", label=label), "high"])
                        .opts(color=color, alpha=0.18, line_alpha=0))
        elements.append(hv.Curve(data, ratio_dim, [value_dim, "algorithm"], label=algorithm)
                        .opts(color=color, line_width=2))  # its points have the tooltips
        elements.append(hv.Scatter(dots, ratio_dim, [value_dim, *POINT_DIMS])
                        .opts(**point_opts(color)))
    if ratio is not None:
        elements.append(hv.VLine(float(ratio)).opts(color="black", line_dash="dashed",
                                                   line_width=1.5))
    # The axes are named here: an overlay would take them from its first layer (x, y of HLine).
    return hv.Overlay(elements).opts(
        title=f"{feature} = {group}", height=height, show_grid=True, xlabel=RATIO_LABEL,
        ylabel=label, show_legend=legend, legend_position="right", toolbar="above",
        **WHEEL_ZOOM_OFF, **size_opts(width, min_width=300))


def algorithm_key(colors: dict[str, str]) -> str:
    """One legend for every panel: each algorithm's name after a swatch of its colour (HTML;
    the names escaped)."""
    items = [f'<span style="white-space:nowrap;margin-right:14px">'
             f'<span style="display:inline-block;width:18px;height:3px;background:{color};'
             f'vertical-align:middle;margin-right:5px"></span>{escape(name)}</span>'
             for name, color in colors.items()]
    return "<div>" + " ".join(items) + "</div>"


def sweep_curves(summary: pd.DataFrame, *, kind: str = "value", ratio: float | None = None,
                 cols: int = 2, **opts) -> hv.Layout:
    """One :func:`feature_curves` panel per feature of the sweep, in sweep order."""
    colors = algorithm_colors(summary["algorithm"])
    panels = [feature_curves(summary, f, kind=kind, ratio=ratio, colors=colors, **opts)
              for f in dict.fromkeys(summary["feature"])]
    return hv.Layout(panels).cols(cols).opts(shared_axes=False)


def winner_table(best: pd.DataFrame) -> pd.DataFrame:
    """:func:`distviz.sweep.winners` as a grid: one row per ratio, one column per feature
    (``feature = group``), each cell ``algorithm (value)``."""
    if best.empty:
        return pd.DataFrame()
    cells = best.assign(
        column=best["feature"] + " = " + best["group"].astype(str),
        text=[f"{b} ({v:.3f})" if isinstance(b, str) and np.isfinite(v) else "all failed"
              for b, v in zip(best["best"], best["value"])])
    grid = cells.pivot(index="ratio", columns="column", values="text")
    grid = grid[list(dict.fromkeys(cells["column"]))].sort_index()
    grid.index = [f"{r:+g}" for r in grid.index]
    grid.index.name = "ratio"
    grid.columns.name = None
    return grid.reset_index()
