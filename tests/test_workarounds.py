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
