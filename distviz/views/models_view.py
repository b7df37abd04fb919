"""The Models panel: the leaderboard against the baseline, the best-model line, one confusion
matrix (or predicted-vs-actual and residuals) per algorithm and the ROC overlay."""

from __future__ import annotations

import html

import holoviews as hv
import numpy as np
import pandas as pd
import panel as pn
import param

from ..results import RunResult
from ..tasks import metric_names
from . import plots
from .live_pane import LivePane
from .style import BETTER, WORSE, escape


BEYOND_NOISE = ("better", "worse")


def delta_css(verdict, value) -> str:
    """A leaderboard delta's style: green or red only when the change is beyond the noise."""
    if verdict not in BEYOND_NOISE or not isinstance(value, (int, float)) \
            or not np.isfinite(value):
        return ""
    return f"color: {BETTER if verdict == 'better' else WORSE}; font-weight: bold"


class _RowCss:
    """Row styles of the leaderboard (a callable with a short repr: Panel compares styles by
    repr on every update)."""

    def __call__(self, row) -> list[str]:
        styles = []
        for column in row.index:
            css = "background-color: #fbe9e4" if row.get("best") else ""
            if column == "delta":
                css = "; ".join(c for c in (css, delta_css(row.get("verdict"), row["delta"]))
                                if c)
            elif column == "rank_change" and row.get("verdict") in BEYOND_NOISE and row[column]:
                css = "; ".join(c for c in (css, f"color: {BETTER if row[column] > 0 else WORSE}")
                                if c)
            styles.append(css)
        return styles

    def __repr__(self) -> str:
        return "_RowCss()"


class ModelsView(pn.viewable.Viewer):
    """How every algorithm scores now against the frozen baseline."""

    metric = param.Selector(default="f1", objects=list(metric_names("classification")),
                            label="Headline metric", doc="Metric of the leaderboard.")

    normalise = param.Boolean(default=False, label="Row-normalised confusion matrices")

    compare = param.Boolean(default=True, label="Colour by change vs baseline")

    def __init__(self, **params):
        super().__init__(**params)
        self.run: RunResult | None = None  # what is shown
        self.algorithms: list[str] = []  # the chosen algorithms, in order (one pane each)
        self.best_line = pn.pane.Markdown("", sizing_mode="stretch_width")
        self.table = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
            height=210, text_align={"interval": "center"}, widths={"interval": 150},
            # A tick on the leader only: a cross on every other row would read as "wrong".
            formatters={"best": {"type": "tickCross", "crossElement": False}})
        self.table.style.apply(_RowCss(), axis=1)
        self.matrices = pn.GridBox(ncols=4)
        self._panes: dict[str, LivePane] = {}
        self._roc = LivePane(linked_axes=False)
        # Visibility and the spinner go on a plain layout around the pane: set on a HoloViews
        # pane, Panel 1.8 re-syncs its Bokeh stylesheets and raises a TypeError.
        self.roc = pn.Column(self._roc.pane, margin=0)
        how = ("Move the **shift** slider: left down-samples the chosen group in the *training* "
               "set, right up-samples it. Every model is re-trained and scored on the same "
               "untouched test set; deltas are against the unshifted baseline. Each delta's "
               "95 % interval counts the seed, the resampling draw and the test sample; a "
               "change is coloured only when it is beyond that noise. Numbers show after the "
               "first seed and firm up as the other seeds arrive.")
        self._layout = pn.Column(
            pn.pane.Markdown(how, styles={"color": "#444"}, sizing_mode="stretch_width"),
            self.best_line, self.table, self.matrices, self.roc, name="Models",
            sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    def stale(self, stale: bool) -> None:
        """Dim the plots (with a spinner) while they show another dataset's run."""
        self.matrices.loading = self.roc.loading = stale

    def set_task(self, task: str, headline: str) -> None:
        self.param.metric.objects = list(metric_names(task))
        self.metric = headline

    def leaderboard(self) -> pd.DataFrame:
        """The leaderboard as shown: one row per algorithm (baseline, now, delta, ...)."""
        return self.table.value.copy()

    @param.depends("metric", "normalise", "compare", watch=True)
    def _redraw(self):
        if self.run is not None:
            self.show(self.run)

    def show(self, run: RunResult) -> None:
        """Show ``run`` (complete, or the algorithms finished so far)."""
        self.stale(False)  # what is shown is this run's, whichever dataset came before
        self.run = run
        metric = self.metric if self.metric in metric_names(run.dataset.task_name) else run.metric
        self.table.value = plots.leaderboard(run, metric).round(4)
        self.best_line.object = (
            f"{best_model(run, metric)} — {escape(run.spec.feature)} = "
            f"{escape(run.spec.group)}, shift {run.spec.ratio:+g}, training rows "
            f"{run.shift.train_rows_before} → {run.shift.train_rows_after}")
        self._show_models(run)
        self._show_roc(run)

    def _show_models(self, run: RunResult) -> None:
        """One pane per algorithm; a confusion matrix is updated in place (``LivePane``)."""
        names = {a.algorithm: a for a in run.algorithms}
        labels = tuple(str(c) for c in run.dataset.classes) \
            if run.dataset.is_classification else None
        chosen = self.algorithms or list(names)
        for name in list(self._panes):
            if name not in chosen:
                del self._panes[name]
        for name in chosen:
            live = self._panes.setdefault(name, LivePane(linked_axes=False, margin=4))
            a = names.get(name)
            if a is None:
                live.show(hv.Div(f"<b>{html.escape(name)}</b>: training...").opts(
                    width=260, height=60))
            else:
                is_matrix = labels is not None and a.first_fit is not None
                live.show(self._model_view(run, a), key=(
                    labels, self.normalise, self.matrix_coloured(run, a)) if is_matrix else None)
        panes = [self._panes[name].pane for name in chosen]
        # A regression model is two plots side by side (predicted vs actual, residuals).
        self.matrices.ncols = 4 if run.dataset.is_classification else 2
        if [id(p) for p in self.matrices.objects] != [id(p) for p in panes]:
            self.matrices.objects = panes

    def matrix_coloured(self, run: RunResult, a) -> bool:
        """A matrix is coloured by change only when the algorithm's headline change is beyond
        the noise (and colouring by change is on)."""
        verdict = (a.verdict or {}).get(run.dataset.headline_metric)
        return self.compare and not run.at_baseline and verdict in BEYOND_NOISE

    def shown_model(self, algorithm: str):
        """The element shown for ``algorithm`` (a confusion matrix overlay, or a layout)."""
        return self._panes[algorithm].element

    def shown_roc(self):
        """The ROC overlay shown now (curves, operating points and their spread over seeds)."""
        return self._roc.element

    def _show_roc(self, run: RunResult) -> None:
        """The ROC overlay, updated in place while it has the same curves."""
        self.roc.visible = run.dataset.is_classification
        if not run.dataset.is_classification:
            self._roc.show(None)
            return
        overlay = plots.roc_overlay(run)
        self._roc.show(overlay, key=tuple((type(layer).__name__, layer.label)
                                          for layer in overlay))

    def _model_view(self, run: RunResult, a):
        ds, fit = run.dataset, a.first_fit
        if fit is None:
            return hv.Div(f"<b>{html.escape(a.algorithm)}</b><br>"
                          f"{html.escape(str(a.error))}").opts(width=260, height=120)
        value = a.metrics[ds.headline_metric]
        title = f"{a.algorithm} {ds.headline_metric.upper()} {value:.3f}"
        if ds.is_classification:
            # At the baseline every change is 0: shade by value instead.
            compare = self.compare and not run.at_baseline
            return plots.confusion_heatmap(
                run.confusion(a.algorithm), [str(c) for c in ds.classes], title=title,
                normalise=self.normalise,
                baseline=run.confusion(a.algorithm, baseline=True) if compare else None,
                change=run.confusion_change(a.algorithm) if compare else None,
                coloured=self.matrix_coloured(run, a))
        return (plots.predicted_vs_actual(ds.y_test, fit.y_pred, title=title)
                + plots.residuals_histogram(ds.y_test, fit.y_pred,
                                            title=f"{a.algorithm} residuals")
                ).opts(shared_axes=False)


def best_model(run: RunResult, metric: str) -> str:
    """The best-model line: a "best" claim only when the lead over the runner-up is beyond the
    noise (paired by seed on the same test rows)."""
    best, second, lead = run.lead(metric)
    base = run.best("baseline")
    baseline = f" (baseline leader: {escape(base)})" if base else ""
    if best is None:
        return "**No model scored**"
    if second is None:
        return f"**{escape(best)} is the only model compared**"
    if lead is None:
        return (f"**Leading now: {escape(best)}** by {metric.upper()} over {escape(second)}, "
                f"no interval yet (one seed pair){baseline}")
    amount = f"{abs(lead.delta):.3f} [{lead.low:+.3f}, {lead.high:+.3f}]"
    if lead.significant:
        return (f"**Best now: {escape(best)}**, ahead of {escape(second)} by {amount} "
                f"{metric.upper()}, beyond the noise{baseline}")
    return (f"**No clear best now:** {escape(best)} leads {escape(second)} by {amount} "
            f"{metric.upper()}, within the noise{baseline}")
