"""Nothing from outside (issue 13.4): no page distviz serves or writes asks another host for
anything. Every request that is not to the server (or, for a file, not file:/data:/blob:) is
aborted and recorded; the lists must stay empty. One served dashboard for the module."""

import re
import subprocess
import sys
import time
from urllib.parse import urlparse

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Guard, served

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
TABS = ["Models", "Distributions", "Per group", "Feature importance", "Sweep"]
def open_offline(browser, path, shot: str):
    """Open a snapshot from file:// with everything else aborted; it must render a Bokeh
    figure and a metrics table with numbers. Returns the guard."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    guard = Guard(context)
    page = guard.watch(context.new_page())
    page.goto(path.as_uri())
    page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0", timeout=30_000)
    page.locator("canvas").first.wait_for(timeout=30_000)
    page.locator("table.distviz-metrics tbody tr").first.wait_for(timeout=30_000)
    cells = [c.inner_text() for c in page.locator("table.distviz-metrics tbody td").all()]
    assert any(re.fullmatch(r"-?\d+\.\d{4}", c) for c in cells), cells
    handle = page.locator(".noUi-handle").first
    before = cells
    handle.focus()
    handle.press("End")  # the slider still changes the numbers offline
    page.get_by_text("shift +3 (").wait_for(timeout=10_000)
    time.sleep(0.3)
    after = [c.inner_text() for c in page.locator("table.distviz-metrics tbody td").all()]
    assert after != before
    page.screenshot(path=str(ARTIFACTS / shot), full_page=True)
    context.close()
    return guard


@pytest.fixture(scope="module")
def server():
    with served(env={"DISTVIZ_ALGORITHMS": ALGORITHMS}) as url:
        yield url


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def load(browser, url):
    context = browser.new_context(viewport={"width": 1500, "height": 1100},
                                  accept_downloads=True)
    guard = Guard(context, urlparse(url).netloc)
    page = guard.watch(context.new_page())
    page.goto(url)
    page.get_by_text("Ran ").first.wait_for(timeout=120_000)
    return context, page, guard


def test_served_page_first_load_and_every_tab(server, browser):
    context, page, guard = load(browser, server)
    time.sleep(1)
    assert guard.outside == [], "first load"
    for name in TABS:
        page.locator(".bk-tab", has_text=name).first.click()
        time.sleep(2.5)  # the tab renders (and a hidden one computes) on opening
        assert guard.outside == [], name
    page.screenshot(path=str(ARTIFACTS / "offline-served-sweep.png"), full_page=True)
    context.close()
    assert guard.outside == [] and guard.failed == [] and guard.errors == []


def test_export_button_file_and_the_page_after_it(server, browser, tmp_path):
    context, page, guard = load(browser, server)
    page.get_by_role("button", name="Export standalone HTML").click()
    download = page.get_by_text("Download the snapshot")
    download.wait_for(timeout=300_000)
    with page.expect_download() as info:
        download.click()
    path = tmp_path / "from-button.html"
    info.value.save_as(path)
    # The live page after an export: a new model or two must not link Panel's CDN either.
    page.locator(".bk-tab", has_text="Distributions").first.click()
    time.sleep(2.5)
    page.locator(".bk-tab", has_text="Models").first.click()
    time.sleep(1)
    context.close()
    assert guard.outside == [] and guard.failed == [] and guard.errors == []
    text = path.read_text(encoding="utf-8")
    assert "cdn.holoviz.org" not in text and "fonts.googleapis.com" not in text
    offline = open_offline(browser, path, "offline-button-snapshot.png")
    assert offline.outside == [] and offline.errors == []


def test_cli_snapshot(browser, tmp_path):
    path = tmp_path / "cli.html"
    subprocess.run([sys.executable, "-m", "distviz.cli", "export", "--data", "titanic",
                    "--out", str(path), "--features", "sex", "--algorithms", ALGORITHMS,
                    "--n-jobs", "1"], capture_output=True, text=True, check=True)
    offline = open_offline(browser, path, "offline-cli-snapshot.png")
    assert offline.outside == [] and offline.errors == []
