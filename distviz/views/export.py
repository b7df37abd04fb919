"""A standalone HTML snapshot whose slider still works offline.

Every state (feature x ratio) is computed through the cached ModelLoop first, then rendered as
frames of a HoloMap; Panel embeds every frame, and every script and stylesheet is inlined so the
file opens from ``file://`` with no network at all.

Two things the file does not take from HoloViews' defaults:

- the metrics table is an HTML table in an ``hv.Div``, not an ``hv.Table``. For a Table, every
  embedded state first replaces the DataTable's ``columns`` (new TableColumn models each frame),
  then its source's data; in the browser the grid redraws for the new columns with the data it
  had, so it showed the previous position's numbers (at +3 those of +2) although the source
  underneath held the right ones. A Div's state is one ``text`` change.
- the slider opens at the baseline (ratio 0), not at the HoloMap's first key.

It is built under a private Bokeh document (``set_curdoc``), so it is the same file from the
command line and from a served dashboard's background job: Panel's per-document settings
(``config.embed`` while embedding, the resolved stylesheets) are that document's, never a live
session's.
"""

from __future__ import annotations

import base64
import html
import re
import tempfile
from pathlib import Path

import holoviews as hv
import pandas as pd
import panel as pn
import param
from bokeh.document import Document
from bokeh.resources import INLINE
from panel.io.state import set_curdoc

from ..loop import ModelLoop
from ..output import check_output
from ..shift import ShiftSpec
from ..shift.spec import DEFAULT_RATIOS
from . import plots
from .models_view import BEYOND_NOISE, best_model, delta_css

hv.extension("bokeh", logo=False)

_CDN_ASSET = re.compile(r"https?://[^\"'\s)]+?/dist/([^\"'\s)?#]+\.(css|png|ico|svg))")
_MIME = {"css": "text/css", "png": "image/png", "ico": "image/x-icon", "svg": "image/svg+xml"}


def metrics_table(run, metric: str) -> str:
    """The state's metrics table as an HTML table: baseline, now and delta per algorithm, the
    delta's interval and verdict (coloured only beyond the noise), and the best-model line."""
    board = plots.leaderboard(run, metric)
    title = (f"{metric.upper()} — {run.spec.feature} = {run.spec.group}, shift "
             f"{run.spec.ratio:+g} ({run.shift.train_rows_after} training rows)")
    cell = 'style="padding:3px 10px;text-align:{};border-bottom:1px solid #ddd{}"'

    def number(value) -> str:
        return "" if pd.isna(value) else f"{value:.4f}"

    def row(r) -> str:
        colour = delta_css(r.verdict, r.delta)
        cells = [(html.escape(str(r.algorithm)), "left", "")]
        cells += [(number(v), "right", "") for v in (r.baseline, r.now)]
        cells += [(number(r.delta), "right", f";{colour}" if colour else ""),
                  (html.escape(r.interval), "center", ""), (html.escape(r.verdict), "left", "")]
        return (f'<tr data-algorithm="{html.escape(str(r.algorithm))}">'
                + "".join(f"<td {cell.format(align, extra)}>{text}</td>"
                          for text, align, extra in cells) + "</tr>")
    head = "".join(f'<th {cell.format(a, "")}>{c}</th>' for c, a in (
        ("algorithm", "left"), ("baseline", "right"), ("now", "right"), ("delta", "right"),
        ("95 % interval", "center"), ("verdict", "left")))
    best = best_model(run, metric).replace("**", "")  # its names are escaped already
    return (f'<div style="font-family:sans-serif;font-size:13px">'
            f'<div style="font-weight:bold;font-size:15px;margin-bottom:6px">'
            f"{html.escape(title)}</div>"
            f'<table class="distviz-metrics" style="border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(row(r) for r in board.itertuples())}"
            f'</tbody></table><div style="margin-top:6px">{best}</div></div>')


def _unescaped_first_draw(plot, element) -> None:
    plot.handles["plot"].text = element.data


def _frame(run, metric: str) -> hv.Layout:
    """One state: a metrics table and a confusion matrix (or predicted vs actual) per model."""
    ds = run.dataset
    # HoloViews escapes a Div's text when it draws the first frame but not on later frames,
    # and Panel's HTML model shows escaped text: the frames carry escaped text, which the hook
    # hands over unchanged at the first draw too.
    table = hv.Div(html.escape(metrics_table(run, metric))).opts(
        width=520, height=60 + 30 * len(run.algorithms), hooks=[_unescaped_first_draw])
    views = [table]
    for a in run.algorithms:
        fit = a.first_fit
        if fit is None:
            continue
        title = f"{a.algorithm} {metric.upper()} {a.metrics[metric]:.3f}"
        if ds.is_classification:
            # As the dashboard shows it: the mean change over seeds, coloured beyond the noise.
            verdict = (a.verdict or {}).get(metric)
            views.append(plots.confusion_heatmap(
                run.confusion(a.algorithm), [str(c) for c in ds.classes], title=title,
                baseline=run.confusion(a.algorithm, baseline=True),
                change=run.confusion_change(a.algorithm),
                coloured=verdict in BEYOND_NOISE, size=230))
        else:
            views.append(plots.predicted_vs_actual(ds.y_test, fit.y_pred, title=title, size=230))
    # Framewise: each state's ranges come from that state alone. Otherwise HoloViews computes
    # every plot's ranges over all the HoloMap's frames, at creation and again for each
    # embedded state, which was most of the export's time (cProfile: 105 of 126 s).
    return hv.Layout(views).cols(3).opts(
        hv.opts.Overlay(framewise=True), hv.opts.HeatMap(framewise=True),
        hv.opts.Labels(framewise=True), hv.opts.Scatter(framewise=True),
        hv.opts.Curve(framewise=True), hv.opts.Layout(shared_axes=False))


def inline_cdn_stylesheets(text: str) -> str:
    """Replace the stylesheets (and icons) Panel would fetch from its CDN at run time with
    ``data:`` URLs read from the installed panel package."""
    dist = Path(pn.__file__).parent / "dist"

    def replace(match: re.Match) -> str:
        local = dist / match.group(1)
        if not local.exists():
            return match.group(0)
        encoded = base64.b64encode(local.read_bytes()).decode()
        return f"data:{_MIME[match.group(2)]};base64,{encoded}"
    return _CDN_ASSET.sub(replace, text)


def snapshot_html(loop: ModelLoop, features: str | list[str], groups=None, *,
                  ratios=DEFAULT_RATIOS, upsampler: str = "random", class_balance: str = "none",
                  progress=None) -> str:
    """The standalone HTML text of a snapshot.

    Parameters
    ----------
    loop : ModelLoop
        Its dataset and every setting (algorithms, repeats, budgets, cache) are used as they
        are, so a state the loop already computed is not fitted again.
    features : str or list of str
        Feature(s) offered in the snapshot.
    groups : str, dict or None
        The group shifted per feature (default: each feature's default group).
    ratios : sequence of float
        The slider positions (all precomputed and embedded); 0 is always among them.
    """
    dataset = loop.dataset
    features = [features] if isinstance(features, str) else list(features)
    if isinstance(groups, str):
        groups = {features[0]: groups}
    groups = groups or {}
    ratios = sorted(set(float(r) for r in ratios) | {0.0})
    metric = dataset.headline_metric
    frames = {}
    for feature in features:
        group = groups.get(feature) or dataset.default_group(feature)
        for ratio in ratios:
            run = loop.run(ShiftSpec(feature, group, ratio, upsampler, class_balance))
            frames[(feature, ratio)] = _frame(run, metric)
            if progress:
                progress(len(frames), len(features) * len(ratios))
    with set_curdoc(Document()), tempfile.TemporaryDirectory() as folder:
        with param.logging_level("ERROR"):  # a Layout per frame is what the snapshot needs
            holomap = hv.HoloMap(frames, kdims=["feature", "ratio"])
        header = pn.pane.Markdown(
            f"## distviz snapshot: {html.escape(dataset.name)}\n"
            f"Target **{html.escape(str(dataset.target_name))}** ({dataset.task_name}); "
            f"{len(dataset.X_test)} frozen test rows; {loop.repeats} "
            f"seed{'s' if loop.repeats != 1 else ''} per state (the table shows their mean). "
            "Move the slider: negative ratios "
            "down-sample the group in the training set, positive ones up-sample it; 0 is the "
            "baseline. Cells show counts and, in brackets, the change against the baseline.",
            sizing_mode="stretch_width", disable_math=True)
        pane = pn.pane.HoloViews(holomap, widget_location="top", center=False)
        for widget in pane.widget_box:
            if widget.name == "ratio":
                widget.value = 0.0  # open at the baseline
        layout = pn.Column(header, pane.layout)
        path = Path(folder) / "snapshot.html"
        layout.save(path, embed=True, resources=INLINE, max_opts=len(ratios) + 5,
                    max_states=len(frames) + 5, title=f"distviz: {dataset.name}",
                    progress=False)
        text = path.read_text(encoding="utf-8")
    return inline_cdn_stylesheets(text)


def export_html(path: str | Path, loop: ModelLoop, features, **kwargs) -> Path:
    """Write a snapshot to ``path``; returns the path."""
    path = check_output(str(path), (".html", ".htm"))
    path.write_text(snapshot_html(loop, features, **kwargs), encoding="utf-8")
    return path
