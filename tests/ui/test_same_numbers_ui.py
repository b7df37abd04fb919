"""Issue 25.1: the same question gets the same numbers on the page and on the command line.

On a generated 40,000-row file (30,000 training rows: the settings policy's 3 seeds and its
10,000-row training budget, the SVM's own 5,000), the served page's leaderboard, read from
Chromium, equals `distviz run --json` given no settings flag at the same slider position, and
the page's status line states the settings `distviz run` reports."""

import json
import re
import subprocess
import sys
import time

import pytest

from distviz.loop.policy import describe
from distviz.shift.spec import RATIOS
from distviz.synth import TARGET, write_csv
from helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, leaderboard, move_slider, served,
                     wait_for_leaderboard)

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression,svm"
ROWS = 40_000
POSITION = -0.5

# The shift's Select widgets as the browser has them: title -> value.
SELECTS = """() => Object.fromEntries([...Bokeh.documents[0].all_models]
  .filter(m => m.type.endsWith('Select') && m.title).map(m => [m.title, m.value]))"""


def shift_handle(page):
    """The shift slider's handle: the one with a position per slider ratio."""
    for handle in page.locator(".noUi-handle").all():
        if int(float(handle.get_attribute("aria-valuemax"))) == len(RATIOS) - 1:
            return handle
    raise AssertionError("no shift slider on the page")


def settled(page, ratio: float, timeout: float = 300) -> dict:
    """The leaderboard once every algorithm has all its seeds at ``ratio`` ("2 of 2", "3 of 3":
    adaptive seeds plan 2 or 3 of the policy's 3; the best-model line, drawn with the table,
    names the position) and the board reads the same twice."""
    where = page.get_by_text(re.compile(rf", shift {ratio:+g}, training rows"))
    deadline = time.time() + timeout
    while time.time() < deadline:
        board = wait_for_leaderboard(
            page, f"all seeds at {ratio:+g}",
            lambda b: b and all(re.fullmatch(r"(\d+) of \1", r.get("seeds", ""))
                                and r.get("verdict") != "baseline" for r in b.values()),
            timeout=max(1.0, deadline - time.time()), screenshot="same-numbers-failed.png")
        if where.count() and leaderboard(page) == board:
            return board
    raise AssertionError(f"the page never settled at {ratio:+g}: {leaderboard(page)}")


@pytest.mark.timeout(900)
def test_page_and_distviz_run_give_the_same_numbers_on_a_40000_row_file(tmp_path):
    from playwright.sync_api import sync_playwright

    data = write_csv(tmp_path / "generated.csv", ROWS, random_state=7)
    env = {"DISTVIZ_DATA": str(data), "DISTVIZ_TARGET": TARGET,
           "DISTVIZ_ALGORITHMS": ALGORITHMS}
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(env=env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1600, "height": 1100})
        page.goto(url)
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=600_000)
        selects = page.evaluate(SELECTS)
        handle = shift_handle(page)
        move_slider(handle, RATIOS.index(POSITION))
        board = settled(page, POSITION)
        status = page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first
        status.wait_for(timeout=300_000)
        status_text = status.inner_text()
        page.screenshot(path=str(ARTIFACTS / "same-numbers-40000-rows.png"), full_page=True)
        browser.close()

    # The command line, no settings flag, no cache shared with the page.
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", str(data),
                          "--target", TARGET, "--feature", selects["Feature"], "--group",
                          selects["Group"], "--ratio", str(POSITION), "--algorithms", ALGORITHMS,
                          "--no-cache", "--json"], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    report = json.loads(out.stdout)
    settings = report["settings"]
    assert settings["seeds"] == [0, 1, 2] and settings["given"] == []
    assert settings["train_rows_budget"] == 10_000 and settings["rows"] == ROWS
    assert settings["algorithm_budgets"] == {"xgboost": 10_000, "logistic_regression": 10_000,
                                             "svm": 5_000}
    assert set(board) == {r["algorithm"] for r in report["results"]}
    for entry in report["results"]:
        row = board[entry["algorithm"]]
        # The same seeds as the command line chose (adaptive: 2 or 3 of 3).
        assert row["seeds"] == f"{entry['seeds']} of {entry['seeds']}", entry["algorithm"]
        shown = tuple(float(row[k]) for k in ("baseline", "now", "delta"))
        assert shown == pytest.approx((entry["baseline"]["f1"], entry["metrics"]["f1"],
                                       entry["delta"]["f1"]), abs=6e-5), entry["algorithm"]
        low, high = entry["ci95"]["f1"]
        assert row["interval"] == f"[{low:+.3f}, {high:+.3f}]"
        assert row["verdict"] == entry["verdict"]["f1"]
        assert int(row["train_rows"].replace(",", "")) == entry["train_rows_used"] == \
            settings["algorithm_budgets"][entry["algorithm"]]
    # The page states the settings it used: those `distviz run` reports.
    assert f"Settings: {describe(settings)}." in status_text, status_text
