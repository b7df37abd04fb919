"""Issue 27 in a real browser against a real `panel serve` on titanic: at a shift, the
leaderboard's practical column says ``inconclusive`` where the interval holds 0 and reaches past
the smallest change that matters (0.01), the same calls as `distviz run --json` for that state;
typing 0.5 into "Smallest change that matters" turns the calls into equivalent / negligible on
the same intervals, with no new run (the status line's "Ran ..." stays the same)."""

import re
import time

import pytest

from distviz.shift.spec import RATIOS
from helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, cli_json, leaderboard, move_slider,
                     served, wait_for_leaderboard)

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
POSITION = -0.5
STATUS = re.compile(r"^Ran \d+ algorithms")

# The shift's Select widgets as the browser has them: title -> value.
SELECTS = """() => Object.fromEntries([...Bokeh.documents[0].all_models]
  .filter(m => m.type.endsWith('Select') && m.title).map(m => [m.title, m.value]))"""


# Each row's practical cell as drawn: its italics and background (shadow roots walked).
PRACTICAL_STYLE = """() => {
  const out = {};
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches && el.matches('table.distviz-leaderboard tbody tr')) {
        const name = el.querySelector('[data-field="algorithm"]');
        const cell = el.querySelector('[data-field="practical"]');
        if (name && cell) {
          const s = getComputedStyle(cell);
          out[name.textContent.trim()] = [s.fontStyle, s.backgroundColor];
        }
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return out;
}"""
# What a call looks like: inconclusive white and italic, equivalent grey (style.EQUIVALENT).
LOOKS = {"inconclusive": ("italic", "rgb(255, 255, 255)"),
         "equivalent": ("normal", "rgb(200, 200, 200)")}


def shift_handle(page):
    """The shift slider's handle: the one with a position per slider ratio."""
    for handle in page.locator(".noUi-handle").all():
        if int(float(handle.get_attribute("aria-valuemax"))) == len(RATIOS) - 1:
            return handle
    raise AssertionError("no shift slider on the page")


def word(row: dict) -> str:
    """The practical cell's call (its text is the call, then what the run can detect)."""
    return row.get("practical", "").split("±")[0].strip()


def settled(page, ratio: float, timeout: float = 300) -> dict:
    """The leaderboard once every algorithm has all its seeds at ``ratio`` ("3 of 3", "5 of 5":
    adaptive seeds plan 3 or 5) with a call (the best-model line, drawn with the table, names
    the position) and it reads the same twice."""
    where = page.get_by_text(re.compile(rf", shift {ratio:+g}, training rows"))
    deadline = time.time() + timeout
    while time.time() < deadline:
        board = wait_for_leaderboard(
            page, f"all seeds at {ratio:+g} with a call",
            lambda b: b and all(re.fullmatch(r"(\d+) of \1", r.get("seeds", "")) and word(r)
                                for r in b.values()),
            timeout=max(1.0, deadline - time.time()), screenshot="practical-failed.png")
        if where.count() and leaderboard(page) == board:
            return board
    raise AssertionError(f"the page never settled at {ratio:+g}: {leaderboard(page)}")


def status_text(page) -> str:
    status = page.get_by_text(STATUS).first
    status.wait_for(timeout=300_000)
    return status.text_content()


@pytest.mark.timeout(900)
def test_the_page_says_inconclusive_and_a_looser_min_effect_refits_nothing():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        status_text(page)
        field = page.get_by_label("Smallest change that matters", exact=True)
        assert float(field.input_value()) == 0.01  # the default, shown
        move_slider(shift_handle(page), RATIOS.index(POSITION))
        selects = page.evaluate(SELECTS)
        board = settled(page, POSITION)
        ran = status_text(page)
        looks = page.evaluate(PRACTICAL_STYLE)
        page.screenshot(path=str(ARTIFACTS / "practical-0.01.png"), full_page=True)

        field.fill("0.5")
        field.press("Enter")
        loose = wait_for_leaderboard(
            page, "the calls against 0.5",
            lambda b: b and all(word(r) in ("equivalent", "negligible") for r in b.values()),
            timeout=60, screenshot="practical-0.5-failed.png")
        page.get_by_text(re.compile(r"smallest change that matters 0\.5")).first.wait_for(
            timeout=10_000)
        page.screenshot(path=str(ARTIFACTS / "practical-0.5.png"), full_page=True)
        looks_loose = page.evaluate(PRACTICAL_STYLE)
        ran_after = status_text(page)
        browser.close()

    # The command line, for the same state (the page's feature and group), the same calls.
    report = cli_json("run", "--data", "titanic", "--feature", selects["Feature"], "--group",
                      selects["Group"], "--ratio", str(POSITION), "--algorithms", ALGORITHMS,
                      "--no-cache")
    results = {r["algorithm"]: r for r in report["results"]}
    assert report["interval"]["min_effect"]["f1"] == 0.01
    assert set(board) == set(results)
    for name, row in board.items():
        low, high = results[name]["ci95"]["f1"]
        assert row["interval"] == f"[{low:+.3f}, {high:+.3f}]", (name, row)
        assert word(row) == results[name]["practical"]["f1"], (name, row, results[name])
        if word(row) == "inconclusive":  # the interval holds 0 and reaches past 0.01
            assert low <= 0 <= high and (low <= -0.01 or high >= 0.01), (name, low, high)
        assert f"{results[name]['detectable']['f1']:.3f}" in row["practical"], row
    assert "inconclusive" in {word(r) for r in board.values()}, board
    # Told apart at a glance: "can't tell" white and italic, "no change that matters" grey.
    for shown, seen in ((board, looks), (loose, looks_loose)):
        for name, row in shown.items():
            if word(row) in LOOKS:
                assert tuple(seen[name]) == LOOKS[word(row)], (name, word(row), seen[name])
    assert "equivalent" in {word(r) for r in loose.values()}, loose
    # 0.5: the same intervals judged again, nothing run again.
    assert {n: r["interval"] for n, r in loose.items()} == \
        {n: r["interval"] for n, r in board.items()}
    assert ran_after == ran, (ran, ran_after)
