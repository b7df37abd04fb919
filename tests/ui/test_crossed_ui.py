"""Crossed groups in a real browser against `panel serve`: "crossed with" = class beside the
feature sex offers the crossed groups with their sizes; picking `sex=female & class=3rd` and
moving the slider to 2x gives the numbers `distviz run --feature sex,class --group ... --ratio 1
--json` prints. The shift row's choices do not overlap and none is cut, at 1280 and 1500 px."""

import json
import re
import subprocess
import sys
import time

import pytest

from distviz.shift import RATIOS
from helpers import (ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, move_slider, served,
                     wait_for_leaderboard)
from test_mix_ui import shows

pytestmark = pytest.mark.ui
ALGORITHMS = "xgboost,logistic_regression"
GROUP = "sex=female & class=3rd"
RATIO = 1.0
# The shift row's choices, by their labels.
ROW = ["Feature", "crossed with", "Group", "Adding rows by"]


def run_crossed() -> dict:
    """`distviz run --feature sex,class --group GROUP --ratio 1 --json`; no cache."""
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", "titanic",
                          "--feature", "sex,class", "--group", GROUP, "--ratio", str(RATIO),
                          "--algorithms", ALGORITHMS, "--no-cache", "--json"],
                         capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    return json.loads(out.stdout)


def row_problem(page, width: int) -> str | None:
    """What is wrong with the shift row's choices (one outside the window, two overlapping),
    or None; and the main area's right edge past the window."""
    boxes = {label: page.get_by_label(label, exact=True).bounding_box() for label in ROW}
    boxes["status"] = page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.bounding_box()
    for label, box in boxes.items():
        if box is None or box["width"] < 40 or box["x"] < 0 \
                or box["x"] + box["width"] > width:
            return f"{label} at {box}, window {width} px"
    labels = list(boxes)
    for i, a in enumerate(labels):
        for b in labels[i + 1:]:
            one, two = boxes[a], boxes[b]
            if not (one["x"] + one["width"] <= two["x"] + 1 or two["x"] + two["width"]
                    <= one["x"] + 1 or one["y"] + one["height"] <= two["y"] + 1
                    or two["y"] + two["height"] <= one["y"] + 1):
                return f"{a} {one} overlaps {b} {two}"
    return None


def wait_row_fits(page, width: int, timeout: float = 30) -> None:
    """Poll until the shift row fits the window (the layout reflows after a resize)."""
    deadline = time.time() + timeout
    while (problem := row_problem(page, width)) is not None and time.time() < deadline:
        time.sleep(0.2)
    assert problem is None, problem


@pytest.mark.timeout(600)
def test_a_crossed_group_picked_in_the_page_gives_the_cli_numbers(tmp_path):
    from playwright.sync_api import sync_playwright

    report = run_crossed()
    rows = report["shift"]["groups"][GROUP]["before"]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with served(env={"DISTVIZ_CACHE_DIR": str(tmp_path / "cache")}) as url, \
            sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        page = browser.new_page(viewport={"width": 1280, "height": 1100})
        page.goto(f"{url}?algorithms={ALGORITHMS}")
        page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first.wait_for(timeout=300_000)
        assert page.get_by_label("Feature", exact=True).input_value() == "sex"

        page.get_by_label("crossed with", exact=True).select_option("class")
        group = page.get_by_label("Group", exact=True)
        label = f"{GROUP} ({rows:,} training rows)"
        group.locator("option", has_text=label).wait_for(state="attached", timeout=60_000)
        # The one-row crossed group stays selectable and says its size.
        assert group.locator("option", has_text="sex=male & class=* (1 training rows)").count()
        group.select_option(label=label)
        page.get_by_text(re.compile(rf"^Shift {re.escape(GROUP)}: {rows} rows")).first.wait_for(
            timeout=60_000)
        move_slider(page.locator(".noUi-handle").first, list(RATIOS).index(RATIO))
        page.get_by_text(re.compile(rf"^Shift {re.escape(GROUP)}: {2 * rows} rows .*, 2x$")
                         ).first.wait_for(timeout=60_000)
        wait_for_leaderboard(page, "the crossed group's numbers", shows(report), timeout=300,
                             screenshot="crossed-failed.png")
        # The best line names it. It is its own Bokeh model: its change may reach the browser
        # after the leaderboard's, so wait for it rather than read it at once.
        page.get_by_text(f"{GROUP}, shift +1").first.wait_for(timeout=30_000)
        for width in (1280, 1500):
            page.set_viewport_size({"width": width, "height": 1100})
            wait_row_fits(page, width)
            page.screenshot(path=str(ARTIFACTS / f"crossed-ui-{width}.png"), full_page=True)
        browser.close()
