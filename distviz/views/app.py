"""The dashboard: the engine's reactive chain and one view per panel, laid out.

``Dataset`` → ``Resampler`` (feature, group, ratio, up-sampler, class balance) → ``ModelLoop``
(algorithms, repeats, budgets; its ``result``) are the state; the sidebar's widgets are bound to
their parameters. Every view holds the loop and follows it (:class:`~.result_view.ResultView`:
a hidden tab renders once shown); the :class:`~.session.Session` runs everything slow in its
runner and hands every change to the page's own thread. Adding a tab is adding one view to
:meth:`Dashboard._tabs`.
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
from ..loop.neighbours import Neighbours
from ..loop.policy import TRAIN_ROWS
from ..results import RunResult
from ..shift import Resampler
from .advise_view import AdviseView
from .controls import (RATIOS, FeatureChoice, MinEffectInput, ShiftSlider, algorithm_choice,
                       heading)
from .data_picker import DataPicker
from .distributions_view import DistributionsView
from .export_view import ExportView
from .groups_view import GroupsView
from .importance_view import ImportanceView
from .mix_controls import MixControls
from .models_view import ModelsView
from .preview_view import PreviewView
from .session import Session
from .status_view import StatusView
from .style import ACCENT, escape
from .sweep_view import SweepView
from .workarounds import before_panel_watches

# The interactive budget: the settings policy's (distviz.loop.policy), as everywhere else.
INTERACTIVE_TRAIN_ROWS = TRAIN_ROWS
__all__ = ["Dashboard", "RATIOS"]


class Dashboard(pn.viewable.Viewer):
    """What if the training data had more or fewer rows of one group?

    The state is the engine's: ``dashboard.resampler`` (feature, group, ratio, ...) and
    ``dashboard.loop`` (algorithms, repeats; ``loop.result``). Set them from a widget or from
    code and the loop re-runs; ``wait()`` blocks until what was asked is shown.
    """

    # Once the user has stopped for this many seconds, the slider positions either side of the
    # current one are fitted at low priority, so the next move is often cached.
    PREFETCH_DELAY: float | None = 1.0

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
        hv.extension("bokeh", logo=False)  # where the app is built (in Jupyter: its scripts)
        self.session = Session(background=background, on_error=self._fail)
        self.data = DataPicker(session=self.session,
                               folder=Path(tempfile.mkdtemp(prefix="distviz-upload-")),
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
            loop.resampler = None  # followed again below, once every view follows it
        loop.runner = self.session.runner  # its requests and prefetches are the session's
        loop.background = background  # the page stays responsive while it trains
        loop.progressive = True  # first numbers after one seed; the others narrow them
        self.loop = loop
        self.neighbours = Neighbours(loop=loop, delay=self.PREFETCH_DELAY)
        self.status_view = StatusView(loop=loop, session=self.session)
        self._build_layout()
        # What the Models tab shows decides whether the status line still says "the results
        # shown are for <the old dataset>" (set on the document's thread, after its render).
        self.models.param.watch(lambda event: self.status_view.shown(event.new), "run")
        self.data.show(dataset, name, task)
        self.session.watch(self.data, ["dataset"], lambda event: self._use_dataset(event.new))
        self.session.watch(self.data, ["loading"], self._show_loading)
        self.session.watch(self.importance, ["ranking", "method"], self._follow_ranking)
        self.status_view.say("Ranking features...", busy=True)

        def first_run(ranking):
            self._use_dataset(dataset, reset=name is not None)
            request = self.loop.request
            self.loop.resampler = self.resampler  # the first run starts here
            if self.loop.request == request:
                self.loop.update()  # a loop that had run this state: shown from its cache
        self.session.job(lambda: rank_features(dataset, method="gini"), done=first_run,
                         failed=self._fail, name="rank")
        if background:
            self.session.job(self.loop.warm_up, done=lambda _: None, failed=lambda _: None,
                             name="warm-up")

    def _tabs(self) -> dict[str, pn.viewable.Viewer]:
        """The tabs, in order: each a view that follows the loop (adding a tab is adding a
        view here)."""
        common = dict(loop=self.loop, session=self.session)
        self.models = ModelsView(**common)
        self.importance = ImportanceView(notify=self.notify, **common)
        return {"Models": self.models,
                "Distributions": DistributionsView(importance=self.importance, **common),
                "Per group": GroupsView(**common),
                "Feature importance": self.importance,
                "Sweep": SweepView(**common),
                "Where data helps": AdviseView(resampler=self.resampler,
                                               importance=self.importance, **common)}

    # ------------------------------------------------------------------ state shortcuts
    @property
    def dataset(self) -> Dataset:
        return self.resampler.dataset

    @property
    def result(self) -> RunResult | None:
        """The latest complete run (the loop's result)."""
        return self.loop.result

    @property
    def status(self) -> str:
        """The status line (plain text)."""
        return self.status_view.status

    @property
    def busy(self) -> bool:
        """Training or loading."""
        return self.status_view.busy

    @property
    def shift_label(self) -> str:
        """What the slider's position means, as shown above it (plain text)."""
        return self.slider.label

    distributions = property(lambda self: self.views["Distributions"])
    groups = property(lambda self: self.views["Per group"])
    sweep = property(lambda self: self.views["Sweep"])
    advise = property(lambda self: self.views["Where data helps"])

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
        self.views = self._tabs()
        self.preview = PreviewView(loop=loop, session=self.session)
        self.exporter = ExportView(loop=loop, resampler=rs, session=self.session,
                                   status=self.status_view)
        self.notes = pn.pane.Markdown("", sizing_mode="stretch_width", styles={
            "font-size": "12px", "color": "#555"})
        self.slider = ShiftSlider(rs, session=self.session)
        self.min_effect = MinEffectInput(loop, self.models, self.session, self.notify)
        self.mix = MixControls(resampler=rs, loop=loop, session=self.session, notify=self.notify)
        self.algorithm_widget = algorithm_choice(loop, self.dataset.task_name)
        self._class_balance = pn.widgets.Select.from_param(rs.param.class_balance,
                                                           label="Class balance (training)",
                                                           sizing_mode="stretch_width")
        wide = {"sizing_mode": "stretch_width"}
        # The feature, and a second one to cross it with (groups such as sex=female & class=3rd).
        self.features = FeatureChoice(rs, self.session, loop=loop, notify=self.notify)
        self.feature_widget = self.features.feature
        self.controls = pn.Column(
            heading("Data"), self.data,
            heading("Rank features by"),
            pn.widgets.RadioButtonGroup.from_param(self.importance.param.method, **wide),
            heading("Models"), self.algorithm_widget,
            pn.widgets.Select.from_param(self.models.param.metric, **wide),
            self.min_effect,
            pn.widgets.IntInput.from_param(loop.param.repeats, label="Repeats (seeds)", start=1,
                                           end=20, **wide),
            pn.widgets.Checkbox.from_param(loop.param.adaptive_seeds,
                                           label="Skip seeds that cannot change the call"),
            self._class_balance,
            pn.widgets.Checkbox.from_param(self.models.param.normalise),
            pn.widgets.Checkbox.from_param(self.models.param.compare),
            self.exporter, sizing_mode="stretch_width")
        # The question the page answers comes first in the main area: which group, and the
        # slider that shifts it.
        self.title = pn.pane.Markdown("", margin=(0, 10))
        # Wider where the window allows: a group's name and size can be long.
        self.group_widget = pn.widgets.Select.from_param(
            rs.param.group, label="Group", min_width=260, max_width=520,
            sizing_mode="stretch_width")
        self.question = pn.Column(
            self.title,
            # Wraps in a narrow window (1280 px with the mode choice: the group was cut).
            pn.FlexBox(self.mix.mode_choice, self.features, self.group_widget,
                       pn.widgets.Select.from_param(rs.param.upsampler, label="Adding rows by",
                                                    width=170),
                       flex_wrap="wrap", sizing_mode="stretch_width"),
            self.slider, self.mix, sizing_mode="stretch_width", margin=(0, 0, 8, 0),
            styles={"background": "#f5f7f9", "border-radius": "6px", "padding": "4px 6px"})
        rs.param.watch(self._follow_mode, ["mode"])
        self._follow_mode()
        # A slider move pays only for the tab the user is looking at: hidden tabs are neither
        # drawn (dynamic) nor rendered (a view renders once shown).
        self.tabs = pn.Tabs(*[pn.Column(view, name=name) for name, view in self.views.items()],
                            dynamic=True, sizing_mode="stretch_width")
        # An opened tab renders before Panel puts it on the page, so its tables arrive with
        # this run's numbers (views/workarounds.py: Panel 1.9's Tabulator).
        before_panel_watches(self.tabs, "active", self._show_tab)
        self._show_tab()
        self._main = pn.Column(self.question, self.status_view, self.preview, self.tabs,
                               self.notes, sizing_mode="stretch_width")

    def _follow_mode(self, event=None) -> None:
        """The question and the group choice follow the shift's mode (one group, or the mix)."""
        by_group = self.resampler.mode != "mix"
        self.group_widget.visible = by_group
        self.title.object = ("### What if the training data had more or fewer rows of one "
                             "group?" if by_group else
                             "### What if the training data had another mix of groups?")

    def __panel__(self):
        return pn.Row(pn.Column(self.controls, width=330), self._main,
                      sizing_mode="stretch_width")

    def template(self) -> pn.template.FastListTemplate:
        """The served page: the same controls and views in a FastListTemplate (its design
        without the web font, and hidden tabs' panes keeping the server's style sheets, so the
        page asks nothing of another host)."""
        from .workarounds import LocalFast, session_stylesheets, text_only_updates
        session_stylesheets()
        text_only_updates()
        # Tabulator's script goes with the page only if its model is loaded by then (its tables
        # are in tabs not shown at first); pn.extension here would drop the notifications' script.
        import panel.models.tabulator  # noqa: F401
        return pn.template.FastListTemplate(
            title="distviz", sidebar=[self.controls], main=[self._main], sidebar_width=340,
            accent=ACCENT, header_background="#2f3e4e", design=LocalFast,
            font='"Open Sans", "Segoe UI", "Helvetica Neue", Arial, sans-serif',
            # The page says itself what it is doing (status line, spinners): Panel's header
            # spinner would add two messages to every slider move.
            busy_indicator=None,
            # Given per page: pn.config.notifications set once reaches only the first session.
            notifications=NotificationArea())

    @property
    def tab_names(self) -> list[str]:
        return list(self.views)

    def open_tab(self, name: str) -> None:
        """Show the tab ``name`` (brought up to date with the current result)."""
        self.tabs.active = self.tab_names.index(name)

    def _show_tab(self, event=None) -> None:
        for index, view in enumerate(self.views.values()):
            view.shown = index == self.tabs.active

    # ------------------------------------------------------------------ what the page says
    def notify(self, message: str, level: str = "error") -> None:
        self.status_view.notify(message, level)

    def _fail(self, message: str) -> None:
        self.status_view.fail(message)
        self.models.busy(False)

    def _follow_ranking(self, event=None) -> None:
        """The feature list follows the ranking (the choice is kept)."""
        ranked = self.importance.ranked()
        if ranked:
            self.resampler.order_features(ranked)

    # ------------------------------------------------------------------ data
    @staticmethod
    def _chosen(dataset: Dataset, algorithms) -> list[str]:
        available = models.available(dataset.task_name)
        return [a for a in (algorithms or []) if a in available] or \
            models.default_algorithms(dataset.task_name)

    def _show_loading(self, event) -> None:
        if event.new is not None:  # the results shown stay until the new dataset's replace them
            self.models.busy(True)
            self.status_view.say(f"Loading {escape(event.new)}... (the results shown are for "
                                 f"{escape(self.dataset.name)})", busy=True)
        elif self.data.dataset is self.dataset and not self.loop.running:
            self.models.busy(False)  # the load failed: the current results stand
            self.status_view.finish(self.status)

    def _use_dataset(self, dataset: Dataset, *, reset: bool = True) -> None:
        """Make ``dataset`` the current one: every choice re-validated, one run started (its
        Gini ranking is computed already). ``reset`` opens it on its top-ranked feature."""
        self.min_effect.carry_over(dataset)  # before the loop hears of the new dataset
        chosen = self._chosen(dataset, self.loop.algorithms)
        # The algorithms change with the dataset in one run: the loop hears only the dataset.
        with param.parameterized.discard_events(self.loop):
            self.loop.algorithms = chosen
        self.algorithm_widget.param.update(options=models.available(dataset.task_name),
                                           value=chosen)
        self.models.set_task(dataset.task_name, dataset.headline_metric)
        self._class_balance.visible = dataset.is_classification
        self.importance.rank(dataset)
        notes = "; ".join(dataset.notes)
        self.notes.object = (f"*{escape(dataset.name)}: {len(dataset.frame)} rows, "
                             f"{len(dataset.features)} features, target "
                             f"{escape(dataset.target_name)} ({dataset.task_name}), test set "
                             f"{len(dataset.X_test)} rows (frozen).* "
                             + (f"Notes: {escape(notes)}" if notes else ""))
        if reset:
            self.resampler.reset(dataset)  # a new dataset opens on its top feature
        self.resampler.order_features(self.importance.ranked())
