"""The dashboard's "Sweep" tab: metric vs ratio curves per algorithm, one panel per feature.

A sweep runs in the session's runner (the server's event loop never blocks) with a progress bar;
its fits share the model loop's cache, so states the slider already visited are not recomputed.
The slider's feature, group and ratio follow the loop's result. Every point states the practical
call of its change against the page's smallest change that matters (``loop.min_effect``),
judged again, with no fit, when that changes.
"""

from __future__ import annotations

import holoviews as hv
import pandas as pd
import panel as pn
import param

from ..data import Dataset
from ..errors import DistvizError
from ..results import RunResult
from ..sentences import practical_calls_sentence
from ..sweep import DEFAULT_RATIOS, Sweep, summarize, winners
from ..tasks import metric_names
from .plot_grid import PlotGrid
from .practical_marks import practical_key
from .result_view import ResultView
from .style import algorithm_colors, escape
from .sweep_plots import algorithm_key, judge_calls, sweep_curves, winner_table

KIND_LABELS = {"metric": "value", "change vs baseline": "delta"}


class SweepView(ResultView):
    """Run a sweep over the top features and show how every algorithm's score moves.

    It uses the ``loop``'s dataset, algorithms, cache and budgets; the ``feature`` and ``group``
    of the loop's result are swept first and its ratio is marked on every panel.
    """

    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True, doc="""
        The dataset to sweep (default the loop's).""")

    feature = param.String(default=None, allow_None=True, doc="""
        The feature chosen in the dashboard; it is swept first.""")

    group = param.String(default=None, allow_None=True, doc="""
        The group of ``feature`` chosen in the dashboard (default: its smallest group).""")

    ratio = param.Number(default=0.0, doc="""
        The slider's current ratio, marked with a dashed vertical line.""")

    top = param.Integer(default=3, bounds=(1, 10), label="Features", doc="""
        How many features to sweep (the current one, then the top-ranked others).""")

    repeats = param.Integer(default=3, bounds=(1, 10), label="Repeats", doc="""
        Seeds per cell; intervals come from the spread over seeds.""")

    upsampler = param.Selector(default="random", objects=["random", "smote"],
                               label="Up-sampler", doc="How rows are added when r > 0.")

    show = param.Selector(default="metric", objects=list(KIND_LABELS), label="Show", doc="""
        The metric itself, or its change against the baseline with the interval that decides
        whether the change is real.""")

    metric = param.Selector(default="f1", objects=["f1"], label="Metric", doc="""
        The metric plotted.""")

    run_sweep = param.Event(label="Run sweep", doc="Start the sweep in the background.")

    table = param.DataFrame(default=None, allow_None=True, precedence=-1, doc="""
        The last sweep's tidy table.""")

    running = param.Boolean(default=False, precedence=-1, doc="A sweep is running.")

    def __init__(self, **params):
        super().__init__(**params)
        self._task = None  # the running sweep (a runner's task)
        self.progress_bar = pn.indicators.Progress(value=0, max=1,
                                                   visible=False, sizing_mode="stretch_width",
                                                   bar_color="primary")
        self.status = pn.pane.Markdown(self._hint(), sizing_mode="stretch_width")
        # One panel per feature, two a row across the main area; one legend above them all.
        self.legend = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10))
        self.panels = PlotGrid(ncols=2)
        self._curves: hv.Layout | None = None
        self.best_table = pn.pane.DataFrame(None, index=False, sizing_mode="stretch_width")
        self.button = pn.widgets.Button.from_param(self.param.run_sweep, color="primary")
        self._controls = pn.Row(
            pn.widgets.IntInput.from_param(self.param.top, width=90),
            pn.widgets.IntInput.from_param(self.param.repeats, width=90),
            pn.widgets.Select.from_param(self.param.upsampler, width=110),
            pn.widgets.Select.from_param(self.param.metric, width=150),
            pn.widgets.RadioButtonGroup.from_param(self.param.show, margin=(25, 10, 10, 10)),
            pn.Column(pn.Spacer(height=8), self.button), sizing_mode="stretch_width")
        self._layout = pn.Column(
            self._controls, self.progress_bar, self.status, self.legend, self.panels,
            pn.pane.Markdown("#### Best algorithm at each ratio", margin=(10, 10, 0, 10)),
            self.best_table, sizing_mode="stretch_width")
        self._update_metrics()
        if self.loop is not None:
            # A new smallest change that matters re-judges the points shown (nothing refits).
            self.session.watch(self.loop, ["min_effect"], lambda event: self._update_plot())

    def __panel__(self):
        return self._layout

    def render(self, run: RunResult, final: bool) -> None:
        """The loop's result: its feature and group are swept first, its ratio marked."""
        spec = run.spec
        self.param.update(feature=spec.feature, group=spec.group, ratio=spec.ratio)
        self._update_metrics()

    # ------------------------------------------------------------------ running
    def make_sweep(self) -> Sweep:
        """The sweep this view runs: the current feature first, then the top-ranked others."""
        from ..importance import top_features
        dataset = self.dataset or (self.loop.dataset if self.loop is not None else None)
        if dataset is None:
            raise DistvizError("no dataset loaded; choose a dataset first.")
        features = [self.feature] if self.feature in dataset.features else []
        for name in top_features(dataset, min(len(dataset.features), self.top + 1)):
            if len(features) < self.top and name not in features:
                features.append(name)
        # The dashboard's group, when it belongs to the feature (it may lag behind a feature
        # change); otherwise the feature's default group.
        groups = {}
        if self.feature in features and self.group in set(dataset.groups(self.feature)["group"]):
            groups = {self.feature: self.group}
        algorithms = list(self.loop.algorithms) if self.loop is not None else None
        return Sweep(dataset=dataset, loop=self.loop, features=features, groups=groups,
                     ratios=list(DEFAULT_RATIOS), algorithms=algorithms, repeats=self.repeats,
                     upsampler=self.upsampler)

    @param.depends("run_sweep", watch=True)
    def _handle_run(self):
        if self.running:
            return
        self.running = True
        self.button.disabled = True
        self.progress_bar.param.update(value=0, max=1, visible=True)
        self.status.object = "Ranking features and planning the sweep..."
        self._task = self.session.runner.submit(lambda task: self._work(), waited=False,
                                                inline=False, name="sweep")

    def _ui(self, fn, *args) -> None:
        self.session.ui(fn, *args)

    def _work(self) -> None:
        """Runs in the background thread (ranking, planning and fitting never block the
        server); every change it shows goes through ``_ui``."""
        try:
            sweep = self.make_sweep()
            table = sweep.run(progress=lambda done, total, fit: self._ui(
                self._on_progress, done, total))
        except Exception as exc:  # noqa: BLE001 - shown to the user, the server keeps running
            self._ui(self._report_error, exc)
            self._ui(self._finish)
            return
        self._ui(self._done, sweep, table)

    def _done(self, sweep: Sweep, table: pd.DataFrame) -> None:
        stats = sweep.stats
        self.status.object = (
            f"{len(table)} rows: {stats.fits} distinct fits, {stats.computed} computed, "
            f"{stats.cached} from cache, {stats.seconds:.1f} s.")
        self._finish()
        self.table = table

    def _on_progress(self, done: int, total: int) -> None:
        # One at a time: Progress checks value against the max it had before this call.
        self.progress_bar.max = max(total, 1)
        self.progress_bar.value = min(done, self.progress_bar.max)
        self.status.object = f"Sweep running: {done} of {total} fits"

    def _finish(self) -> None:
        self.progress_bar.visible = False
        self.button.disabled = False
        self.running = False

    def _report_error(self, exc: Exception) -> None:
        message = " ".join(str(exc).split()) or type(exc).__name__
        self.status.object = f"**Sweep failed:** {message}"
        if pn.state.notifications is not None:
            pn.state.notifications.error(message, duration=8000)

    def wait(self, timeout: float | None = None) -> None:
        """Block until the background sweep finishes (for scripts and tests)."""
        if self._task is not None:
            self._task.wait(timeout)

    # ------------------------------------------------------------------ views
    def _hint(self) -> str:
        return ("Press **Run sweep** to run every algorithm at ratios "
                f"{', '.join(f'{r:+g}' for r in DEFAULT_RATIOS)} for the current feature and "
                "the top-ranked ones.")

    @param.depends("dataset", "loop", watch=True)
    def _update_metrics(self):
        dataset = self.dataset or (self.loop.dataset if self.loop is not None else None)
        if dataset is None:
            return
        names = list(metric_names(dataset.task_name))
        self.param.metric.objects = names
        if self.metric not in names:
            self.metric = dataset.headline_metric
        if self.table is not None and self.table["dataset"].iloc[0] != dataset.name:
            self.table = None

    def summary(self) -> pd.DataFrame | None:
        if self.table is None or self.metric not in self.table.columns:
            return None
        return summarize(self.table, self.metric)

    def min_effect(self) -> float | None:
        """The smallest change that matters for the metric shown: the loop's (None without a
        loop, or when its dataset does not report the metric)."""
        if self.loop is None or self.loop.dataset is None:
            return None
        return self.loop.min_effects().get(self.metric)

    def shown_summary(self) -> pd.DataFrame | None:
        """:meth:`summary` with each cell's practical call judged against :meth:`min_effect`
        (:func:`~.sweep_plots.judge_calls`): what the points show."""
        summary = self.summary()
        return None if summary is None else judge_calls(summary, self.min_effect())

    def curves(self) -> hv.Layout | None:
        """The panels shown, one :func:`~.sweep_plots.feature_curves` per feature."""
        return self._curves

    @param.depends("table", "metric", "show", "ratio", watch=True)
    def _update_plot(self):
        summary = self.shown_summary()
        if summary is None:
            self._curves = None
            self.panels.show([])
            self.legend.object, self.best_table.object = "", None
            if self.table is None and not self.running:
                self.status.object = self._hint()
            return
        self._curves = sweep_curves(summary, kind=KIND_LABELS[self.show], ratio=self.ratio,
                                    width=None, legend=False)
        with pn.io.hold():
            self.panels.show(self._curves)
            self.legend.object = self._legend(summary)
            self.best_table.object = winner_table(winners(summary))

    def _legend(self, summary: pd.DataFrame) -> str:
        """The algorithms' colours, what the points' calls mean, and how many cells get each."""
        key = algorithm_key(algorithm_colors(summary["algorithm"]))
        m = self.min_effect()
        calls = summary["practical"].dropna()
        if m is None or calls.empty:
            return key
        how = "beyond the noise after BH over the sweep's cells"
        counts = practical_calls_sentence(calls.value_counts(), m)
        return (f'{key}<div style="font-size:12px;color:#444">'
                f"{practical_key(m, self.metric, how=how)}<br>"
                f"{escape(counts[0].upper() + counts[1:])}</div>")
