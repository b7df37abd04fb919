"""Plots laid out a few to a row across the width the page gives, updated in place."""

from __future__ import annotations

import panel as pn
import param


class PlotGrid(pn.viewable.Viewer):
    """HoloViews elements ``ncols`` to a row, each stretched to its share of the width (give
    them ``responsive=True``); a short last row keeps the same shares.

    Rows of panes, not a ``pn.GridBox``: Bokeh's GridBox view failed in the browser ("Cannot
    read properties of undefined (reading 'parent_style')") when its children changed.
    """

    ncols = param.Integer(default=2, bounds=(1, None), doc="""
        Plots per row (fewer when there are fewer plots).""")

    def __init__(self, **params):
        super().__init__(**params)
        self._panes: list[pn.pane.HoloViews] = []
        self._layout = pn.Column(sizing_mode="stretch_width", margin=0)

    def __panel__(self):
        return self._layout

    @property
    def panes(self) -> list[pn.pane.HoloViews]:
        """The plots' panes, in order."""
        return list(self._panes)

    def show(self, elements) -> None:
        """Show ``elements``: the same number as shown updates each pane in place."""
        elements = list(elements)
        if len(elements) == len(self._panes):
            for pane, element in zip(self._panes, elements):
                pane.object = element
            return
        self._panes = [pn.pane.HoloViews(element, linked_axes=False, sizing_mode="stretch_width")
                       for element in elements]
        cols = min(self.ncols, max(len(self._panes), 1))
        rows = []
        for start in range(0, len(self._panes), cols):
            row = self._panes[start:start + cols]
            row += [pn.Spacer(sizing_mode="stretch_width") for _ in range(cols - len(row))]
            rows.append(pn.Row(*row, sizing_mode="stretch_width", margin=0))
        self._layout.objects = rows
