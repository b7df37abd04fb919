"""A fit is never lost to the machinery that runs it: when the dask scheduler goes away, dask
cancels every future it had (seen on a real cluster: the run then failed with a bare
CancelledError, or later runs shared the dead futures and lost those seeds for good). Here
the cluster is a stand-in that dies at a chosen fit, so the unlucky order is certain."""

from concurrent.futures import Future

import pytest

from distviz.loop import FitExecutor, ModelLoop, ResultCache
from distviz.shift import ShiftSpec

ALGORITHMS = ["logistic_regression", "naive_bayes"]
SPEC = ShiftSpec(feature="sex", group="female", ratio=-0.5)
ADDRESS = "tcp://127.0.0.1:1"  # never reached: the stand-in answers for it


class DyingCluster:
    """A dask client stand-in: it runs ``survive`` fits, then its scheduler dies the way
    distributed's does: the client leaves the 'running' status and every future still pending
    is cancelled; what is submitted afterwards comes back cancelled at once."""

    def __init__(self, survive: int):
        self.survive, self.ran, self.status = survive, 0, "running"
        self.pending: list[Future] = []

    def connect(self, address):
        """What the executor calls to reach a cluster: this client and how to release it."""
        return self, lambda: None

    # -- the client and its executor
    def nthreads(self) -> dict:
        return {"worker-1": 1, "worker-2": 1}

    def get_executor(self, pure=False):
        return self

    def submit(self, fn, *args, **kwargs) -> Future:
        future = Future()
        if self.status != "running":
            future.cancel()
        elif self.ran < self.survive:
            self.ran += 1
            future.set_running_or_notify_cancel()
            future.set_result(fn(*args, **kwargs))
            if self.ran == self.survive:
                self.die()
        else:
            self.pending.append(future)  # "running" on a worker until the scheduler dies
        return future

    def die(self) -> None:
        self.status = "closed"
        for future in self.pending:
            future.cancel()


def numbers(run):
    return [(a.algorithm, a.error, a.n_seeds, a.metrics, a.baseline, a.delta, a.ci95)
            for a in run.algorithms]


@pytest.mark.parametrize("survive", [1, 3, 7])
def test_the_scheduler_dying_at_any_fit_loses_no_seed(titanic, survive):
    local = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=1,
                      cache=ResultCache()).run(SPEC)
    cluster = DyingCluster(survive)
    executor = FitExecutor(connect=cluster.connect)
    loop = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=2,
                     cluster=ADDRESS, cache=ResultCache(), executor=executor)
    run = loop.run(SPEC)
    assert cluster.ran == survive and cluster.status == "closed"  # it died where it was told
    assert numbers(run) == numbers(local)  # every seed, the same numbers as a local run
    assert loop.notice == f"the dask cluster at {ADDRESS} went away; fitting locally"

    # A later run of the same fits (fresh cache) on the same executor shares no dead future:
    # every seed again.
    again = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=2,
                      cache=ResultCache(), executor=executor).run(SPEC)
    assert numbers(again) == numbers(local)
