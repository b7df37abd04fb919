"""The time left of a run's fits (distviz/loop/estimate.py) and the status line that says it."""

import re
import time

import pytest

from distviz.loop.estimate import FitClock, seconds_left
from distviz.views.status_view import time_left


def test_seconds_left_spreads_the_work_over_the_workers():
    # Work left 2 + 1 + 3 waiting + (4 - 1) in flight = 9 s over 2 workers: 4.5 s.
    assert seconds_left([2.0, 1.0, 3.0], [(4.0, 1.0)], workers=2) == 4.5
    # Over 4 workers 9 / 4 = 2.25, but the longest fit left takes 3 s on its own.
    assert seconds_left([2.0, 1.0, 3.0], [(4.0, 1.0)], workers=4) == 3.0
    # A fit running past its measured cost counts as about to finish.
    assert seconds_left([], [(1.0, 5.0), (2.0, 0.5)], workers=2) == 1.5
    assert seconds_left([], [], workers=2) == 0.0


def test_no_measured_cost_no_estimate():
    assert seconds_left([2.0, None], workers=2) is None
    assert seconds_left([2.0], [(None, 0.5)], workers=2) is None


class FakeClock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def test_fit_clock_follows_fits_as_the_workers_take_them():
    now = FakeClock()
    costs = {"xgboost": 2.0, "svm": 3.0}
    clock = FitClock(now)
    assert clock.seconds_left() is None  # nothing started
    clock.start([("a", "xgboost"), ("b", "xgboost"), ("c", "svm")], costs.get, workers=2)
    # a and b run, c waits: (2 + 2 + 3) / 2.
    assert clock.seconds_left() == 3.5
    now.now = 1.0  # a and b have 1 s left each, c 3 s: 5 / 2 < 3
    assert clock.seconds_left() == 3.0
    now.now = 1.5
    clock.finished("a")  # c starts now; b has 0.5 s left
    assert clock.seconds_left() == 3.0
    now.now = 3.5
    clock.finished("b")
    assert clock.seconds_left() == 1.0  # c, 2 s in, of 3
    clock.finished("c")
    assert clock.seconds_left() == 0.0


def test_fit_clock_waits_for_a_measurement_and_takes_the_latest():
    now = FakeClock()
    costs = {}
    clock = FitClock(now)
    clock.start([("a", "mlp"), ("b", "mlp"), ("c", "mlp")], costs.get, workers=1)
    assert clock.seconds_left() is None  # mlp never timed on this dataset
    now.now = 2.0
    costs["mlp"] = 2.0  # a's fit measured
    clock.finished("a")
    assert clock.seconds_left() == 4.0  # b (just started) and c, one worker
    # A fit done before its turn (the same fit another run had in flight) is no longer waited for.
    clock.finished("c")
    assert clock.seconds_left() == 2.0


def test_fit_clock_counts_fits_added_while_the_run_trains():
    """Adaptive seeds' extra fits join a run once an algorithm's first fits are in: the time
    left then counts them, after the fits already waiting."""
    now = FakeClock()
    clock = FitClock(now)
    clock.start([("a", "svm"), ("b", "xgboost")], {"svm": 3.0, "xgboost": 1.0}.get, workers=1)
    now.now = 1.0
    assert clock.seconds_left() == 3.0  # a has 2 s left, then b
    clock.add([("c", "xgboost"), ("d", "xgboost")])
    assert clock.seconds_left() == 5.0
    now.now = 3.0
    clock.finished("a")  # b starts now; c and d wait behind it
    assert clock.seconds_left() == 3.0


def test_fits_wait_behind_other_runs_fits_on_the_workers():
    """A prefetch's fits on the workers delay a new run's: in order, each fit to the first
    worker free (the pool's schedule), not counted as the run's own work."""
    # Both workers busy for 3 s more: the run's 1 s fits end at 4 s (without them: 1 s).
    assert seconds_left([1.0, 1.0], workers=2, busy=[3.0, 3.0]) == 4.0
    assert seconds_left([1.0, 1.0], workers=2) == 1.0
    # A long prefetched fit holds one worker: the other takes the run's fits one by one.
    assert seconds_left([1.0, 1.0, 1.0], workers=2, busy=[25.0]) == 3.0
    assert seconds_left([1.0], workers=2, busy=[None]) is None  # never measured


def test_fit_clock_starts_behind_other_runs_fits_and_frees_their_workers():
    now = FakeClock()
    costs = {"xgboost": 1.0}
    clock = FitClock(now)
    # A prefetched fit (cost 4 s) has run 1 s on one of the two workers.
    clock.start([("a", "xgboost"), ("b", "xgboost")], costs.get, workers=2,
                others=[(4.0, 1.0)])
    assert clock.seconds_left() == 2.0  # a on the free worker, then b: 1 + 1
    now.now = 1.0
    clock.finished("a")  # b starts on that worker
    assert clock.seconds_left() == 1.0
    # Once its cost has run, the prefetched fit's worker is free again.
    now.now = 0.0
    clock = FitClock(now)
    clock.start([("c", "xgboost"), ("d", "xgboost"), ("e", "xgboost")], costs.get,
                workers=1, others=[(2.0, 0.0)])
    assert clock.seconds_left() == 5.0  # 2 s behind it, then three 1 s fits
    now.now = 3.0  # the other fit ended at 2 s and c started then
    assert clock.seconds_left() == 2.0


def test_the_executor_knows_the_prefetched_fits_on_its_workers(tmp_path):
    """What a new run's time left waits behind: a prefetch's fits in flight, with their
    measured cost, except those the run shares."""
    import helpers_estimators
    from helpers import Gate

    from distviz import models
    from distviz.data import Dataset
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import Resampler
    gate = Gate(tmp_path)
    models.register("test_gated", lambda seed: helpers_estimators.GatedClassifier(
        hold=str(gate.hold), random_state=seed), task="classification", replace=True)
    try:
        rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
        loop = ModelLoop(resampler=rs, algorithms=["test_gated"], n_jobs=2, repeats=2,
                         cache=ResultCache())
        gate.shut()
        prefetch = loop.prefetch([rs.spec.at(1.0)], background=True)
        gate.wait_reached()
        others = loop.executor.others_on_workers(set())
        assert len(others) >= 1 and all(ran >= 0 for _, ran in others)
        keys = {loop.cache_key(rs.spec.at(1.0), models.get("test_gated", "classification"),
                               seed) for seed in loop.seeds}
        assert loop.executor.others_on_workers(keys) == []  # shared, not waited behind
        gate.open()
        prefetch.wait(120)
        assert loop.executor.others_on_workers(set()) == []
    finally:
        gate.open()
        models.unregister("test_gated", task="classification")


def test_executor_slots_are_the_workers_fits_run_on():
    from distviz.loop import FitExecutor
    executor = FitExecutor()
    assert executor.slots(3) == 3 and executor.slots(0) == 1
    # Not connected to that cluster (yet): its fits would run on the local workers.
    assert executor.slots(2, "tcp://127.0.0.1:1") == 2


@pytest.mark.parametrize("seconds, words", [
    (None, ""), (0.2, "less than a second left"), (1.2, "about 1 s left"),
    (4.4, "about 4 s left"), (59.0, "about 59 s left"), (61.0, "about 1 min left"),
    (130.0, "about 2 min left")])
def test_time_left_in_words(seconds, words):
    assert time_left(seconds) == words


def test_status_line_says_the_time_left_while_a_move_trains(tmp_path):
    """Gated fits hold the move open: the status line gives the time left from the gated
    algorithm's measured fit time, and says nothing of it once the run is done."""
    import helpers_estimators
    from helpers import Gate

    from distviz import models
    from distviz.loop import ResultCache
    from distviz.views.app import Dashboard
    gate = Gate(tmp_path)
    models.register("test_gated", lambda seed: helpers_estimators.GatedClassifier(
        hold=str(gate.hold), seconds=8.0, random_state=seed), task="classification",
        replace=True)
    try:
        dashboard = Dashboard(algorithms=["logistic_regression"], n_jobs=2, repeats=2)
        dashboard.neighbours.delay = None  # no prefetched gated fits besides the move's
        dashboard.wait()
        loop, status = dashboard.loop, dashboard.status_view
        loop.cache = ResultCache()  # the gated baseline fits are computed (and timed)
        loop.algorithms = ["logistic_regression", "test_gated"]
        dashboard.wait()
        cost = loop.executor.cost(dashboard.dataset.fingerprint, "test_gated")
        assert cost >= 8.0  # long enough that a loaded machine still sees seconds left
        gate.shut()
        moved = time.perf_counter()
        dashboard.resampler.ratio = 0.5
        gate.wait_reached()
        pattern = re.compile(r"(\d+) of (\d+) fits done, about (\d+) s left")
        deadline, said = time.perf_counter() + 60, None
        while time.perf_counter() < deadline:
            said = pattern.search(status.line.object)
            if said and int(said.group(2)) - int(said.group(1)) == 2:  # all but the gated
                break
            time.sleep(0.05)
        waited = time.perf_counter() - moved
        assert said and int(said.group(2)) - int(said.group(1)) == 2, status.line.object
        # The two gated fits run side by side: the gated cost less what they have run.
        assert cost - waited - 0.5 <= int(said.group(3)) <= cost + 0.5, (said.group(0), cost)
        assert loop.seconds_left() <= cost
        gate.open()
        dashboard.wait()
        assert re.match(r"^Ran 2 algorithms", status.line.object), status.line.object
        assert "left" not in status.line.object and loop.seconds_left() is None
    finally:
        gate.open()
        models.unregister("test_gated", task="classification")
