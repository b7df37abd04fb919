"""The served dashboard's Export button (issue 11.2): its file is as self-contained as `distviz
export`'s, renders offline with its slider, holds the position the user exported from, and its
numbers there are those of an independent `distviz run`; the live page keeps asking only its
server."""

import html
import re
import time
from urllib.parse import urlparse

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, served
from test_export import assert_same_numbers, metrics_shown, run_independently
from test_offline import Guard

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
# The dashboard's slider positions (distviz.views.controls.RATIOS): the snapshot's too.
DASHBOARD_RATIOS = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
SNAPSHOT_RATIOS = DASHBOARD_RATIOS
POSITION = -0.5  # where the user is when exporting


def shift_handle(page):
    """The shift slider's handle (the one with a position per dashboard ratio)."""
    for handle in page.locator(".noUi-handle").all():
        if int(float(handle.get_attribute("aria-valuemax"))) == len(DASHBOARD_RATIOS) - 1:
            return handle
    raise AssertionError("no shift slider on the page")


def test_export_button_file(tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = tmp_path / "exported.html"
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100},
                                      accept_downloads=True)
        live = Guard(context, urlparse(url).netloc)
        page = live.watch(context.new_page())
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        page.get_by_text("Ran ").first.wait_for(timeout=120_000)
        handle = shift_handle(page)
        handle.focus()
        for _ in range(DASHBOARD_RATIOS.index(0.0) - DASHBOARD_RATIOS.index(POSITION)):
            handle.press("ArrowLeft")
            time.sleep(0.3)
        page.get_by_text(f"Shift sex = female: {round(353 * (1 + POSITION))} rows").first.wait_for(
            timeout=30_000)
        status = page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first
        status.wait_for(timeout=120_000)
        page_settings = re.search(r"Settings: (.*)\.$", status.inner_text().strip()).group(1)
        started = time.perf_counter()
        page.get_by_role("button", name="Export standalone HTML").click()
        download = page.get_by_text("Download the snapshot")
        download.wait_for(timeout=300_000)
        export_seconds = time.perf_counter() - started
        with page.expect_download() as info:
            download.click()
        info.value.save_as(path)
        page.screenshot(path=str(ARTIFACTS / "export-button-live-page.png"), full_page=True)
        time.sleep(2)  # anything the page would load after the export
        assert live.outside == [] and live.failed == [] and live.errors == [], live.__dict__

        text = path.read_text(encoding="utf-8")
        assert "cdn.holoviz.org" not in text and "fonts.googleapis.com" not in text
        assert not re.search(r"<(script|link|img)\b[^>]*\b(src|href)\s*=\s*[\"']https?://",
                             text, re.I)
        # "3-5 seeds per state" (adaptive: the first 3, the rest where they may change the call)
        first, repeats = re.search(r"(?:(\d+)-)?(\d+) seeds? per state", text).groups()
        repeats = int(repeats)
        # The file states the settings the page used (the same seeds and budgets).
        header = html.unescape(html.unescape(text))
        assert f"Settings: {page_settings}</p>" in header, page_settings
        count = f"{first}-{repeats}" if first else f"{repeats}"
        assert page_settings.startswith(f"{count} seeds (0-{repeats - 1}")

        offline_context = browser.new_context(viewport={"width": 1300, "height": 1000})
        offline = Guard(offline_context)
        view = offline.watch(offline_context.new_page())
        view.goto(path.as_uri())
        slider = view.locator(".noUi-handle").first
        slider.wait_for(timeout=30_000)
        view.locator("canvas").first.wait_for(timeout=30_000)
        ratios = sorted(set(SNAPSHOT_RATIOS) | {POSITION})
        assert int(float(slider.get_attribute("aria-valuemax"))) == len(ratios) - 1
        assert int(float(slider.get_attribute("aria-valuenow"))) == ratios.index(0.0)
        title, at_baseline = metrics_shown(view)
        assert "sex = female, shift +0 (" in title, title
        view.screenshot(path=str(ARTIFACTS / "export-button-file-baseline.png"), full_page=True)
        slider.focus()
        for _ in range(ratios.index(0.0) - ratios.index(POSITION)):
            slider.press("ArrowLeft")
            time.sleep(0.3)
        view.get_by_text(f"sex = female, shift {POSITION:+g} (").wait_for(timeout=10_000)
        time.sleep(0.3)
        title, at_position = metrics_shown(view)
        view.screenshot(path=str(ARTIFACTS / "export-button-file-position.png"), full_page=True)
        browser.close()
    assert offline.outside == [] and offline.errors == [], offline.__dict__
    expected = run_independently([0.0, POSITION], feature="sex", group="female",
                                 repeats=repeats)
    assert_same_numbers(at_baseline, expected[0.0], "baseline")
    assert_same_numbers(at_position, expected[POSITION], f"ratio {POSITION:+g}")
    print(f"export button: {export_seconds:.1f} s to the Download button, "
          f"{path.stat().st_size / 2**20:.1f} MB, {repeats} seed(s) per state")
