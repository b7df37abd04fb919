"""The first choices as a user meets them in the served page (issue 25.2), in headless Chromium:
an uploaded file's suggested target comes with its reason, and picking a numeric target on
titanic trains regressors (R²), never classifiers with a raw error in the note column; asking
for classification of that number is refused with one notification."""

import re
import time

import pytest

from generated_tables import census_like, diamonds_like
from helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, leaderboard, page_text, served,
                     wait_notification, wait_text)

pytestmark = pytest.mark.ui
RAN = re.compile(r"^Ran \d+ algorithms")

# A Select's value by its title, from the Bokeh models (the widgets live in shadow DOM).
SELECT_VALUE = """(title) => {
  const found = [...Bokeh.documents[0].all_models].filter(
      m => m.type.endsWith('Select') && m.title === title);
  return found.length ? found[found.length - 1].value : null;
}"""


def _wait(check, what: str, page, timeout: float = 180):
    """Poll ``check()`` until it is true; on a time-out, a screenshot and the page's text."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        if check():
            return
        time.sleep(0.2)
    page.screenshot(path=str(ARTIFACTS / "first-choices-failed.png"), full_page=True)
    raise AssertionError(f"timed out waiting for {what}: {page_text(page)[-1500:]}")


def _complete(board: dict) -> bool:
    """Both algorithms' rows are there with all their seeds ("5 of 5")."""
    seeds = [row.get("seeds", "").split(" of ") for row in board.values()]
    return len(board) == 2 and all(len(s) == 2 and s[0] == s[1] for s in seeds)


@pytest.mark.timeout(400)
def test_an_upload_suggests_its_target_with_the_reason(tmp_path):
    from playwright.sync_api import sync_playwright

    census, diamonds = tmp_path / "census.csv", tmp_path / "diamonds.csv"
    census_like(3000).to_csv(census, index=False)
    diamonds_like(1500).to_csv(diamonds, index=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(120_000)
        page.goto(f"{url}?algorithms=xgboost")
        page.get_by_text(RAN).first.wait_for(timeout=180_000)
        upload = page.locator(".data-upload input[type=file]")
        # The target first: suggested by its name (and its two values).
        upload.set_input_files(str(census))
        wait_text(page, ["census.csv", "3000 rows, 10 columns",
                         "Suggested: income — a usual target name, two values."])
        assert page.evaluate(SELECT_VALUE, "Column to predict") == "income"
        # The target in the middle: price, not y (a width in mm beside x and z).
        upload.set_input_files(str(diamonds))
        wait_text(page, ["diamonds.csv", "1500 rows, 10 columns",
                         "Suggested: price — a usual target name (y is a measurement beside "
                         "x, z)."])
        _wait(lambda: page.evaluate(SELECT_VALUE, "Column to predict") == "price",
              "the suggested column selected", page, timeout=30)
        page.screenshot(path=str(ARTIFACTS / "first-choices-upload.png"), full_page=True)
        # Confirmed, it trains on price: a regression.
        page.get_by_role("button", name="Train on this target").click()
        wait_text(page, ["diamonds: 1500 rows", "target price (regression)"], timeout=180)
        browser.close()


@pytest.mark.timeout(400)
def test_a_numeric_target_on_titanic_is_regression_and_classification_is_refused():
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served() as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1100})
        page.set_default_timeout(120_000)
        page.goto(f"{url}?algorithms=xgboost,random_forest")
        page.get_by_text(RAN).first.wait_for(timeout=180_000)
        assert page.evaluate(SELECT_VALUE, "Headline metric") == "f1"
        # The Target select: the one offering titanic's columns.
        target = page.locator("select").filter(has=page.locator("option[value='survived']"))
        target.select_option("age")
        wait_text(page, ["target age (regression)"], timeout=180)
        # The regression run is in: the metric is R², the best-model line says so, and both
        # algorithms have every seed in.
        _wait(lambda: page.evaluate(SELECT_VALUE, "Headline metric") == "r2"
              and " R2" in page_text(page) and _complete(leaderboard(page)),
              "the regression leaderboard", page)
        time.sleep(1)  # the last partial renders settle before the screenshot
        page.screenshot(path=str(ARTIFACTS / "first-choices-age.png"), full_page=True)
        board = leaderboard(page)
        text = page_text(page)
        assert set(board) == {"xgboost", "random_forest"}
        for row in board.values():
            assert "error" not in row.get("note", ""), row
            assert float(row["baseline"]) <= 1.0  # an R², not an F1 of a 70-class problem
        for raw in ("ValueError", "Invalid classes", "Traceback"):
            assert raw not in text, raw
        # Classification of a number with 75 values: one notification; age stays regression.
        page.get_by_role("button", name="classification", exact=True).click()
        shown = wait_notification(page, ["'age'", "too many to be classes"])
        assert not any("Traceback" in s for s in shown)
        wait_text(page, ["target age (regression)"])
        assert page.evaluate(SELECT_VALUE, "Headline metric") == "r2"
        browser.close()
