"""The time left on the page while a move trains: the status line says "about N s left" from
the measured fit times, and says nothing of it once the run is done.

"While it trains" is made certain: the ``gated`` test algorithm (a fit of 2 s while the gate is
open, so that is its measured cost) has every fit of the move held at a shut gate until the
line has been seen.
"""

import re

import pytest
from helpers import ARTIFACTS, Gate, move_slider, served_page

from distviz.views.controls import RATIOS

pytestmark = pytest.mark.ui
ALGORITHMS = "logistic_regression,gated"
GATED_SECONDS = 2.0
TRAIN_ROWS, FEMALE_ROWS = 984, 353  # titanic's training set and its default group, sex = female
LEFT = re.compile(r"^Training: (\d+) of (\d+) fits done, about (\d+) s left$")


@pytest.mark.timeout(300)
def test_status_line_says_the_time_left_while_a_move_trains(tmp_path):
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    gate = Gate(tmp_path, seconds=GATED_SECONDS)
    try:
        with served_page(f"algorithms={ALGORITHMS}", gate.env) as page:
            page.get_by_text(re.compile(r"^Ran 2 algorithms")).first.wait_for(timeout=180_000)
            # gated's fits of the move (sex = female removed) wait; the rest pass.
            gate.shut(rows=[TRAIN_ROWS - FEMALE_ROWS])
            move_slider(page.locator(".noUi-handle").first, RATIOS.index(-1.0))
            line = page.get_by_text(LEFT).first
            line.wait_for(timeout=120_000)
            said = LEFT.match(line.text_content())
            page.screenshot(path=str(ARTIFACTS / "time-left.png"))
            gate.open()
            page.get_by_text(re.compile(r"^Ran 2 algorithms")).first.wait_for(timeout=120_000)
            left_after = page.get_by_text(re.compile(r"s left$")).count()
    finally:
        gate.open()
    done, total, seconds = (int(g) for g in said.groups())
    assert done < total  # the gated fits are still in flight
    # Fits of 2 s each, held: the estimate is at least one such fit's worth (less what it has
    # run) and at most all of them on one worker.
    assert 1 <= seconds <= (total - done) * GATED_SECONDS + 1, said.group(0)
    assert left_after == 0  # the finished run's line gives no time left
