"""The model loop on a 2-worker dask cluster against the local 2-process pool, in the same run.

    python -m benchmarks.bench_cluster [--runs 2]

The dashboard's path (``ModelLoop(cluster=...)``, every fit one task sent through the client's
executor) on titanic and the generated 40,000-row table: a cold run of the 4 default algorithms
x 3 seeds, baseline and one shift (24 fits), with a fresh cache each time. The cluster is a
``distributed.LocalCluster`` of two one-thread worker processes, started once (its start-up is
timed apart); the numbers must equal the local run's.
"""

from __future__ import annotations

import argparse
import sys

from benchmarks._common import Timer, load_average, median, report, table
from benchmarks.bench_loop import make_dataset
from distviz import models
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache, default_scheduler
from distviz.shift import ShiftSpec

REPEATS = 3


def _shift(ds: Dataset) -> ShiftSpec:
    feature = ds.features[0]
    return ShiftSpec(feature=feature, group=ds.default_group(feature), ratio=-0.5)


def _numbers(run):
    return [(a.algorithm, a.metrics, a.delta, a.ci95) for a in run.algorithms]


def one_run(ds: Dataset, cluster: str | None) -> tuple[float, list]:
    loop = ModelLoop(dataset=ds, algorithms=list(models.DEFAULT_ALGORITHMS), repeats=REPEATS,
                     cache=ResultCache(), cluster=cluster)
    if cluster is None:
        loop.warm_up()
    with Timer() as t:
        run = loop.run(_shift(ds))
    assert loop.notice is None, loop.notice  # really on the cluster, never a silent fallback
    assert all(a.ok for a in run.algorithms), [a.error for a in run.algorithms]
    return t.seconds, _numbers(run)


def run(runs: int = 2, log=print) -> dict:
    clusters = default_scheduler().clusters
    with Timer() as start:
        workers = clusters.threads("local")  # starts the LocalCluster and connects
    out = {"start": start.seconds, "workers": workers, "runs": runs, "sets": {},
           "loads": [load_average()]}
    for name, ds in [("titanic", Dataset(source="titanic")), ("40,000 rows", make_dataset())]:
        local, remote = [], []
        for _ in range(runs):
            seconds, local_numbers = one_run(ds, None)
            local.append(seconds)
            seconds, remote_numbers = one_run(ds, "local")
            remote.append(seconds)
            assert remote_numbers == local_numbers, "the cluster's numbers differ from local"
        out["sets"][name] = {"rows": len(ds.X_train), "local": median(local),
                             "cluster": median(remote), "ratio": median(remote) / median(local)}
        log(f"  {name}: local {median(local):.2f} s, cluster {median(remote):.2f} s")
        out["loads"].append(load_average())
    clusters.drop("local")
    return out


def section(s: dict) -> str:
    rows = [{"data": f"{name} ({v['rows']:,} training rows)", "local pool": f"{v['local']:.2f} s",
             "dask cluster": f"{v['cluster']:.2f} s", "cluster / local": f"{v['ratio']:.2f}x"}
            for name, v in s["sets"].items()]
    return f"""## The model loop on a dask cluster (`bench_cluster.py`, issue 13)

The dashboard's and `distviz serve --scheduler`'s path: `ModelLoop(cluster=...)` sends every fit
through the dask client's executor (fits in flight, the progressive order and cancelling as in
the local pool). A cold run of the 4 default algorithms x {REPEATS} seeds on the baseline and one
shift (24 fits, fresh cache), on the local 2-process pool and on a LocalCluster of
{s['workers']} one-thread worker processes (started once, in {s['start']:.1f} s, not counted); the
cluster's numbers equal the local ones in every run (asserted). Median of {s['runs']} runs;
1-minute load average: {' -> '.join(s['loads'])}.

{table(rows, ["data", "local pool", "dask cluster", "cluster / local"])}

Both use the same 2 cores here, so the cluster cannot be faster: the figure is its overhead
(each fit's training matrices are pickled to a worker, as they are for the local pool, plus
the scheduler's round trips). Its use is more cores on other machines.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("cluster", section(run(args.runs)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
