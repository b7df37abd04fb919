"""The model loop on a 2-worker dask cluster against the local 2-process pool, in the same run.

    python -m benchmarks.bench_cluster [--runs 2]

The dashboard's path (``ModelLoop(cluster=...)``, every fit one task sent through the client's
executor) on titanic and the generated 40,000-row table: a cold run of the 4 default algorithms
x 3 seeds, baseline and one shift (24 fits), with a fresh cache each time. The cluster is a
``distributed.LocalCluster`` of two one-thread worker processes, started once (its start-up is
timed apart); the numbers must equal the local run's.

Then the command line: ``distviz run --json`` in a fresh process with a fresh cache, locally and
with ``--scheduler`` set to the same cluster's address (the CLI connects to it as to any running
cluster); process start-up and data loading are in both figures, and the JSON's numbers must
be equal.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from benchmarks._common import Timer, load_average, median, report, table
from benchmarks.bench_loop import make_dataset
from distviz import models, synth
from distviz.data import Dataset
from distviz.loop import FitExecutor, ModelLoop, ResultCache
from distviz.shift import ShiftSpec

REPEATS = 3


def _shift(ds: Dataset) -> ShiftSpec:
    feature = ds.features[0]
    return ShiftSpec(feature=feature, group=ds.default_group(feature), ratio=-0.5)


def _numbers(run):
    return [(a.algorithm, a.metrics, a.delta, a.ci95) for a in run.algorithms]


def one_run(ds: Dataset, cluster: str | None, executor: FitExecutor) -> tuple[float, list]:
    loop = ModelLoop(dataset=ds, algorithms=list(models.DEFAULT_ALGORITHMS), repeats=REPEATS,
                     cache=ResultCache(), cluster=cluster, executor=executor)
    if cluster is None:
        loop.warm_up()
    with Timer() as t:
        run = loop.run(_shift(ds))
    assert loop.notice is None, loop.notice  # really on the cluster, never a silent fallback
    assert all(a.ok for a in run.algorithms), [a.error for a in run.algorithms]
    return t.seconds, _numbers(run)


def one_cli_run(data: list[str], scheduler: str | None) -> tuple[float, list]:
    """``distviz run --json`` in a fresh process and cache: wall time and the numbers."""
    with tempfile.TemporaryDirectory(prefix="distviz-bench-cache-") as cache:
        command = [sys.executable, "-m", "distviz.cli", "run", *data, "--ratio", "-0.5",
                   "--repeats", str(REPEATS), "--json"]
        command += ["--scheduler", scheduler] if scheduler else []
        with Timer() as t:
            done = subprocess.run(command, check=False, capture_output=True, text=True,
                                  env={**os.environ, "DISTVIZ_CACHE_DIR": cache})
    if done.returncode:
        raise RuntimeError(f"distviz run failed: {done.stderr.strip().splitlines()[-1:]}")
    result = json.loads(done.stdout)
    fits = 2 * REPEATS * len(models.DEFAULT_ALGORITHMS)
    assert result["fits"]["computed"] == fits, result["fits"]  # all computed, none cached
    return t.seconds, [(a["algorithm"], a["metrics"], a["delta"], a["ci95"])
                       for a in result["results"]]


def cli_runs(address: str, runs: int, folder: Path, log=print) -> dict:
    """``distviz run`` locally and with ``--scheduler address``, on titanic and 40,000 rows."""
    csv = folder / "generated-40000.csv"
    synth.make_table(40_000, n_numeric=8, n_categorical=6, random_state=0).to_csv(csv, index=False)
    out = {}
    for name, data in [("titanic", ["--data", "titanic"]),
                       ("40,000 rows", ["--data", str(csv), "--target", synth.TARGET])]:
        local, remote = [], []
        for _ in range(runs):
            seconds, local_numbers = one_cli_run(data, None)
            local.append(seconds)
            seconds, remote_numbers = one_cli_run(data, address)
            remote.append(seconds)
            assert remote_numbers == local_numbers, "distviz run on the cluster differs from local"
        out[name] = {"local": median(local), "cluster": median(remote),
                     "ratio": median(remote) / median(local)}
        log(f"  distviz run, {name}: local {median(local):.2f} s, cluster {median(remote):.2f} s")
    return out


def run(runs: int = 2, log=print) -> dict:
    executor = FitExecutor()  # one for every run: the LocalCluster is started once
    clusters = executor.clusters
    with Timer() as start:
        workers = clusters.threads("local")  # starts the LocalCluster and connects
    out = {"start": start.seconds, "workers": workers, "runs": runs, "sets": {},
           "loads": [load_average()]}
    for name, ds in [("titanic", Dataset(source="titanic")), ("40,000 rows", make_dataset())]:
        local, remote = [], []
        for _ in range(runs):
            seconds, local_numbers = one_run(ds, None, executor)
            local.append(seconds)
            seconds, remote_numbers = one_run(ds, "local", executor)
            remote.append(seconds)
            assert remote_numbers == local_numbers, "the cluster's numbers differ from local"
        out["sets"][name] = {"rows": len(ds.X_train), "local": median(local),
                             "cluster": median(remote), "ratio": median(remote) / median(local)}
        log(f"  {name}: local {median(local):.2f} s, cluster {median(remote):.2f} s")
        out["loads"].append(load_average())
    with tempfile.TemporaryDirectory() as folder:
        out["cli"] = cli_runs(clusters.client("local").scheduler.address, runs, Path(folder), log)
    out["loads"].append(load_average())
    clusters.drop("local")
    return out


def section(s: dict) -> str:
    rows = [{"data": f"{name} ({v['rows']:,} training rows)", "local pool": f"{v['local']:.2f} s",
             "dask cluster": f"{v['cluster']:.2f} s", "cluster / local": f"{v['ratio']:.2f}x"}
            for name, v in s["sets"].items()]
    cli_rows = [{"data": name, "distviz run": f"{v['local']:.2f} s",
                 "distviz run --scheduler": f"{v['cluster']:.2f} s",
                 "cluster / local": f"{v['ratio']:.2f}x"} for name, v in s["cli"].items()]
    return f"""## The model loop on a dask cluster (`bench_cluster.py`, issue 13)

The dashboard's and `distviz serve --scheduler`'s path: `ModelLoop(cluster=...)` sends every fit
through the dask client's executor (fits in flight, the progressive order and cancelling as in
the local pool). A cold run of the 4 default algorithms x {REPEATS} seeds on the baseline and one
shift (24 fits, fresh cache), on the local 2-process pool and on a LocalCluster of
{s['workers']} one-thread worker processes (started once, in {s['start']:.1f} s, not counted); the
cluster's numbers equal the local ones in every run (asserted). Median of {s['runs']} runs;
1-minute load average: {' -> '.join(s['loads'])}.

{table(rows, ["data", "local pool", "dask cluster", "cluster / local"])}

The command line, `distviz run --ratio -0.5 --repeats {REPEATS} --json` (the same 24 fits), in a fresh
process with a fresh cache each time, locally and with `--scheduler` set to the same cluster's
address; start-up and loading are in both; the JSON numbers are equal (asserted).

{table(cli_rows, ["data", "distviz run", "distviz run --scheduler", "cluster / local"])}

Both use the same 2 cores here. The model loop's per-fit path (the dashboard's) costs about
what the local pool does: either way this process shifts and preprocesses each training set
on one of those cores and pickles each fit's matrices to a worker; the cluster adds the
scheduler's round trips. `distviz run --scheduler` (and sweep and advise) uses the cluster
differently: the dataset is scattered to the workers once and each task shifts, preprocesses
and fits one (training set, seed) there, so this process stays idle and nothing is shipped per
fit; its local run also pays for starting its process pool, where the cluster's workers were
already running. The cluster's use is more cores on other machines.
"""


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=2)
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    return report("cluster", section(run(args.runs)), args.no_write)


if __name__ == "__main__":
    sys.exit(main())
