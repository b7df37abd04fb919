"""The Distributions panel: the shifted feature's training rows per group before and after the
shift, and the next most important features, whose distributions move along with it."""

from __future__ import annotations

import pandas as pd
import panel as pn

from ..results import RunResult
from . import plots
from .plot_grid import PlotGrid

OTHERS = 3  # the next most important features shown, one row of them


class DistributionsView(pn.viewable.Viewer):
    """Training rows per group, before (grey) and after (red) the shift: the shifted feature
    across the main area, the next features in one row under it."""

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

    def show(self, run: RunResult, ranked: list[str] | None) -> None:
        """``ranked``: the features in importance order (None before the ranking is in)."""
        ds, spec = run.dataset, run.spec
        self.shifted.object = plots.distribution(ds, run.shift, spec.feature,
                                                 highlight=spec.group, width=None)
        top = [f for f in (ranked or []) if f != spec.feature][:OTHERS]
        self.others.show(plots.distribution(ds, run.shift, f, width=None, height=280)
                         for f in top)

    def rows_after(self) -> pd.Series:
        """Training rows per group of the shifted feature after the shift, as drawn."""
        frame = self.shifted.object.dframe()
        return frame[frame["stage"] == "after"].set_index("group")["rows"]
