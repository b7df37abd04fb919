"""The mouse wheel scrolls the served page instead of zooming a plot: in every tab, no plot's
wheel zoom is on (nor "auto", which turns on at a click into the plot); a plot with a toolbar
still offers it there; a real wheel over the sweep's curves scrolls the page and leaves their
axes alone (tests/test_plot_tools.py checks the plot functions)."""

import re
from urllib.parse import urlparse

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Guard, served
from page_layout import canvas_boxes, settle

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"

# Every plot of the page: its title, whether the wheel zooms it, whether its toolbar offers it.
PLOTS = """() => [...Bokeh.documents[0].all_models].filter(m => m.toolbar && m.renderers)
  .map(p => {
    const scroll = p.toolbar.active_scroll, tools = p.toolbar.tools;
    const wheel = tools.some(t => t.type === 'WheelZoomTool');
    const zooms = (scroll != null && scroll !== 'auto' && scroll.type === 'WheelZoomTool') ||
      (scroll === 'auto' && wheel) || tools.some(t => t.type === 'WheelZoomTool' && t.active);
    return {title: p.title ? p.title.text : '', zooms, wheel,
            toolbar: p.toolbar_location != null};
  })"""

# How far the page and everything in it is scrolled, and every range of every plot.
SCROLLED = """() => {
  let total = window.scrollY;
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      total += el.scrollTop;
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return total;
}"""
RANGES = """() => [...Bokeh.documents[0].all_models].filter(m => m.toolbar && m.x_range)
  .map(p => [p.x_range.start, p.x_range.end, p.y_range.start, p.y_range.end].join(','))"""


def _open(page, tab):
    page.locator(".bk-tab").filter(has_text=re.compile(f"^{re.escape(tab)}$")).first.click()


@pytest.mark.timeout(600)
def test_the_wheel_scrolls_the_page_in_every_tab():
    from playwright.sync_api import sync_playwright

    seen = {}  # tab -> its plots
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 900})
        guard = Guard(context, urlparse(url).netloc)
        page = guard.watch(context.new_page())
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=180_000)
        for tab, minimum in [("Models", 3), ("Distributions", 3), ("Per group", 4),
                             ("Feature importance", 1), ("Where data helps", 2)]:
            _open(page, tab)
            settle(page, minimum)
            seen[tab] = page.evaluate(PLOTS)
        _open(page, "Sweep")
        page.get_by_label("Repeats", exact=True).fill("1")
        page.get_by_label("Features", exact=True).fill("1")
        page.keyboard.press("Tab")
        page.get_by_role("button", name="Run sweep").click()
        page.get_by_text(re.compile(r"\d+ distinct fits")).first.wait_for(timeout=300_000)
        boxes = settle(page, 1)
        seen["Sweep"] = page.evaluate(PLOTS)

        # A real wheel over the sweep's curves: the page scrolls, the axes stay.
        left, top, right, bottom = max(boxes, key=lambda b: b[1])  # the lowest plot
        page.mouse.move((left + right) / 2, min((top + bottom) / 2, 880))
        before, ranges = page.evaluate(SCROLLED), page.evaluate(RANGES)
        page.mouse.wheel(0, 300)
        page.wait_for_function(f"() => ({SCROLLED})() !== {before}", timeout=5_000)
        page.wait_for_timeout(300)  # a zoom would have redrawn by now
        assert page.evaluate(RANGES) == ranges
        page.screenshot(path=str(ARTIFACTS / "wheel-sweep.png"), full_page=True)
        assert canvas_boxes(page)
        browser.close()

    for tab, plots in seen.items():
        assert plots, tab
        assert not [p["title"] for p in plots if p["zooms"]], (tab, plots)
    # The sweep's curves keep the tool in their toolbar, one click away.
    sweep = [p for p in seen["Sweep"] if p["toolbar"] and " = " in p["title"]]
    assert sweep and all(p["wheel"] for p in sweep), seen["Sweep"]
    assert not guard.errors, "\n\n".join(guard.errors)
