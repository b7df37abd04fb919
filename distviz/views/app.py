"""The dashboard: a composition of the engine's reactive chain and one view per panel.

``Dataset`` → ``Resampler`` (feature, group, ratio, up-sampler, class balance) → ``ModelLoop``
(algorithms, repeats, budgets; its ``result``) are the state; the sidebar's widgets are bound to
their parameters. The views (models, distributions, per group, importance, sweep) only show
results, and the :class:`~distviz.views.session.Session` runs everything slow off the server's
loop and hands every change back to it.
"""

from __future__ import annotations

import tempfile
import time
from pathlib import Path

import holoviews as hv
import pandas as pd
import panel as pn
import param
from panel.io.notifications import NotificationArea

from .. import models
from ..data import Dataset
from ..importance import rank_features
from ..loop import FitExecutor, ModelLoop, ResultCache
from ..loop.policy import TRAIN_ROWS, describe
from ..results import RunResult
from ..shift import Resampler, ShiftSpec
from .advise_view import AdviseView
from .controls import RATIOS, ShiftSlider, algorithm_choice, heading
from .data_picker import DataPicker
from .distributions_view import DistributionsView
from .export import snapshot_html
from .groups_view import GroupsView
from .importance_view import ImportanceView
from .models_view import ModelsView
from .preview_view import PreviewView
from .session import Session
from .style import escape
from .sweep_view import SweepView

hv.extension("bokeh", logo=False)

# The interactive budget: the settings policy's (distviz.loop.policy), as everywhere else.
INTERACTIVE_TRAIN_ROWS = TRAIN_ROWS
__all__ = ["Dashboard", "RATIOS"]


class Dashboard(pn.viewable.Viewer):
    """What if the training data had more or fewer rows of one group?

    The state is the engine's: ``dashboard.resampler`` (feature, group, ratio, ...) and
    ``dashboard.loop`` (algorithms, repeats; ``loop.result``). Set them from a widget or from
    code and the loop re-runs; ``wait()`` blocks until what was asked is shown.
    """

    # A run still training after this many seconds shows a spinner and a progress bar (a
    # cached move is done sooner, and its page does not flicker).
    BUSY_AFTER: float = 0.3

    status = param.String(default="", precedence=-1, doc="The status line (plain text).")
    busy = param.Boolean(default=False, precedence=-1, doc="Training or loading.")

    def __init__(self, *, data: str | None = None, data_target: str | None = None,
                 resampler: Resampler | None = None, loop: ModelLoop | None = None,
                 background: bool = True, n_jobs: int | None = None,
                 algorithms: list[str] | None = None, repeats: int | None = None,
                 task: str = "auto", cluster: str | None = None,
                 executor: FitExecutor | None = None, cache: ResultCache | None = None,
                 **params):
        """Either a dataset to open (``data``, default the bundled titanic) or the objects of
        an existing chain (``resampler`` and ``loop``, e.g. a notebook's), which it then drives:
        the slider is ``resampler.ratio``, the leaderboard ``loop.result``. The seeds
        (``repeats``) and the training-row budget are the settings policy's for the dataset
        (:mod:`distviz.loop.policy`: 5 seeds up to 20,000 training rows, 3 above; 10,000
        training rows per fit), as in ``distviz run``; the status line states them. Runs are
        progressive: every algorithm shows after its first seed.
        ``cluster`` ('local' or a dask scheduler's address) sends the fits to a dask cluster;
        ``executor`` and ``cache`` are shared with other dashboards (a served app's sessions)."""
        super().__init__(**params)
        self._upload_dir = Path(tempfile.mkdtemp(prefix="distviz-upload-"))
        self._ranked_fully: Dataset | None = None
        self._training, self._caveat = "Training", ""  # the status line's words while training
        self.session = Session(background=background, on_error=self._fail)
        self.data = DataPicker(session=self.session, folder=self._upload_dir,
                               notify=self.notify)
        if resampler is not None:
            dataset, name = resampler.dataset, None
        else:
            name = data if data in self.data.param.dataset_name.objects else None
            if data is not None and name is None:
                name = Path(data).name
                self.data.add_source(name, data, data_target)
            name = name or self.data.dataset_name
            # A bad --data raises here; the ranking (a forest fit) waits for the session job.
            dataset = self.data.read(name, data_target, task, rank=False)
            # Provisional: the top-ranked feature is chosen once the ranking is in.
            resampler = Resampler(dataset=dataset, feature=dataset.features[0])
        self.resampler = resampler
        if loop is None:
            loop = ModelLoop(dataset=dataset, algorithms=self._chosen(dataset, algorithms),
                             cluster=cluster, executor=executor, cache=cache,
                             **({"repeats": repeats} if repeats else {}),
                             **({"n_jobs": n_jobs} if n_jobs else {}))
        else:
            loop.resampler = None  # followed again below, once every watcher is set
        loop.runner = self.session.runner  # its requests and prefetches are the session's
        loop.background = background  # the page stays responsive while it trains
        loop.progressive = True  # first numbers after one seed; the others narrow them
        self.loop = loop
        self.models = ModelsView()
        self.distributions = DistributionsView()
        self.groups = GroupsView()
        self.importance = ImportanceView()
        self.sweep = SweepView(session=self.session)
        self.advise = AdviseView(loop=loop, resampler=self.resampler, session=self.session)
        self.preview = PreviewView(loop=loop, session=self.session)
        self._build_layout()
        self._watch_engine()
        self.data.show(dataset, name, task)
        self.session.watch(self.data, ["dataset"], lambda event: self._use_dataset(event.new))
        self.session.watch(self.data, ["loading"], self._show_loading)
        self.busy = True
        self.status_line.object = "Ranking features..."

        def first_run(ranking):
            self._use_dataset(dataset, reset=name is not None)
            request = self.loop.request
            self.loop.resampler = self.resampler  # the first run starts here
            if self.loop.request == request:
                self.loop.update()  # a loop that had run this state: shown from its cache
        self.session.job(lambda: rank_features(dataset, method="gini"), done=first_run,
                         failed=self._fail, name="distviz-rank")
        if background:
            self.session.job(self.loop.warm_up, done=lambda _: None, failed=lambda _: None,
                             name="distviz-warm-up")

    # ------------------------------------------------------------------ state shortcuts
    @property
    def dataset(self) -> Dataset:
        return self.resampler.dataset

    @property
    def result(self) -> RunResult | None:
        """The latest complete run shown (the loop's result)."""
        return self.loop.result

    @property
    def shift_label(self) -> str:
        """What the slider's position means, as shown above it (plain text)."""
        return self.slider.label

    def leaderboard(self) -> pd.DataFrame:
        """The leaderboard as shown: one row per algorithm (baseline, now, delta, ...)."""
        return self.models.leaderboard()

    def wait(self, timeout: float | None = 300) -> "Dashboard":
        """Block until every load, ranking and run asked for so far is done and shown."""
        deadline = time.perf_counter() + (timeout or 1e9)
        self.session.wait(timeout)
        self.loop.wait(timeout)
        # The loop is done once its result is published; shown once the dashboard is not busy.
        while self.busy and self.loop.error is None and time.perf_counter() < deadline:
            self.session.drain_here()  # in Jupyter: the changes that clear `busy`
            time.sleep(0.01)
        self.session.wait(max(0.0, deadline - time.perf_counter()))  # e.g. the full ranking
        if self.busy and self.loop.error is None:
            raise TimeoutError("the dashboard is still training")
        return self

    # ------------------------------------------------------------------ layout
    def _build_layout(self) -> None:
        rs, loop = self.resampler, self.loop
        self.status_line = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10))
        self.progress = pn.indicators.Progress(value=0, max=1, visible=False, width=280,
                                               bar_color="primary")
        self.notes = pn.pane.Markdown("", sizing_mode="stretch_width", styles={
            "font-size": "12px", "color": "#555"})
        self.slider = ShiftSlider(rs)
        self.export_button = pn.widgets.Button(label="Export standalone HTML", color="primary",
                                               sizing_mode="stretch_width")
        self.export_button.on_click(lambda event: self.export())
        self.download = pn.widgets.FileDownload(filename="distviz.html", visible=False,
                                                label="Download the snapshot",
                                                sizing_mode="stretch_width")
        self.algorithm_widget = algorithm_choice(loop, self.dataset.task_name)
        self._class_balance = pn.widgets.Select.from_param(rs.param.class_balance,
                                                           label="Class balance (training)",
                                                           sizing_mode="stretch_width")
        wide = {"sizing_mode": "stretch_width"}
        self.feature_widget = pn.widgets.Select.from_param(rs.param.feature, label="Feature",
                                                           width=260)
        # Panel compares a Select's options as a mapping, order ignored: the same features in
        # ranking order would never reach the browser.
        rs.param.watch(lambda event: self.session.ui(self.feature_widget.param.trigger,
                                                     "options"), ["feature"], what="objects")
        self.controls = pn.Column(
            heading("Data"), self.data,
            heading("Rank features by"),
            pn.widgets.RadioButtonGroup.from_param(self.importance.param.method, **wide),
            heading("Models"), self.algorithm_widget,
            pn.widgets.Select.from_param(self.models.param.metric, **wide),
            pn.widgets.IntInput.from_param(loop.param.repeats, label="Repeats (seeds)", start=1,
                                           end=20, **wide),
            self._class_balance,
            pn.widgets.Checkbox.from_param(self.models.param.normalise),
            pn.widgets.Checkbox.from_param(self.models.param.compare),
            self.export_button, self.download, sizing_mode="stretch_width")
        # The question the page answers comes first in the main area: which group, and the
        # slider that shifts it.
        self.question = pn.Column(
            pn.pane.Markdown("### What if the training data had more or fewer rows of one "
                             "group?", margin=(0, 10)),
            pn.Row(self.feature_widget,
                   pn.widgets.Select.from_param(rs.param.group, label="Group", width=260),
                   pn.widgets.Select.from_param(rs.param.upsampler, label="Adding rows by",
                                                width=200),
                   sizing_mode="stretch_width"),
            self.slider, sizing_mode="stretch_width", margin=(0, 0, 8, 0),
            styles={"background": "#f5f7f9", "border-radius": "6px", "padding": "4px 6px"})
        panels = [self.models, self.distributions, self.groups, self.importance, self.sweep,
                  self.advise]
        self._panels = {"Models": self.models, "Distributions": self.distributions,
                        "Per group": self.groups, "Where data helps": self.advise}
        # A slider move pays only for the tab the user is looking at: hidden tabs are neither
        # rendered (dynamic) nor computed (stale until opened).
        self.tabs = pn.Tabs(*[pn.Column(p, name=n) for p, n in zip(
            panels, ["Models", "Distributions", "Per group", "Feature importance", "Sweep",
                     "Where data helps"])],
            dynamic=True, sizing_mode="stretch_width")
        self.stale_tabs: set[str] = set()
        self.tabs.param.watch(lambda event: self._refresh_tab(), "active")
        self._main = pn.Column(self.question, pn.Row(self.status_line, self.progress),
                               self.preview, self.tabs, self.notes, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Row(pn.Column(self.controls, width=330), self._main,
                      sizing_mode="stretch_width")

    def template(self) -> pn.template.FastListTemplate:
        """The served page: the same controls and views in a FastListTemplate (its design
        without the web font, and hidden tabs' panes keeping the server's style sheets, so the
        page asks nothing of another host)."""
        from .notebook import LocalFast, serve_locally
        serve_locally()
        return pn.template.FastListTemplate(
            title="distviz", sidebar=[self.controls], main=[self._main], sidebar_width=340,
            accent="#d6604d", header_background="#2f3e4e", design=LocalFast,
            font='"Open Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif',
            # Given per page: pn.config.notifications set once reaches only the first session.
            notifications=NotificationArea())

    @property
    def tab_names(self) -> list[str]:
        return [tab.name for tab in self.tabs]

    def open_tab(self, name: str) -> None:
        """Show the tab ``name`` (brought up to date with the current result)."""
        self.tabs.active = self.tab_names.index(name)

    def _tab_visible(self, name: str) -> bool:
        return self.tab_names[self.tabs.active] == name

    # ------------------------------------------------------------------ the engine's events
    def _watch_engine(self) -> None:
        on = self.session.watch
        on(self.loop, ["request"], self._run_started)
        on(self.loop, ["progress"], self._show_progress)
        on(self.loop, ["partial"], lambda event: self.session.throttle_partial(self._show_partial))
        on(self.loop, ["result"], self._show_result)
        on(self.loop, ["error"], lambda event: event.new and self._fail(event.new))
        on(self.importance, ["ranking", "method"], self._follow_ranking)

    def _run_started(self, event) -> None:
        self.session.cancel_prefetch()
        self.session.run_started()
        self.preview.expect(self.resampler.spec)  # an estimate until the retrain lands
        self.busy = True
        self.models.algorithms = list(self.loop.algorithms)
        self.progress.param.update(value=0, max=1)
        request = self.loop.request
        self.session.later(self.BUSY_AFTER, lambda: self._show_busy(request))
        shown = self.models.run
        if shown is not None and shown.dataset is not self.dataset:
            # Until the new dataset's first result, what is shown is the old one's: every
            # training line says so.
            self.models.stale(True)
            self._training = f"Training on {escape(self.dataset.name)}"
            self._caveat = f" (the results shown are for {escape(shown.dataset.name)})"
        else:
            self._training, self._caveat = "Training", ""
        self.status_line.object = f"{self._training}...{self._caveat}"

    def _show_busy(self, request: int) -> None:
        """The spinner and the progress bar, for a run still training BUSY_AFTER seconds after
        it started (showing and hiding them re-lays the page out: ~0.2 s in the browser)."""
        if self.loop.running and self.loop.request == request:
            self.models.table.loading = True
            self.progress.visible = True

    def _show_progress(self, event) -> None:
        done, total = self.loop.progress
        if not self.loop.running or total == 0:
            return
        # One at a time: Progress checks value against the max it had before this call.
        self.progress.max = max(total, 1)
        self.progress.value = min(done, self.progress.max)
        self.status_line.object = f"{self._training}: {done} of {total} fits done{self._caveat}"

    def _show_partial(self) -> None:
        run = self.loop.partial
        # Skipped once the final result is in: its render is queued right behind.
        if self.loop.running and self.loop.is_current(run) and \
                not self.loop.is_current(self.loop.result):
            self._show(run, final=False)

    def _show_result(self, event) -> None:
        run = self.loop.result
        if not self.loop.is_current(run):
            return  # superseded meanwhile; the newer request's result follows
        self._show(run, final=True)
        if self._ranked_fully is not run.dataset:
            self._rank_fully(run.dataset)
        self._prefetch_neighbours(run.spec)
        message = (f"Ran {len(run.algorithms)} algorithms x {run.repeats} seed(s) in "
                   f"{run.seconds:.2f} s: {run.computed} fits computed, {run.cached} from cache. "
                   f"Settings: {describe(run.settings)}.")
        notice = self.loop.notice  # e.g. the dask cluster went away: said, not hidden
        self._finish(f"{message} Note: {notice}." if notice else message)
        if notice and pn.state.notifications is not None:
            pn.state.notifications.warning(notice, duration=8000)

    def _show(self, run: RunResult, *, final: bool) -> None:
        with self.session.batch(self._main):
            self.models.show(run)
            self.preview.replaced(run, final=final)
            self.stale_tabs = {"Distributions", "Per group", "Where data helps"}  # until rendered
            if final or self._tab_visible("Per group"):
                self._refresh_tab()
        if final:
            self.sweep.param.update(feature=run.spec.feature, group=run.spec.group,
                                    ratio=run.spec.ratio)

    def _refresh_tab(self) -> None:
        """Bring the visible tab up to date with the current result."""
        run, name = self.loop.result, self.tab_names[self.tabs.active]
        if run is None or name not in self.stale_tabs:
            return
        self.stale_tabs.discard(name)
        self._panels[name].show(run, self.importance.ranked())

    def _finish(self, message: str) -> None:
        self.busy = False
        self.models.table.loading = False
        self.models.stale(False)
        self.progress.visible = False
        self.status = message
        self.status_line.object = escape(message)

    def _fail(self, message: str) -> None:
        self.notify(message)
        self.busy = False
        self.models.table.loading = False
        self.models.stale(False)
        self.progress.visible = False

    def notify(self, message: str, level: str = "error") -> None:
        message = " ".join(str(message).split())
        self.status = message
        self.status_line.object = f"**{escape(message)}**"
        if pn.state.notifications is not None:
            getattr(pn.state.notifications, level)(message, duration=8000)

    # ------------------------------------------------------------------ ranking
    def _rank_fully(self, dataset: Dataset) -> None:
        """Permutation and SHAP importance, after the first results (seconds, off the loop)."""
        self._ranked_fully = dataset
        def done(ranking):
            if dataset is self.dataset:
                self.importance.ranking = ranking
        self.session.job(lambda: rank_features(dataset, method="all"), done=done,
                         failed=lambda m: self.notify(f"feature ranking failed: {m}", "warning"),
                         name="distviz-rank")

    def _follow_ranking(self, event=None) -> None:
        """The feature list follows the ranking (the choice is kept); so do the top features
        shown beside the shifted one."""
        ranked = self.importance.ranked()
        if ranked:
            self.resampler.order_features(ranked)
            self.stale_tabs.add("Distributions")
            self._refresh_tab()

    # ------------------------------------------------------------------ data
    @staticmethod
    def _chosen(dataset: Dataset, algorithms) -> list[str]:
        available = models.available(dataset.task_name)
        return [a for a in (algorithms or []) if a in available] or \
            models.default_algorithms(dataset.task_name)

    def _show_loading(self, event) -> None:
        if event.new is not None:  # the results shown stay until the new dataset's replace them
            self.busy = True
            self.models.table.loading = True
            self.status_line.object = (f"Loading {escape(event.new)}... (the results shown "
                                       f"are for {escape(self.dataset.name)})")
        elif self.data.dataset is self.dataset and not self.loop.running:
            self._finish(self.status)  # the load failed: the current results stand

    def _use_dataset(self, dataset: Dataset, *, reset: bool = True) -> None:
        """Make ``dataset`` the current one: every choice re-validated, one run started (its
        Gini ranking is computed already). ``reset`` opens it on its top-ranked feature."""
        chosen = self._chosen(dataset, self.loop.algorithms)
        # The algorithms change with the dataset in one run: the loop hears only the dataset.
        with param.parameterized.discard_events(self.loop):
            self.loop.algorithms = chosen
        self.algorithm_widget.param.update(options=models.available(dataset.task_name),
                                           value=chosen)
        self.models.set_task(dataset.task_name, dataset.headline_metric)
        self._class_balance.visible = dataset.is_classification
        self.importance.ranking = rank_features(dataset, method="gini")  # cached by read()
        notes = "; ".join(dataset.notes)
        self.notes.object = (f"*{escape(dataset.name)}: {len(dataset.frame)} rows, "
                             f"{len(dataset.features)} features, target "
                             f"{escape(dataset.target_name)} ({dataset.task_name}), test set "
                             f"{len(dataset.X_test)} rows (frozen).* "
                             + (f"Notes: {escape(notes)}" if notes else ""))
        self.sweep.param.update(dataset=dataset, loop=self.loop)
        if reset:
            self.resampler.reset(dataset)  # a new dataset opens on its top feature
        self.resampler.order_features(self.importance.ranked())

    # ------------------------------------------------------------------ prefetch
    def _prefetch_neighbours(self, spec: ShiftSpec) -> None:
        """The positions either side of the current one, once the user stops."""
        index = RATIOS.index(min(RATIOS, key=lambda r: abs(r - spec.ratio)))
        neighbours = [spec.at(RATIOS[i]) for i in (index - 1, index + 1)
                      if 0 <= i < len(RATIOS) and RATIOS[i] <= self.loop.max_ratio]
        self.session.schedule_prefetch(self.loop.clone(), neighbours)

    # ------------------------------------------------------------------ export
    def export(self) -> None:
        """The export button: build the snapshot in the background with progress, then offer
        it for download."""
        self.export_button.disabled = True
        self.download.visible = False
        self.progress.param.update(value=0, max=1, visible=True)
        self.status_line.object = "Exporting a standalone HTML snapshot..."

        def progress(done, total):
            def show():
                self.progress.max = max(total, 1)
                self.progress.value = min(done, self.progress.max)
                self.status_line.object = f"Exporting: state {done} of {total}"
            self.session.ui(show)

        def done(text):
            path = self._upload_dir / "distviz.html"
            path.write_text(text, encoding="utf-8")
            self.download.param.update(file=str(path), visible=True)
            self.export_button.disabled = False
            self._finish(f"Exported a {len(text.encode()) / 2**20:.1f} MB HTML snapshot: "
                         "press Download.")

        def failed(message):
            self.export_button.disabled = False
            self._fail(f"export failed: {message}")
        self.session.job(lambda: self.snapshot(progress=progress), done=done, failed=failed,
                         name="distviz-export")

    def snapshot(self, progress=None) -> str:
        """The standalone HTML of what is shown: the current feature and group at the slider's
        positions (and the current ratio), with the loop's settings (so the same seeds and
        cache keys: no state already shown is fitted again)."""
        spec = self.resampler.spec
        ratios = [r for r in RATIOS if r <= self.loop.max_ratio]
        return snapshot_html(self.loop.clone(), spec.feature, spec.group,
                             ratios=sorted(set(ratios) | {spec.ratio}),
                             upsampler=spec.upsampler, class_balance=spec.class_balance,
                             progress=progress)

