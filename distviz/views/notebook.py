"""Panel and HoloViews in Jupyter with every asset taken from the installed packages.

``pn.extension(inline=True)`` alone still has the browser ask cdn.bokeh.org and cdn.holoviz.org:

- ``hv.extension`` (run by anything that imports the dashboard) loads BokehJS, Panel and Tabulator
  from the CDN unless told otherwise, and once HoloViews has loaded, ``pn.extension`` sends only a
  reload script that carries no libraries;
- Panel inlines its own style sheets (loading spinner, theme, markdown, list panel) only when a
  Panel object is first displayed. A HoloViews object shown by its display hook, a pane whose text
  changes and a component whose ``loading`` is switched on still link them from the CDN.

:func:`extension` fixes both, so a notebook renders offline.

A served page has a third way to the CDN: a pane whose model is not in the page's document (a
hidden tab of ``pn.Tabs(dynamic=True)``) re-reads its properties with ``model.document`` None
when its text changes, so Panel "patches" the session's shared style sheets (loading.css,
markdown.css) to its CDN, and every pane using them then asks cdn.holoviz.org.
:func:`serve_locally` makes those reads use the session's document.

:class:`LocalFast` is the served dashboard's design: Panel's Fast design without the Open Sans
style sheet it links from fonts.googleapis.com on every page load (the font is used when the
machine has it, else the next one in the stack), so a served page asks nothing of another host.
"""

from __future__ import annotations

import functools
import weakref

import holoviews as hv
import panel as pn
from bokeh.models import ImportedStyleSheet
from panel.io.notebook import replace_inline_css
from panel.io.resources import CDN_DIST
from panel.io.state import state
from panel.reactive import Reactive, Syncable
from panel.theme import Fast


class LocalFast(Fast):
    """Fast without its web font (``_resources['font']``, which Panel links in the page head
    for the template's design and for ``config.design``). Its ``fast_design.js`` is named by
    Panel's CDN path, which the server maps to the bundled copy it serves itself (a relative
    path would be looked up under this class's own name)."""

    _resources = {**Fast._resources, "font": {},
                  "js_modules": {**Fast._resources["js_modules"],
                                 "fast-design": f"{CDN_DIST}bundled/fast/js/fast_design.js"}}


# One inlined copy of each style sheet per document, so an update re-sends a reference, not the CSS.
_inlined: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def extension(*extensions: str, **params) -> None:
    """``pn.extension(*extensions, **params)`` with BokehJS, Panel's JS and CSS and the named
    extensions' assets (e.g. ``"tabulator"``) inlined in the notebook, never fetched from a CDN.

    Call it before importing the dashboard, in the same cell: a later ``hv.extension`` call in
    that cell then only reloads, instead of sending the libraries a second time.
    """
    hv.extension.inline = True  # the default for every later hv.extension call, too
    hv.extension("bokeh", logo=False)
    pn.extension(*extensions, inline=True, **params)
    if not getattr(Reactive._get_properties, "_inlines", False):
        Reactive._get_properties = _inlining_properties(Reactive._get_properties)
        Syncable._update_model = _inlining_updates(Syncable._update_model)


def serve_locally() -> None:
    """In a served session, properties re-read for a model outside the document (``doc``
    None) are resolved for the session's document, so its style sheets stay the server's."""
    if not getattr(Reactive._get_properties, "_session_doc", False):
        Reactive._get_properties = _session_properties(Reactive._get_properties)
    if not getattr(Reactive._update_properties, "_session_doc", False):
        Reactive._update_properties = _session_updates(Reactive._update_properties)


def _session_doc(doc):
    if doc is None:
        current = state.curdoc
        if current is not None and current.session_context is not None:
            return current
    return doc


def _session_properties(get_properties):
    @functools.wraps(get_properties)
    def wrapper(self, doc, *args, **kwargs):
        return get_properties(self, _session_doc(doc), *args, **kwargs)
    wrapper._session_doc = True
    wrapper._inlines = getattr(get_properties, "_inlines", False)
    return wrapper


def _session_updates(update_properties):
    """The same for a parameter change (the design's style sheets)."""
    @functools.wraps(update_properties)
    def wrapper(self, *events, doc):
        return update_properties(self, *events, doc=_session_doc(doc))
    wrapper._session_doc = True
    return wrapper


def _inline(stylesheets: list, doc) -> list:
    copies = _inlined.setdefault(doc, {}) if doc is not None else {}
    inlined = []
    for sheet in stylesheets:
        if isinstance(sheet, ImportedStyleSheet):
            if sheet.url not in copies:
                copies[sheet.url] = replace_inline_css(sheet)  # unchanged unless Panel's own CDN
            sheet = copies[sheet.url]
        inlined.append(sheet)
    return inlined


def _inlining_properties(get_properties):
    """Models as they are built or re-read (a pane's ``_update``) get inline style sheets."""
    @functools.wraps(get_properties)
    def wrapper(self, doc, *args, **kwargs):
        properties = get_properties(self, doc, *args, **kwargs)
        if "stylesheets" in properties and (doc is None or doc.session_context is None):
            properties["stylesheets"] = _inline(properties["stylesheets"], doc)
        return properties
    wrapper._inlines = True
    return wrapper


def _inlining_updates(update_model):
    """Parameter changes sent to a notebook view (``comm`` set) get inline style sheets."""
    @functools.wraps(update_model)
    def wrapper(self, events, msg, root, model, doc, comm):
        if comm is not None and "stylesheets" in msg:
            msg["stylesheets"] = _inline(msg["stylesheets"], doc)
        return update_model(self, events, msg, root, model, doc, comm)
    return wrapper
