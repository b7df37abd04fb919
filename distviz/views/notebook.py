"""Panel and HoloViews in Jupyter with every asset taken from the installed packages.

``pn.extension(inline=True)`` alone still has the browser ask cdn.bokeh.org and cdn.holoviz.org:
``hv.extension`` loads BokehJS, Panel and Tabulator from the CDN unless told otherwise (and once
HoloViews has loaded, ``pn.extension`` sends only a reload script that carries no libraries), and
Panel links its style sheets from its CDN when a pane re-renders
(:func:`distviz.views.workarounds.inline_stylesheets`). :func:`extension` fixes both, so a
notebook renders offline; it also keeps a widget's change from waiting forever for the kernel
(:func:`distviz.views.workarounds.comm_watchdog`).
"""

from __future__ import annotations

import holoviews as hv
import panel as pn

from .workarounds import comm_watchdog, inline_stylesheets


def extension(*extensions: str, **params) -> None:
    """``pn.extension(*extensions, **params)`` with BokehJS, Panel's JS and CSS and the named
    extensions' assets (e.g. ``"tabulator"``) inlined in the notebook, never fetched from a CDN.

    Call it before building the dashboard, in the same cell.
    """
    hv.extension.inline = True  # the default for every later hv.extension call, too
    hv.extension("bokeh", logo=False)
    pn.extension(*extensions, inline=True, **params)
    inline_stylesheets()
    comm_watchdog()
