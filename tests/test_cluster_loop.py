"""The dashboard's model loop on a real dask cluster (``dask scheduler`` + two ``dask worker``
processes on 127.0.0.1): the same numbers as local fits; a worker killed mid-run loses nothing;
a scheduler gone mid-run leaves a one-line note and a complete result fitted locally."""

import re
import signal
import sys
import threading
import time

import pytest

from distviz.loop import FitExecutor, ModelLoop, ResultCache
from distviz.shift import ShiftSpec

pytestmark = [pytest.mark.dask, pytest.mark.timeout(300)]
ALGORITHMS = ["logistic_regression", "naive_bayes", "random_forest"]
SPEC = ShiftSpec(feature="sex", group="female", ratio=-0.5)


@pytest.fixture(scope="module")
def local_run(titanic):
    return ModelLoop(dataset=titanic, algorithms=ALGORITHMS, repeats=3, n_jobs=1,
                     cache=ResultCache()).run(SPEC)


def numbers(run):
    return [(a.algorithm, a.error, a.metrics, a.baseline, a.delta, a.ci95, a.verdict)
            for a in run.algorithms]


def dashboard_on(address):
    """A dashboard fitting on the cluster at ``address`` through an executor of its own (no
    client of an earlier test's), its move computed afresh (a new cache once it has opened)."""
    from distviz.views.app import Dashboard
    dashboard = Dashboard(background=False, algorithms=ALGORITHMS, repeats=3, cluster=address,
                          executor=FitExecutor())
    dashboard.loop.cache = ResultCache()  # nothing from an earlier test's fits
    return dashboard


def kill_when_fitting(loop, process, fits=2):
    """Kill ``process`` once ``fits`` fits of the loop's running request are in."""
    def watch():
        deadline = time.monotonic() + 120
        while loop.progress[0] < fits and time.monotonic() < deadline:
            time.sleep(0.01)
        process.send_signal(signal.SIGKILL)
    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_the_dashboard_fits_on_the_cluster_with_the_local_numbers(dask_cluster, local_run):
    dashboard = dashboard_on(dask_cluster)
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    dashboard.wait()
    run = dashboard.loop.result
    # Each algorithm's seeds (adaptive: 2 or 3 of 3) x 2 states, all computed here.
    assert run.spec == SPEC and run.computed == 2 * sum(a.n_seeds for a in run.algorithms)
    assert 12 <= run.computed <= 18
    assert dashboard.loop.notice is None, dashboard.loop.notice
    assert numbers(run) == numbers(local_run)
    from distributed import Client
    with Client(dask_cluster, timeout="10s") as client:
        # Both workers fitted (they imported the fit code only to run fits sent to them).
        loaded = client.run(lambda: "distviz.loop.fit" in sys.modules)
    assert list(loaded.values()) == [True, True], loaded


def test_a_worker_killed_mid_run_loses_nothing(dask_processes, local_run):
    dashboard = dashboard_on(dask_processes.address)
    killer = kill_when_fitting(dashboard.loop, dask_processes.workers[0])
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    dashboard.wait()
    killer.join(5)
    assert dask_processes.workers[0].poll() is not None  # it really was killed
    assert numbers(dashboard.loop.result) == numbers(local_run)  # the other worker took over
    assert dashboard.status.startswith("Ran 3 algorithms"), dashboard.status


def test_the_scheduler_gone_mid_run_says_so_and_fits_locally(dask_processes, local_run):
    dashboard = dashboard_on(dask_processes.address)
    killer = kill_when_fitting(dashboard.loop, dask_processes.scheduler)
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    dashboard.wait()
    killer.join(5)
    # Every fit is in: what the cluster had not finished ran locally, with the same seeds.
    assert numbers(dashboard.loop.result) == numbers(local_run)
    address = dask_processes.address
    # The run killed mid-way says the cluster went away; a request made after it, that the
    # cluster cannot be reached: either way one line on where the numbers came from.
    assert re.search(rf"Note: (the dask cluster at {re.escape(address)} went away|cannot reach "
                     rf"the dask cluster at {re.escape(address)}); fitting locally",
                     dashboard.status), dashboard.status
    # The next move still works, locally, and says why.
    dashboard.resampler.ratio = 1.0
    dashboard.wait()
    assert dashboard.loop.result.spec.ratio == 1.0
    assert all(a.ok for a in dashboard.loop.result.algorithms)
    assert f"cannot reach the dask cluster at {address}; fitting locally" in dashboard.status
    dashboard.loop.executor.close()

