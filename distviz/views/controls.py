"""The sidebar: widgets bound to the domain objects' own parameters (``from_param``), so a
change from code shows in the widget and a widget change drives the engine, with no copies."""

from __future__ import annotations

import html

import panel as pn

from .. import models
from ..data.crossed import crossed_parts
from ..errors import DistvizError
from ..sentences import metric_label
from ..shift import Resampler, describe_shift, validate_spec
from ..shift.spec import RATIOS as SLIDER_RATIOS
from ..stats import parse_min_effect, resolve_min_effect
from ..tasks import LOWER_IS_BETTER, metric_names
from .mix_controls import describe_mix
from .style import escape

# Slider positions: the engine's grid (distviz.shift.spec.RATIOS), which a snapshot holds too.
RATIOS = list(SLIDER_RATIOS)


def nearest_ratio(ratio: float) -> float:
    return min(RATIOS, key=lambda r: abs(r - ratio))


def times(ratio: float) -> str:
    """A position as the size of the group it makes: -1 -> "0x", 0 -> "1x", 3 -> "4x"."""
    return f"{1 + float(ratio):g}x"


def scale_html(ratios) -> str:
    """A label under each of the slider's (evenly spaced) positions: the group's size as a
    multiple of its size now; the baseline in bold."""
    last = max(len(ratios) - 1, 1)
    marks = "".join(
        f'<span style="position:absolute;left:{100 * i / last:.4f}%;transform:translateX(-50%);'
        f'white-space:nowrap{";font-weight:bold;color:#333" if r == 0 else ""}">'
        f"{times(r)}</span>" for i, r in enumerate(ratios))
    return (f'<div title="group rows, as a multiple of the group now" style="position:relative;'
            f'height:15px;font-size:11px;color:#666;line-height:15px">'
            f"{marks}</div>")


class ShiftSlider(pn.viewable.Viewer):
    """The shift slider over :data:`RATIOS`, two-way linked to ``resampler.ratio``: the
    resampler is set when the handle is released (``value_throttled``), and follows code.

    Served (a ``session`` given), a release reaches the resampler ``SETTLE`` seconds later, and
    later again while the user's next key press has already reached the server (at most
    ``MAX_WAITS`` times): a quick flick over the slider moves the resampler, and so trains and
    draws, its last position only."""

    SETTLE: float = 0.03
    MAX_WAITS: int = 8

    def __init__(self, resampler: Resampler, session=None, **params):
        super().__init__(**params)
        self.resampler = resampler
        self.session = session
        self.slider = pn.widgets.DiscreteSlider(options=RATIOS,
                                                value=nearest_ratio(resampler.ratio),
                                                label="Shift", sizing_mode="stretch_width")
        # What the position means. Not the slider's own label: a DiscreteSlider rebuilds its
        # inner slider whenever its label changes, which drops keyboard focus.
        self.info = pn.pane.HTML("", margin=(5, 10, 0, 10), sizing_mode="stretch_width")
        # Its ends under the track's: 1 px inside the slider's 10 px margin.
        self.scale = pn.pane.HTML(scale_html(RATIOS), margin=(0, 11, 4, 11),
                                  sizing_mode="stretch_width")
        self._released: float | None = None  # the last position the handle was released at
        self.slider.param.watch(self._release, "value_throttled")
        resampler.param.watch(self._follow, ["spec", "mode"])
        self._follow()

    def _release(self, event) -> None:
        self._released = event.new
        if self.session is not None and self.session.served and self.session.background:
            self._settle(event.new, 0)
        else:
            self.resampler.ratio = event.new

    def _settle(self, ratio: float, waited: int) -> None:
        if self._released != ratio:
            return  # released elsewhere since: that release settles instead
        if waited == 0 or (self.session.user_moving() and waited < self.MAX_WAITS):
            self.session.later(self.SETTLE, lambda: self._settle(ratio, waited + 1),
                               lane="slider")
            return
        self.resampler.ratio = ratio

    def _follow(self, *events) -> None:
        rs = self.resampler
        if rs.spec is None:
            return
        nearest = nearest_ratio(rs.ratio)
        # Only a change made elsewhere moves the handle: the echo of a release must not pull
        # it back while the user is already moving it on (keys pressed in quick succession).
        if nearest != self._released and self.slider.value != nearest:
            self.slider.value = nearest
        # In mix mode the slider moves nothing: the line says which mix is in force instead.
        by_ratio = rs.mode != "mix"
        self.slider.visible = self.scale.visible = by_ratio
        self.info.object = html.escape(
            "Shift " + describe_shift(rs.dataset, rs.feature, rs.group, float(rs.ratio))
            if by_ratio else describe_mix(rs.dataset, rs.spec))

    @property
    def label(self) -> str:
        """What the slider's position means, as shown above it (plain text)."""
        return html.unescape(self.info.object or "")

    def __panel__(self):
        return pn.Column(self.info, self.slider, self.scale, sizing_mode="stretch_width",
                         margin=0)


#: The "crossed with" choice that shifts the feature's own groups.
NOT_CROSSED = "none"


class FeatureChoice(pn.viewable.Viewer):
    """The feature to shift and, beside it, a feature to cross it with (docs/semantics.md, 12),
    two-way linked to ``resampler.feature``: "sex" crossed with "class" sets the crossed
    feature ``"sex,class"`` (spelt as ``Dataset.check_feature`` spells it), whose groups read
    ``sex=female & class=3rd``; "none" goes back to the plain feature. A new main feature keeps
    the cross, unless it is the crossing feature itself (then the cross goes back to none).
    In mix mode a feature the mix in force cannot apply to (e.g. uniform, with a crossed group
    of one row) is one notification, and nothing changes."""

    def __init__(self, resampler: Resampler, session, *, loop, notify, **params):
        super().__init__(**params)
        self.resampler, self.loop, self._notify = resampler, loop, notify
        self.feature = pn.widgets.Select(label="Feature", width=200)
        self.crossed = pn.widgets.Select(label="crossed with", width=140,
                                         description="Cross the feature with a second one: "
                                                     "its groups become pairs such as "
                                                     "sex=female & class=3rd")
        self._following = False
        self._order: list[str] = []  # the main features as last sent, in ranking order
        self.feature.param.watch(self._pick, "value")
        self.crossed.param.watch(self._pick, "value")
        session.watch(resampler, ["feature", "dataset"], self._follow)
        # The ranking reorders the features: Panel compares a Select's options as a mapping,
        # order ignored, so the new order is sent by a trigger (_follow).
        resampler.param.watch(lambda event: session.ui(self._follow), ["feature"],
                              what="objects")
        self._follow()

    def parts(self) -> tuple[str | None, str]:
        """The main feature and the one crossed with it (``NOT_CROSSED`` when none)."""
        rs = self.resampler
        if rs.dataset is None or rs.feature is None:
            return None, NOT_CROSSED
        crossed = crossed_parts(rs.feature, rs.dataset.features)
        return crossed if crossed is not None else (rs.feature, NOT_CROSSED)

    def _follow(self, *events) -> None:
        rs = self.resampler
        if rs.dataset is None:
            return
        main, other = self.parts()
        features = [f for f in rs.param.feature.objects if f in rs.dataset.features]
        features += [f for f in rs.dataset.features if f not in features]
        self._following = True
        try:
            self.feature.param.update(options=features, value=main)
            if features != self._order:
                self._order = features
                self.feature.param.trigger("options")
            self.crossed.param.update(
                options=[NOT_CROSSED] + [f for f in features if f != main], value=other)
        finally:
            self._following = False

    def _pick(self, event) -> None:
        if self._following:
            return
        rs = self.resampler
        main, other = self.feature.value, self.crossed.value
        if main is None:
            return
        if other == main:  # a feature is not crossed with itself: the cross goes
            other = NOT_CROSSED
        feature = main if other == NOT_CROSSED else rs.dataset.check_feature(f"{main},{other}")
        if feature != rs.feature and self._mix_fits(feature):
            rs.feature = feature
        if rs.feature != feature or other != self.crossed.value:
            self._follow()  # the widgets show what the resampler holds

    def _mix_fits(self, feature: str) -> bool:
        """Whether the mix in force (mix mode) applies to ``feature``'s groups; if not, one
        notification saying so."""
        rs = self.resampler
        mix = rs.mix
        if rs.mode != "mix" or (isinstance(mix, dict) or "=" in str(mix)):
            return True  # one group, or shares of the old groups (the mix starts over)
        try:
            validate_spec(rs.dataset, rs.spec_of_mix(mix, feature=feature,
                                                     reference=rs.reference),
                          max_ratio=self.loop.max_ratio)
        except DistvizError as exc:
            self._notify(f"the {mix} mix cannot apply to {feature}: {exc} Apply the original "
                         "mix first, or pick another feature.")
            return False
        return True

    def __panel__(self):
        return pn.Row(self.feature, self.crossed, margin=0)


def algorithm_choice(loop, task: str) -> pn.widgets.MultiChoice:
    """The algorithms widget, bound to ``loop.algorithms``; its options follow the task."""
    return pn.widgets.MultiChoice.from_param(loop.param.algorithms, label="Algorithms",
                                             options=models.available(task),
                                             sizing_mode="stretch_width")


def heading(text: str) -> pn.pane.Markdown:
    return pn.pane.Markdown(f"### {escape(text)}", margin=(10, 10, 0, 10))


class MinEffectInput(pn.viewable.Viewer):
    """The smallest change that matters for the leaderboard's metric (``view.metric``), bound
    to ``loop.min_effect``: it shows the value in force (the default when none is set), and a
    new one re-judges the shown run (no fit). Emptied, the metric goes back to its default; a
    value the metric cannot take is a notification and the input shows the value in force."""

    def __init__(self, loop, view, session, notify, **params):
        super().__init__(**params)
        self.loop, self.view, self._notify = loop, view, notify
        self.input = pn.widgets.FloatInput(
            label="Smallest change that matters", value=None, step=0.005, format="0.[0000]",
            placeholder="default", sizing_mode="stretch_width")
        self.input.param.watch(self._set, "value")
        session.watch(loop, ["min_effect", "dataset"], self._follow)
        session.watch(view, ["metric"], self._follow)
        self._follow()

    @property
    def metric(self) -> str | None:
        """The metric the input sets: the leaderboard's, if the dataset's task reports it."""
        dataset = self.loop.dataset
        if dataset is None:
            return None
        if self.view.metric in metric_names(dataset.task_name):
            return self.view.metric
        return dataset.headline_metric

    def in_force(self) -> float | None:
        """The smallest change that matters for :attr:`metric` now."""
        metric = self.metric
        return None if metric is None else self.loop.min_effects()[metric]

    def chosen(self, dataset) -> dict[str, float]:
        """``loop.min_effect`` as {metric: value} (a bare number is ``dataset``'s headline)."""
        return {k or dataset.headline_metric: v
                for k, v in parse_min_effect(self.loop.min_effect).items()}

    def carry_over(self, dataset) -> None:
        """Before the loop moves to another ``dataset``: a value for a 0-1 metric its task
        reports stays; the others go back to the defaults (a metric the task does not report;
        RMSE / MAE, in the old target's units)."""
        if self.loop.dataset is None or dataset is self.loop.dataset:
            return
        kept = {metric: value for metric, value in self.chosen(self.loop.dataset).items()
                if metric in metric_names(dataset.task_name) and metric not in LOWER_IS_BETTER}
        if kept != self.chosen(self.loop.dataset):
            self.loop.min_effect = kept or None

    def _follow(self, *events) -> None:
        value = self.in_force()
        if value is not None:
            self.input.description = (f"The smallest change of {metric_label(self.metric)} "
                                       "that matters: a change inside ± this is no change that "
                                       "matters. A new value re-judges the shown run; nothing "
                                       "is refitted.")
        if self.input.value != value:
            self.input.value = value

    def _set(self, event) -> None:
        metric = self.metric
        if metric is None or event.new == self.in_force():
            return
        dataset = self.loop.dataset
        chosen = self.chosen(dataset)
        if event.new is None:
            chosen.pop(metric, None)  # emptied: the metric's default
        else:
            chosen[metric] = float(event.new)
        try:
            resolve_min_effect(chosen, dataset.task_name, y_test=dataset.y_test)
        except DistvizError as exc:
            self._notify(f"{exc}")
            self._follow()
            return
        self.loop.min_effect = chosen or None

    def __panel__(self):
        return self.input

