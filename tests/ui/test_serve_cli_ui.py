"""The dashboard served as a user serves it, opened in Chromium: the page shows the shift slider
and the leaderboard, and a slider move changes the numbers. `distviz serve` (the venv's console
script, on a free port) in every form the README shows: a bundled dataset's name, a CSV file
with --target, a dask scheduler; and `make dashboard`."""

import sys
from pathlib import Path
from urllib.parse import urlparse

import pytest

from distviz.synth import TARGET, make_table
from distviz.views.controls import RATIOS
from helpers import (
    ARTIFACTS,
    CHROMIUM,
    ROOT,
    CHROMIUM_ARGS,
    Guard,
    distviz_served,
    free_port,
    move_slider,
    running,
    wait_for_leaderboard,
)

pytestmark = pytest.mark.ui
DEFAULT_ALGORITHMS = {"xgboost", "mlp", "random_forest", "svm"}  # `distviz serve` takes no list


def churn_csv(folder):
    """A small generated file whose target column is ``churn`` (the README's example)."""
    path = folder / "my.csv"
    make_table(2_000, random_state=5).rename(columns={TARGET: "churn"}).to_csv(path, index=False)
    return path


def every_algorithm(board) -> bool:
    return set(board) == DEFAULT_ALGORITHMS and all(row["now"] for row in board.values())


def shows_a_page_that_answers_the_slider(url: str, name: str) -> None:
    """The served page in Chromium: slider and leaderboard appear; a move changes the numbers;
    no page error, no request to another host."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        guard = Guard(context, urlparse(url).netloc)
        page = guard.watch(context.new_page())
        page.goto(url)
        handle = page.locator(".noUi-handle").first
        handle.wait_for(timeout=120_000)
        baseline = wait_for_leaderboard(
            page, "the baseline leaderboard",
            lambda b: every_algorithm(b) and all(r["verdict"] == "baseline" for r in b.values()),
            screenshot=f"serve-cli-{name}-failed.png")
        move_slider(handle, RATIOS.index(-0.5))
        moved = wait_for_leaderboard(
            page, "numbers after the slider moved",
            lambda b: every_algorithm(b) and all(r["verdict"] not in ("", "baseline")
                                                 for r in b.values()),
            screenshot=f"serve-cli-{name}-failed.png")
        page.screenshot(path=str(ARTIFACTS / f"serve-cli-{name}.png"), full_page=True)
        browser.close()
    assert {a: r["now"] for a, r in moved.items()} != {a: r["now"] for a, r in baseline.items()}
    assert any(float(r["delta"]) != 0 for r in moved.values()), moved
    assert not guard.errors, "\n\n".join(guard.errors)
    assert not guard.outside, guard.outside


@pytest.mark.timeout(300)
def test_distviz_serve_a_bundled_dataset():
    with distviz_served("--data", "titanic") as server:
        shows_a_page_that_answers_the_slider(server.url, "titanic")


@pytest.mark.timeout(300)
def test_distviz_serve_a_csv_file_with_its_target(tmp_path):
    with distviz_served("--data", str(churn_csv(tmp_path)), "--target", "churn") as server:
        shows_a_page_that_answers_the_slider(server.url, "csv")


@pytest.mark.dask
@pytest.mark.timeout(300)
def test_distviz_serve_on_a_dask_scheduler(dask_cluster):
    with distviz_served("--scheduler", dask_cluster) as server:
        shows_a_page_that_answers_the_slider(server.url, "scheduler")


@pytest.mark.timeout(300)
def test_make_dashboard():
    """`make dashboard` with the venv the tests run in: its stamp file is taken as up to date
    (``-o``), so nothing is installed."""
    venv, port = Path(sys.executable).parent.parent, free_port()
    command = ["make", "--no-print-directory", "-C", str(ROOT), "dashboard", f"PORT={port}",
               f"VENV={venv}", "-o", f"{venv}/.installed"]
    with running(command, port, f"http://127.0.0.1:{port}/dashboard") as server:
        shows_a_page_that_answers_the_slider(server.url, "make-dashboard")
