"""The Distributions panel: the shifted feature's training rows per group before and after the
shift, and the next most important features, whose distributions move along with it."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from ..results import RunResult
from . import plots
from .importance_view import ImportanceView
from .plot_grid import PlotGrid
from .result_view import ResultView

OTHERS = 3  # the next most important features shown, one row of them


class DistributionsView(ResultView):
    """Training rows per group, before (grey) and after (red) the shift (one group's ratio or a
    whole mix): the shifted feature across the main area, the next features in one row under
    it."""

    importance = param.ClassSelector(class_=ImportanceView, default=None, allow_None=True,
                                     doc="The ranking that picks the next features.")

    def __init__(self, **params):
        super().__init__(**params)
        self.shifted = pn.pane.HoloViews(None, linked_axes=False, sizing_mode="stretch_width")
        self.others = PlotGrid(ncols=OTHERS)
        self._layout = pn.Column(
            pn.pane.Markdown("The shifted feature's training rows per group, before (grey) and "
                             "after (red) the shift; below, the next most important features, "
                             "whose distributions move along with it.",
                             styles={"color": "#444"}, sizing_mode="stretch_width"),
            self.shifted, self.others, name="Distributions", sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    @param.depends("importance.ranking", "importance.method", watch=True)
    def _update_ranking(self) -> None:
        if self.run is not None:
            self.refresh()

    def render(self, run: RunResult, final: bool) -> None:
        self.show(run, self.importance.ranked() if self.importance is not None else None)

    def show(self, run: RunResult, ranked: list[str] | None) -> None:
        """``ranked``: the features in importance order (None before the ranking is in)."""
        ds, spec = run.dataset, run.spec
        shifted = plots.distribution(ds, run.shift, spec.feature, highlight=spec.group,
                                     width=None)
        if spec.is_mix or spec.mix_name:  # no one shifted group: the title names the mix
            shifted = shifted.opts(title=f"{spec.feature} (mix: "
                                         f"{spec.mix_name or 'shares as given'})")
        self.shifted.object = shifted
        top = [f for f in (ranked or []) if f != spec.feature][:OTHERS]
        self.others.show(plots.distribution(ds, run.shift, f, width=None, height=280)
                         for f in top)

    def title(self) -> str:
        """The shifted feature's plot title, as drawn."""
        return self.shifted.object.opts.get().kwargs["title"]

    def rows_after(self) -> pd.Series:
        """Training rows per group of the shifted feature after the shift, as drawn."""
        frame = self.shifted.object.dframe()
        return frame[frame["stage"] == "after"].set_index("group")["rows"]
