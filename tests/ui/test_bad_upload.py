"""Bad files uploaded through the served dashboard's file input, in headless Chromium.

Each bad upload must show a notification saying what is wrong, keep the previous dataset
loaded and shown, and leave the server serving other sessions (issue 6).
"""

import time
import urllib.parse

import numpy as np
import pandas as pd
import pytest

from helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, dismiss_notifications,
                     notifications, page_text, served, wait_notification, wait_text)

pytestmark = pytest.mark.ui
LIMIT_MB = 0.05  # the server's upload limit in this test: 52 kB
QUERY = urllib.parse.urlencode({"algorithms": "logistic_regression"})

# The value shown by the dataset Select (the first Select whose options include titanic).
DATASET_SELECT = """() => {
  const models = [...Bokeh.documents[0].all_models];
  const select = models.find(m => /Select$/.test(m.type) && m.options &&
      m.options.some(o => (Array.isArray(o) ? o[0] : o) === 'titanic'));
  return select ? select.value : null;
}"""


def _good_frame(n=200, seed=1):
    rng = np.random.default_rng(seed)
    shade = rng.choice(["light", "dark", "mid"], size=n)
    x = rng.normal(size=n)
    y = np.where(x + (shade == "dark") + rng.normal(scale=0.5, size=n) > 0.6, "yes", "no")
    return pd.DataFrame({"outcome": y, "shade": shade, "x": x})


def _bad_files(tmp_path):
    """(file, words the notification must contain)."""
    header_only = tmp_path / "header_only.csv"
    header_only.write_text("a,b,label\n")
    garbage = tmp_path / "garbage.csv"
    garbage.write_bytes(np.random.default_rng(0).integers(0, 256, 3000, dtype=np.uint8)
                        .tobytes())
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    big = tmp_path / "big.csv"
    frame = _good_frame(n=4000)
    frame.to_csv(big, index=False)
    assert big.stat().st_size > LIMIT_MB * 2**20
    return [(header_only, ["header_only.csv", "no data rows"]),
            (garbage, ["garbage.csv", "binary"]),
            (empty, ["empty.csv", "empty"]),
            (big, ["big.csv", "upload limit"])]


@pytest.mark.timeout(300)
def test_bad_uploads_notify_and_keep_the_previous_dataset(tmp_path):
    from playwright.sync_api import sync_playwright

    bad_files = _bad_files(tmp_path)
    good = tmp_path / "shades.csv"
    _good_frame().to_csv(good, index=False)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    env = {"DISTVIZ_MAX_UPLOAD_MB": str(LIMIT_MB)}
    with served(env=env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1500, "height": 1000})
        page.set_default_timeout(120_000)  # other test processes may share the 2 cores
        page.goto(f"{url}?{QUERY}")
        # The titanic baseline is loaded and trained.
        wait_text(page, ["titanic: 1313 rows", "logistic_regression is the only model compared"], timeout=120)
        upload = page.locator(".data-upload input[type=file]")
        assert upload.count() == 1

        for path, words in bad_files:
            upload.set_input_files(str(path))
            shown = wait_notification(page, words)
            # One clear message, no traceback.
            assert not any("Traceback" in s for s in shown)
            # The previous dataset is still loaded and still shown.
            assert page.evaluate(DATASET_SELECT) == "titanic"
            text = page_text(page)
            assert "titanic: 1313 rows" in text
            assert "logistic_regression is the only model compared" in text
            dismiss_notifications(page)
        page.screenshot(path=str(ARTIFACTS / "ui-bad-upload.png"), full_page=True)

        # The same input accepts a good file (so the bad ones were refused, not ignored). Its
        # target is its first column: the page suggests it by name and trains only once the
        # user confirms it; until then titanic stays loaded and shown.
        upload.set_input_files(str(good))
        wait_text(page, ["shades.csv", "200 rows, 3 columns", "Suggested: outcome"])
        time.sleep(2)
        page.screenshot(path=str(ARTIFACTS / "ui-upload-asks-target.png"), full_page=True)
        assert page.evaluate(DATASET_SELECT) == "titanic"
        assert "titanic: 1313 rows" in page_text(page)
        page.get_by_role("button", name="Train on this target").click()
        wait_notification(page, ["Loaded shades.csv", "predicting outcome"])
        wait_text(page, ["shades: 200 rows", "target outcome"], timeout=120)
        assert page.evaluate(DATASET_SELECT) == "shades.csv"

        # The server still serves: a second session starts on the default dataset, trains,
        # and knows nothing of the first session's upload.
        second = browser.new_page(viewport={"width": 1500, "height": 1000})
        second.set_default_timeout(120_000)
        second.goto(f"{url}?{QUERY}")
        text = wait_text(second, ["titanic: 1313 rows", "logistic_regression is the only model compared"],
                          timeout=120)
        assert "shades" not in text
        assert second.evaluate(DATASET_SELECT) == "titanic"
        assert page.evaluate(DATASET_SELECT) == "shades.csv"
        # Notifications reach every session, not only the first one the server made.
        path, words = bad_files[0]
        second.locator(".data-upload input[type=file]").set_input_files(str(path))
        wait_notification(second, words)
        assert second.evaluate(DATASET_SELECT) == "titanic"
        assert notifications(page) == [] or not any(
            path.name in s for s in notifications(page)), "a toast leaked across sessions"
        browser.close()
