"""Each Panel/Bokeh workaround (distviz/views/workarounds.py) does what it is for, and a canary
says whether the installed Panel or Bokeh still needs it (written for Panel 1.9.4, Bokeh 3.9.2).
The served page's style sheets (workaround 3) are checked in a browser: tests/ui/test_offline.py
(every tab opened, no request leaves the machine)."""

import subprocess
import sys

import panel as pn
from bokeh.document import Document
from bokeh.models import ColumnDataSource

from distviz.views.workarounds import LocalFast, recompute_once


def _counting_recomputes(doc, monkeypatch) -> list:
    calls = []
    original = doc.models.recompute
    monkeypatch.setattr(doc.models, "recompute", lambda: calls.append(1) or original())
    return calls


def test_a_batch_recomputes_the_model_graph_only_when_a_model_came_or_went(monkeypatch):
    column = pn.Column(pn.pane.Markdown("a"))
    doc = Document()
    doc.add_root(column.get_root(doc))
    calls = _counting_recomputes(doc, monkeypatch)
    with recompute_once([column]):
        column[0].object = "b"  # data only
    assert calls == []
    with recompute_once([doc]):
        column.append(pn.pane.Markdown("one model"))
        column.append(pn.pane.Markdown("another"))
    assert calls == [1]


def test_canary_bokeh_freeze_still_recomputes_after_data_only_changes(monkeypatch):
    """Bokeh's freeze (and so Panel's hold(freeze=True)) recomputes whatever changed: while it
    does, a cached slider move pays a full recompute (45 ms instead of 17 ms on the full page),
    and recompute_once is needed. If this fails, Bokeh no longer does: use its freeze."""
    source = ColumnDataSource({"x": [1]})
    doc = Document()
    doc.add_root(source)
    calls = _counting_recomputes(doc, monkeypatch)
    with doc.models.freeze():
        source.data = {"x": [2]}
    assert calls == [1]


INLINE_CHECK = """
import panel as pn
from bokeh.document import Document
from bokeh.models import ImportedStyleSheet

def linked():
    model = pn.pane.Markdown("x").get_root(Document())  # a notebook's: no server session
    return [s.url for s in model.stylesheets if isinstance(s, ImportedStyleSheet)]

before = linked()
from distviz.views.workarounds import inline_stylesheets
inline_stylesheets()
print(any("cdn.holoviz.org" in url for url in before), linked())
"""


def test_notebook_panes_carry_their_style_sheets_inline():
    """In a fresh process (the patch is process-wide): Panel alone links its CDN (the canary),
    patched nothing is linked."""
    out = subprocess.run([sys.executable, "-c", INLINE_CHECK], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["True", "[]"], out


def test_the_served_design_links_no_web_font():
    fonts = {design.__name__: [url for url in pn.template.FastListTemplate(design=design)
                               .resolve_resources()["css"].values() if "googleapis" in url]
             for design in (pn.theme.Fast, LocalFast)}
    assert fonts["Fast"], "canary: Panel's Fast no longer links a web font; drop LocalFast"
    assert fonts["LocalFast"] == []


def test_canary_panel_comm_manager_sends_held_changes_only_on_a_next_change():
    """Panel's page side holds a notebook widget's changes while it waits for the kernel's
    acknowledgement and sends them only when one comes or when a next change comes after its
    timeout: no timer. While so, comm_watchdog is needed (a lost acknowledgement left a slider
    move unsent: tests/ui/test_notebook_ui.py). If this fails, read Panel's new code first."""
    from pathlib import Path

    import panel

    source = (Path(panel.__file__).parent / "models" / "comm_manager.ts").read_text()
    changed = source[source.index("protected _document_changed"):source.index("_extract_buffers")]
    assert "Date.now() > this._timeout" in changed  # a held change goes out on a next change
    assert "setInterval" not in source and changed.count("setTimeout") == 1  # the debounce only


def test_comm_watchdog_sends_what_a_comm_manager_holds_past_its_timeout():
    """The watchdog's rule, run in Chromium: only a blocked manager holding changes past its
    timeout sends, and it waits a timeout again before sending again."""
    from playwright.sync_api import sync_playwright

    from distviz.views.workarounds import COMM_WATCHDOG_JS
    from helpers import CHROMIUM, CHROMIUM_ARGS

    script = """() => {
const sent = [];
const make = (name, blocked, held, past) => ({name, type: 'panel.models.comm_manager.CommManager',
  _blocked: blocked, _event_buffer: Array(held).fill(1), timeout: 5000,
  _timeout: Date.now() + (past ? -1 : 60000), process_events() { sent.push(this.name); }});
const managers = [make('stuck', true, 2, true), make('waiting', true, 2, false),
                  make('idle', false, 0, true), make('empty', true, 0, true)];
window.Bokeh = {documents: [{all_models: managers}]};
window.setInterval = (tick, ms) => { tick(); tick(); return 1; };  // two ticks at once
""" + COMM_WATCHDOG_JS + """
return {sent, next: managers[0]._timeout - Date.now()};
}"""
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        result = browser.new_page().evaluate(script)
        browser.close()
    assert result["sent"] == ["stuck"]  # once: the second tick waits for the new timeout
    assert 4000 < result["next"] <= 5000


def test_user_changes_pending_sees_a_browser_change_waiting_in_panels_debounce():
    """A slider change from a served page waits in Panel's 50 ms debounce; while it does, a view
    knows the user's next move is on its way (ResultView then draws that one, not this one).
    If this fails, Panel keeps its pending changes elsewhere: read Panel's Syncable._server_change."""
    from types import SimpleNamespace

    from distviz.views.workarounds import user_changes_pending

    doc = Document()
    slider = pn.widgets.IntSlider(start=0, end=10, value=0)
    model = slider.get_root(doc)
    context = SimpleNamespace(id="a-session")
    doc._session_context = lambda: context  # as served (a weak reference): Panel debounces
    try:
        assert not user_changes_pending(doc)
        slider._server_change(doc, model.ref["id"], None, "value", 0, 3)
        assert user_changes_pending(doc)
        assert slider.value == 0  # not applied yet: it waits for the debounce
    finally:
        pn.state._change_callbacks.pop(doc, None)
        doc._session_context = None
    assert not user_changes_pending(None)


def test_show_and_dim_change_only_the_styles_the_browser_applies():
    """Workaround 8: shown, hidden and dimmed by ``styles`` (no ``visible``, no ``loading``);
    the component's other styles are kept; off sets an empty value, which the browser applies
    (Bokeh sets the styles it is given and keeps the rest)."""
    from distviz.views.workarounds import DIMMED, dim, is_shown, show
    pane = pn.pane.HTML("x", styles={"border": "1px dashed"})
    show(pane, False)
    assert not is_shown(pane) and pane.visible
    assert pane.get_root().styles == {"border": "1px dashed", "display": "none"}
    show(pane)
    assert is_shown(pane) and pane.styles == {"border": "1px dashed", "display": ""}
    column = pn.Column(pane)
    dim(column)
    assert column.styles == DIMMED and not column.loading
    dim(column, False)
    assert column.get_root().styles == {"opacity": "", "cursor": ""}


TEXT_CHECK = """
import panel as pn
from bokeh.document import Document

def sent(patched):
    if patched:
        from distviz.views.workarounds import text_only_updates
        text_only_updates()
    changed = set()
    for pane in (pn.pane.HTML("<b>a</b>"), pn.pane.Markdown("a")):
        model = pane.get_root(Document())
        for name in model.properties():
            model.on_change(name, lambda attr, old, new: changed.add(attr))
        pane.object = "<b>b</b>" if isinstance(pane, pn.pane.HTML) else "b"
    return ",".join(sorted(changed))

print(sent(False), sent(True))
"""


def test_a_panes_new_text_is_sent_without_new_style_sheets():
    """Workaround 9, in a fresh process (the patch is process-wide): Panel alone sends new
    copies of an HTML or Markdown pane's style sheets with its text (the canary); patched, the
    text only."""
    out = subprocess.run([sys.executable, "-c", TEXT_CHECK], capture_output=True, text=True,
                         check=True).stdout.split()
    assert out == ["stylesheets,text", "text"], out


def test_text_only_updates_still_send_style_sheets_that_changed():
    from distviz.views.workarounds import same_stylesheets, text_only_updates
    text_only_updates()
    pane = pn.pane.Markdown("a")
    model = pane.get_root(Document())
    before = list(model.stylesheets)
    pane.stylesheets = [":host {color: red}"]
    pane.object = "b"  # Panel 1.9 sends a pane's new style sheets with its next update
    assert model.stylesheets[-1] == ":host {color: red}"
    assert not same_stylesheets(before, model.stylesheets) and "&gt;b&lt;" in model.text
