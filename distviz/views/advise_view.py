"""The dashboard's "Where data helps" tab: every group of the top features x the ratios x the
algorithms (:func:`distviz.advise.advise`, computed in the background), the ranked advice,
and (:mod:`distviz.views.response_view`) the response curves of the group the slider is on.

The map is computed at low priority: one background prefetch per algorithm, the cheapest
first (each column fills in as its algorithm finishes), through clones of the dashboard's loop
(same settings and cache, so every fit a slider move made is reused and every fit made here
makes those moves instant). A background prefetch submits nothing while a slider move trains
(:meth:`distviz.loop.ModelLoop.prefetch`). A click on a cell moves the slider to that shift.
"""

from __future__ import annotations

import time
from dataclasses import replace
from functools import partial

import holoviews as hv
import panel as pn
import param

from .. import models
from ..advise import (
    DEFAULT_ADVISE_RATIOS,
    MIN_SHIFT_ROWS,
    Advice,
    cells_of,
    judge,
    plan_advice,
    sentence,
)
from ..errors import DistvizError
from ..loop import ModelLoop
from ..shift import Resampler
from .advise_plots import (
    cell_frame,
    outline,
    heatmap,
    legend_html,
    map_width,
    row_label,
)
from .response_view import ResponseCurvesView
from .session import Session
from .style import escape

SHOWN_ADVICE = 12  # sentences listed beside the map; the rest are counted
# Room for the maps and the advice side by side: the main area of a 1500 px window (about
# 1,075 px in Chromium); wider maps put the advice under them, not past the window's edge.
SIDE_BY_SIDE_PX = 1060
ADVICE_PX = 320


class AdviseView(pn.viewable.Viewer):
    """Where would more (or fewer) rows of a group help, and which model?

    The dashboard calls :meth:`show` when the tab is visible with a new result: the map starts
    (once per dataset, algorithms, seeds and features) and the curves follow the slider's group.
    """

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The dashboard's model loop: the map uses clones of it (same settings, same cache).""")

    resampler = param.ClassSelector(class_=Resampler, default=None, allow_None=True, doc="""
        The dashboard's resampler: a click on a cell sets its feature, group and ratio.""")

    session = param.Parameter(default=None, precedence=-1, doc="""
        The dashboard's Session: panes change only through it (default: one that runs
        everything inline, for scripts and tests).""")

    top = param.Integer(default=3, bounds=(1, 10), label="Features", doc="""
        How many of the top-ranked features to map (every group of each).""")

    ratios = param.List(default=list(DEFAULT_ADVISE_RATIOS), item_type=float, doc="""
        The ratios mapped, slider positions (default: halve and double each group).""")

    alpha = param.Number(default=0.05, bounds=(0.001, 0.5), doc="""
        False-discovery rate of the Benjamini–Hochberg step over the map's cells.""")

    advice = param.ClassSelector(class_=Advice, default=None, allow_None=True, precedence=-1,
                                 doc="""
        The cells computed so far, judged together (the whole map once ``running`` is off).""")

    running = param.Boolean(default=False, precedence=-1, doc="The map is being computed.")

    progress = param.Tuple(default=(0, 0), length=2, precedence=-1, doc="""
        (fits known, fits in the map), cached ones included.""")

    def __init__(self, **params):
        super().__init__(**params)
        self.session = self.session or Session(background=False)
        self._token = 0
        self._key: tuple | None = None  # what the map shows or computes
        self._handle = None  # the running background prefetch
        self._task = None  # the map's computation (the session runner's task)
        self._rows: dict[str, tuple[str, str]] = {}  # row label -> (feature, group)
        self._ranked: list[str] = []
        self._last_progress = 0.0
        self._frame_args: tuple = ([], [], [], [])  # rows, algorithms, ratios, skipped
        # The slider's (feature, group, ratio): its cells are outlined on the map.
        self._slider = hv.streams.Pipe(data=None)
        self.outlines: dict[float, hv.DynamicMap] = {}  # ratio -> its map's outline layer
        self._pipe: hv.streams.Pipe | None = None  # feeds the map's DynamicMaps
        self.taps: dict[float, hv.streams.Tap] = {}  # ratio -> the clicks on its map
        self.status = pn.pane.Markdown(
            "The map starts when this tab is first opened.", sizing_mode="stretch_width",
            margin=(0, 10))
        self.bar = pn.indicators.Progress(value=0, max=1, visible=False, width=280,
                                          bar_color="primary")
        self.maps = pn.Row(margin=0)  # one plot per ratio
        self.map_area = pn.Column(sizing_mode="stretch_width", margin=0)  # maps and advice
        self.sentences = pn.pane.Markdown("", min_width=ADVICE_PX, sizing_mode="stretch_width",
                                          margin=(0, 10), styles={"font-size": "13px"})
        self._place_advice(beside=True)
        self.curves = ResponseCurvesView(loop=self.loop, session=self.session,
                                         ratios=list(self.ratios), alpha=self.alpha)
        how = ("Each cell: the change of the headline metric (whole test set) when the group's "
               "training rows are shifted by that ratio, against the baseline with the same "
               "seeds. **Green/red only beyond the noise** after Benjamini–Hochberg over all "
               "cells; grey = within the noise; · = not computed yet. Click a cell to move the "
               "slider there.")
        self._layout = pn.Column(
            pn.pane.Markdown(how, sizing_mode="stretch_width", styles={"color": "#444"}),
            pn.Row(pn.widgets.IntInput.from_param(self.param.top, width=90), self.bar,
                   self.status, sizing_mode="stretch_width"),
            self.map_area,
            pn.pane.HTML(legend_html(), sizing_mode="stretch_width",
                         styles={"font-size": "12px", "color": "#444"}),
            self.curves, sizing_mode="stretch_width")
        if self.loop is not None:
            self.session.watch(self.loop, ["dataset", "algorithms", "repeats", "max_train_rows",
                                    "lift_budgets"], self._settings_changed)

    def __panel__(self):
        return self._layout

    # ------------------------------------------------------------------ the dashboard's hook
    def show(self, run, ranked=None) -> None:
        """The tab is visible with ``run`` current: start the map (if its plan changed) and
        show the curves of ``run``'s group."""
        self._ranked = list(ranked or [])
        self.start()
        if run is not None and run.spec.feature is not None:
            self.curves.show(run.spec)
            spec = run.spec
            if self._slider.data != (spec.feature, spec.group, spec.ratio):
                self._slider.send((spec.feature, spec.group, spec.ratio))  # the outline only

    # ------------------------------------------------------------------ the map
    def plan_key(self) -> tuple | None:
        """What the map depends on: dataset, loop settings, features, ratios, shift kind."""
        loop, rs = self.loop, self.resampler
        if loop is None or loop.dataset is None or rs is None:
            return None
        settings = tuple(sorted(loop.settings(portable=True).items()))
        return (loop.dataset.fingerprint, settings, tuple(self.features()),
                tuple(self.ratios), rs.upsampler, rs.class_balance, self.alpha)

    def features(self) -> list[str]:
        """The top ``top`` features of the dashboard's ranking (Gini until another is shown)."""
        dataset = self.loop.dataset
        ranked = [f for f in self._ranked if f in dataset.features]
        if not ranked:
            from ..importance import top_features
            ranked = top_features(dataset, min(self.top, len(dataset.features)))
        return ranked[:self.top]

    def start(self, *, force: bool = False) -> None:
        """Compute the map in the background unless it is computed (or computing) already."""
        key = self.plan_key()
        if key is None or (key == self._key and not force):
            return
        self.cancel()
        self._key = key
        self._token += 1
        token, loop, rs = self._token, self.loop.clone(), self.resampler
        plan = {"features": self.features(), "ratios": list(self.ratios),
                "upsampler": rs.upsampler, "class_balance": rs.class_balance}
        self.param.update(running=True, advice=None, progress=(0, 0))
        self.bar.param.update(value=0, max=1, visible=True)
        self.status.object = "Planning the map..."
        self.sentences.object = ""
        self._task = self.session.runner.submit(lambda task: self._work(token, loop, plan),
                                                lane="advise-map", waited=False, name="advise")

    def cancel(self) -> None:
        """Stop the map's computation (fits in flight finish and are cached)."""
        self._token += 1
        handle, self._handle = self._handle, None
        if handle is not None:
            handle.cancel()
        if self.running:
            self.running = False
            self.bar.visible = False

    def wait(self, timeout: float | None = 600) -> "AdviseView":
        """Block until the map is computed (scripts and tests)."""
        if self._task is not None and not self._task.wait(timeout):
            raise TimeoutError("the map is still being computed")
        return self

    def _current(self, token: int) -> bool:
        return token == self._token and not self.session.closed

    @param.depends("ratios", "alpha", watch=True)
    def _update_curves(self) -> None:
        self.curves.param.update(ratios=list(self.ratios), alpha=self.alpha)

    @param.depends("top", watch=True)
    def _update_top(self) -> None:
        if self._key is not None:  # the map was shown: it follows the new choice at once
            self.start()

    def _settings_changed(self, event) -> None:
        if self._key is not None and self.plan_key() != self._key:
            self.cancel()
            self._key = None  # recomputed when the tab is next shown
            self.status.object = "The settings changed: the map is recomputed when shown."

    def _work(self, token: int, loop: ModelLoop, plan: dict) -> None:
        """In the background (inline without one): one prefetch per algorithm, cheapest
        first; after each, its cells, judged together with the earlier ones."""
        try:
            started = time.perf_counter()
            features, ratios, entries, skipped = plan_advice(loop, **plan)
            specs = [spec for _, _, group_specs in entries for spec in group_specs]
            rows = [(feature, group) for feature, group, _ in entries]
            names = self.cheapest_first(loop)
            states = {s.training_key() for spec in specs for s in (spec, spec.baseline())}
            total = len(states) * len(loop.seeds) * len(names)
            counts = {"done": 0, "cached": 0}
            self.session.ui(self._planned, token, rows, ratios, skipped, total)
            order = {(f, g): i for i, (f, g, _) in enumerate(entries)}
            position = {name: i for i, name in enumerate(loop.algorithms)}
            cells, finished = [], []
            for name in names:
                one = loop.clone(algorithms=[name])
                if specs and not self._prefetch(token, one, specs, counts, total):
                    return
                if not self._current(token):
                    return
                cells += cells_of(one, entries)
                cells.sort(key=lambda c: (order[(c.feature, c.group)], c.ratio,
                                          position.get(c.algorithm, 0)))
                judge(cells, loop.dataset.headline_metric, alpha=self.alpha)
                finished.append(name)
                advice = Advice(loop.dataset, loop.dataset.headline_metric, features, ratios,
                                [n for n in loop.algorithms if n in names], loop.repeats,
                                self.alpha, [replace(c) for c in cells], skipped,
                                counts["done"], counts["done"] - counts["cached"],
                                time.perf_counter() - started, "local (background)")
                self.session.ui(self._show_map, token, advice, list(finished), names)
        except Exception as exc:  # noqa: BLE001 - shown in the tab; the server keeps running
            message = str(exc) if isinstance(exc, DistvizError) else \
                f"{type(exc).__name__}: {exc}"
            self.session.ui(self._failed, token, message)

    def _prefetch(self, token, loop, specs, counts, total) -> bool:
        """One algorithm's fits at low priority; False when cancelled."""
        before = counts["done"]

        def progress(done, _total, fit):
            counts["done"] = before + done
            counts["cached"] += fit.from_cache
            now = time.perf_counter()
            if now - self._last_progress > 0.25 or done == _total:  # one render per 1/4 s
                self._last_progress = now
                self.session.ui(self._show_progress, token, counts["done"], total, counts["cached"])
        handle = loop.prefetch(specs, background=True, progress=progress)
        self._handle = handle
        while not handle.wait(0.2):
            if not self._current(token):
                handle.cancel()
                return False
        if handle.error is not None:
            raise DistvizError(f"the map's fits failed: {handle.error}")
        return self._current(token) and not handle.cancelled

    @staticmethod
    def cheapest_first(loop: ModelLoop) -> list[str]:
        """The loop's algorithms by fit cost: seconds measured on this dataset once every one
        has been fitted, else the registry's rough cost."""
        fingerprint, task = loop.dataset.fingerprint, loop.dataset.task_name
        measured = {n: loop.executor.cost(fingerprint, n) for n in loop.algorithms}
        known = all(v is not None for v in measured.values())
        cost = {n: measured[n] if known else models.get(n, task).cost for n in loop.algorithms}
        return sorted(loop.algorithms, key=lambda n: cost[n])  # stable: ties keep their order

    # ------------------------------------------------------------------ rendering
    def _planned(self, token, rows, ratios, skipped, total) -> None:
        if not self._current(token):
            return
        self._rows = {row_label(f, g): (f, g) for f, g in rows}
        self._frame_args = (rows, list(self.loop.algorithms), ratios, skipped)
        self._place_advice(beside=advice_beside(len(ratios), len(self.loop.algorithms)))
        self._pipe = None  # a new plan: a new map
        self._draw([])
        self._show_progress(token, 0, total, 0)

    def _show_progress(self, token, done, total, cached) -> None:
        if not self._current(token) or not self.running:
            return
        self.progress = (done, total)
        self.bar.max = max(total, 1)  # one at a time: Progress checks value against max
        self.bar.value = min(done, self.bar.max)
        self.status.object = (f"Computing the map in the background: {done} of {total} fits "
                              f"({cached} reused from the cache).")

    def _show_map(self, token, advice: Advice, finished: list[str], names: list[str]) -> None:
        if not self._current(token):
            return
        done = len(finished) == len(names)
        self.advice = advice
        self._draw(advice.cells)
        self.sentences.object = self._sentences(advice, done)
        reused = advice.fits - advice.computed
        if done:
            self.running = False
            self.bar.visible = False
            self.status.object = (
                f"Map done: {len(advice.cells)} cells, {advice.fits} fits ({reused} reused "
                f"from the cache, {advice.computed} computed) in {advice.seconds:.0f} s."
                if advice.cells else "No group of these features can be shifted at these "
                f"ratios (each needs at least {MIN_SHIFT_ROWS} training rows).")
            self.curves.show()  # more ratios are trained now
        else:
            self.status.object = (f"{', '.join(finished)} done; computing "
                                  f"{names[len(finished)]} ({advice.fits} fits so far, "
                                  f"{reused} reused from the cache).")

    def _draw(self, cells) -> None:
        """The map of ``cells``: one plot per ratio, built once per plan (a DynamicMap with a
        tap stream each), then updated in place through their pipe."""
        rows, algorithms, ratios, skipped = self._frame_args
        if not rows:  # no group can be shifted at these ratios: the status says so
            self.maps.objects = []
            return
        frame = cell_frame(cells, rows, algorithms, ratios, skipped)
        if self._pipe is not None:
            self._pipe.send(frame)
            return
        self._pipe = hv.streams.Pipe(data=frame)
        self.taps, self.outlines = {}, {}
        metric = self.loop.dataset.headline_metric
        panes = []
        for ratio in ratios:
            # The tap is one of the DynamicMap's streams: a Tap whose source is a DynamicMap
            # (Tap(source=dmap)) never hears a click in the browser.
            self.taps[ratio] = hv.streams.Tap()
            self.taps[ratio].add_subscriber(partial(self._clicked, ratio))
            dmap = hv.DynamicMap(_map_at(ratio, metric),
                                 streams=[self._pipe, self.taps[ratio]])
            self.outlines[ratio] = hv.DynamicMap(
                partial(_outline_at, rows, algorithms, ratio), streams=[self._slider])
            panes.append(pn.pane.HoloViews(dmap * self.outlines[ratio], linked_axes=False,
                                           margin=(0, 5)))
        self.maps.objects = panes

    def _place_advice(self, *, beside: bool) -> None:
        """The advice beside the maps, or under them when both do not fit in a window."""
        if beside:
            self.map_area.objects = [pn.Row(self.maps, self.sentences,
                                            sizing_mode="stretch_width", margin=0)]
        else:
            self.map_area.objects = [self.maps, self.sentences]

    def _sentences(self, advice: Advice, done: bool) -> str:
        ranked = advice.advice
        scope = "" if done else " (so far)"
        if not ranked:
            text = f"**Advice{scope}:** no change is beyond the noise."
        else:
            lines = [f"{i}. {escape(sentence(c))}" for i, c in
                     enumerate(ranked[:SHOWN_ADVICE], start=1)]
            more = len(ranked) - SHOWN_ADVICE
            if more > 0:
                lines.append(f"\n...and {more} more beyond the noise.")
            text = f"**Advice{scope}, best improvement first:**\n\n" + "\n".join(lines)
        return text + f"\n\n*{escape(advice.chance()['sentence'])}*"

    def _failed(self, token, message) -> None:
        if token != self._token:
            return
        self.running = False
        self.bar.visible = False
        self._key = None  # tried again when next shown
        self.status.object = f"**The map failed:** {escape(message)}"

    def _clicked(self, ratio, x=None, y=None, **_) -> None:
        """A click on a cell: the slider moves to that group and ratio."""
        if x is None or y is None or y not in self._rows or self.resampler is None:
            return
        feature, group = self._rows[y]
        self.resampler.param.update(feature=feature, group=group, ratio=float(ratio))


def advice_beside(n_ratios: int, n_algorithms: int) -> bool:
    """Whether the maps (one per ratio) leave room for the advice beside them."""
    maps = n_ratios * (map_width(n_algorithms) + 10)  # + each plot's margins
    return maps + ADVICE_PX <= SIDE_BY_SIDE_PX


def _outline_at(rows, algorithms, ratio, data=None):
    """The DynamicMap callback of one ratio's outline layer (``data``: the slider's cells)."""
    return outline(rows, algorithms, ratio, data)


def _map_at(ratio: float, metric: str):
    """The DynamicMap callback of one ratio's map (a plain function: HoloViews reads its
    keywords to pass the streams' values; a click, x and y, changes nothing drawn)."""
    def draw(data, x=None, y=None):
        return heatmap(data, ratio, metric=metric)
    return draw
