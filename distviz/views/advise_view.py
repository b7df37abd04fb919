"""The dashboard's "Where data helps" tab: every group of the top features x the ratios x the
algorithms, the ranked advice, and (:mod:`distviz.views.response_view`) the response curves of
the group the slider is on.

The map is :class:`distviz.advise.AdviseRun`'s, computed in the background at low priority
(each algorithm's column fills in as it finishes) once the tab is shown; this view only watches
it. A click on a cell moves the slider to that shift.
"""

from __future__ import annotations

from functools import partial

import holoviews as hv
import numpy as np
import panel as pn
import param

from ..advise import (
    DEFAULT_ADVISE_RATIOS,
    MIN_SHIFT_ROWS,
    Advice,
    AdviseRun,
    rejudge,
    sentence,
)
from ..importance import choose_features
from ..sentences import practical_calls_sentence
from ..results import RunResult
from ..shift import Resampler
from .advise_plots import (
    cell_frame,
    outline,
    heatmap,
    legend_html,
    map_width,
    row_label,
)
from .importance_view import ImportanceView
from .response_view import ResponseCurvesView
from .result_view import ResultView
from .style import escape

SHOWN_ADVICE = 12  # sentences listed beside the map; the rest are counted
# Room for the maps and the advice side by side: the main area of a 1500 px window (about
# 1,075 px in Chromium); wider maps put the advice under them, not past the window's edge.
SIDE_BY_SIDE_PX = 1060
ADVICE_PX = 320
WRAP = {"flex-wrap": "wrap"}  # a row whose items go under each other when they do not fit


class AdviseView(ResultView):
    """Where would more (or fewer) rows of a group help, and which model?

    Shown with a result, the map starts (once per dataset, algorithms, seeds and features) and
    the curves follow the slider's group.
    """

    resampler = param.ClassSelector(class_=Resampler, default=None, allow_None=True, doc="""
        The dashboard's resampler: a click on a cell sets its feature, group and ratio.""")

    importance = param.ClassSelector(class_=ImportanceView, default=None, allow_None=True,
                                     doc="The ranking that picks the top features.")

    top = param.Integer(default=3, bounds=(1, 10), label="Features", doc="""
        How many of the top-ranked features to map (every group of each).""")

    ratios = param.List(default=list(DEFAULT_ADVISE_RATIOS), item_type=float, doc="""
        The ratios mapped, slider positions (default: halve and double each group).""")

    alpha = param.Number(default=0.05, bounds=(0.001, 0.5), doc="""
        False-discovery rate of the Benjamini–Hochberg step over the map's cells.""")

    def __init__(self, **params):
        super().__init__(**params)
        self.advise_run = AdviseRun(loop=self.loop, ratios=list(self.ratios), alpha=self.alpha)
        self._rows: dict[str, tuple[str, str]] = {}  # row label -> (feature, group)
        self._frame_args: tuple = ([], [], [], [])  # rows, algorithms, ratios, skipped
        self.frame = None  # the map's cells as shown (advise_plots.cell_frame)
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
        # One plot per ratio; they wrap (and the advice beside them goes under) in a window
        # too narrow for them side by side.
        self.maps = pn.Row(margin=0, styles=WRAP)
        self.map_area = pn.Column(sizing_mode="stretch_width", margin=0)  # maps and advice
        self.sentences = pn.pane.Markdown("", min_width=ADVICE_PX, sizing_mode="stretch_width",
                                          margin=(0, 10), styles={"font-size": "13px"})
        self._place_advice(beside=True)
        self.legend = pn.pane.HTML(legend_html(self._min_effect()), sizing_mode="stretch_width",
                                   styles={"font-size": "12px", "color": "#444"})
        self.curves = ResponseCurvesView(loop=self.loop, session=self.session,
                                         ratios=list(self.ratios), alpha=self.alpha)
        how = ("Each cell: the change of the headline metric (whole test set) when the group's "
               "training rows are shifted by that ratio, against the baseline with the same "
               "seeds. **Green/red only beyond the noise** after Benjamini–Hochberg over all "
               "cells. Within the noise, grey = equivalent (no change that matters), hatched "
               "white = inconclusive (the data cannot tell); · = not computed yet. Click a "
               "cell to move the slider there.")
        self._layout = pn.Column(
            pn.pane.Markdown(how, sizing_mode="stretch_width", styles={"color": "#444"}),
            pn.Row(pn.widgets.IntInput.from_param(self.param.top, width=90), self.bar,
                   self.status, sizing_mode="stretch_width"),
            self.map_area,
            self.legend,
            self.curves, sizing_mode="stretch_width")
        on = self.session.watch
        on(self.advise_run, ["computed_for"], self._started)
        on(self.advise_run, ["plan"], self._planned)
        on(self.advise_run, ["progress"], self._show_progress)
        on(self.advise_run, ["advice"], self._show_map)
        on(self.advise_run, ["error"], self._failed)
        if self.loop is not None:
            on(self.loop, ["dataset", "algorithms", "repeats", "max_train_rows", "lift_budgets"],
               self._settings_changed)
            # A new smallest change that matters re-judges the map shown (nothing refits).
            on(self.loop, ["min_effect"], self._show_map)

    def __panel__(self):
        return self._layout

    def render(self, run: RunResult, final: bool) -> None:
        """Shown with ``run``: the map starts (if its plan changed) and the curves show
        ``run``'s group."""
        self._configure()
        self.advise_run.start()
        if run.spec.feature is not None:
            self.curves.show(run.spec)
            spec = run.spec
            if self._slider.data != (spec.feature, spec.group, spec.ratio):
                self._slider.send((spec.feature, spec.group, spec.ratio))  # the outline only

    # ------------------------------------------------------------------ the map
    def features(self) -> list[str]:
        """The top ``top`` features of the dashboard's ranking (Gini until another is shown)."""
        ranked = self.importance.ranked() if self.importance is not None else None
        return choose_features(self.loop.dataset, top=self.top, first=ranked or (),
                               random_state=self.loop.random_state)

    def _configure(self) -> None:
        """The map's plan: this view's features, ratios and alpha, the slider's shift kind."""
        rs = self.resampler
        self.advise_run.param.update(
            features=self.features(), ratios=list(self.ratios), alpha=self.alpha,
            **({"upsampler": rs.upsampler, "class_balance": rs.class_balance} if rs else {}))

    @param.depends("ratios", "alpha", watch=True)
    def _update_curves(self) -> None:
        self.curves.param.update(ratios=list(self.ratios), alpha=self.alpha)

    @param.depends("top", watch=True)
    def _update_top(self) -> None:
        if self.advise_run.computed_for is not None:  # shown: it follows the choice at once
            self._configure()
            self.advise_run.start()

    def _settings_changed(self, event) -> None:
        if self.advise_run.computed_for is None or self.loop.dataset is None:
            return
        self._configure()
        if self.advise_run.key() != self.advise_run.computed_for:
            self.advise_run.cancel()  # computed again when the tab is next shown
            self.bar.visible = False
            self.status.object = "The settings changed: the map is recomputed when shown."

    # ------------------------------------------------------------------ rendering
    def _started(self, event) -> None:
        if self.advise_run.computed_for is not None and self.advise_run.running:
            self.bar.param.update(value=0, max=1, visible=True)
            self.status.object = "Planning the map..."
            self.sentences.object = ""

    def _planned(self, event) -> None:
        if self.advise_run.plan is None:
            return
        rows, algorithms, ratios, skipped = self.advise_run.plan
        self._rows = {row_label(f, g): (f, g) for f, g in rows}
        self._frame_args = (rows, algorithms, ratios, skipped)
        self._place_advice(beside=advice_beside(len(ratios), len(algorithms)))
        self._pipe = None  # a new plan: a new map
        self._draw([])

    def _show_progress(self, event) -> None:
        run = self.advise_run
        if not run.running:
            return
        done, total = run.progress
        self.bar.max = max(total, 1)  # one at a time: Progress checks value against max
        self.bar.value = min(done, self.bar.max)
        self.status.object = (f"Computing the map in the background: {done} of {total} fits "
                              f"({run.reused} reused from the cache).")

    def _min_effect(self) -> float | None:
        """The smallest change that matters for the headline metric now."""
        if self.loop is None or self.loop.dataset is None:
            return None
        return self.loop.min_effects()[self.loop.dataset.headline_metric]

    def shown_advice(self) -> Advice | None:
        """The map's advice as shown: its cells judged against the loop's min_effect now."""
        advice = self.advise_run.advice
        if advice is None or self.loop.dataset is not advice.dataset:
            return advice
        return rejudge(advice, self.loop.min_effects())

    def _show_map(self, event=None) -> None:
        run, advice = self.advise_run, self.shown_advice()
        detectable = [c.detectable for c in advice.cells if c.detectable is not None] \
            if advice is not None else []
        self.legend.object = legend_html(self._min_effect(),
                                         float(np.median(detectable)) if detectable else None)
        if advice is None:
            return
        self._draw(advice.cells)
        self.sentences.object = self._sentences(advice, not run.running)
        reused = advice.fits - advice.computed
        if not run.running:
            self.bar.visible = False
            self.status.object = (
                f"Map done: {len(advice.cells)} cells, {advice.fits} fits ({reused} reused "
                f"from the cache, {advice.computed} computed) in {advice.seconds:.0f} s."
                if advice.cells else "No group of these features can be shifted at these "
                f"ratios (each needs at least {MIN_SHIFT_ROWS} training rows).")
            self.curves.show()  # more ratios are trained now
        else:
            names = self.advise_run.cheapest_first(self.loop)
            finished = run.finished
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
        self.frame = frame  # the map as shown
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
            self.map_area.objects = [pn.Row(self.maps, self.sentences, styles=WRAP,
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
        chance = advice.chance()
        counts = practical_calls_sentence(chance["practical"],
                                          (advice.min_effect or {}).get(advice.metric))
        return text + f"\n\n*{escape(chance['sentence'])}*\n\n*{escape(counts)}*"

    def _failed(self, event) -> None:
        if self.advise_run.error is None:
            return
        self.bar.visible = False
        self.status.object = f"**The map failed:** {escape(self.advise_run.error)}"

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
