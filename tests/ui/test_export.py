"""The standalone snapshot: everything inline, opens from file:// with no network, slider works."""

import re
import subprocess
import sys
import time

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.ui
RESOURCE_URL = re.compile(r"<(script|link|img)\b[^>]*\b(src|href)\s*=\s*[\"']https?://", re.I)

TITLES = """() => [...Bokeh.documents[0].all_models]
  .filter(m => m.type === 'Figure' && m.title && m.title.text)
  .map(m => m.title.text)"""


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "titanic.html"
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "export", "--data", "titanic",
                          "--out", str(path), "--features", "sex",
                          "--algorithms", "xgboost,logistic_regression", "--n-jobs", "1"],
                         capture_output=True, text=True, check=True)
    assert "MB" in out.stdout
    return path


def test_every_resource_is_inline(snapshot):
    text = snapshot.read_text()
    assert not RESOURCE_URL.search(text)
    assert "cdn.holoviz.org" not in text
    assert snapshot.stat().st_size < 20 * 2**20


def test_slider_works_offline(snapshot):
    from playwright.sync_api import sync_playwright

    requested = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1300, "height": 1000})

        def block(route):
            requested.append(route.request.url)
            route.abort()
        page.route(re.compile(r"^(?!file:|data:|blob:).*"), block)
        page.goto(snapshot.as_uri())
        page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0",
                               timeout=30_000)
        handle = page.locator(".noUi-handle").first
        handle.wait_for(timeout=30_000)
        positions = int(float(handle.get_attribute("aria-valuemax"))) + 1
        assert positions >= 9
        seen = []
        handle.focus()
        handle.press("Home")
        page.get_by_text("shift -0.8").first.wait_for(timeout=10_000)
        for step in range(positions):
            time.sleep(0.3)
            seen.append(tuple(sorted(page.evaluate(TITLES))))
            if step == 0:
                page.screenshot(path=str(ARTIFACTS / "export-first.png"), full_page=True)
            handle.press("ArrowRight")
        page.get_by_text("shift +3").first.wait_for(timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "export-last.png"), full_page=True)
        browser.close()
    assert requested == []
    # Every slider position shows its own state: the titles (F1 per model) change.
    assert len(set(seen)) >= positions - 2, seen
