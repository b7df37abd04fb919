"""Switching from a classification dataset to a regression one in a real browser: while the new
dataset loads and trains, the page says the results shown are the old dataset's until the
Models tab shows the new one's first numbers (never the old "Ran ..." line as if current); no
display update fails; every regression model's two plots sit
in their own boxes, none overlapping another."""

import re
import time

import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, served
from page_layout import outside_the_window, overlaps, settle

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,mlp"  # both serve classification and regression
STATUS = re.compile(r"^(Ran \d+ algorithms|Training|Loading|display update failed)")
CAVEAT = "(the results shown are for titanic)"
BEST_LINE = re.compile(r" — .*, training rows \d+ → \d+")


def training_rows(best_line: str) -> int:
    """The training rows before the shift the best line names (titanic's differ from
    diabetes')."""
    return int(re.search(r"training rows (\d+) →", best_line).group(1))


@pytest.mark.timeout(300)
def test_switch_to_regression_says_what_is_shown_and_lays_plots_out_apart():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        # 1400 px: four plots at their own 260 px (1,040 px) are wider than the main area
        # (981 px); they fit only when the grid narrows them.
        page = browser.new_page(viewport={"width": 1400, "height": 1300})
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=180_000)
        before = page.get_by_text(STATUS).first.text_content()
        page.locator("select").first.select_option("diabetes")
        status = page.get_by_text(STATUS)
        best = page.get_by_text(BEST_LINE)
        seen, rows_shown = [], []  # every distinct status line, in order; the best line's rows
        deadline = time.time() + 180
        while time.time() < deadline:
            lines = [status.nth(i).text_content() for i in range(status.count())]
            if lines and (not seen or seen[-1] != lines[0]):
                seen.append(lines[0])
                # Read after the status line: a status change is sent after the render it
                # follows, so the best line read now is at least as new as that render.
                rows_shown.append(training_rows(best.first.text_content()))
            assert not any(line.startswith("display update failed") for line in lines), lines
            if len(seen) > 1 and seen[-1].startswith("Ran"):
                break
            time.sleep(0.1)
        # The plots arrive after the line that announces them: wait until there are the four
        # of two models (predicted vs actual, residuals) and they stop moving. A plot's layered
        # canvases share one box: each box counts once.
        boxes = settle(page, 4)
        page.screenshot(path=str(ARTIFACTS / "switch-regression.png"), full_page=True)
        cut = outside_the_window(page)
        browser.close()

    # Between the switch and the new result, the old "Ran ..." line never returns as if current.
    after = seen[seen.index(before) + 1:] if before in seen else seen
    new_result = next(i for i, line in enumerate(after) if line.startswith("Ran"))
    assert after[new_result] != before and "Ran 2 algorithms" in after[new_result], seen
    # Every training line says whose results are on screen (the progress lines too): titanic's
    # until the Models tab shows diabetes' first numbers, then no longer.
    shown = rows_shown[len(seen) - len(after):]
    training = [(line, rows) for line, rows in zip(after[:new_result], shown)
                if line.startswith("Training")]
    caveats = [line.endswith(CAVEAT) for line, _ in training]
    assert training and caveats == sorted(caveats, reverse=True), seen  # never back once gone
    assert all(line.startswith("Training on diabetes") for line, _ in training), seen
    titanic_rows, diabetes_rows = rows_shown[0], shown[new_result]
    assert titanic_rows != diabetes_rows, (titanic_rows, diabetes_rows)
    # A line without the caveat is never ahead of the page: diabetes' numbers are shown. (A
    # line with it may be read just after the render, before its own update: no check.)
    for line, rows in training:
        assert line.endswith(CAVEAT) or rows == diabetes_rows, (line, rows)
    # Two models x (predicted vs actual, residuals): four plots, each in its own box.
    assert len(boxes) >= 4, boxes
    assert not overlaps(boxes), overlaps(boxes)
    # The tabs shrink back to the page once titanic's wide matrices are gone: nothing is cut.
    assert not cut["past"] and not cut["bars"], cut
