"""Sweeps on a real dask.distributed cluster give the same table as the local run.

Two clusters: a LocalCluster started by the sweep (``scheduler="local"``), and a ``dask
scheduler`` plus two ``dask worker`` processes started here on 127.0.0.1, as a user would run
them on other machines.
"""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pandas as pd
import pytest

from distviz.loop import ModelLoop, ResultCache
from distviz.sweep import Sweep

pytestmark = [pytest.mark.dask, pytest.mark.timeout(300)]

GRID = dict(ratios=[-0.5, 0, 1],
            algorithms=["xgboost", "logistic_regression", "mlp"], repeats=2)
TIMING = ["fit_seconds", "from_cache"]


def sweep_on(dataset, scheduler, cache=None):
    loop = ModelLoop(dataset=dataset, n_jobs=2, cache=ResultCache() if cache is None else cache)
    features = ["sex", next(f for f in dataset.features if f != "sex")]
    return Sweep(dataset=dataset, loop=loop, scheduler=scheduler, features=features, **GRID)


@pytest.fixture(scope="module")
def local_table(titanic):
    sweep = sweep_on(titanic, None)
    table = sweep.run()
    assert sweep.stats.computed == sweep.stats.fits == 5 * 3 * 2
    return table


def assert_same_table(left, right):
    pd.testing.assert_frame_equal(left.drop(columns=TIMING), right.drop(columns=TIMING),
                                  check_exact=True)


def test_local_cluster_gives_the_local_table_and_fills_the_cache(titanic, local_table):
    cache = ResultCache()
    sweep = sweep_on(titanic, "local", cache)
    progress = []
    table = sweep.run(progress=lambda done, total, fit: progress.append((done, total)))
    assert sweep.stats.backend == "dask (local)"
    assert sweep.stats.computed == sweep.stats.fits == 30
    assert [p[0] for p in progress] == list(range(1, 31))
    assert not table["from_cache"].any()
    assert_same_table(local_table, table)
    # Every fit is now in the caller's cache: a re-run needs no cluster and computes nothing.
    rerun = sweep_on(titanic, "local", cache)
    again = rerun.run()
    assert rerun.stats.computed == 0 and again["from_cache"].all()
    assert rerun.stats.backend.endswith("nothing to compute")
    assert_same_table(local_table, again)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dask scheduler exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the dask scheduler did not listen on port {port}")


@pytest.fixture()
def dask_cluster(tmp_path):
    """``dask scheduler`` + two one-thread ``dask worker`` processes on 127.0.0.1."""
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        dask = Path(shutil.which("dask") or "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    env = {**os.environ, "PYTHONUNBUFFERED": "1"}
    logs = []
    processes = []

    def start(*args, name):
        log = open(tmp_path / f"{name}.log", "w")
        logs.append(log)
        processes.append(subprocess.Popen([str(dask), *args], stdout=log,
                                          stderr=subprocess.STDOUT, env=env,
                                          cwd=tmp_path, start_new_session=True))
        return processes[-1]

    try:
        scheduler = start("scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--no-dashboard", "--dashboard-address", "127.0.0.1:0", name="scheduler")
        _wait_for_port(port, scheduler)
        for k in range(2):
            start("worker", address, "--nthreads", "1", "--nworkers", "1", "--host",
                  "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0", "--no-nanny",
                  "--local-directory", str(tmp_path / f"worker{k}"), name=f"worker{k}")
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield address
    finally:
        # Only the processes this fixture started: workers first, so none of them is left
        # waiting on a scheduler that is already gone.
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in logs:
            log.close()


def test_existing_scheduler_and_workers_give_the_local_table(titanic, local_table,
                                                             dask_cluster):
    cache = ResultCache()
    sweep = sweep_on(titanic, dask_cluster, cache)
    table = sweep.run()
    assert sweep.stats.backend == f"dask ({dask_cluster})"
    assert sweep.stats.computed == 30 and not table["from_cache"].any()
    assert_same_table(local_table, table)
    from distributed import Client
    with Client(dask_cluster, timeout="10s") as client:
        # Both workers did some of the fits (the work really was distributed).
        ran = client.run(lambda: len(__import__("distviz.sweep.dask").sweep.dask._WORKER_LOOPS))
    assert len(ran) == 2 and all(count > 0 for count in ran.values())


def test_cli_run_on_the_cluster_gives_the_local_numbers(dask_cluster, tmp_path):
    """``distviz run --scheduler ADDRESS``: every fit on the cluster, the same JSON numbers as a
    local run (verdicts and intervals included), the fits counted as computed."""
    from helpers import cli_json
    args = ["run", "--data", "titanic", "--feature", "sex", "--group", "female", "--ratio",
            "-0.5", "--algorithms", "logistic_regression,naive_bayes", "--repeats", "3"]
    local = cli_json(*args, "--n-jobs", "1", "--cache-dir", str(tmp_path / "local"))
    remote = cli_json(*args, "--scheduler", dask_cluster, "--cache-dir", str(tmp_path / "dask"))
    assert remote["fits"] == local["fits"] == {"computed": 12, "cached": 0}
    for mine, theirs in zip(remote["results"], local["results"], strict=True):
        for field in ("algorithm", "metrics", "baseline", "delta", "ci95", "verdict"):
            assert mine[field] == theirs[field], field
