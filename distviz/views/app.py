"""The dashboard: a Panel Viewer over the engine's Dataset, ModelLoop and shift settings.

Training runs in a background thread (the server's event loop never waits for a fit), fits run
in the shared process pool, results stream in per algorithm, and the newest request wins.
"""

from __future__ import annotations

import html
import logging
import os
import tempfile
import threading
import time
import weakref
from contextlib import contextmanager
from dataclasses import replace
from functools import partial
from pathlib import Path

import holoviews as hv
import numpy as np
import pandas as pd
import panel as pn
import param
from panel.io.notifications import NotificationArea

from .. import models
from ..data import Dataset, catalog, read_table
from ..errors import DatasetError, DistvizError
from ..importance import rank_features
from ..loop import ModelLoop
from ..results import RunResult
from ..shift import CLASS_BALANCES, DEFAULT_RATIOS, UPSAMPLERS, ShiftSpec, describe_shift
from ..tasks import is_better, metric_names
from . import plots
from .export import snapshot_html
from .style import BETTER, WORSE, escape as _escape
from .sweep_view import SweepView

hv.extension("bokeh", logo=False)
_log = logging.getLogger("distviz.dashboard")

# Slider positions: six down, the baseline in the centre, six up.
RATIOS = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
UPLOAD_LIMIT_MB = float(os.environ.get("DISTVIZ_MAX_UPLOAD_MB", "50"))
# Interactive budgets (benchmarks/RESULTS.md): a larger table is explored on a stratified sample
# of this many rows, and every fit uses at most this many training rows; the notes and the
# leaderboard say when either applies.
INTERACTIVE_ROWS = 50_000
INTERACTIVE_TRAIN_ROWS = 10_000


class _DeltaCss:
    """Leaderboard delta cells: green when better than the baseline, red when worse."""

    def __init__(self, dashboard):
        self._dashboard = weakref.ref(dashboard)

    def __call__(self, value) -> str:
        dashboard = self._dashboard()
        if (dashboard is None or not isinstance(value, (int, float)) or not np.isfinite(value)
                or value == 0):
            return ""
        better = is_better(dashboard.metric, value)
        return f"color: {BETTER if better else WORSE}; font-weight: bold"

    def __repr__(self) -> str:
        return "_DeltaCss()"


def _rank_css(value) -> str:
    if not isinstance(value, (int, float)) or value == 0:
        return ""
    return f"color: {BETTER if value > 0 else WORSE}"


def _best_row_css(row) -> list[str]:
    return ["background-color: #fbe9e4" if row.get("best") else "" for _ in row]


class _LivePane:
    """A HoloViews pane whose plot is updated in place while what it shows keeps its shape.

    Panel builds a new Bokeh plot whenever a pane gets a new element (~0.25 s for a confusion
    matrix). Shown through a ``DynamicMap`` fed by a ``Pipe``, a new element of the same shape
    (same ``key``) only sends new data to the existing plot; another key, or ``key=None``,
    builds a new plot.
    """

    def __init__(self, **params):
        self.pane = pn.pane.HoloViews(None, **params)
        self._pipe: hv.streams.Pipe | None = None
        self._key = None

    def show(self, element, key=None) -> None:
        if key is not None and key == self._key:
            self._pipe.send(element)
            return
        self._key = key
        if key is None:
            self._pipe = None
            self.pane.object = element
        else:
            self._pipe = hv.streams.Pipe(data=element)
            self.pane.object = hv.DynamicMap(_as_is, streams=[self._pipe])


class _PartialRenders:
    """While a run trains, its finished algorithms are shown before the others are done.

    A render costs up to a second of the server's loop, so it is deferred: the first comes
    ``Dashboard.PARTIAL_RENDER_FIRST`` seconds after the run started (a faster run shows only
    its final result), later ones at most every ``PARTIAL_RENDER_EVERY`` seconds, each with
    every fit in by then. Once
    the run is over (``close``), nothing partial is queued any more, so a partial result
    never lands after the final one.
    """

    def __init__(self, dashboard, token, loop, spec, started):
        self.dashboard, self.token, self.loop, self.spec = dashboard, token, loop, spec
        self.fits: dict = {}
        # As if the last render were this long before the start: the first is due at FIRST.
        self.last = started - (dashboard.PARTIAL_RENDER_EVERY - dashboard.PARTIAL_RENDER_FIRST)
        self.timer: threading.Timer | None = None
        self.closed = False
        self.lock = threading.Lock()

    def add(self, fit) -> None:
        with self.lock:
            self.fits[(fit.training_key, fit.algorithm, fit.seed)] = fit

    def schedule(self) -> None:
        with self.lock:
            if self.timer is not None or self.closed:
                return
            delay = max(0.0, self.last + self.dashboard.PARTIAL_RENDER_EVERY
                        - time.perf_counter())
            self.timer = threading.Timer(delay, self._render)
            self.timer.daemon = True
            self.timer.start()

    def _render(self) -> None:
        dashboard = self.dashboard
        with self.lock:
            self.timer = None
            if self.closed or not dashboard._current(self.token):
                return
            self.last = time.perf_counter()
            partial_run = dashboard._partial_run(self.loop, self.spec, dict(self.fits))
            if partial_run is not None:
                # Queued under the lock: `close` (before the final result is queued) waits.
                dashboard._ui(dashboard._show_partial, self.token, partial_run, self)

    def close(self) -> None:
        with self.lock:
            self.closed = True
            if self.timer is not None:
                self.timer.cancel()
                self.timer = None


class Dashboard(pn.viewable.Viewer):
    """What if the training data had more or fewer rows of one group?

    Parameters drive everything: set ``feature``, ``group``, ``ratio`` or ``algorithms`` (from a
    widget or from code) and the model loop re-runs; ``wait()`` blocks until it is done.
    """

    dataset_name = param.Selector(default="titanic", objects=["titanic"], label="Dataset",
                                  doc="A bundled dataset, a file in data/, or an upload.")
    target = param.Selector(default=None, objects=[], label="Target",
                            doc="The column to predict.")
    task = param.Selector(default="auto", objects=["auto", "classification", "regression"],
                          label="Task", doc="Detected from the target unless set here.")
    method = param.Selector(default="gini", objects=["gini", "permutation", "shap"],
                            label="Rank features by", doc="Importance used to order features.")
    feature = param.Selector(default=None, objects=[], label="Feature",
                             doc="The feature whose group is shifted.")
    group = param.Selector(default=None, objects=[], label="Group",
                           doc="The group of the feature to shift in the training set.")
    ratio = param.Number(default=0.0, bounds=(-1.0, 3.0), label="Shift", doc="""
        -1 removes the group from training, 0 is the baseline, 1 doubles it, 3 quadruples it.""")
    upsampler = param.Selector(default="random", objects=list(UPSAMPLERS), label="Up-sampler",
                               doc="Duplicate rows, or SMOTE within group and class.")
    class_balance = param.Selector(default="none", objects=list(CLASS_BALANCES),
                                   label="Class balance", doc="Applied after the shift.")
    algorithms = param.ListSelector(default=list(models.DEFAULT_ALGORITHMS),
                                    objects=list(dict.fromkeys(
                                        models.available("classification")
                                        + models.available("regression"))),
                                    label="Algorithms", doc="Algorithms compared.")
    metric = param.Selector(default="f1", objects=list(metric_names("classification")),
                            label="Headline metric", doc="Metric of the leaderboard.")
    repeats = param.Integer(default=1, bounds=(1, 10), label="Repeats (seeds)", doc="""
        More than one gives every delta a 95 % interval.""")
    normalise = param.Boolean(default=False, label="Row-normalised confusion matrices")
    compare = param.Boolean(default=True, label="Colour by change vs baseline")

    result = param.Parameter(default=None, precedence=-1, doc="The latest complete RunResult.")
    busy = param.Boolean(default=False, precedence=-1)
    status = param.String(default="", precedence=-1)

    def __init__(self, *, data: str | None = None, data_target: str | None = None,
                 background: bool = True, n_jobs: int | None = None, **params):
        self._background = background
        self._silent = 0
        self._doc = None  # the Bokeh document when served; UI changes are applied on its loop
        # UI changes made from worker threads before the browser has connected wait here:
        # Panel defers such changes itself and can lose a layout's new children doing so.
        self._pending: list | None = None
        self._closed = False  # set when that session is destroyed
        self._prefetch = None  # background fits of the neighbouring slider positions
        self._prefetch_timer: threading.Timer | None = None
        self._lock = threading.Lock()
        self._token = 0
        self._thread: threading.Thread | None = None
        self._ranking: pd.DataFrame | None = None
        self._upload_dir = Path(tempfile.mkdtemp(prefix="distviz-upload-"))
        self._extra_sources: dict[str, tuple[str, str | None]] = {}
        names = list(catalog())
        self.param.dataset_name.objects = names
        super().__init__(**params)
        self.loop = ModelLoop(max_train_rows=INTERACTIVE_TRAIN_ROWS,
                              **({"n_jobs": n_jobs} if n_jobs else {}))
        self.dataset: Dataset | None = None
        self._build_views()
        if data is not None and data not in names:
            self._extra_sources[Path(data).name] = (data, data_target)
            self.param.dataset_name.objects = names + [Path(data).name]
            data = Path(data).name
        doc = pn.state.curdoc
        if background and doc is not None and doc.session_context is not None:
            self._pending = []
            pn.state.onload(self._flush_pending)
        self._load_dataset(data or self.dataset_name, target=data_target, task=self.task,
                           initial=True)
        if self._background:
            threading.Thread(target=self.loop.warm_up, daemon=True).start()

    def _ui(self, fn, *args, **kwargs) -> None:
        """Run a UI change on the document's event loop (Bokeh models are not thread-safe);
        inline when there is no server document (notebooks, scripts, tests)."""
        if self._doc is None or threading.current_thread() is threading.main_thread():
            fn(*args, **kwargs)
            return
        if self._closed:
            return  # the browser tab is gone; nothing left to update
        with self._lock:
            if self._pending is not None:
                self._pending.append(partial(fn, *args, **kwargs))
                return
        try:
            self._doc.add_next_tick_callback(partial(self._in_document, fn, *args, **kwargs))
        except (AttributeError, RuntimeError, KeyError):
            self._closed = True  # the session was destroyed between the check and the call

    def _flush_pending(self) -> None:
        """The browser has connected: apply the UI changes that waited for it, in order."""
        with self._lock:
            pending, self._pending = self._pending or [], None
        for change in pending:
            self._in_document(change)

    def _in_document(self, fn, *args, **kwargs) -> None:
        # Panel panes render for `pn.state.curdoc`; Bokeh's tick callbacks do not set it.
        from panel.io.state import set_curdoc
        with set_curdoc(self._doc):
            try:
                fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - Bokeh would drop it silently
                _log.exception("dashboard update %s failed", getattr(fn, "__name__", fn))
                self._notify(f"display update failed: {type(exc).__name__}: {exc}")
                self._finish()

    @contextmanager
    def _quiet(self):
        """Set parameters (and so their widgets) without triggering a reload or a retrain."""
        self._silent += 1
        try:
            yield
        finally:
            self._silent -= 1

    # ================================================================== widgets & layout
    def _build_views(self) -> None:
        self._status = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10))
        self._notes = pn.pane.Markdown("", sizing_mode="stretch_width", styles={
            "font-size": "12px", "color": "#555"})
        self._progress = pn.indicators.Progress(value=0, max=1, visible=False, width=280,
                                                bar_color="primary")
        self._best = pn.pane.Markdown("", sizing_mode="stretch_width")
        self._leaderboard = pn.widgets.Tabulator(
            pd.DataFrame(), disabled=True, show_index=False, sizing_mode="stretch_width",
            height=210, formatters={"best": {"type": "tickCross"}},
            text_align={"interval": "center"})
        # Kept across value changes: green for better than baseline, red for worse.
        # (Callables with a short repr: Panel compares styles by repr on every update.)
        self._leaderboard.style.map(_DeltaCss(self), subset=["delta"]).map(
            _rank_css, subset=["rank_change"]).apply(_best_row_css, axis=1)
        self._confusion = pn.GridBox(ncols=4)
        self._model_panes: dict[str, _LivePane] = {}  # one per algorithm shown
        self._roc_live = _LivePane(linked_axes=False)
        self._roc = self._roc_live.pane
        self._distribution = pn.pane.HoloViews(None, linked_axes=False)
        self._top_distributions = pn.GridBox(ncols=3)
        self._importance = pn.pane.HoloViews(None, linked_axes=False)
        self._ranking_table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True,
                                                   show_index=False, height=260, width=640)
        self._groups_plot = pn.pane.HoloViews(None, linked_axes=False)
        self._groups_table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True,
                                                  show_index=False, sizing_mode="stretch_width")
        self._slider = pn.widgets.DiscreteSlider(options=RATIOS, value=self.ratio,
                                                 label="Shift", sizing_mode="stretch_width")
        # What the current position means. Not the slider's own label: a DiscreteSlider
        # rebuilds its inner slider whenever its label changes, which drops keyboard focus.
        self._shift_info = pn.pane.HTML("", margin=(5, 10, 0, 10), sizing_mode="stretch_width")
        # The slider retrains when released (value_throttled); code can set `ratio` directly.
        self._slider.param.watch(lambda e: setattr(self, "ratio", e.new), "value_throttled")
        self._upload = pn.widgets.FileInput(accept=".csv,.parquet,.pq,.gz", multiple=False,
                                            sizing_mode="stretch_width")
        # Also on filename: an empty file leaves `value` None, so only its name changes.
        self._upload.param.watch(self._handle_upload, ["value", "filename"])
        self._export = pn.widgets.FileDownload(callback=self._export_html, filename="distviz.html",
                                               label="Export standalone HTML",
                                               color="primary", sizing_mode="stretch_width")
        widgets = {
            "dataset_name": pn.widgets.Select, "target": pn.widgets.Select,
            "task": pn.widgets.RadioButtonGroup, "method": pn.widgets.RadioButtonGroup,
            "feature": pn.widgets.Select, "group": pn.widgets.Select,
            "upsampler": pn.widgets.RadioButtonGroup,
            "class_balance": pn.widgets.Select, "algorithms": pn.widgets.MultiChoice,
            "metric": pn.widgets.Select,
        }
        param_pane = lambda names: pn.Param(  # noqa: E731
            self, parameters=names, widgets={n: widgets[n] for n in names if n in widgets},
            show_name=False, sizing_mode="stretch_width")
        self._controls = pn.Column(
            pn.pane.Markdown("### Data"), param_pane(["dataset_name"]),
            pn.pane.Markdown("or upload a CSV / Parquet file:", margin=(0, 10)), self._upload,
            param_pane(["target", "task"]),
            pn.pane.Markdown("### What to shift"), param_pane(["method", "feature", "group"]),
            self._shift_info, self._slider, param_pane(["upsampler", "class_balance"]),
            pn.pane.Markdown("### Models"),
            param_pane(["algorithms", "metric", "repeats", "normalise", "compare"]),
            self._export, sizing_mode="stretch_width")
        how = ("Move the **shift** slider: left down-samples the chosen group in the *training* "
               "set, right up-samples it. Every model is re-trained and scored on the same "
               "untouched test set; deltas are against the unshifted baseline. With repeats > 1 a "
               "change counts as real only when its 95 % interval excludes 0.")
        overview = pn.Column(
            pn.pane.Markdown(how, styles={"color": "#444"}, sizing_mode="stretch_width"),
            pn.Row(self._status, self._progress), self._best, self._leaderboard,
            self._confusion, self._roc,
            self._notes, name="Models", sizing_mode="stretch_width")
        def note(text):
            return pn.pane.Markdown(text, styles={"color": "#444"}, sizing_mode="stretch_width")
        tabs = [overview,
                pn.Column(note("The shifted feature's training rows per group, before (grey) "
                               "and after (red) the shift; below, the next most important "
                               "features, whose distributions move along with it."),
                          self._distribution, self._top_distributions, name="Distributions"),
                pn.Column(note("How the best model scores on each group of the shifted "
                               "feature in the untouched test set: baseline (grey) vs now "
                               "(red)."), self._groups_plot, self._groups_table,
                          name="Per group"),
                pn.Column(note("Importance on the baseline training set; the sidebar's "
                               "ranking method orders the feature list."),
                          pn.Row(self._importance, self._ranking_table),
                          name="Feature importance")]
        self._sweep_view = SweepView()
        tabs.append(pn.Column(self._sweep_view, name="Sweep"))
        # A slider move pays only for the tab the user is looking at: hidden tabs are neither
        # rendered (dynamic) nor computed (stale until opened, see `_handle_tab`).
        self._tabs = pn.Tabs(*tabs, dynamic=True, sizing_mode="stretch_width")
        self._stale_tabs: set[str] = set()
        self._tabs.param.watch(self._handle_tab, "active")
        self._main = pn.Column(self._tabs, sizing_mode="stretch_width")

    def __panel__(self):
        return pn.Row(pn.Column(self._controls, width=330), self._main,
                      sizing_mode="stretch_width")

    def template(self) -> pn.template.FastListTemplate:
        """The served page: the same controls and views in a FastListTemplate."""
        return pn.template.FastListTemplate(
            title="distviz", sidebar=[self._controls], main=[self._main], sidebar_width=340,
            accent="#d6604d", header_background="#2f3e4e",
            # Given per page: pn.config.notifications set once reaches only the first session.
            notifications=NotificationArea())

    # ================================================================== data
    def _notify(self, message: str, level: str = "error") -> None:
        message = " ".join(str(message).split())
        self.status = message
        self._status.object = f"**{_escape(message)}**"
        if pn.state.notifications is not None:
            getattr(pn.state.notifications, level)(message, duration=8000)

    def _source(self, name: str) -> tuple[str, str | None]:
        return self._extra_sources.get(name, (name, None))

    def _load_dataset(self, name: str, *, target: str | None = None, task: str = "auto",
                      initial: bool = False) -> bool:
        """Load ``name``; on failure notify and keep the previous dataset (return False)."""
        source, default_target = self._source(name)
        try:
            dataset = Dataset(source=source, target=target or default_target, task=task,
                              max_rows=INTERACTIVE_ROWS)
        except DistvizError as exc:
            if initial or self.dataset is None:
                raise
            self._notify(str(exc))
            return False
        self.dataset = dataset
        self.loop.param.update(dataset=dataset)
        self._ranking = None
        self.result = None
        columns = list(dataset.frame.columns)
        algorithms = models.available(dataset.task_name)
        chosen = [a for a in self.algorithms if a in algorithms] or \
            models.default_algorithms(dataset.task_name)
        # Silent: a widget whose options change may push a value of its own back (this method
        # does the reloading, once).
        with self._quiet():
            self.param.target.objects = columns
            self.param.algorithms.objects = algorithms
            self.param.metric.objects = list(metric_names(dataset.task_name))
            self.param.update(dataset_name=name, target=dataset.target_name, algorithms=chosen,
                              metric=dataset.headline_metric, ratio=0.0)
            self._slider.value = 0.0
        self.param.class_balance.precedence = 1 if dataset.is_classification else -1
        self._set_features(list(dataset.features))
        notes = "; ".join(dataset.notes)
        self._notes.object = (f"*{_escape(dataset.name)}: {len(dataset.frame)} rows, "
                              f"{len(dataset.features)} features, target "
                              f"{_escape(dataset.target_name)} ({dataset.task_name}), test set "
                              f"{len(dataset.X_test)} rows (frozen).* "
                              + (f"Notes: {_escape(notes)}" if notes else ""))
        self._sweep_view.param.update(dataset=dataset, loop=self.loop)
        self._submit(rank=True)
        return True

    def _set_features(self, ordered: list[str]) -> None:
        feature = self.feature if self.feature in ordered else ordered[0]
        with self._quiet():  # a Select given new options pushes its first one back
            self.param.feature.objects = ordered
            self.feature = feature
        self._set_groups()

    def _set_groups(self) -> None:
        groups = self.dataset.training_groups(self.feature)
        group = self.group if self.group in groups else self.dataset.default_group(self.feature)
        with self._quiet():  # a Select given new options pushes its first one back
            self.param.group.objects = groups
            self.group = group
        self._update_slider_label()

    @param.depends("dataset_name", watch=True)
    def _handle_dataset(self):
        if self._silent:
            return
        if self.dataset is not None and self.dataset_name != self.dataset.name:
            self._load_dataset(self.dataset_name)

    @param.depends("target", "task", watch=True)
    def _handle_target(self):
        if self._silent or self.dataset is None or self.target is None:
            return
        if self.target == self.dataset.target_name and self.task == "auto":
            return
        self._load_dataset(self.dataset_name, target=self.target, task=self.task)

    def _handle_upload(self, *events) -> None:
        filename = self._upload.filename
        if filename is None:
            return
        data = self._upload.value or b""  # None after a file picked: it was empty
        if len(data) > UPLOAD_LIMIT_MB * 2**20:
            self._notify(f"{filename} is {len(data) / 2**20:.1f} MB, over the upload limit of "
                         f"{UPLOAD_LIMIT_MB:g} MB; sample the file, or raise "
                         "DISTVIZ_MAX_UPLOAD_MB where the server runs.")
            return
        safe_name = "".join(c if c.isalnum() or c in "._-" else "_" for c in Path(filename).name)
        path = self._upload_dir / (safe_name or "upload.csv")
        path.write_bytes(data)
        try:
            columns = list(read_table(path)[0].columns)
        except DatasetError as exc:
            self._notify(str(exc))
            return
        self._extra_sources[path.name] = (str(path), str(columns[-1]))
        objects = list(self.param.dataset_name.objects)
        if path.name not in objects:
            self.param.dataset_name.objects = objects + [path.name]
        if self._load_dataset(path.name, target=str(columns[-1])):
            self._notify(f"Loaded {filename}; target is its last column "
                         f"({columns[-1]}) — change it under Target.", level="info")

    # ================================================================== shift & retrain
    def spec(self) -> ShiftSpec:
        return ShiftSpec(self.feature, self.group, float(self.ratio), self.upsampler,
                         self.class_balance if self.dataset.is_classification else "none")

    @param.depends("feature", watch=True)
    def _handle_feature(self):
        if self.dataset is not None and not self._silent:
            self._set_groups()
            self._submit()

    @param.depends("group", "upsampler", "class_balance", "algorithms", "repeats", watch=True)
    def _handle_shift(self):
        if self._silent:
            return
        self._update_slider_label()
        self._submit()

    @param.depends("ratio", watch=True)
    def _handle_ratio(self):
        if self._silent:
            return
        nearest = min(RATIOS, key=lambda r: abs(r - self.ratio))
        if self._slider.value != nearest:
            self._slider.value = nearest
        self._update_slider_label()
        self._submit()

    @param.depends("method", watch=True)
    def _handle_method(self):
        if self._ranking is not None:
            self._apply_ranking(self._ranking)

    @param.depends("metric", "normalise", "compare", watch=True)
    def _handle_display(self):
        if self.result is not None:
            self._render(self.result, final=True)

    def _update_slider_label(self) -> None:
        if self.dataset is None or self.group is None:
            return
        self._shift_info.object = html.escape(
            "Shift " + describe_shift(self.dataset, self.feature, self.group, float(self.ratio)))

    @property
    def shift_label(self) -> str:
        """What the slider's position means, as shown above it (plain text)."""
        return html.unescape(self._shift_info.object or "")

    def _submit(self, *, rank: bool = False) -> None:
        """Start a run for the current settings; a newer request makes older ones stale."""
        if self.dataset is None or not self.algorithms:
            return
        with self._lock:
            self._token += 1
            token = self._token
        self._cancel_prefetch()
        spec, algorithms, repeats = self.spec(), list(self.algorithms), self.repeats
        doc = pn.state.curdoc
        if self._doc is None and doc is not None and doc.session_context is not None:
            self._doc = doc
            doc.on_session_destroyed(self._handle_session_destroyed)
        self.busy = True
        self._leaderboard.loading = True
        self._progress.param.update(value=0, max=1, visible=True)
        self._status.object = "Training..."
        work = lambda: self._work(token, spec, algorithms, repeats, rank)  # noqa: E731
        if self._background:
            self._thread = threading.Thread(target=work, daemon=True, name="distviz-train")
            self._thread.start()
        else:
            work()

    def _handle_session_destroyed(self, session_context) -> None:
        self._closed = True
        with self._lock:
            self._token += 1  # whatever is running now is stale
        self._cancel_prefetch()

    def _current(self, token: int) -> bool:
        return token == self._token

    def _work(self, token: int, spec: ShiftSpec, algorithms, repeats, rank: bool) -> None:
        """Background thread: ranking (once per dataset) and the model loop."""
        dataset = self.dataset
        loop = self.loop.clone(dataset=dataset, algorithms=algorithms, repeats=repeats)
        started = time.perf_counter()
        try:
            if rank or self._ranking is None:
                # Gini first (fast) so results show soon; permutation and SHAP follow below.
                ranking = rank_features(dataset, method="gini")
                top = ranking["feature"].iloc[0]
                if rank and top != spec.feature and self._current(token):
                    # The top-ranked feature and its default group, as the CLI defaults to.
                    spec = ShiftSpec(top, dataset.default_group(top), spec.ratio,
                                     spec.upsampler, spec.class_balance)
                self._ui(self._set_ranking, dataset, ranking, spec)

            partials = _PartialRenders(self, token, loop, spec, started)

            def progress(done, total, fit):
                partials.add(fit)
                if self._current(token):
                    self._ui(self._show_progress, token, done, total, fit)
                    if not fit.from_cache and done < total:
                        partials.schedule()

            run = None  # superseded before it began (e.g. two settings changed at once)
            if self._current(token):
                try:
                    run = loop.run(spec, progress=progress)
                finally:
                    partials.close()  # nothing partial is shown after this point
        except Exception as exc:  # noqa: BLE001 - shown to the user; the server keeps running
            if self._current(token):
                self._ui(self._fail, token, str(exc) if isinstance(exc, DistvizError)
                         else f"{type(exc).__name__}: {exc}")
        else:
            # A superseded run shows nothing; its fits are cached all the same.
            if run is not None and self._current(token):
                elapsed = time.perf_counter() - started
                self.status = (f"Ran {len(run.algorithms)} algorithms x {repeats} seed(s) in "
                               f"{elapsed:.2f} s: {run.computed} fits computed, "
                               f"{run.cached} from cache.")
                self._ui(self._complete, token, run)
                self._schedule_prefetch(token, loop, run.spec)
        if rank and dataset is self.dataset:
            # Permutation and SHAP after the first results, whether or not they were superseded.
            try:
                self._ui(self._set_ranking, dataset, rank_features(dataset, method="all"))
            except Exception as exc:  # noqa: BLE001 - ranking is extra; keep the results
                self._ui(self._notify, f"feature ranking failed: {exc}", "warning")

    # While a run trains: seconds before the first render of partial results (a run done
    # sooner shows only its final result), and at least this long between two such renders.
    PARTIAL_RENDER_FIRST: float = 0.4
    PARTIAL_RENDER_EVERY: float = 1.0

    # Once the user has stopped for PREFETCH_DELAY seconds, the slider positions either side of
    # the current one are fitted in the background at low priority (never while a run of this
    # process computes), so the next move is often answered from the cache.
    PREFETCH_DELAY: float | None = 1.0

    def _schedule_prefetch(self, token: int, loop: ModelLoop, spec: ShiftSpec) -> None:
        if not self._background or self.PREFETCH_DELAY is None or self._closed:
            return
        timer = threading.Timer(self.PREFETCH_DELAY, self._start_prefetch, (token, loop, spec))
        timer.daemon = True
        with self._lock:
            if not self._current(token):
                return
            self._prefetch_timer = timer
        timer.start()

    def _start_prefetch(self, token: int, loop: ModelLoop, spec: ShiftSpec) -> None:
        nearest = min(range(len(RATIOS)), key=lambda i: abs(RATIOS[i] - spec.ratio))
        neighbours = [replace(spec, ratio=RATIOS[i]) for i in (nearest - 1, nearest + 1)
                      if 0 <= i < len(RATIOS) and RATIOS[i] <= loop.max_ratio]
        with self._lock:
            if not self._current(token) or self._closed or not neighbours:
                return
            try:
                self._prefetch = loop.prefetch(neighbours, background=True)
            except DistvizError:
                self._prefetch = None  # e.g. a position this group cannot take; only a head start

    def _cancel_prefetch(self) -> None:
        timer, prefetch = self._prefetch_timer, self._prefetch
        self._prefetch_timer = self._prefetch = None
        if timer is not None:
            timer.cancel()
        if prefetch is not None:
            prefetch.cancel()

    def _fail(self, token: int, message: str) -> None:
        if self._current(token):
            self._notify(message)
            self._finish()

    def _complete(self, token: int, run: RunResult) -> None:
        if not self._current(token):
            return
        self._render(run, final=True)
        self._finish()
        self.result = run

    def _show_partial(self, token: int, partial_run: RunResult,
                      partials: _PartialRenders) -> None:
        # Skipped when the run has ended meanwhile: its final render is queued right behind
        # (on a busy server a partial render would only delay it).
        if self._current(token) and not partials.closed:
            self._render(partial_run, final=False)

    def _show_progress(self, token, done, total, fit) -> None:
        if not self._current(token):  # scheduled before a newer request arrived
            return
        # One at a time: Progress checks value against the max it had before this call.
        self._progress.max = max(total, 1)
        self._progress.value = min(done, self._progress.max)
        self._status.object = (f"Training: {done} of {total} fits done ({fit.algorithm}, "
                               f"{fit.fit_seconds:.2f} s{', cached' if fit.from_cache else ''})")

    def _set_ranking(self, dataset: Dataset, ranking: pd.DataFrame,
                     spec: ShiftSpec | None = None) -> None:
        if dataset is not self.dataset:
            return
        self._ranking = ranking
        if spec is not None and spec.feature != self.feature:
            with self._quiet():
                self.feature = spec.feature
            self._set_groups()
        self._apply_ranking(ranking)

    def _finish(self) -> None:
        self.busy = False
        self._leaderboard.loading = False
        self._progress.visible = False

    def leaderboard(self) -> pd.DataFrame:
        """The leaderboard as shown: one row per algorithm (baseline, now, delta, ...)."""
        return self._leaderboard.value.copy()

    def wait(self, timeout: float | None = 300) -> "Dashboard":
        """Block until the latest request is done (scripts, notebooks and tests)."""
        deadline = time.perf_counter() + (timeout or 1e9)
        while time.perf_counter() < deadline:
            thread = self._thread
            if thread is not None:
                thread.join(max(0.0, deadline - time.perf_counter()))
            if not self.busy:
                return self
            time.sleep(0.01)
        raise TimeoutError("the dashboard is still training")

    # ================================================================== rendering
    def _apply_ranking(self, ranking: pd.DataFrame) -> None:
        method = self.method if f"rank_{self.method}" in ranking.columns else "gini"
        ordered = ranking.sort_values(f"rank_{method}")
        columns = ["feature", "kind"] + [c for m in ("gini", "permutation", "shap")
                                         for c in (m, f"rank_{m}") if c in ordered.columns]
        with pn.io.hold():
            self._ranking_table.value = ordered[columns].round(3)
            self._importance.object = _plots().importance_bars(ordered)
            features = [f for f in ordered["feature"] if f in self.param.feature.objects]
            if features and features != list(self.param.feature.objects):
                with self._quiet():  # the list follows the ranking; the choice is kept
                    self.param.feature.objects = features + [
                        f for f in self.param.feature.objects if f not in features]
                    self.feature = self.feature if self.feature in features else features[0]
        if self.result is not None and self.result.dataset is self.dataset:
            if self._tab_visible("Distributions"):
                self._render_distributions(self.result)
            else:
                self._stale_tabs.add("Distributions")  # its top features follow the ranking

    def _partial_run(self, loop, spec, fits) -> RunResult | None:
        """Every algorithm whose fits are all in, as soon as they are."""
        done = []
        for name in loop.algorithms:
            needed = [(key, name, s) for key in {spec.training_key(),
                                                 spec.baseline().training_key()}
                      for s in loop.seeds]
            if all(k in fits for k in needed):
                done.append(loop.summarize(name, spec, fits))
        if not done:
            return None
        return RunResult(loop.dataset, loop.shift_result(spec, loop.seeds[0]),
                         loop.dataset.headline_metric, done, loop.repeats)

    def _render(self, run: RunResult, *, final: bool) -> None:
        plots = _plots()
        metric = self._metric_for(run)
        board = plots.leaderboard(run, metric)
        best_now, best_base = run.best("shifted"), run.best("baseline")
        # Called in one next-tick callback, so these changes reach the browser together.
        self._leaderboard.value = board.round(4)
        self._best.object = (
            f"**Best now: {_escape(best_now)}** (baseline best: {_escape(best_base)}) "
            f"by {metric.upper()} — {_escape(run.spec.feature)} = "
            f"{_escape(run.spec.group)}, shift {run.spec.ratio:+g}, training rows "
            f"{run.shift.train_rows_before} → {run.shift.train_rows_after}")
        self._update_model_panes(run)
        self._show_roc(run)
        self._stale_tabs = {"Distributions", "Per group"}  # until rendered for this run
        if self._tab_visible("Per group"):
            self._render_groups(run, metric)
        if final:
            self._status.object = _escape(self.status)
            if self._tab_visible("Distributions"):
                self._render_distributions(run)
            self._sweep_view.param.update(feature=run.spec.feature, ratio=run.spec.ratio)

    def _update_model_panes(self, run: RunResult) -> None:
        """One pane per algorithm; a confusion matrix is updated in place (``_LivePane``)."""
        names = {a.algorithm: a for a in run.algorithms}
        labels = tuple(str(c) for c in run.dataset.classes) \
            if run.dataset.is_classification else None
        for name in list(self._model_panes):
            if name not in self.algorithms:
                del self._model_panes[name]
        for name in self.algorithms:
            live = self._model_panes.setdefault(name, _LivePane(linked_axes=False, margin=4))
            a = names.get(name)
            if a is None:
                live.show(hv.Div(f"<b>{html.escape(name)}</b>: training...").opts(
                    width=260, height=60))
            else:
                is_matrix = labels is not None and a.first_fit is not None
                live.show(self._model_view(run, a),
                          key=(labels, self.normalise) if is_matrix else None)
        panes = [self._model_panes[name].pane for name in self.algorithms]
        if [id(p) for p in self._confusion.objects] != [id(p) for p in panes]:
            self._confusion.objects = panes

    def _show_roc(self, run: RunResult) -> None:
        """The ROC overlay, updated in place while it has the same curves."""
        self._roc.visible = run.dataset.is_classification
        if not run.dataset.is_classification:
            self._roc_live.show(None)
            return
        overlay = _plots().roc_overlay(run)
        self._roc_live.show(overlay, key=tuple((type(layer).__name__, layer.label)
                                              for layer in overlay))

    def _model_view(self, run: RunResult, a):
        plots, ds = _plots(), run.dataset
        fit = a.first_fit
        if fit is None:
            return hv.Div(f"<b>{html.escape(a.algorithm)}</b><br>"
                          f"{html.escape(str(a.error))}").opts(width=260, height=120)
        value = a.metrics[ds.headline_metric]
        title = f"{a.algorithm}  {ds.headline_metric.upper()} {value:.3f}"
        if ds.is_classification:
            # At the baseline every change is 0: shade by value instead.
            at_baseline = run.spec.training_key() == run.spec.baseline().training_key()
            baseline = (run.confusion(a.algorithm, baseline=True)
                        if self.compare and not at_baseline else None)
            return plots.confusion_heatmap(run.confusion(a.algorithm),
                                           [str(c) for c in ds.classes], title=title,
                                           normalise=self.normalise, baseline=baseline)
        return (plots.predicted_vs_actual(ds.y_test, fit.y_pred, title=title)
                + plots.residuals_histogram(ds.y_test, fit.y_pred,
                                            title=f"{a.algorithm} residuals")
                ).opts(shared_axes=False)

    def _metric_for(self, run: RunResult) -> str:
        """The chosen headline metric, or the run's own if it does not apply to its task."""
        return self.metric if self.metric in metric_names(run.dataset.task_name) else run.metric

    def _tab_visible(self, name: str) -> bool:
        """Whether a tab of the main area is showing (hidden tabs render when opened)."""
        tabs = getattr(self, "_tabs", None)
        return tabs is None or tabs[tabs.active].name == name

    def _handle_tab(self, event) -> None:
        """A tab was opened: bring it up to date with the current result."""
        run, name = self.result, self._tabs[event.new].name
        if run is None or name not in self._stale_tabs:
            return
        if name == "Per group":
            self._render_groups(run, self._metric_for(run))
        elif name == "Distributions":
            self._render_distributions(run)

    def _render_groups(self, run: RunResult, metric: str) -> None:
        self._stale_tabs.discard("Per group")
        plots, ds = _plots(), run.dataset
        best = run.best("shifted")
        if best is None:
            return
        now, base = run.group_metrics(best), run.group_metrics(best, baseline=True)
        if now is None or base is None:
            return
        self._groups_plot.object = plots.group_effect(
            now, base, plots.GROUP_METRICS[ds.task_name],
            title=f"{run.spec.feature}, {best}")
        merged = base.merge(now, on=["group", "rows"], suffixes=(" baseline", " now"))
        self._groups_table.value = merged.round(3)

    def _render_distributions(self, run: RunResult) -> None:
        self._stale_tabs.discard("Distributions")
        plots, ds = _plots(), run.dataset
        self._distribution.object = plots.distribution(ds, run.shift, run.spec.feature,
                                                       highlight=run.spec.group)
        if self._ranking is not None:
            method = self.method if f"rank_{self.method}" in self._ranking else "gini"
            top = [f for f in self._ranking.sort_values(f"rank_{method}")["feature"]
                   if f != run.spec.feature][:3]
            self._top_distributions.objects = [
                pn.pane.HoloViews(plots.distribution(ds, run.shift, f, width=400),
                                  linked_axes=False) for f in top]

    # ================================================================== export
    def _export_html(self):
        """The export button: a standalone snapshot of the current feature and group."""
        from io import StringIO
        self._status.object = "Exporting a standalone HTML snapshot..."
        text = self.snapshot()
        self._status.object = f"Exported a {len(text.encode()) / 2**20:.1f} MB HTML snapshot."
        return StringIO(text)

    def snapshot(self) -> str:
        """The standalone HTML of what is shown: the current feature and group at the default
        ratios and the current one, with the loop's settings."""
        # The loop of what is shown (same settings, so same cache keys): no state already
        # shown is fitted again, and the position the user is looking at is among the frames.
        loop = self.loop.clone(dataset=self.dataset, algorithms=list(self.algorithms),
                               repeats=self.repeats)
        spec = self.spec()
        text = snapshot_html(loop, self.feature, self.group,
                             ratios=sorted(set(DEFAULT_RATIOS) | {spec.ratio}),
                             upsampler=spec.upsampler, class_balance=spec.class_balance)
        return text


def _plots():
    return plots


def _as_is(data):
    """A DynamicMap callback showing what its Pipe was sent."""
    return data


def url_settings(args: dict) -> tuple[dict, list[str]]:
    """Settings a web visitor may pass in the URL (``?data=NAME&target=COL&algorithms=a,b``),
    checked: ``data`` must be a listed dataset (never a path on the server) and unknown
    algorithms are dropped. Returns (settings, problems to show)."""
    def arg(key):
        value = args.get(key)
        if isinstance(value, list):
            value = value[0] if value else None
        return value.decode(errors="replace") if isinstance(value, bytes) else value
    settings, problems = {}, []
    data = arg("data")
    if data is not None and data not in catalog():
        problems.append(f"?data={data} is not a listed dataset; showing the default. Put the "
                        "file in data/ or pass it to distviz serve --data.")
    elif data is not None:
        settings["data"] = data
        if arg("target"):
            settings["data_target"] = arg("target")
    if arg("algorithms"):
        names = [a for a in arg("algorithms").split(",") if a]
        known = set(Dashboard.param.algorithms.objects)
        settings["algorithms"] = [a for a in names if a in known] or list(
            models.DEFAULT_ALGORITHMS)
        if set(names) - known:
            problems.append(f"unknown algorithm(s) {', '.join(sorted(set(names) - known))}; "
                            f"choose from {', '.join(sorted(known))}.")
    return settings, problems


def build_app(data: str | None = None, target: str | None = None, *, task: str | None = None,
              served: bool = False):
    """The served page (FastListTemplate) when ``served``, else the plain layout (notebooks).

    The server's own settings (arguments, then DISTVIZ_DATA / DISTVIZ_TARGET /
    DISTVIZ_ALGORITHMS) come first; URL arguments are checked by :func:`url_settings`.
    ``pn.state.served`` looks at its caller's module, so the app script passes it in.
    """
    from_url, problems = url_settings(pn.state.session_args if pn.state.curdoc else {})
    settings = dict(from_url)
    if data or os.environ.get("DISTVIZ_DATA"):
        settings["data"] = data or os.environ["DISTVIZ_DATA"]
        settings["data_target"] = target or os.environ.get("DISTVIZ_TARGET")
    if os.environ.get("DISTVIZ_ALGORITHMS"):
        settings["algorithms"] = os.environ["DISTVIZ_ALGORITHMS"].split(",")
    if task is not None:
        settings["task"] = task
    try:
        dashboard = Dashboard(**settings)
    except DistvizError as exc:
        if "data" not in from_url or settings.get("data") != from_url["data"]:
            raise  # the server's own --data/--target: serve_from_cli checked them already
        problems.append(f"{exc} Showing the default dataset.")
        dashboard = Dashboard(**{k: v for k, v in settings.items()
                                 if k not in ("data", "data_target")})
    for problem in problems:
        dashboard._notify(problem, "warning")
    return dashboard.template() if served else dashboard


def serve(*, data=None, target=None, task=None, port=5006, address="127.0.0.1",
          websocket_origin=None, show=False) -> None:
    """``distviz serve``: the dashboard on ``address`` (127.0.0.1 unless told otherwise)."""
    app = partial(build_app, data, target, task=task, served=True)
    pn.serve({"/": app}, port=port, address=address, websocket_origin=websocket_origin,
             show=show, title="distviz")
