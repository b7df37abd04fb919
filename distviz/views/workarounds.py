"""Every Panel and Bokeh workaround of distviz, each with the versions it is for and a test
(tests/test_workarounds.py). Written for Panel 1.9.4 and Bokeh 3.9.2; when those change, the
tests say which workaround is still needed.

1. :func:`recompute_once`: a batch of pane changes recomputes the Bokeh document's model graph
   at most once, and not at all when only data changed (Bokeh 3.9). Bokeh's ``freeze()``, and
   so Panel's ``hold(freeze=True)``, recompute on exit whatever happened: 45 ms instead of 17 ms
   per cached slider move of the full page (measured; docs/architecture.md).
2. :func:`inline_stylesheets`: in Jupyter, Panel links its style sheets from its CDN when a pane
   re-renders or a component shows ``loading`` (Panel 1.9); they are inlined instead.
3. :func:`session_stylesheets`: in a served page, a pane outside the document (a hidden tab of
   ``pn.Tabs(dynamic=True)``) re-reads its properties with no document, and Panel then points
   the session's shared style sheets at its CDN (Panel 1.9); they are read for the session's
   document instead.
4. :class:`LocalFast`: Panel's Fast design links a web font from fonts.googleapis.com on every
   page load (Panel 1.9); this one does not.
5. :func:`before_panel_watches`: Panel 1.9's Tabulator builds its table a moment after its view
   is rendered, and a change in between fails in the browser or is dropped; a tab opened is
   brought up to date before Panel's own watcher puts it on the page, so it arrives in one
   message (tests/test_table_updates.py).
6. :func:`comm_watchdog`: in Jupyter, Panel's page side sends a widget's change only after the
   kernel acknowledged the previous message, or on the next change once 5 s have passed
   (Panel 1.9); when an acknowledgement never comes (seen under load with JupyterLab 4.6's comm
   subshells: 2 of 35 notebook runs) the changes wait for a next change that may never come,
   and a slider's move never reaches the kernel. A timer sends them once the 5 s have passed
   (tests/ui/test_notebook_ui.py).
7. :func:`user_changes_pending`: a served page's changes wait 50 ms in Panel's debounce before
   they are applied (Panel 1.9 keeps them in a private dict); a view asks whether the user's
   next move is already on its way before it draws the current one.
8. :func:`show` and :func:`dim`: Bokeh 3.9 re-lays out the whole page (every plot reads its
   computed styles) when a component's ``visible`` or CSS classes change, so Panel's ``loading``
   too: 60-100 ms of the browser's time each, 6-7 per new titanic position (measured: the
   progress bar, the estimate and the leaderboard's dimming, on and off). A component shown,
   hidden or dimmed by its ``styles`` only restyles itself (tests/ui/test_relayouts.py).
9. :func:`text_only_updates`: a served HTML or Markdown pane sends new copies of its style
   sheets with every new text (Panel 1.9 builds them anew), and the browser replaces the
   element's sheets each time (the cost of that alone not measured); a pane whose sheets are
   the same sends its text only.
"""

from __future__ import annotations

import functools
import threading
import weakref
from contextlib import contextmanager

from bokeh.document import Document
from bokeh.models import ImportedStyleSheet
from panel.io.notebook import replace_inline_css
from panel.io.resources import CDN_DIST
from panel.io.state import state
from panel.pane.markup import HTMLBasePane
from panel.reactive import Reactive, Syncable
from panel.theme import Fast
from panel.viewable import Viewer

# ------------------------------------------------------------------ 1. one recompute per batch
# Batches may overlap (renders from two threads outside a server): the outermost one decides.
_BATCHES_LOCK = threading.Lock()


@contextmanager
def recompute_once(shown):
    """Hold the model graph of each document of ``shown`` (Bokeh Documents, or Panel objects:
    the documents they are rendered in) for the block: recomputed once on exit if a change
    asked for it (a model added or removed), else not at all."""
    docs = _documents(shown)
    for doc in docs:
        _hold(doc.models)
    try:
        yield
    finally:
        for doc in docs:
            _release(doc.models)


def _documents(shown) -> list:
    """The Bokeh documents of ``shown``: a Panel component's rendered models are in its
    ``_models`` (Panel 1.9 has no public way to ask)."""
    docs = []
    for item in shown:
        if isinstance(item, Document) or item is None:
            found = [item]
        else:
            component = item.__panel__() if isinstance(item, Viewer) else item
            found = [model.document for model, _ in list(component._models.values())]
        docs += [doc for doc in found if doc is not None and doc not in docs]
    return docs


def _hold(models) -> None:
    with _BATCHES_LOCK:
        state_ = models.__dict__.setdefault("_distviz_batch", {"depth": 0, "asked": False})
        if state_["depth"] == 0:
            models.invalidate = functools.partial(state_.__setitem__, "asked", True)
        state_["depth"] += 1
        models._push_freeze()


def _release(models) -> None:
    with _BATCHES_LOCK:
        state_ = models.__dict__["_distviz_batch"]
        state_["depth"] -= 1
        if state_["depth"] > 0:
            models._freeze_count -= 1  # the outermost batch ends the freeze
            return
        del models.invalidate  # the class's own method again
        del models.__dict__["_distviz_batch"]
        if state_["asked"]:
            models._pop_freeze()
        else:
            models._freeze_count -= 1


# ------------------------------------------------------------------ 2. inline in Jupyter
# One inlined copy of each style sheet per document: an update re-sends a reference, not CSS.
_inlined: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def inline_stylesheets() -> None:
    """Models built or updated outside a server (a notebook) carry inline style sheets."""
    if not getattr(Reactive._get_properties, "_inlines", False):
        Reactive._get_properties = _inlining_properties(Reactive._get_properties)
        Syncable._update_model = _inlining_updates(Syncable._update_model)


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
    wrapper._session_doc = getattr(get_properties, "_session_doc", False)
    return wrapper


def _inlining_updates(update_model):
    """Parameter changes sent to a notebook view (``comm`` set) get inline style sheets."""
    @functools.wraps(update_model)
    def wrapper(self, events, msg, root, model, doc, comm):
        if comm is not None and "stylesheets" in msg:
            msg["stylesheets"] = _inline(msg["stylesheets"], doc)
        return update_model(self, events, msg, root, model, doc, comm)
    return wrapper


# ------------------------------------------------------------------ 3. served style sheets
def session_stylesheets() -> None:
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


# ------------------------------------------------------------------ 4. no web font
class LocalFast(Fast):
    """Fast without its web font (``_resources['font']``, which Panel links in the page head
    for the template's design and for ``config.design``). Its ``fast_design.js`` is named by
    Panel's CDN path, which the server maps to the bundled copy it serves itself (a relative
    path would be looked up under this class's own name)."""

    _resources = {**Fast._resources, "font": {},
                  "js_modules": {**Fast._resources["js_modules"],
                                 "fast-design": f"{CDN_DIST}bundled/fast/js/fast_design.js"}}


# ------------------------------------------------------------------ 5. update, then show
def before_panel_watches(component, name: str, callback) -> None:
    """Call ``callback(event)`` when ``component``'s parameter ``name`` changes, before Panel's
    own watchers (precedence -1 runs first; param's public ``watch`` refuses a negative one)."""
    component.param._watch(callback, [name], precedence=-1)


# ------------------------------------------------------------------ 6. no change left waiting
# Every second: a comm manager still waiting for an acknowledgement past its timeout sends what
# it holds, as Panel's own code does when a next change comes (panel/models/comm_manager.ts).
COMM_WATCHDOG_JS = """
(function () {
  if (window._distvizCommWatchdog) { return; }
  window._distvizCommWatchdog = setInterval(function () {
    if (!window.Bokeh || !window.Bokeh.documents) { return; }
    for (const doc of window.Bokeh.documents) {
      for (const m of doc.all_models) {
        if (!String(m.type).endsWith('CommManager') || !m._blocked) { continue; }
        if (m._event_buffer && m._event_buffer.length && Date.now() > m._timeout) {
          m._timeout = Date.now() + m.timeout;
          m.process_events();
        }
      }
    }
  }, 1000);
})();
"""


def comm_watchdog() -> None:
    """Install :data:`COMM_WATCHDOG_JS` in the notebook's page (once per page)."""
    from IPython.display import publish_display_data
    from panel.io.notebook import LOAD_MIME

    publish_display_data(data={LOAD_MIME: COMM_WATCHDOG_JS,
                               "application/javascript": COMM_WATCHDOG_JS})


# ------------------------------------------------------------------ 7. the user's next move
def user_changes_pending(doc) -> bool:
    """Whether the browser's changes to ``doc`` have arrived and wait to be applied (Panel 1.9
    holds each in ``state._change_callbacks`` for its 50 ms debounce)."""
    return doc is not None and bool(state._change_callbacks.get(doc))


# ------------------------------------------------------------------ 8. no page re-layout
HIDDEN = {"display": "none"}
DIMMED = {"opacity": "0.5", "cursor": "progress"}  # as Panel's loading mask, without it


def _styled(component, on: bool, styles: dict) -> None:
    # Off is an empty value: Bokeh sets the styles it is given and keeps any it is not.
    new = {**component.styles, **(styles if on else dict.fromkeys(styles, ""))}
    if new != component.styles:
        component.styles = new


def show(component, shown: bool = True) -> None:
    """Show or hide ``component`` (its ``styles``: display none), not by ``visible``."""
    _styled(component, not shown, HIDDEN)


def is_shown(component) -> bool:
    """Whether :func:`show` left ``component`` shown."""
    return component.styles.get("display") != HIDDEN["display"]


def dim(component, dimmed: bool = True) -> None:
    """Dim ``component`` (half opaque, a progress cursor) or not, by its ``styles``, not by
    Panel's ``loading``."""
    _styled(component, dimmed, DIMMED)


# ------------------------------------------------------------------ 9. text-only pane updates
def text_only_updates() -> None:
    """An HTML or Markdown pane's update leaves out style sheets equal to the ones shown."""
    if not getattr(HTMLBasePane._update, "_text_only", False):
        HTMLBasePane._update = _text_only(HTMLBasePane._update)


def same_stylesheets(old, new) -> bool:
    """Whether two lists of style sheets are the same sheets (a URL or a CSS text each)."""
    def key(sheet):
        return getattr(sheet, "url", None) or getattr(sheet, "css", None) or sheet
    return len(old) == len(new) and all(key(a) == key(b) for a, b in zip(old, new))


def _text_only(update):
    @functools.wraps(update)
    def wrapper(self, ref, model):
        if self.enable_streaming:  # Panel's own path (an event per patch of the text)
            return update(self, ref, model)
        properties = self._get_properties(model.document)
        if "stylesheets" in properties and same_stylesheets(model.stylesheets,
                                                            properties["stylesheets"]):
            del properties["stylesheets"]
        model.update(**properties)
    wrapper._text_only = True
    return wrapper
