"""The runner (distviz/runner.py), the one owner of background work: a newer submission in a lane
supersedes the older one (cancelled before it starts, told to stop while it runs, its answer
dropped even when it was already on its way), wait() waits for what is current, delayed calls
and progress reach the caller, and a runner that is not in the background runs everything at
once. Every "still running" is held by an Event, never by a sleep."""

import threading

import pytest

from distviz.errors import UsageError
from distviz.runner import Runner


def test_a_newer_submission_stops_the_running_one_and_drops_its_answer():
    runner = Runner()
    started, release = threading.Event(), threading.Event()
    answers = []

    def slow(task):
        started.set()
        release.wait(10)
        return "old", task.cancelled
    old = runner.submit(slow, lane="move", done=answers.append)
    assert started.wait(10)
    new = runner.submit(lambda task: "new", lane="move", done=answers.append)
    assert new.wait(10) and old.cancelled and not new.cancelled
    release.set()
    assert old.wait(10)
    assert old.result == ("old", True)  # it was told to stop while it ran
    assert answers == ["new"]  # the superseded answer was never handed over


def test_a_delayed_submission_never_starts_once_superseded():
    runner = Runner()
    ran = []
    first = runner.submit(lambda task: ran.append("first"), lane="prefetch", delay=30)
    second = runner.submit(lambda task: ran.append("second"), lane="prefetch")
    assert second.wait(10) and first.wait(10)  # the first ended without running
    assert ran == ["second"] and first.cancelled


def test_an_answer_on_its_way_is_dropped_when_the_lane_moves_on():
    """The hand-over checks the task once more where the answer is applied (a document's
    next tick): a request made in between drops it."""
    queued = []
    runner = Runner(deliver=queued.append)  # a document that applies changes later
    shown = []
    render = runner.hand(lambda: shown.append("old result"), lane="render")
    runner.cancel("render")  # a newer request, before the document's tick
    fresh = runner.hand(lambda: shown.append("new result"), lane="render")
    for change in queued:
        change()
    assert shown == ["new result"] and render.cancelled and not fresh.cancelled


def test_wait_waits_for_current_work_not_for_delayed_calls_or_prefetches():
    runner = Runner()
    release = threading.Event()
    called = threading.Event()
    runner.later(30, called.set)  # e.g. a busy indicator: nobody waits for it
    runner.submit(lambda task: release.wait(30), waited=False)  # e.g. a prefetch
    job = runner.submit(lambda task: 42)
    runner.wait(10)
    assert job.done() and job.result == 42 and not called.is_set()
    release.set()


def test_failures_are_one_line_and_progress_reaches_the_caller():
    runner = Runner()
    failed, progress = [], []
    task = runner.submit(lambda task: (_ for _ in ()).throw(UsageError("pick a feature")),
                         failed=failed.append)
    task.wait(10)
    assert failed == ["pick a feature"] and task.error == "pick a feature"

    def counting(task):
        for done in range(1, 101):
            task.report(done, 100)
    runner.submit(counting, progress=lambda done, total: progress.append((done, total)))
    runner.wait(10)
    assert progress[-1] == (100, 100) and len(progress) < 100  # throttled, the last one kept


def test_not_in_the_background_everything_runs_at_once():
    runner = Runner(background=False)
    here = threading.current_thread()
    seen = []
    runner.submit(lambda task: seen.append(threading.current_thread()), done=seen.append)
    assert seen == [here, None]  # the work, then its answer, in this thread
    called = []
    runner.later(0.01, lambda: called.append(1))
    runner.wait(1)
    assert called == []  # a delayed call is for a page a user watches, never for a script
    with pytest.raises(ZeroDivisionError):  # no `failed`: the error propagates
        runner.submit(lambda task: 1 / 0)
