"""The sidebar: widgets bound to the domain objects' own parameters (``from_param``), so a
change from code shows in the widget and a widget change drives the engine, with no copies."""

from __future__ import annotations

import html

import panel as pn

from .. import models
from ..shift import Resampler, describe_shift
from ..shift.spec import RATIOS as SLIDER_RATIOS
from .style import escape

# Slider positions: the engine's grid (distviz.shift.spec.RATIOS), which a snapshot holds too.
RATIOS = list(SLIDER_RATIOS)


def nearest_ratio(ratio: float) -> float:
    return min(RATIOS, key=lambda r: abs(r - ratio))


class ShiftSlider(pn.viewable.Viewer):
    """The shift slider over :data:`RATIOS`, two-way linked to ``resampler.ratio``: the
    resampler is set when the handle is released (``value_throttled``), and follows code."""

    def __init__(self, resampler: Resampler, **params):
        super().__init__(**params)
        self.resampler = resampler
        self.slider = pn.widgets.DiscreteSlider(options=RATIOS,
                                                value=nearest_ratio(resampler.ratio),
                                                label="Shift", sizing_mode="stretch_width")
        # What the position means. Not the slider's own label: a DiscreteSlider rebuilds its
        # inner slider whenever its label changes, which drops keyboard focus.
        self.info = pn.pane.HTML("", margin=(5, 10, 0, 10), sizing_mode="stretch_width")
        self._released: float | None = None  # the last position the handle was released at
        self.slider.param.watch(self._release, "value_throttled")
        resampler.param.watch(self._follow, ["spec"])
        self._follow()

    def _release(self, event) -> None:
        self._released = event.new
        self.resampler.ratio = event.new

    def _follow(self, *events) -> None:
        rs = self.resampler
        if rs.spec is None:
            return
        nearest = nearest_ratio(rs.ratio)
        # Only a change made elsewhere moves the handle: the echo of a release must not pull
        # it back while the user is already moving it on (keys pressed in quick succession).
        if nearest != self._released and self.slider.value != nearest:
            self.slider.value = nearest
        self.info.object = html.escape(
            "Shift " + describe_shift(rs.dataset, rs.feature, rs.group, float(rs.ratio)))

    @property
    def label(self) -> str:
        """What the slider's position means, as shown above it (plain text)."""
        return html.unescape(self.info.object or "")

    def __panel__(self):
        return pn.Column(self.info, self.slider, sizing_mode="stretch_width", margin=0)


def algorithm_choice(loop, task: str) -> pn.widgets.MultiChoice:
    """The algorithms widget, bound to ``loop.algorithms``; its options follow the task."""
    return pn.widgets.MultiChoice.from_param(loop.param.algorithms, label="Algorithms",
                                             options=models.available(task),
                                             sizing_mode="stretch_width")


def heading(text: str) -> pn.pane.Markdown:
    return pn.pane.Markdown(f"### {escape(text)}", margin=(10, 10, 0, 10))
