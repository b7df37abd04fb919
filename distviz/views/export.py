"""A standalone HTML snapshot whose slider still works offline.

Every state (feature x ratio) is computed through the cached ModelLoop first, then rendered as
frames of a HoloMap; Panel embeds every frame, and every script and stylesheet is inlined so the
file opens from ``file://`` with no network at all.
"""

from __future__ import annotations

import base64
import re
import tempfile
from pathlib import Path

import holoviews as hv
import panel as pn
import param
from bokeh.resources import INLINE

from ..loop import ModelLoop
from ..output import check_output
from ..shift import ShiftSpec
from ..shift.spec import DEFAULT_RATIOS
from . import plots

hv.extension("bokeh", logo=False)

_CDN_ASSET = re.compile(r"https?://[^\"'\s)]+?/dist/([^\"'\s)?#]+\.(css|png|ico|svg))")
_MIME = {"css": "text/css", "png": "image/png", "ico": "image/x-icon", "svg": "image/svg+xml"}


def _frame(run, metric: str) -> hv.Layout:
    """One state: a metrics table and a confusion matrix (or predicted vs actual) per model."""
    ds = run.dataset
    board = plots.leaderboard(run, metric)
    table = hv.Table(board[["algorithm", "baseline", "now", "delta"]].round(4).astype(
        {"algorithm": object}), kdims=["algorithm"], vdims=["baseline", "now", "delta"]).opts(
        title=f"{metric.upper()} — {run.spec.feature} = {run.spec.group}, shift "
              f"{run.spec.ratio:+g} ({run.shift.train_rows_after} training rows)",
        width=520, height=40 + 28 * len(board))
    views = [table]
    for a in run.algorithms:
        fit = a.first_fit
        if fit is None:
            continue
        title = f"{a.algorithm} {metric.upper()} {a.metrics[metric]:.3f}"
        if ds.is_classification:
            views.append(plots.confusion_heatmap(
                run.confusion(a.algorithm), [str(c) for c in ds.classes], title=title,
                baseline=run.confusion(a.algorithm, baseline=True), size=230))
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
    with param.logging_level("ERROR"):  # a Layout per frame is what the snapshot needs
        holomap = hv.HoloMap(frames, kdims=["feature", "ratio"])
    header = pn.pane.Markdown(
        f"## distviz snapshot: {dataset.name}\n"
        f"Target **{dataset.target_name}** ({dataset.task_name}); {len(dataset.X_test)} frozen "
        "test rows. Move the slider: negative ratios down-sample the group in the training "
        "set, positive ones up-sample it; 0 is the baseline. Cells show counts and, in "
        "brackets, the change against the baseline.", sizing_mode="stretch_width",
        disable_math=True)
    layout = pn.Column(header, pn.panel(holomap, widget_location="top", center=False))
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "snapshot.html"
        layout.save(path, embed=True, resources=INLINE, max_opts=len(ratios) + 5,
                    max_states=len(frames) + 5, title=f"distviz: {dataset.name}")
        text = path.read_text(encoding="utf-8")
    return inline_cdn_stylesheets(text)


def export_html(path: str | Path, loop: ModelLoop, features, **kwargs) -> Path:
    """Write a snapshot to ``path``; returns the path."""
    path = check_output(str(path), (".html", ".htm"))
    path.write_text(snapshot_html(loop, features, **kwargs), encoding="utf-8")
    return path
