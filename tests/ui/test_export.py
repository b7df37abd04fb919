"""The standalone snapshot: everything inline, opens from file:// with no network, slider works,
and at every position the table shows what `distviz run` computes for that position."""

import json
import re
import subprocess
import sys
import time

import pytest

from distviz.shift.spec import RATIOS as SLIDER_RATIOS
from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
REPEATS = 2  # the snapshot's seeds per state; `distviz run` is told the same
RATIOS = list(SLIDER_RATIOS)  # the export's default positions: the page slider's
RESOURCE_URL = re.compile(r"<(script|link|img)\b[^>]*\b(src|href)\s*=\s*[\"']https?://", re.I)

TITLES = """() => [...Bokeh.documents[0].all_models]
  .filter(m => m.type === 'Figure' && m.title && m.title.text)
  .map(m => m.title.text)"""


def open_offline(p, snapshot, requested: list):
    """The snapshot in Chromium from file://, every other request aborted (and recorded)."""
    browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
    page = browser.new_page(viewport={"width": 1300, "height": 1000})

    def block(route):
        requested.append(route.request.url)
        route.abort()
    page.route(re.compile(r"^(?!file:|data:|blob:).*"), block)
    page.goto(snapshot.as_uri())
    return browser, page


@pytest.fixture(scope="module")
def snapshot(tmp_path_factory):
    path = tmp_path_factory.mktemp("export") / "titanic.html"
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "export", "--data", "titanic",
                          "--out", str(path), "--features", "sex",
                          "--algorithms", ALGORITHMS, "--repeats", str(REPEATS),
                          "--n-jobs", "1"],
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
        browser, page = open_offline(p, snapshot, requested)
        page.wait_for_function("() => window.Bokeh && Bokeh.documents.length > 0",
                               timeout=30_000)
        handle = page.locator(".noUi-handle").first
        handle.wait_for(timeout=30_000)
        positions = int(float(handle.get_attribute("aria-valuemax"))) + 1
        assert positions >= 9
        seen = []
        handle.focus()
        handle.press("Home")
        page.get_by_text("shift -1 (").first.wait_for(timeout=10_000)
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


def metrics_shown(page) -> tuple[str, dict]:
    """The snapshot's metrics table as the page shows it: (title, {algorithm: (baseline, now,
    delta)})."""
    table = page.locator("table.distviz-metrics")
    title = table.locator("xpath=preceding-sibling::div[1]").inner_text()
    rows = {}
    for row in table.locator("tbody tr").all():
        cells = [c.inner_text() for c in row.locator("td").all()]
        rows[cells[0]] = tuple(float(c) for c in cells[1:4])  # baseline, now, delta
    return title, rows


def run_independently(ratios, *, feature, group, repeats, algorithms=ALGORITHMS, jobs=2):
    """`distviz run --json` per ratio, without the cache the export filled (two at a time)."""
    def command(ratio):
        return [sys.executable, "-m", "distviz.cli", "run", "--data", "titanic", "--feature",
                feature, "--group", group, "--ratio", str(ratio), "--algorithms", algorithms,
                "--repeats", str(repeats), "--n-jobs", "1", "--no-cache", "--json"]
    results, pending = {}, list(ratios)
    while pending:
        batch, pending = pending[:jobs], pending[jobs:]
        running = {r: subprocess.Popen(command(r), stdout=subprocess.PIPE, text=True)
                   for r in batch}
        for ratio, process in running.items():
            out, _ = process.communicate(timeout=300)
            assert process.returncode == 0, ratio
            report = json.loads(out)
            assert report["repeats"] == repeats
            results[ratio] = {r["algorithm"]: (r["baseline"]["f1"], r["metrics"]["f1"],
                                               r["delta"]["f1"]) for r in report["results"]}
    return results


def assert_same_numbers(shown: dict, expected: dict, where: str) -> None:
    assert set(shown) == set(expected), where
    for algorithm, numbers in expected.items():
        assert shown[algorithm] == pytest.approx(numbers, abs=6e-5), (where, algorithm)


def test_the_table_shows_each_positions_own_numbers(snapshot):
    """Issue 11.3: the table lagged one position (at +3 it showed +2's numbers) and the file
    opened at -0.8. Every position is compared with an independent `distviz run`."""
    from playwright.sync_api import sync_playwright

    expected = run_independently(RATIOS, feature="sex", group="female", repeats=REPEATS)
    assert len({json.dumps(v) for v in expected.values()}) >= len(RATIOS) - 2  # they differ
    requested = []
    with sync_playwright() as p:
        browser, page = open_offline(p, snapshot, requested)
        handle = page.locator(".noUi-handle").first
        handle.wait_for(timeout=30_000)
        # It opens at the baseline.
        assert int(float(handle.get_attribute("aria-valuenow"))) == RATIOS.index(0.0)
        title, rows = metrics_shown(page)
        assert "shift +0 (" in title, title
        assert_same_numbers(rows, expected[0.0], "on opening")
        handle.focus()
        handle.press("Home")
        # Right to the end, then back: each position's numbers, whichever way it was reached.
        order = list(range(len(RATIOS))) + list(range(len(RATIOS) - 2, -1, -1))
        for step, index in enumerate(order):
            if step:
                handle.press("ArrowRight" if index > order[step - 1] else "ArrowLeft")
            ratio = RATIOS[index]
            page.get_by_text(f"sex = female, shift {ratio:+g} (").wait_for(timeout=10_000)
            time.sleep(0.2)
            title, rows = metrics_shown(page)
            assert f"shift {ratio:+g} (" in title, (ratio, title)
            assert_same_numbers(rows, expected[ratio], f"ratio {ratio:+g}")
            if ratio == 3.0:
                page.screenshot(path=str(ARTIFACTS / "export-table-at-+3.png"), full_page=True)
        browser.close()
    assert requested == []
