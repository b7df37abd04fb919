"""The served dashboard on a real dask cluster (``dask scheduler`` + two ``dask worker``
processes), in a real browser: when the scheduler dies mid-move the page says so in one line,
shows every seed of that move (what the cluster lost is fitted locally) and keeps working for
the next move.

"Mid-move" is made certain, not hoped for: one of the algorithms (``gated``, a test plugin) waits
at a shut gate inside the dask workers, so the move cannot finish on the cluster before the
scheduler is killed; the gate opens right after.
"""

import re
import signal

import pytest
from helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    Gate,
    move_slider,
    served,
    wait_for_leaderboard,
)

from distviz.views.controls import RATIOS

pytestmark = [pytest.mark.ui, pytest.mark.dask]
ALGORITHMS = "xgboost,logistic_regression,gated"
# The three ways the loop says where its numbers came from when the cluster is gone.
GONE = (r"Note: (the dask cluster at {0} went away; fitting locally|a fit was lost on the dask "
        r"cluster at {0} \(\w+\); it ran locally|cannot reach the dask cluster at {0}; fitting "
        r"locally)")


def every_seed(names, board) -> bool:
    return set(board) == set(names) and all(
        re.fullmatch(r"(\d+) of \1", r["seeds"]) for r in board.values())


@pytest.mark.timeout(420)
def test_the_scheduler_gone_mid_move_is_said_and_the_page_keeps_working(tmp_path,
                                                                         dask_processes):
    from playwright.sync_api import sync_playwright

    names = ALGORITHMS.split(",")
    address = dask_processes.address
    gate = Gate(tmp_path)
    errors = []
    env = {**gate.env, "DISTVIZ_SCHEDULER": address}
    try:
        with served(env=env) as url, sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 1100})
            page.on("pageerror", lambda error: errors.append(error.message))
            page.goto(f"{url}?algorithms={ALGORITHMS}")
            wait_for_leaderboard(page, "the baseline with every seed, fitted on the cluster",
                                 lambda b: every_seed(names, b), timeout=240,
                                 screenshot="cluster-failed.png")
            status = page.get_by_text(re.compile(r"^Ran \d+ algorithms")).first
            assert "dask cluster" not in status.inner_text()  # the baseline really ran there

            gate.shut()
            handle = page.locator(".noUi-handle").first
            move_slider(handle, RATIOS.index(-1.0))
            page.get_by_text(re.compile(r"^Training")).first.wait_for(timeout=60_000)
            gate.wait_reached()  # a gated fit waits in a dask worker: the move is on the cluster
            dask_processes.scheduler.send_signal(signal.SIGKILL)
            dask_processes.scheduler.wait(30)
            gate.open()

            # Every seed of the move arrives (what the cluster lost is fitted here) ...
            wait_for_leaderboard(page, "every seed of the move after the scheduler died",
                                 lambda b: page.get_by_text("shift -1, training rows").count()
                                 and every_seed(names, b), timeout=240,
                                 screenshot="cluster-failed.png")
            # ... and the status line says, in one line, where the numbers came from.
            gone = page.get_by_text(re.compile(GONE.format(re.escape(address)))).first
            gone.wait_for(timeout=60_000)
            assert "\n" not in gone.inner_text().strip()

            # The next move works, locally, and says why.
            move_slider(handle, RATIOS.index(1.0))
            wait_for_leaderboard(page, "the next move, fitted locally",
                                 lambda b: page.get_by_text("shift +1, training rows").count()
                                 and every_seed(names, b), timeout=240,
                                 screenshot="cluster-failed.png")
            page.get_by_text(re.compile(rf"cannot reach the dask cluster at "
                                        rf"{re.escape(address)}; fitting locally")
                             ).first.wait_for(timeout=60_000)
            page.screenshot(path=str(ARTIFACTS / "cluster-gone.png"), full_page=True)
            browser.close()
    finally:
        gate.open()
    assert not errors, errors
