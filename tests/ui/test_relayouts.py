"""A move re-lays the page out at most twice (workaround 8 in distviz/views/workarounds.py).

Bokeh re-lays out the whole page (every plot reads its computed styles: 60-100 ms in the
browser) when a component's ``visible`` or CSS classes change. The progress bar, the estimate
and the leaderboard's dimming used to toggle them, on and off, on every new position: 6-7 such
re-layouts per titanic move. They are shown, hidden and dimmed by their styles now; this test
counts the page's re-layouts during a move (a hook on Bokeh's own ``invalidate_layout`` at the
root of the page) and checks that the bar and the dimming still show while the move trains.

"While it trains" is made certain: the ``gated`` test algorithm's fits of the move wait at a
shut gate until the page has been looked at.
"""

import re

import pytest
from helpers import ARTIFACTS, Gate, move_slider, served_page

from distviz.views.controls import RATIOS

pytestmark = pytest.mark.ui
ALGORITHMS = "logistic_regression,gated"
TRAIN_ROWS, FEMALE_ROWS = 984, 353  # titanic's training set and its default group, sex = female

# Records every re-layout of the page from its root view: the type of the model that started it.
HOOK = """() => {
  const seen = new Set(), protos = new Set();
  const walk = v => {
    if (!v || seen.has(v)) return;
    seen.add(v);
    for (let p = Object.getPrototypeOf(v); p && p !== Object.prototype; p = Object.getPrototypeOf(p))
      if (Object.prototype.hasOwnProperty.call(p, 'invalidate_layout')) protos.add(p);
    for (const c of (v.child_views || [])) walk(c);
  };
  for (const v of Object.values(Bokeh.index)) walk(v);
  window.__relayouts = [];
  for (const p of protos) {
    const original = p.invalidate_layout;
    p.invalidate_layout = function () {
      if (window.__origin === undefined) window.__origin = this.model.type;  // the first caller
      const root = !(this.parent && this.parent.invalidate_layout);
      if (root) { window.__relayouts.push(window.__origin); window.__origin = undefined; }
      return original.apply(this, arguments);
    };
  }
  return protos.size;
}"""
# Whether the progress bar is on the page and the leaderboard dimmed, as the browser draws them.
LOOK = """() => {
  const found = [];
  const walk = v => {
    if (!v) return;
    found.push(v);
    for (const c of (v.child_views || [])) walk(c);
  };
  for (const v of Object.values(Bokeh.index)) walk(v);
  const bar = found.find(v => v.model.type.endsWith('.Progress') && v.model.width === 280);
  const table = found.find(v => v.el && v.el.shadowRoot
                           && v.el.shadowRoot.querySelector('table.distviz-leaderboard'));
  return {bar: bar ? getComputedStyle(bar.el).display !== 'none'
                     && bar.el.getBoundingClientRect().width > 0 : null,
          dimmed: table ? getComputedStyle(table.el).opacity : null};
}"""


@pytest.mark.timeout(300)
def test_a_move_re_lays_the_page_out_at_most_twice(tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    gate = Gate(tmp_path)
    try:
        with served_page(f"algorithms={ALGORITHMS}", gate.env) as page:
            page.get_by_text(re.compile(r"^Ran 2 algorithms")).first.wait_for(timeout=180_000)
            idle = page.evaluate(LOOK)
            assert page.evaluate(HOOK) >= 1
            gate.shut(rows=[TRAIN_ROWS - FEMALE_ROWS])  # the move's gated fits wait
            move_slider(page.locator(".noUi-handle").first, RATIOS.index(-1.0))
            page.get_by_text(re.compile(r"^Training: \d+ of \d+ fits done")).first.wait_for(
                timeout=120_000)
            gate.wait_reached()
            page.wait_for_function("() => { const l = (" + LOOK + ")(); "
                                   "return l.bar && l.dimmed === '0.5'; }", timeout=30_000)
            training = page.evaluate(LOOK)
            page.screenshot(path=str(ARTIFACTS / "relayouts-training.png"))
            gate.open()
            page.get_by_text(re.compile(r"^Ran 2 algorithms")).first.wait_for(timeout=120_000)
            page.wait_for_timeout(500)  # anything the last render set off
            settled, relayouts = page.evaluate(LOOK), page.evaluate("() => window.__relayouts")
    finally:
        gate.open()
    assert idle == {"bar": False, "dimmed": "1"}
    assert training == {"bar": True, "dimmed": "0.5"}  # shown while the move trains
    assert settled == {"bar": False, "dimmed": "1"}
    assert len(relayouts) <= 2, relayouts
