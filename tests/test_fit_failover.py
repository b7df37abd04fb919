"""A fit is never lost to the machinery that runs it: when the dask scheduler goes away, dask
cancels every future it had (seen on a real cluster: the run then failed with a bare
CancelledError, or later runs shared the dead futures and lost those seeds for good). Here
the cluster is a stand-in that dies at a chosen fit, so the unlucky order is certain."""

from concurrent.futures import Future

import pytest

from distviz.loop import ModelLoop, ResultCache, default_scheduler
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

    # -- the Clusters interface the loop uses
    def client(self, address):
        return self

    def alive(self, address) -> bool:
        return self.status == "running"

    def threads(self, address) -> int:
        return 2

    def drop(self, address) -> None:
        pass

    # -- the client and its executor
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


@pytest.fixture()
def dying_cluster(monkeypatch):
    def install(survive):
        cluster = DyingCluster(survive)
        clusters = default_scheduler().clusters
        for name in ("client", "alive", "threads", "drop"):
            monkeypatch.setattr(clusters, name, getattr(cluster, name))
        return cluster
    return install


@pytest.mark.parametrize("survive", [1, 3, 7])
def test_the_scheduler_dying_at_any_fit_loses_no_seed(titanic, dying_cluster, survive):
    local = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=1,
                      cache=ResultCache()).run(SPEC)
    cluster = dying_cluster(survive)
    loop = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=2,
                     cluster=ADDRESS, cache=ResultCache())
    run = loop.run(SPEC)
    assert cluster.ran == survive and cluster.status == "closed"  # it died where it was told
    assert numbers(run) == numbers(local)  # every seed, the same numbers as a local run
    assert loop.notice == f"the dask cluster at {ADDRESS} went away; fitting locally"

    # A later run of the same fits (fresh cache) shares no dead future: every seed again.
    again = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=2,
                      cache=ResultCache()).run(SPEC)
    assert numbers(again) == numbers(local)
