"""Sweeps on a real dask.distributed cluster give the same table as the local run.

Two clusters: a LocalCluster started by the sweep (``scheduler="local"``), and a ``dask
scheduler`` plus two ``dask worker`` processes started here on 127.0.0.1, as a user would run
them on other machines.
"""

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


def test_existing_scheduler_and_workers_give_the_local_table(titanic, local_table,
                                                             dask_cluster):
    from distributed import Client, get_task_stream
    cache = ResultCache()
    sweep = sweep_on(titanic, dask_cluster, cache)
    with Client(dask_cluster, timeout="10s") as client, \
            get_task_stream(client=client) as stream:
        table = sweep.run()
    assert sweep.stats.backend == f"dask ({dask_cluster})"
    assert sweep.stats.computed == 30 and not table["from_cache"].any()
    assert_same_table(local_table, table)
    # Both workers did some of the fits (the work really was distributed): the scheduler's
    # record of the tasks names the worker of each.
    fits = [task for task in stream.data if task["key"].startswith("fit_and_score")]
    workers = {task["worker"] for task in fits}
    assert len(fits) == 30 and len(workers) == 2, (len(fits), workers)


def test_cli_run_on_the_cluster_gives_the_local_numbers(dask_cluster, tmp_path):
    """``distviz run --scheduler ADDRESS``: every fit on the cluster, the same JSON numbers as a
    local run (verdicts and intervals included), the fits counted as computed."""
    from helpers import cli_json
    args = ["run", "--data", "titanic", "--feature", "sex", "--group", "female", "--ratio",
            "-0.5", "--algorithms", "logistic_regression,naive_bayes", "--repeats", "3"]
    local = cli_json(*args, "--n-jobs", "1", "--cache-dir", str(tmp_path / "local"))
    remote = cli_json(*args, "--scheduler", dask_cluster, "--cache-dir", str(tmp_path / "dask"))
    # (shifted + baseline) x each algorithm's seeds (adaptive: the first 2 of 3, or all 3).
    used = 2 * sum(entry["seeds"] for entry in local["results"])
    assert remote["fits"] == local["fits"] == {"computed": used, "cached": 0} and 8 <= used <= 12
    for mine, theirs in zip(remote["results"], local["results"], strict=True):
        for field in ("algorithm", "metrics", "baseline", "delta", "ci95", "verdict"):
            assert mine[field] == theirs[field], field
