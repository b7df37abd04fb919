"""A quick flick over the served slider moves the resampler to its last position only: each
release waits a moment, and again while the user's next key press has already reached the
server, so the positions passed over are neither trained nor drawn (issue 26/28: a 4-key flick
drew every position it passed, 1.1 s instead of one position's 0.2 s)."""

import asyncio
import time

import param
import pytest

from distviz.shift import Resampler
from distviz.views.controls import ShiftSlider
from distviz.views.session import Session


class ServedSession(Session):
    """A session as served (a page's document), whose 'next key press on its way' is scripted."""

    served = True

    def __init__(self, moving: list[bool], **params):
        super().__init__(**params)
        self.moving = moving

    def user_moving(self) -> bool:
        return self.moving.pop(0) if self.moving else False


def _release(slider: ShiftSlider, ratio: float) -> None:
    with param.edit_constant(slider.slider):  # what releasing the handle (or a key) sends
        slider.slider.value_throttled = ratio


def _settled(session: Session, resampler: Resampler, ratio: float, timeout: float = 10) -> None:
    deadline = time.perf_counter() + timeout
    while resampler.ratio != ratio and time.perf_counter() < deadline:
        session.drain()  # the kernel loop's side: apply what was handed over
        time.sleep(0.005)
    session.wait(timeout)
    session.drain()


@pytest.fixture
def resampler(titanic):
    return Resampler(dataset=titanic, feature="sex", group="female")


def test_a_flick_moves_the_resampler_to_its_last_position_only(resampler):
    session = ServedSession([], background=True, kernel=asyncio.new_event_loop())
    slider = ShiftSlider(resampler, session=session)
    moves = []
    resampler.param.watch(lambda event: moves.append(event.new), "ratio")
    for ratio in (-0.2, -0.4, -0.5, -0.6):  # four key presses in quick succession
        _release(slider, ratio)
    _settled(session, resampler, -0.6)
    assert moves == [-0.6]


def test_a_release_waits_while_the_next_press_is_on_its_way(resampler):
    session = ServedSession([True, True, False], background=True,
                            kernel=asyncio.new_event_loop())
    slider = ShiftSlider(resampler, session=session)
    _release(slider, 0.5)
    _settled(session, resampler, 0.5)
    assert resampler.ratio == 0.5 and session.moving == []  # asked three times, then moved


def test_a_release_moves_at_once_where_nothing_is_served(resampler):
    slider = ShiftSlider(resampler, session=Session(background=False))
    _release(slider, 1.0)
    assert resampler.ratio == 1.0
