"""The "Where data helps" tab in a real browser against a real `panel serve`: the map fills in
column by column while the slider keeps answering; a click on a cell moves the slider there;
on an untrained position the estimate shows first and the retrain replaces it.

"While" and "first" are made certain, not hoped for: one algorithm (``gated``, a test plugin,
0.4 s a fit, so the map computes it last) waits at a shut gate. One held map fit keeps the map
from completing while the slider is moved; a held retrain keeps the estimate on the page until
the gate opens."""

import json
import re
import time
from urllib.parse import urlparse

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Gate, Guard, move_slider, served
from page_layout import overlaps, past_right_edge, settle

from distviz.data import Dataset
from distviz.shift import ShiftSpec, shift_training_set

pytestmark = pytest.mark.ui
ALGORITHMS = "logistic_regression,naive_bayes,gated"
TAB = "Where data helps"
WIDTH = 1500
# DiscreteSlider positions of distviz.views.controls.RATIOS; the centre (index 6) is the baseline.
RATIOS = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]

# What the page shows, read from the Bokeh models (texts are HTML-escaped there).
STATE = r"""() => {
  if (!window.Bokeh || !Bokeh.documents.length) return null;
  const models = [...Bokeh.documents[0].all_models];
  const texts = models.filter(m => typeof m.text === 'string').map(m => m.text);
  const maps = {};
  for (const f of models.filter(m => m.type === 'Figure' && m.title &&
                                    / change in /.test(m.title.text || ''))) {
    for (const r of f.renderers) {
      const data = r.data_source && r.data_source.data;
      if (!data || !(data.has ? data.has('opacity') : 'opacity' in data)) continue;
      const opacity = Array.from(data.get ? data.get('opacity') : data.opacity);
      maps[f.title.text] = {filled: opacity.filter(v => v > 0).length, cells: opacity.length};
    }
  }
  const box = models.find(m => (m.css_classes || []).includes('distviz-preview'));
  // Shown and hidden by its styles (display: none), not by `visible`.
  const styles = box && box.styles, display = styles instanceof Map ? styles.get('display')
                                                                   : styles && styles.display;
  return {maps, label: texts.filter(t => t.startsWith('Shift ')),
          status: texts.filter(t => /^&lt;p&gt;(Ran \d+ algorithms|Training)/.test(t)),
          map: texts.filter(t => t.includes('Map done') || t.includes('fits (')),
          preview: box ? {visible: box.visible && display !== 'none', text: box.text} : null};
}"""

# The page position of one map cell: its figure's frame and categorical factors.
CELL = """([title, column, row]) => {
  let found = null;
  const walk = v => {
    if (!v || found) return;
    if (v.model && v.model.type === 'Figure' && v.model.title && v.model.title.text === title) {
      found = v;
      return;
    }
    for (const c of (v.child_views || [])) walk(c);
  };
  for (const root of Bokeh.index.roots) walk(root);
  if (!found) return null;
  found.el.scrollIntoView({block: 'center'});
  const box = found.el.getBoundingClientRect(), frame = found.frame.bbox;
  const xs = found.model.x_range.factors, ys = found.model.y_range.factors;
  const i = xs.indexOf(column), j = ys.indexOf(row);
  if (i < 0 || j < 0) return null;
  return {x: box.left + frame.left + (i + 0.5) * frame.width / xs.length,
          y: box.top + frame.top + frame.height - (j + 0.5) * frame.height / ys.length};
}"""


def training_rows(spec) -> int:
    """The training rows of ``spec`` on titanic (what a gated fit of that state sees)."""
    return len(shift_training_set(Dataset(source="titanic"), spec).y)


def _state(page):
    return page.evaluate(STATE) or {"maps": {}, "label": [], "status": [], "map": [],
                                    "preview": None}


def _shows(state, ratio, where="sex = female"):
    """The run for this shift is done and shown: the label above the slider names it (it
    changes with the request) and the status line says "Ran ..." (it said "Training" from the
    request on)."""
    times = "baseline" if ratio == 0 else f"{1 + ratio:g}x"
    return any(t.startswith(f"Shift {where}:") and t.endswith(times) for t in state["label"]) \
        and any(t.startswith("&lt;p&gt;Ran ") for t in state["status"])


def _wait(page, check, timeout, what):
    deadline = time.time() + timeout
    state = _state(page)
    while time.time() < deadline:
        state = _state(page)
        if check(state):
            return state
        time.sleep(0.1)
    page.screenshot(path=str(ARTIFACTS / "advise-ui-failed.png"), full_page=True)
    raise AssertionError(f"{what}: {json.dumps(state)[:1500]}")


@pytest.mark.timeout(600)
def test_map_fills_while_the_slider_answers_a_click_moves_it_and_the_preview_comes_first(
        tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    gate = Gate(tmp_path, seconds=0.4)  # 0.4 s a fit: the map computes gated last
    try:
        with served(env=gate.env) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            context = browser.new_context(viewport={"width": WIDTH, "height": 1400})
            guard = Guard(context, urlparse(url).netloc)
            page = context.new_page()
            page.goto(f"{url}?algorithms={ALGORITHMS}")
            _wait(page, lambda s: _shows(s, 0.0), 180, "no baseline result")
            handle = page.locator(".noUi-handle").first
            answered = _map_and_slider(page, handle, gate)
            _click_a_cell(page, handle)
            _estimate_first(page, handle, gate)
            browser.close()
    finally:
        gate.open()
    (ARTIFACTS / "advise-ui-latency.txt").write_text(
        f"slider answered in {answered:.2f} s while the map was computing\n")
    assert guard.outside == []


def _map_and_slider(page, handle, gate) -> float:
    """1. The map fills in (column by column) while the slider keeps answering."""
    # One of the map's own gated fits waits (sex = female at -0.5: a training set of its own
    # size), so the map cannot complete; the other worker stays free for the slider.
    gate.shut(limit=1, rows=[training_rows(ShiftSpec("sex", "female", -0.5))])
    page.get_by_text(TAB).first.click()
    filled = []

    def progress(state):
        maps = state["maps"]
        if len(maps) == 2:
            filled.append(sum(m["filled"] for m in maps.values()))
        return bool(filled) and filled[-1] > 0
    state = _wait(page, lambda s: progress(s) and gate.reached, 240,
                  "the map never started filling")
    total = sum(m["cells"] for m in state["maps"].values())
    assert 0 < filled[-1] < total
    # +0.5: neither a map cell nor a neighbour of the baseline (those are prefetched)
    move_slider(handle, RATIOS.index(0.5))
    pressed = time.time()
    state = _wait(page, lambda s: progress(s) and _shows(s, 0.5), 180,
                  "the slider's move was not answered while the map computed")
    answered = time.time() - pressed
    assert filled[-1] < total  # the held fit: the map was still computing
    page.screenshot(path=str(ARTIFACTS / "advise-ui-filling.png"), full_page=True)
    gate.open()
    state = _wait(page, lambda s: progress(s) and filled[-1] == total
                  and any("Map done" in t for t in s["map"]), 400,
                  "the map never completed")
    steps = sorted(set(filled))
    assert len([n for n in steps if 0 < n < total]) >= 1, steps  # seen part-filled
    page.screenshot(path=str(ARTIFACTS / "advise-ui-done.png"), full_page=True)
    # The advice is on the page, inside the window, as are the maps and the curves.
    advice = page.get_by_text(re.compile(r"^Advice")).first.bounding_box()
    assert advice is not None and advice["x"] + advice["width"] <= WIDTH, advice
    boxes = settle(page, 3)
    assert not overlaps(boxes) and not past_right_edge(boxes, WIDTH), boxes
    return answered


def _click_a_cell(page, handle) -> None:
    """2. A click on a cell moves the slider to that group and ratio."""
    point = page.evaluate(CELL, ["ratio +1: change in F1", "logistic_regression",
                                 "class = 1st"])
    assert point is not None
    page.mouse.click(point["x"], point["y"])
    _wait(page, lambda s: _shows(s, 1.0, "class = 1st"), 120,
          "the click did not move the shift")
    assert int(float(handle.get_attribute("aria-valuenow"))) == RATIOS.index(1.0)
    page.get_by_text("Shift class = 1st:").first.wait_for(timeout=10_000)


def _estimate_first(page, handle, gate) -> None:
    """3. An untrained position: the estimate first, then the retrain replaces it."""
    gate.shut()  # the retrain's gated fits wait until the estimate has been seen
    handle.focus()
    handle.press("End")  # ratio 3: class = 1st is trained at -0.5, 0 and +1 (the map)
    state = _wait(page, lambda s: s["preview"] and s["preview"]["visible"]
                  and "Estimate (not yet trained)" in s["preview"]["text"]
                  and "ratio +3" in s["preview"]["text"], 120, "no estimate was shown")
    gate.wait_reached()
    assert not _shows(_state(page), 3.0, "class = 1st")  # the retrain is still held
    page.screenshot(path=str(ARTIFACTS / "advise-ui-preview.png"))
    gate.open()
    final = _wait(page, lambda s: _shows(s, 3.0, "class = 1st") and s["preview"] is not None
                  and not s["preview"]["visible"], 180,
                  "the retrain did not replace the estimate")
    assert _shows(final, 3.0, "class = 1st")
    page.screenshot(path=str(ARTIFACTS / "advise-ui-after-preview.png"), full_page=True)
