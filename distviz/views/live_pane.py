"""A HoloViews pane whose plot is updated in place while what it shows keeps its shape."""

from __future__ import annotations

import logging

import holoviews as hv
import panel as pn

_log = logging.getLogger("distviz.dashboard")


def _as_is(data):
    """A DynamicMap callback showing what its Pipe was sent."""
    return data


class LivePane:
    """Panel builds a new Bokeh plot whenever a pane gets a new element (~0.25 s for a confusion
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
            try:
                self._pipe.send(element)
                return
            except Exception:  # noqa: BLE001 - a plot Panel dropped but still subscribed
                # (seen when a hidden layout is re-rendered): draw a new plot instead.
                _log.debug("in-place update failed; building a new plot", exc_info=True)
        self._key = key
        if key is None:
            self._pipe = None
            self.pane.object = element
        else:
            self._pipe = hv.streams.Pipe(data=element)
            self.pane.object = hv.DynamicMap(_as_is, streams=[self._pipe])

    @property
    def element(self):
        """What is shown now (the DynamicMap's current frame, or the plain element)."""
        obj = self.pane.object
        return obj[()] if isinstance(obj, hv.DynamicMap) else obj
