"""A standalone HTML snapshot whose slider still works offline.

Every state (feature x ratio; by default the slider's positions, :data:`distviz.shift.spec.
RATIOS`) is computed through the cached ModelLoop first, with its settings (by default the
settings policy's: the page's seeds and budgets, stated in the header). The file is one
plain Bokeh document: the Models tab's figures (:class:`~distviz.views.model_figures.
ModelFigures`: the same plots as the dashboard), a metrics table, a slider (and a feature
choice) and, embedded as JSON, each state's *frame*: the data and texts its plots show. Moving
the slider applies that state's frame in the browser (no server, no Python), and BokehJS is
inlined, so the file opens from ``file://`` with no network at all.

The metrics table is an HTML table in a ``Div``: one ``text`` per state. (A DataTable, whose
columns are replaced before its data, once showed the previous position's numbers.)
"""

from __future__ import annotations

import html
from functools import partial
from pathlib import Path

import pandas as pd
from bokeh.embed import file_html
from bokeh.layouts import column, row
from bokeh.models import Div, Select, Slider
from bokeh.resources import Resources

from ..loop import ModelLoop
from ..output import check_output
from ..shift import ShiftSpec
from ..loop.policy import describe
from ..shift.spec import RATIOS
from . import plots
from .model_figures import ModelFigures, frame_switcher
from ..sentences import practical_meaning
from .models_view import PRACTICAL_CSS, best_model, change_beyond_noise, delta_css, plus_minus

#: Plots per row in the file (a regression model's pair counts as two).
PLOTS_PER_ROW = 4


class _BokehOnly(Resources):
    """BokehJS inline and nothing else: by default Bokeh also lists the scripts of every model
    class registered in the process (Panel's, once imported), which this file does not use and
    which would be requested, and fail, from ``file://``."""

    def _collect_external_resources(self, resource_attr: str) -> list[str]:
        return []

    def clone(self, *, components=None) -> "_BokehOnly":  # Bokeh clones before bundling
        return _BokehOnly(mode=self.mode, components=components if components is not None
                          else list(self.components))


def metrics_table(run, metric: str) -> str:
    """The state's metrics table as an HTML table: baseline, now and delta per algorithm, the
    delta's interval and verdict (coloured only beyond the noise), its practical call with what
    the run can detect (as the leaderboard shows them), and the best-model line."""
    board = plots.leaderboard(run, metric)
    title = (f"{metric.upper()} — {run.spec.feature} = {run.spec.group}, shift "
             f"{run.spec.ratio:+g} ({run.shift.train_rows_after} training rows)")
    cell = 'style="padding:3px 10px;text-align:{};border-bottom:1px solid #ddd{}"'

    def number(value) -> str:
        return "" if pd.isna(value) else f"{value:.4f}"

    def practical(r) -> str:
        shown = f" ±{r.detectable:.3f}" if r.practical and pd.notna(r.detectable) else ""
        return html.escape(f"{r.practical}{shown}")

    def row(r) -> str:
        colour = delta_css(r.verdict, r.delta)
        cells = [(html.escape(str(r.algorithm)), "left", "")]
        cells += [(number(v), "right", "") for v in (r.baseline, r.now)]
        cells += [(number(r.delta), "right", f";{colour}" if colour else ""),
                  (html.escape(r.interval), "center", ""), (html.escape(r.verdict), "left", ""),
                  (practical(r), "left", f";{PRACTICAL_CSS.get(r.practical, '')}")]
        return (f'<tr data-algorithm="{html.escape(str(r.algorithm))}">'
                + "".join(f"<td {cell.format(align, extra)}>{text}</td>"
                          for text, align, extra in cells) + "</tr>")
    head = "".join(f'<th {cell.format(a, "")}>{c}</th>' for c, a in (
        ("algorithm", "left"), ("baseline", "right"), ("now", "right"), ("delta", "right"),
        ("95 % interval", "center"), ("verdict", "left"), ("practical", "left")))
    best = best_model(run, metric).replace("**", "")  # its names are escaped already
    return (f'<div style="font-family:sans-serif;font-size:13px">'
            f'<div style="font-weight:bold;font-size:15px;margin-bottom:6px">'
            f"{html.escape(title)}</div>"
            f'<table class="distviz-metrics" style="border-collapse:collapse">'
            f"<thead><tr>{head}</tr></thead><tbody>{''.join(row(r) for r in board.itertuples())}"
            f'</tbody></table><div style="margin-top:6px">{best}</div></div>')


TABLE_TOP, TABLE_ROW, TABLE_BEST = 62, 25, 48  # px: title and header, a row, the best line


def practical_note(min_effect: float, metric: str) -> str:
    """The snapshot's line on the practical column (in its header: the table's height stays
    the same at every slider position, so nothing below it is overlapped)."""
    return (f"practical, against a smallest change that matters of {min_effect:.3g} "
            f"({metric}): {plus_minus(practical_meaning(min_effect))}; ± = the smallest change "
            "the run calls beyond the noise.")


def snapshot_html(loop: ModelLoop, features: str | list[str], groups=None, *,
                  ratios=RATIOS, upsampler: str = "random", class_balance: str = "none",
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
        The slider positions (all precomputed and embedded); 0 is always among them, and the
        file opens there.
    progress : callable, optional
        ``progress(done, total)`` after each state.
    """
    dataset = loop.dataset
    features = [features] if isinstance(features, str) else list(features)
    if isinstance(groups, str):
        groups = {features[0]: groups}
    groups = groups or {}
    ratios = sorted(set(float(r) for r in ratios) | {0.0})
    metric = dataset.headline_metric
    labels = [str(c) for c in dataset.classes] if dataset.is_classification else None
    figures = ModelFigures(task=dataset.task_name, labels=labels,
                           algorithms=[a.name for a in loop.resolved_algorithms()],
                           size=230)
    # Room for the title, a row per algorithm and a best-model line of two lines at every
    # position: the text changes in the browser, the layout below it does not move.
    table = Div(text="", width=900,
                min_height=TABLE_TOP + TABLE_ROW * len(figures.algorithms) + TABLE_BEST)
    frames: dict[str, dict] = {}
    settings = None
    for f, feature in enumerate(features):
        group = groups.get(feature) or dataset.default_group(feature)
        for r, ratio in enumerate(ratios):
            run = loop.run(ShiftSpec(feature, group, ratio, upsampler, class_balance))
            settings = settings or run.settings
            frame = figures.frame(run, coloured=partial(change_beyond_noise, run),
                                  metric=metric)
            frame["table"] = {"text": metrics_table(run, metric)}
            frames[f"{f}|{r}"] = frame
            if progress:
                progress(len(frames), len(features) * len(ratios))
    baseline = ratios.index(0.0)
    opening = f"0|{baseline}"
    figures.apply({k: v for k, v in frames[opening].items() if k != "table"})
    table.text = frames[opening]["table"]["text"]

    seeds = f"{loop.repeats} seed{'s' if loop.repeats != 1 else ''} per state"
    header = Div(width=900, text=(
        f"<h2 style='margin:4px 0'>distviz snapshot: {html.escape(dataset.name)}</h2>"
        f"<p>Target <b>{html.escape(str(dataset.target_name))}</b> ({dataset.task_name}); "
        f"{len(dataset.X_test)} frozen test rows; {seeds} (the table and the confusion "
        "matrices show the mean over the seeds, each change with its 95 % interval and verdict; "
        "the ROC curves are the first seed's). Move the slider: negative ratios down-sample "
        "the group in the training set, positive ones up-sample it; 0 is the baseline. Matrix "
        "cells show the mean counts and, in brackets, the mean change against the baseline over "
        "the seeds, coloured only when the model's change is beyond the noise.</p>"
        f"<p class='distviz-settings'>Settings: {html.escape(describe(settings))}</p>"
        f"<p>{html.escape(practical_note(loop.min_effects()[metric], metric))}</p>"))
    slider = Slider(start=0, end=len(ratios) - 1, value=baseline, step=1, show_value=False,
                    title=None, width=420)
    position = Div(text=_position_text(ratios[baseline]), width=260)
    choice = Select(title="Feature", value=features[0], options=features, width=220,
                    visible=len(features) > 1)
    targets = dict(figures.targets, table=table)
    # The handle moves over indices; its label says the ratio (as the dashboard's slider).
    switch = frame_switcher(targets, frames, key_code="""
const key = `${choice.options.indexOf(choice.value)}|${slider.value}`;
position.text = positions[slider.value];
""", slider=slider, choice=choice, position=position,
                            positions=[_position_text(r) for r in ratios])
    slider.js_on_change("value", switch)
    choice.js_on_change("value", switch)
    plot_rows, current, width = [], [], 0
    cost = 1 if dataset.is_classification else 2  # a regression model is two plots
    for name in figures.algorithms:
        if current and width + cost > PLOTS_PER_ROW:
            plot_rows.append(row(*current))
            current, width = [], 0
        current.append(figures.plots[name])
        width += cost
    if current:
        plot_rows.append(row(*current))
    parts = [header, row(choice, column(position, slider)), table, *plot_rows]
    if figures.roc is not None:
        parts.append(figures.roc)
    return file_html(column(*parts), resources=_BokehOnly(mode="inline"),
                     title=f"distviz: {dataset.name}")


def _position_text(ratio: float) -> str:
    return (f"<b>Shift ratio {ratio:+g}</b>" + (" (baseline)" if ratio == 0 else
                                                " (fewer rows)" if ratio < 0 else
                                                " (more rows)"))


def export_html(path: str | Path, loop: ModelLoop, features, **kwargs) -> Path:
    """Write a snapshot to ``path``; returns the path."""
    path = check_output(str(path), (".html", ".htm"))
    path.write_text(snapshot_html(loop, features, **kwargs), encoding="utf-8")
    return path
