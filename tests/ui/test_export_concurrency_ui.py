"""An export in one browser session does not freeze another (issue 11.4): it used to run 10-11 s
inside the server's callback, and a cached move in a second browser took 7.9 s to react (0.6 s
otherwise).

Session A exports while one of its algorithms (``gated``, a test plugin) is held at a shut gate,
so the export is certainly still running for as long as the test needs (it used to race: once
exports came from the cache they often ended before B moved). Meanwhile session B moves between
positions it has computed: every move must be answered while A's export is held. If the export
blocked the server, B would wait for the gate, which only opens after B's moves: a time-out.
How long B's moves took is recorded in the artifacts; speed is measured by benchmarks."""

import re
import time

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, Gate, served
from test_export_button import DASHBOARD_RATIOS, shift_handle

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
MOVES = 4
MOVE_DEADLINE = 60_000  # ms: far above a cached move, far below "never"


def _open(browser, url, algorithms):
    page = browser.new_page(viewport={"width": 1500, "height": 1100})
    page.goto(f"{url}?algorithms={algorithms}")
    page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=300_000)
    return page


def _move(page, handle, key: str, ratio: float) -> float:
    """Seconds from the key press to the page showing ``ratio``'s numbers."""
    shown = page.get_by_text(re.compile(rf"shift {re.escape(f'{ratio:+g}')}, training rows"))
    handle.focus()
    pressed = time.perf_counter()
    handle.press(key)
    shown.first.wait_for(timeout=MOVE_DEADLINE)
    return time.perf_counter() - pressed


def _cached_moves(page, handle, index: int) -> list[float]:
    """Left and right between two positions B has computed; each move's latency."""
    seconds = []
    for k in range(MOVES):
        left = k % 2 == 0
        index += -1 if left else 1
        seconds.append(_move(page, handle, "ArrowLeft" if left else "ArrowRight",
                             DASHBOARD_RATIOS[index]))
    return seconds


@pytest.mark.timeout(600)
def test_a_move_in_another_session_is_answered_while_one_exports(tmp_path):
    from playwright.sync_api import sync_playwright

    gate = Gate(tmp_path)
    try:
        with served(env=gate.env) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            exporter = _open(browser, url, f"{ALGORITHMS},gated")
            mover = _open(browser, url, ALGORITHMS)
            handle = shift_handle(mover)
            baseline = DASHBOARD_RATIOS.index(0.0)
            # B computes its two positions (and lets every seed finish).
            for key, ratio in (("ArrowLeft", DASHBOARD_RATIOS[baseline - 1]), ("ArrowRight", 0.0)):
                _move(mover, handle, key, ratio)
                mover.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(
                    timeout=120_000)
            alone = _cached_moves(mover, handle, baseline)

            gate.shut()  # A's export will stop at its first gated fit until the gate opens
            exporter.get_by_role("button", name="Export standalone HTML").click()
            exporter.get_by_text(re.compile(r"^Exporting")).first.wait_for(timeout=30_000)
            gate.wait_reached()
            during = _cached_moves(mover, handle, baseline)
            # Still held: B's moves were answered while A's export was running.
            assert gate.reached and exporter.get_by_text(re.compile(r"^Exporting")).count()
            assert not exporter.get_by_text("Download the snapshot").is_visible()
            mover.screenshot(path=str(ARTIFACTS / "export-concurrency-mover.png"),
                             full_page=True)

            gate.open()
            exporter.get_by_text("Download the snapshot").wait_for(timeout=300_000)
            browser.close()
    finally:
        gate.open()
    (ARTIFACTS / "export-concurrency.txt").write_text(
        f"cached moves in session B, seconds: alone {alone}, while A's export is held "
        f"{during}\n")
