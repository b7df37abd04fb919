"""Pure functions: advise cells and response curves -> tables and HoloViews elements.

The map colours a cell only when its change is beyond the noise after Benjamini–Hochberg:
green better, red worse, in four steps of the size of the change (:data:`STEPS`, in units of
the headline metric). Within the noise its practical call tells two things apart, as the
write-up's figures do: ``equivalent`` (no change that matters, and the data show it) is grey,
``inconclusive`` (the data cannot tell) hatched white; a change within the noise without a call
(one seed) is light grey, a failed or skipped cell light grey with a cross, a cell not computed
yet blank with a dot.
"""

from __future__ import annotations

import math

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401 - options need a loaded plotting backend
import numpy as np
import pandas as pd

from ..advise import Cell, Curve, metric_label
from .plots import WHEEL_ZOOM_OFF
from .practical_marks import POINT_DIMS, marks, point_call, point_opts
from .style import (
    BETTER,
    EQUIVALENT,
    INCONCLUSIVE,
    INCONCLUSIVE_HATCH,
    RATIO_LABEL,
    WORSE,
    algorithm_colors,
    escape,
    mix,
)

WITHIN_NOISE = "#d9d9d9"
CURRENT_OUTLINE = "#1f1f1f"  # the cells of the shift the slider is on
PENDING = "·"
FAILED = "×"
ROW_HEIGHT, COLUMN_WIDTH = 30, 92
#: Upper edges of the colour steps of a change beyond the noise (the last step is open).
STEPS = (0.01, 0.02, 0.05)


def map_width(n_algorithms: int) -> int:
    """One ratio's map in pixels: the group labels and a column per algorithm."""
    return 170 + COLUMN_WIDTH * max(n_algorithms, 1)


def row_label(feature: str, group: str) -> str:
    return f"{feature} = {group}"


def _ramp(colour: str, n: int) -> list[str]:
    """``n`` shades of ``colour`` from light to full (never white: the smallest change beyond
    the noise still shows a colour and never looks like 'within noise')."""
    return [mix(colour, "#ffffff", m) for m in np.linspace(0.6, 0.0, n)]  # m: white mixed in


#: Worst (dark red) .. slightly worse, slightly better .. best (dark green).
PALETTE = _ramp(WORSE, len(STEPS) + 1)[::-1] + _ramp(BETTER, len(STEPS) + 1)
#: The map's colour scale: the palette, then the two calls within the noise; a cell's ``tone``
#: is its shade beyond the noise, or the middle of one of these two bins.
TONES = PALETTE + [EQUIVALENT, INCONCLUSIVE]
WITHIN_TONES = {"equivalent": len(STEPS) + 1.5, "inconclusive": len(STEPS) + 2.5}


def shade(improvement: float) -> float:
    """The colour step of an improvement beyond the noise: +-0.5 (below STEPS[0]) ..
    +-(len(STEPS) + 0.5), signed like the improvement (the middle of a palette bin)."""
    step = sum(abs(improvement) >= edge for edge in STEPS) + 0.5
    return math.copysign(step, improvement)


def colour_of(shade_step: float, state: str = "done", practical: str | None = None) -> str:
    """A cell's fill: its palette step beyond the noise; within it, by its practical call,
    grey when ``equivalent``, white (hatched on the map) when ``inconclusive``, light grey
    without a call (or failed, skipped); white while pending (the map draws those
    transparent)."""
    if state == "pending":
        return "#ffffff"
    if shade_step is None or not math.isfinite(shade_step):
        if state == "done" and practical == "equivalent":
            return EQUIVALENT
        if state == "done" and practical == "inconclusive":
            return INCONCLUSIVE
        return WITHIN_NOISE
    return PALETTE[int(shade_step + len(STEPS) + 1)]


def tone_of(shade_step: float, state: str, practical: str | None) -> float:
    """A cell's value on the map's colour scale (:data:`TONES`): the same colour as
    :func:`colour_of`; NaN draws light grey."""
    if shade_step is not None and math.isfinite(shade_step):
        return shade_step
    return WITHIN_TONES.get(practical, math.nan) if state == "done" else math.nan


def legend_html(min_effect: float | None = None, detectable: float | None = None) -> str:
    """What the colours mean, as a line of swatches; within the noise, against the smallest
    change that matters ``min_effect``; and ``detectable``, the change the map's typical cell
    can call beyond the noise (the median of its cells')."""
    def swatch(colour, text, extra=""):
        return (f'<span style="display:inline-block;width:12px;height:12px;background:{colour};'
                f'vertical-align:middle;margin:0 3px 0 8px{extra}"></span>{escape(text)}')
    m = f"{min_effect:.3g}" if min_effect is not None else "min_effect"
    hatched = (";border:1px solid #bbb;background-image:repeating-linear-gradient(45deg,"
               "#bbb 0 1px,transparent 1px 4px)")
    edges = [f"< {STEPS[0]:g}"] + [f"{a:g}–{b:g}" for a, b in zip(STEPS, STEPS[1:])] + \
        [f"≥ {STEPS[-1]:g}"]
    n = len(edges)
    parts = [swatch(c, f"worse {e}") for c, e in zip(PALETTE[:n][::-1], edges)]
    parts += [swatch(c, f"better {e}") for c, e in zip(PALETTE[n:], edges)]
    outline = (f'<span style="display:inline-block;width:10px;height:10px;border:2px solid '
               f'{CURRENT_OUTLINE};vertical-align:middle;margin:0 3px 0 8px"></span>')
    parts += ["<br>within the noise:", swatch(EQUIVALENT, f"equivalent: no change over {m}"),
              swatch(INCONCLUSIVE, f"inconclusive: can't tell (the interval reaches past "
                                   f"±{m})", hatched),
              swatch(WITHIN_NOISE, "no call (one seed), failed ×"),
              f"&nbsp;&nbsp;{PENDING} not computed yet", outline + "the slider's shift"]
    if detectable is not None and math.isfinite(detectable):
        parts.append(f"<br>A typical cell here can detect a change of about ±{detectable:.3f} "
                     "(the median of the cells'; hover a cell for its own).")
    return "Change beyond the noise (BH):" + "".join(parts)


def cell_frame(cells: list[Cell], rows: list[tuple[str, str]], algorithms: list[str],
               ratios: list[float], skipped=()) -> pd.DataFrame:
    """One row per (feature, group) x ratio x algorithm of the plan, computed or not:
    ``state`` is done / pending / error / skipped; ``shade`` is the improvement (positive =
    better, also for RMSE / MAE) when the BH verdict is beyond the noise, else NaN (grey);
    ``practical`` the cell's practical call (after BH, :func:`distviz.advise.judge`) and
    ``detectable`` what its interval can detect; ``tone`` its place on the colour scale
    (:func:`tone_of`) and ``hatch`` its pattern (hatched: inconclusive)."""
    found = {(c.feature, c.group, c.ratio, c.algorithm): c for c in cells}
    reasons = {(s.feature, s.group, s.ratio): s.reason for s in skipped}
    records = []
    for feature, group in rows:
        for ratio in ratios:
            for algorithm in algorithms:
                cell = found.get((feature, group, ratio, algorithm))
                record = {"feature": feature, "group": group, "row": row_label(feature, group),
                          "ratio": ratio, "algorithm": algorithm, "delta": math.nan,
                          "low": math.nan, "high": math.nan, "verdict": "not computed yet",
                          "shade": math.nan, "state": "pending", "text": PENDING,
                          "interval": "", "change": "", "opacity": 0.0,
                          "practical": "", "detectable": math.nan, "tone": math.nan,
                          "hatch": " "}
                if cell is not None:
                    record.update(_done(cell))
                elif (feature, group, ratio) in reasons:
                    record.update(state="skipped", text=FAILED, opacity=1.0,
                                  verdict=f"skipped: {reasons[(feature, group, ratio)]}")
                records.append(record)
    return pd.DataFrame.from_records(records)


def _done(cell: Cell) -> dict:
    if cell.delta is None:
        return {"state": "error", "text": FAILED, "opacity": 1.0,
                "verdict": f"failed: {cell.error or 'no fits'}"}
    shown = round(cell.delta, 3) + 0.0  # + 0.0: no "-0.000"
    out = {"state": "done", "opacity": 1.0, "delta": cell.delta, "text": f"{shown:+.3f}",
           "change": f"{cell.delta:+.4f}", "verdict": cell.verdict_bh or "no interval (1 seed)"}
    if cell.ci95 is not None:
        out.update(low=cell.ci95[0], high=cell.ci95[1],
                   interval=f"[{cell.ci95[0]:+.4f}, {cell.ci95[1]:+.4f}]")
    if cell.beyond_noise:
        out["shade"] = shade(cell.improvement)
    if cell.practical is not None:
        out.update(practical=cell.practical, detectable=cell.detectable
                   if cell.detectable is not None else math.nan)
    out["tone"] = tone_of(out.get("shade", math.nan), "done", cell.practical)
    out["hatch"] = INCONCLUSIVE_HATCH if math.isnan(out.get("shade", math.nan)) and \
        cell.practical == "inconclusive" else " "
    return out


def _hatched(plot, element) -> None:
    """Inconclusive cells hatched, from the ``hatch`` column (HoloViews' HeatMap has no hatch
    option; its Bokeh glyph has)."""
    glyph = plot.handles["glyph"]
    glyph.hatch_pattern = {"field": "hatch"}
    glyph.hatch_color, glyph.hatch_scale, glyph.hatch_weight = "#c4c4c4", 10, 1


def heatmap(frame: pd.DataFrame, ratio: float, *, metric: str,
            title: str | None = None) -> hv.Overlay:
    """Groups (rows) x algorithms (columns) at one ratio: the change of ``metric`` against the
    baseline, coloured only beyond the noise, each cell labelled with its change. Every cell of
    the plan has a rectangle (a pending one transparent), so a DynamicMap updates it in place."""
    at = frame[frame["ratio"] == ratio]
    rows = list(dict.fromkeys(at["row"]))[::-1]  # the first group on top
    algorithms = list(dict.fromkeys(at["algorithm"]))
    label = metric_label(metric)
    vdims = ["tone", "opacity", "hatch", "change", "interval", "verdict", "call"]
    # Text as objects: HoloViews reshapes a HeatMap's columns, which pandas' Arrow-backed
    # strings cannot do.
    at = at.assign(call=[f"{p} (±{d:.3f} detectable)" if p and math.isfinite(d) else p
                         for p, d in zip(at["practical"], at["detectable"])])
    cells = at[["algorithm", "row", *vdims]].astype({c: object for c in vdims[2:] + ["row"]})
    tooltips = [("group", "@row"), ("algorithm", "@algorithm"),
                (f"change in {label}", "@change"), ("95 % interval", "@interval"),
                ("verdict (BH)", "@verdict"), ("practical", "@call")]
    size = {"height": 90 + ROW_HEIGHT * max(len(rows), 1), "width": map_width(len(algorithms))}
    steps = len(STEPS) + 1
    heat = hv.HeatMap(cells, ["algorithm", "row"], vdims).redim.values(
        algorithm=algorithms, row=rows).opts(
        cmap=TONES, clim=(-steps, steps + 2), clipping_colors={"NaN": WITHIN_NOISE},
        fill_alpha=hv.dim("opacity"), hooks=[_hatched], colorbar=False, tools=["hover"],
        hover_tooltips=tooltips, xrotation=30, line_color="white", line_width=2,
        toolbar=None, default_tools=[], xlabel="", ylabel="",
        title=title or f"ratio {ratio:+g}: change in {label}", **size)
    labels = hv.Labels(at.astype({"row": object, "text": object}), ["algorithm", "row"],
                       "text").opts(text_font_size="9pt", text_color="#222222",
                                    default_tools=[])  # like the map: no pan or wheel zoom
    return (heat * labels).opts(**size)


def outline(rows: list[tuple[str, str]], algorithms: list[str], ratio: float,
            current: tuple | None) -> hv.HeatMap:
    """The slider's cells of one ratio's map outlined: ``current`` = (feature, group, ratio),
    a layer over every cell of the map, visible only on those (drawn on its own, so the
    slider moving redraws the outline and not the map)."""
    frame = pd.DataFrame([(a, row_label(f, g), float((f, g, ratio) == current))
                          for f, g in rows for a in algorithms],
                         columns=["algorithm", "row", "current"]).astype({"row": object})
    return hv.HeatMap(frame, ["algorithm", "row"], "current").redim.values(
        algorithm=algorithms, row=[row_label(f, g) for f, g in rows][::-1]).opts(
        fill_alpha=0, line_alpha=hv.dim("current"), line_color=CURRENT_OUTLINE, line_width=3,
        colorbar=False, tools=[], toolbar=None, default_tools=[])


def curves_plot(curves: dict[str, Curve], feature: str, group: str, *,
                ratio: float | None = None, min_effect: float | None = None,
                height: int = 320, width: int = 620) -> hv.Overlay:
    """The headline metric against the ratio for one group, per algorithm: the mean over seeds
    with its 95 % band, the legend naming each curve's shape; ``ratio`` dashed. Each point's
    change against the baseline (judged alone, like its verdict) is marked with its practical
    call against ``min_effect`` (:mod:`~distviz.views.practical_marks`; none without one)."""
    colors = algorithm_colors(curves)
    elements = []
    label = None
    for name, curve in curves.items():
        label = metric_label(curve.metric)
        points = [p for p in curve.points if math.isfinite(p.value)]
        data = pd.DataFrame({"ratio": [p.ratio for p in points],
                             "value": [p.value for p in points],
                             "low": [p.low if math.isfinite(p.low) else p.value for p in points],
                             "high": [p.high if math.isfinite(p.high) else p.value
                                      for p in points]})
        shape = curve.shape + (f" at {curve.best_ratio:+g}" if curve.shape == "peaked" else "")
        color = colors[name]
        calls = [point_call(curve.metric, p.delta_low, p.delta_high, min_effect)
                 if p.ratio != 0 else None for p in points]
        dots = data[["ratio", "value"]].assign(
            algorithm=name, **marks(calls, color),
            change=[f"{p.delta:+.4f}" if math.isfinite(p.delta) else "" for p in points],
            interval=[f"[{p.delta_low:+.4f}, {p.delta_high:+.4f}]"
                      if math.isfinite(p.delta_low) and math.isfinite(p.delta_high) else ""
                      for p in points]).astype({"call": object, "change": object,
                                                "interval": object, "algorithm": object})
        elements.append(hv.Area(data, "ratio", ["low", "high"]).opts(
            color=color, alpha=0.15, line_alpha=0))
        elements.append(hv.Curve(data, "ratio", "value", label=f"{name}: {shape}").opts(
            color=color, line_width=2))
        elements.append(hv.Scatter(dots, "ratio", ["value", *POINT_DIMS]).opts(
            **point_opts(color)))
    if ratio is not None:
        elements.append(hv.VLine(float(ratio)).opts(color="black", line_dash="dashed",
                                                   line_width=1))
    return hv.Overlay(elements).opts(
        title=f"{label or 'metric'} against the ratio of {feature} = {group}",
        xlabel=RATIO_LABEL, ylabel=label or "metric", height=height,
        width=width, show_grid=True, legend_position="right", toolbar=None, **WHEEL_ZOOM_OFF)


def no_curves(title: str, *, height: int = 320, width: int = 620) -> hv.Curve:
    """Empty axes with a title: the curves pane always holds a plot (a pane that swaps between
    no plot and a plot makes Bokeh rebuild its neighbours' axes without laying them out)."""
    return hv.Curve([], "ratio", "value").opts(
        title=title, xlabel=RATIO_LABEL, ylabel="", height=height,
        width=width, show_grid=True, toolbar=None, **WHEEL_ZOOM_OFF)
