"""A view of results never shows a partial run over the complete one: the load test saw pages
stuck on a partial leaderboard (shown 0.6216, expected 0.6239) beside "Ran ...", because a
partial run published after the result (a fit's callback on a pool thread) made the view
schedule a partial render in its lane, which dropped the final render still on its way to the
document."""

import asyncio

import panel as pn
import pytest

from distviz.loop import ModelLoop, ResultCache
from distviz.shift import Resampler
from distviz.views.result_view import ResultView, stage
from distviz.views.session import Session


class Recorder(ResultView):
    PARTIAL = True

    def render(self, run, final):
        self.rendered = getattr(self, "rendered", []) + [(run, final)]

    def __panel__(self):
        return pn.pane.Markdown("")


@pytest.fixture
def chain(titanic):
    resampler = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=resampler, algorithms=["logistic_regression"], repeats=2,
                     n_jobs=1, cache=ResultCache())
    # A notebook-like session: changes wait for the kernel loop (drain) as for a document.
    session = Session(background=True, kernel=asyncio.new_event_loop())
    return resampler, loop, Recorder(loop=loop, session=session), session


def test_a_partial_run_published_after_the_result_never_hides_it(chain):
    resampler, loop, view, session = chain
    earlier = loop.result
    resampler.ratio = -0.5  # the loop runs at once (not in the background) and publishes
    final = loop.result
    assert final is not earlier and not loop.running
    loop.partial = earlier  # a late partial, after the result
    session.drain()  # the document applies what was handed over
    assert view.run is final and view.rendered[-1] == (final, True)


def test_the_status_line_is_handed_over_after_the_views(chain):
    """'Ran ...' is said after the views have rendered the same result, never beside a
    partial leaderboard."""
    from distviz.views.status_view import StatusView
    resampler, loop, _, session = chain
    status = StatusView(loop=loop, session=session)  # made first, as in the dashboard
    view = Recorder(loop=loop, session=session)
    order = []
    status.param.watch(lambda event: order.append("status"), "status")
    view.param.watch(lambda event: order.append("view"), "run")
    resampler.ratio = 1.0
    session.drain()
    assert status.status.startswith("Ran ") and view.run is loop.result
    assert order.index("view") < order.index("status"), order


def _unthrottled_move(titanic, monkeypatch, *, repeats, seconds_left=None, watch=None):
    """A background loop (two fast algorithms, ``repeats`` progressive seeds, one worker) and a
    recording view that renders every partial run it is allowed to (no throttle), moved once;
    the stages of its partial renders. ``seconds_left``: the loop's time left, if given."""
    monkeypatch.setattr(Recorder, "PARTIAL_RENDER_FIRST", 0.0)
    monkeypatch.setattr(Recorder, "PARTIAL_RENDER_EVERY", 0.0)
    resampler = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=resampler, algorithms=["logistic_regression", "decision_tree"],
                     repeats=repeats, progressive=True, n_jobs=1, cache=ResultCache(),
                     background=True)
    loop.wait()
    if seconds_left is not None:
        monkeypatch.setattr(loop, "seconds_left", seconds_left)
    view = Recorder(loop=loop, session=Session(background=True))
    if watch is not None:
        loop.param.watch(watch, "partial")
    resampler.ratio = -0.5
    loop.wait()
    view.session.wait(60)
    assert view.rendered[-1] == (loop.result, True)
    return [stage(run) for run, final in view.rendered if not final]


def test_partial_runs_render_only_when_they_reach_a_new_stage(titanic, monkeypatch):
    """A partial run is redrawn for an algorithm's first seed or a round of seeds every
    algorithm has, not for each seed (each render redraws every plot in the browser): with no
    throttle at all, no two partial renders of a move show the same stage."""
    partials = []
    shown = _unthrottled_move(titanic, monkeypatch, repeats=4,
                              watch=lambda event: partials.append(stage(event.new)))
    assert len(set(partials)) < len(partials)  # the loop published stages more than once
    assert shown and len(shown) == len(set(shown)), shown


@pytest.mark.parametrize("left, rounds_drawn", [(None, True), (0.5, False)])
def test_a_round_of_seeds_is_not_drawn_when_the_complete_run_is_due(titanic, monkeypatch,
                                                                     left, rounds_drawn):
    """A partial run that only adds seeds is skipped when the loop expects the complete run
    within FINAL_SOON seconds (it would be redrawn at once); drawn when it cannot tell."""
    shown = _unthrottled_move(titanic, monkeypatch, repeats=6, seconds_left=lambda: left)
    more_seeds = [b for a, b in zip(shown, shown[1:]) if a[0] == b[0]]
    assert shown and bool(more_seeds) == rounds_drawn, shown
