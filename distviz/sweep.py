"""Sweeps: the model loop over features x groups x ratios x algorithms x repeats, as a tidy table.

A sweep runs locally through a :class:`~distviz.loop.ModelLoop` (its process pool and its cache),
or on a ``dask.distributed`` cluster: a LocalCluster (``scheduler="local"``) or an existing one
(``scheduler="tcp://HOST:PORT"``). On Dask every (training set, seed) is one task that builds the
shifted training set and fits every algorithm inside the worker with the very same code path as
the local loop (a one-process ModelLoop), so the same seeds give the same table on every backend.
Either way each fit lands in the caller's result cache as soon as it is known: a re-run is served
from the cache and an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import math
import numbers
import os
import sys
import threading
import time
from collections import OrderedDict
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import param

from . import evaluate, models
from .data import Dataset
from .errors import UsageError
from .loop import FitResult, ModelLoop, ResultCache
from .resample import CLASS_BALANCES, UPSAMPLERS, ShiftSpec, validate_spec

#: -0.8 to +3 in 9 steps: down-sampling in steps of 0.2, the baseline, then 1.5x, 2x, 3x, 4x.
DEFAULT_RATIOS = (-0.8, -0.6, -0.4, -0.2, 0.0, 0.5, 1.0, 2.0, 3.0)
KEY_COLUMNS = ["feature", "group", "ratio", "algorithm", "repeat"]
RANKING_METHODS = ("gini", "permutation", "shap")
LOCAL_CLUSTER_WORKERS = 2

SweepProgress = Callable[[int, int, FitResult], None]


@dataclass
class SweepStats:
    """What the last run of a sweep did."""

    fits: int = 0
    computed: int = 0
    cached: int = 0
    seconds: float = 0.0
    backend: str = "local"


class Sweep(param.Parameterized):
    """The model loop over a grid: features x groups x ratios x algorithms x repeats.

    Each feature is shifted in one group (default: its smallest), at every ratio; ratio 0 is the
    baseline. :meth:`run` returns one row per (feature, group, ratio, algorithm, repeat) with
    every metric, its change against the baseline of the same seed (``delta_<metric>``), the fit
    time and the training rows.

    Examples
    --------
    >>> sweep = Sweep(dataset=Dataset(source="titanic"), features=["sex"], ratios=[-0.5, 0, 1],
    ...               algorithms=["logistic_regression"], repeats=2)
    >>> table = sweep.run()  # doctest: +SKIP
    >>> len(table)  # doctest: +SKIP
    6
    """

    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True, doc="""
        The dataset; default the dataset of ``loop``.""")

    features = param.List(default=None, allow_None=True, item_type=str, doc="""
        Features to shift, in order; None takes the ``top`` features by ``method``.""")

    top = param.Integer(default=3, bounds=(1, None), softbounds=(1, 10), doc="""
        How many top-ranked features to sweep when ``features`` is None.""")

    method = param.Selector(default="gini", objects=list(RANKING_METHODS), doc="""
        The importance ranking that picks the top features.""")

    groups = param.Dict(default={}, doc="""
        Group to shift per feature; a feature not listed uses its smallest group.""")

    ratios = param.List(default=list(DEFAULT_RATIOS), item_type=numbers.Real, doc="""
        Ratios r: the group's training rows become round(n * (1 + r)); 0 is the baseline.""")

    algorithms = param.List(default=None, allow_None=True, item_type=str, doc="""
        Registry names of the algorithms; None takes the task's default four.""")

    repeats = param.Integer(default=3, bounds=(1, 50), softbounds=(1, 10), doc="""
        Seeds per cell; each row is one seed, and intervals come from the spread over seeds.""")

    upsampler = param.Selector(default="random", objects=list(UPSAMPLERS), doc="""
        How rows are added when the ratio is positive: duplicates or SMOTE(NC).""")

    class_balance = param.Selector(default="none", objects=list(CLASS_BALANCES), doc="""
        Class re-balancing after the feature shift (classification only).""")

    random_state = param.Integer(default=None, allow_None=True, doc="""
        First seed (repeat k uses random_state + k); default the seed of ``loop``, else 0.""")

    scheduler = param.String(default=None, allow_None=True, doc="""
        Where fits run: None in this machine's process pool; "local" on a dask LocalCluster
        started for the sweep; "tcp://HOST:PORT" on an existing dask cluster.""")

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        A model loop whose cache, worker count and training-row budgets the sweep uses
        (algorithms, repeats and seeds come from the sweep).""")

    def __init__(self, **params):
        super().__init__(**params)
        self.stats = SweepStats()

    # ------------------------------------------------------------------ the grid
    @property
    def data(self) -> Dataset:
        dataset = self.dataset or (self.loop.dataset if self.loop is not None else None)
        if dataset is None:
            raise UsageError("the sweep has no dataset; set Sweep.dataset first.")
        return dataset

    @property
    def seed(self) -> int:
        if self.random_state is not None:
            return self.random_state
        return self.loop.random_state if self.loop is not None else 0

    def resolved_features(self) -> list[str]:
        """The features to sweep: ``features`` as given, or the ``top`` ranked ones."""
        dataset = self.data
        if self.features is not None:
            if not self.features:
                raise UsageError("no feature to sweep; name at least one feature.")
            for feature in self.features:
                dataset.check_feature(feature)
            return list(dict.fromkeys(self.features))
        from .importance import top_features
        return top_features(dataset, min(self.top, len(dataset.features)), method=self.method,
                            random_state=self.seed)

    def resolved_ratios(self) -> list[float]:
        """The ratios, ascending and without duplicates."""
        if not self.ratios:
            raise UsageError("no ratio to sweep; give at least one, e.g. --ratios -0.5,0,1.")
        return sorted({float(r) + 0.0 for r in self.ratios})  # + 0.0 turns -0.0 into 0.0

    def resolved_algorithms(self) -> list[str]:
        task = self.data.task_name
        names = self.algorithms if self.algorithms else models.default_algorithms(task)
        return [a.name for a in models.resolve(names, task)]

    def plan(self) -> list[tuple[str, str, list[ShiftSpec]]]:
        """(feature, group, one ShiftSpec per ratio) for every feature, validated up front so a
        bad ratio or group fails before any fit runs."""
        dataset = self.data
        ratios = self.resolved_ratios()
        max_ratio = self.loop.max_ratio if self.loop is not None else 3.0
        out = []
        for feature in self.resolved_features():
            group = self.groups.get(feature)
            group = dataset.check_group(feature, group) if group is not None \
                else dataset.smallest_group(feature)
            specs = [ShiftSpec(feature, group, r, self.upsampler, self.class_balance)
                     for r in ratios]
            for spec in specs:
                validate_spec(dataset, spec, max_ratio=max_ratio)
            out.append((feature, group, specs))
        return out

    def make_loop(self, *, n_jobs: int | None = None) -> ModelLoop:
        """A ModelLoop with the sweep's algorithms, repeats and seed, and ``loop``'s settings."""
        params = dict(dataset=self.data, algorithms=self.resolved_algorithms(),
                      repeats=self.repeats, random_state=self.seed)
        if self.loop is not None:
            template = self.loop
            params.update(n_jobs=template.n_jobs, cache=template.cache,
                          max_train_rows=template.max_train_rows,
                          lift_budgets=template.lift_budgets, time_budget=template.time_budget,
                          max_ratio=template.max_ratio)
        if n_jobs is not None:
            params["n_jobs"] = n_jobs
        return ModelLoop(**params)

    # ------------------------------------------------------------------ running
    def run(self, *, progress: SweepProgress | None = None) -> pd.DataFrame:
        """Run (or fetch from the cache) every cell of the grid.

        Parameters
        ----------
        progress : callable, optional
            ``progress(done, total, fit_result)`` each time one distinct fit (training set x
            algorithm x seed, baselines included) is known, cached or computed.

        Returns
        -------
        pandas.DataFrame
            One row per (feature, group, ratio, algorithm, repeat), in that order.
        """
        started = time.perf_counter()
        if self.scheduler:
            check_scheduler(self.scheduler)
        plan = self.plan()
        loop = self.make_loop()
        tracker = _Tracker(loop, plan, progress)
        backend = "local"
        if self.scheduler:
            backend = self._run_on_dask(loop, tracker)
        else:  # the whole grid at once: no worker idles between ratios
            loop.prefetch([spec for _, _, specs in plan for spec in specs], progress=tracker)
        tables = []
        for feature, group, specs in plan:
            for spec in specs:
                run = loop.run(spec, progress=tracker)
                tables.append(_rows(run, feature, group, tracker.fresh))
        table = pd.concat(tables, ignore_index=True)
        computed = len(tracker.fresh)
        self.stats = SweepStats(fits=tracker.total, computed=computed,
                                cached=tracker.total - computed,
                                seconds=time.perf_counter() - started, backend=backend)
        return table

    # ------------------------------------------------------------------ dask
    def _run_on_dask(self, loop: ModelLoop, tracker: "_Tracker") -> str:
        """Fit every uncached (training set, seed) on the cluster; results fill loop's cache."""
        todo = tracker.uncached_states()
        if not todo:
            return f"dask ({self.scheduler}), nothing to compute"
        client, close = connect(self.scheduler)
        futures = []
        try:
            from distributed import as_completed
            dataset = client.scatter(loop.dataset, broadcast=True, hash=False)
            settings = worker_settings(loop)
            futures = [client.submit(fit_state_on_worker, dataset, spec, seed, settings,
                                     pure=False) for spec, seed in todo]
            index = {future.key: state for future, state in zip(futures, todo)}
            for future in as_completed(futures):
                spec, seed = index[future.key]
                for fit in future.result():
                    tracker.computed_elsewhere(spec, seed, fit)
            return f"dask ({self.scheduler})"
        finally:
            for future in futures:
                future.cancel()
            close()


class _Tracker:
    """Progress over distinct fits, and which fits this run computed (not served from cache)."""

    def __init__(self, loop: ModelLoop, plan, progress):
        self.loop, self.progress = loop, progress
        self.algorithms = loop.resolved_algorithms()
        states = OrderedDict()
        for _, _, specs in plan:
            for spec in specs:
                for state in (spec, spec.baseline()):
                    states.setdefault(state.training_key(), state)
        self.states = list(states.values())
        self.total = len(self.states) * len(loop.seeds) * len(self.algorithms)
        self.seen: set[tuple] = set()
        self.fresh: set[tuple] = set()
        self._lock = threading.Lock()

    def uncached_states(self) -> list[tuple[ShiftSpec, int]]:
        cache = self.loop.result_cache
        todo = []
        for state in self.states:
            for seed in self.loop.seeds:
                known = [cache.get(self.loop.cache_key(state, a, seed)) for a in self.algorithms]
                for fit in known:
                    if fit is not None:
                        self(0, 0, fit)
                if any(fit is None for fit in known):
                    todo.append((state, seed))
        return todo

    def computed_elsewhere(self, spec: ShiftSpec, seed: int, fit: FitResult) -> None:
        algorithm = models.get(fit.algorithm, self.loop.dataset.task_name)
        key = self.loop.cache_key(spec, algorithm, seed)
        self.loop.result_cache.put(key, fit)
        self(0, 0, replace(fit, from_cache=False))

    def __call__(self, _done, _total, fit: FitResult) -> None:
        identity = (fit.training_key, fit.algorithm, fit.seed)
        with self._lock:
            if not fit.from_cache:
                self.fresh.add(identity)
            if identity in self.seen:
                return
            self.seen.add(identity)
            done = len(self.seen)
        if self.progress:
            self.progress(done, self.total, fit)


def _rows(run, feature: str, group: str, fresh: set) -> pd.DataFrame:
    """The table rows of one loop run: one per algorithm x seed."""
    dataset, spec = run.dataset, run.spec
    names = evaluate.metric_names(dataset.task_name)
    group_rows = run.shift.groups_after.get(group, 0)
    records = []
    for result in run.algorithms:
        baselines = {f.seed: f for f in result.baseline_fits}
        for repeat, fit in enumerate(result.fits):
            base = baselines.get(fit.seed)
            record = {"dataset": dataset.name, "feature": feature, "group": group,
                      "ratio": float(spec.ratio), "algorithm": result.algorithm,
                      "repeat": repeat, "seed": fit.seed, "upsampler": spec.upsampler,
                      "class_balance": spec.class_balance}
            for name in names:
                value = fit.metrics.get(name, np.nan) if fit.metrics else np.nan
                record[name] = value
            for name in names:
                ok = fit.metrics and base is not None and base.metrics
                record[f"delta_{name}"] = (fit.metrics[name] - base.metrics[name]) if ok \
                    else np.nan
            record.update(train_rows=fit.train_rows, train_rows_used=fit.train_rows_used,
                          group_rows=group_rows, fit_seconds=fit.fit_seconds,
                          error=fit.error or (base.error if base is not None else None),
                          from_cache=(fit.training_key, fit.algorithm, fit.seed) not in fresh)
            records.append(record)
    table = pd.DataFrame.from_records(records)
    for name in names:
        table[name] = table[name].astype("float64")
        table[f"delta_{name}"] = table[f"delta_{name}"].astype("float64")
    return table


# ---------------------------------------------------------------------------- dask plumbing
def connect(scheduler: str):
    """A ``distributed.Client`` for ``scheduler`` and a function that releases it.

    ``"local"`` starts a LocalCluster of two one-thread worker processes on 127.0.0.1 (no
    dashboard) that lives for the sweep; an address connects to a running scheduler.
    """
    try:
        from distributed import Client, LocalCluster
    except ImportError:  # pragma: no cover - a dependency of distviz
        raise UsageError("dask.distributed is not installed; pip install 'dask[distributed]'.") \
            from None
    if scheduler == "local":
        cluster = LocalCluster(n_workers=LOCAL_CLUSTER_WORKERS, threads_per_worker=1,
                               processes=True, host="127.0.0.1", dashboard_address=None)
        client = Client(cluster)

        def close():
            client.close()
            cluster.close()
        return client, close
    check_scheduler(scheduler)
    try:
        _probe(scheduler)
        client = Client(scheduler, timeout="10s")
    except (OSError, TimeoutError, ValueError) as exc:
        raise UsageError(f"cannot reach the dask scheduler at {scheduler} ({type(exc).__name__});"
                         " start one with 'dask scheduler' or use --scheduler local.") from None
    return client, client.close


def check_scheduler(scheduler: str) -> str:
    """``scheduler`` when it is 'local' or looks like a scheduler address, else a UsageError."""
    if scheduler != "local" and "://" not in scheduler and ":" not in scheduler:
        raise UsageError(f"--scheduler takes 'local' or a dask scheduler address such as "
                         f"tcp://127.0.0.1:8786, got {scheduler!r}.")
    return scheduler


def _probe(address: str) -> None:
    """Fail at once when nothing listens at a TCP address (the client would retry for long)."""
    import socket
    from urllib.parse import urlsplit
    parts = urlsplit(address if "://" in address else f"tcp://{address}")
    if parts.scheme == "tcp" and parts.hostname and parts.port:
        with socket.create_connection((parts.hostname, parts.port), timeout=5):
            pass


def worker_settings(loop: ModelLoop) -> dict:
    """What a worker needs to rebuild an equivalent one-process loop (names, not objects: an
    algorithm factory may be a lambda, which does not pickle)."""
    return {"algorithms": tuple(loop.algorithms), "max_train_rows": loop.max_train_rows,
            "lift_budgets": loop.lift_budgets, "max_ratio": loop.max_ratio}


_WORKER_LOOPS: OrderedDict[tuple, ModelLoop] = OrderedDict()
_WORKER_LOCK = threading.Lock()


def fit_state_on_worker(dataset: Dataset, spec: ShiftSpec, seed: int,
                        settings: dict) -> list[FitResult]:
    """Runs in a dask worker: shift the training set and fit every algorithm for one seed.

    Uses a one-process ModelLoop (no process pool inside a dask worker), kept per worker for
    each (dataset, seed) so preprocessing of a training set is shared between its algorithms.
    """
    key = (dataset.fingerprint, seed, tuple(sorted(settings.items())))
    with _WORKER_LOCK:
        loop = _WORKER_LOOPS.get(key)
        if loop is None:
            loop = ModelLoop(dataset=dataset, algorithms=list(settings["algorithms"]),
                             repeats=1, random_state=seed, n_jobs=1,
                             cache=ResultCache(max_bytes=64 * 2**20),
                             max_train_rows=settings["max_train_rows"],
                             lift_budgets=settings["lift_budgets"],
                             max_ratio=settings["max_ratio"])
            _WORKER_LOOPS[key] = loop
            while len(_WORKER_LOOPS) > 8:
                _WORKER_LOOPS.popitem(last=False)
        else:
            _WORKER_LOOPS.move_to_end(key)
    run = loop.run(spec, with_baseline=False)
    return [result.fits[0] for result in run.algorithms]


# ---------------------------------------------------------------------------- summaries
def summarize(table: pd.DataFrame, metric: str | None = None) -> pd.DataFrame:
    """Mean over repeats of ``metric`` and of its change against the baseline of the same seed,
    each with its 95 % Student-t interval, one row per (feature, group, ratio, algorithm), in
    table order.

    ``significant`` is True when the interval of the change excludes 0, False when it includes
    it, and None with a single repeat (no interval).
    """
    metric = metric or headline_metric(table)
    rows = []
    keys = ["feature", "group", "ratio", "algorithm"]
    for key, cell in table.groupby(keys, sort=False):
        value, value_low, value_high = evaluate.mean_ci(cell[metric].to_numpy(dtype=float))
        delta, low, high = evaluate.mean_ci(cell[f"delta_{metric}"].to_numpy(dtype=float))
        values = cell[metric].dropna()
        rows.append({**dict(zip(keys, key)), "metric": metric,
                     "value": value, "value_low": value_low, "value_high": value_high,
                     "delta": delta, "ci_low": low, "ci_high": high,
                     "significant": evaluate.is_significant(low, high),
                     "repeats": int(len(values)), "errors": int(cell["error"].notna().sum())})
    return pd.DataFrame(rows)


def headline_metric(table: pd.DataFrame) -> str:
    return "f1" if "f1" in table.columns else "r2"


def winners(summary: pd.DataFrame) -> pd.DataFrame:
    """The best algorithm at each (feature, group, ratio) of a :func:`summarize` table (ties: the
    first listed wins), with the runner-up and the margin between them."""
    rows = []
    for (feature, group, ratio), cell in summary.groupby(["feature", "group", "ratio"],
                                                         sort=False):
        metric = cell["metric"].iloc[0]
        sign = -1.0 if metric in evaluate.LOWER_IS_BETTER else 1.0
        scored = cell.dropna(subset=["value"])
        if scored.empty:
            rows.append({"feature": feature, "group": group, "ratio": ratio, "metric": metric,
                         "best": None, "value": np.nan, "runner_up": None, "margin": np.nan})
            continue
        order = np.argsort(-sign * scored["value"].to_numpy(), kind="stable")
        best = scored.iloc[order[0]]
        second = scored.iloc[order[1]] if len(order) > 1 else None
        rows.append({"feature": feature, "group": group, "ratio": ratio, "metric": metric,
                     "best": best["algorithm"], "value": best["value"],
                     "runner_up": None if second is None else second["algorithm"],
                     "margin": np.nan if second is None
                     else abs(best["value"] - second["value"])})
    return pd.DataFrame(rows)


def paired_lead(table: pd.DataFrame, feature: str, ratio: float, leader: str, other: str,
                metric: str) -> tuple[float, float, float]:
    """Mean and 95 % interval over seeds of how far ``leader`` is ahead of ``other`` in one
    cell (positive = ahead, for lower-is-better metrics too)."""
    cell = table[(table["feature"] == feature) & (table["ratio"] == ratio)]
    ahead = (cell[cell["algorithm"] == leader].set_index("seed")[metric]
             - cell[cell["algorithm"] == other].set_index("seed")[metric]).dropna()
    sign = -1.0 if metric in evaluate.LOWER_IS_BETTER else 1.0
    return evaluate.mean_ci(sign * ahead.to_numpy(dtype=float))


# ---------------------------------------------------------------------------- output
def check_output(path: str, suffixes: tuple[str, ...] = (".csv", ".parquet")) -> Path:
    """Fail before any work runs when the output could not be written afterwards."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"--out must end in {' or '.join(suffixes)}, got {path!r}.")
    if not out.parent.exists():
        raise UsageError(f"the folder of --out does not exist: {str(out.parent)!r}; "
                         "create it first.")
    if out.exists() and out.is_dir():
        raise UsageError(f"--out names a folder: {path!r}; give a file name.")
    return out


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a sweep table as CSV (text cells neutralised against formula injection) or
    Parquet, atomically."""
    from .safety import neutralise_csv
    out = check_output(str(path))
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        if out.suffix.lower() == ".csv":
            neutralise_csv(table).to_csv(partial, index=False)
        else:
            table.to_parquet(partial, index=False)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def format_summary(table: pd.DataFrame, stats: SweepStats | None = None) -> str:
    """A plain-text view of a sweep: the headline metric per cell and algorithm."""
    metric = headline_metric(table)
    summary = summarize(table, metric)
    algorithms = list(dict.fromkeys(summary["algorithm"]))
    repeats = int(table["repeat"].max()) + 1
    name = table["dataset"].iloc[0]
    lines = [f"{name}: {len(table)} rows = {table['feature'].nunique()} features x "
             f"{table['ratio'].nunique()} ratios x {len(algorithms)} algorithms x "
             f"{repeats} repeats",
             f"{metric.upper()} (mean over repeats) and change vs baseline"
             + ("; * = 95 % interval excludes 0" if repeats > 1 else ""), ""]
    width = max(14, *(len(a) + 2 for a in algorithms))
    header = f"{'feature':<16}{'group':<18}{'ratio':>7}  " + "".join(
        f"{a:>{width}}" for a in algorithms)
    lines += [header, "-" * len(header)]
    for (feature, group, ratio), cell in summary.groupby(["feature", "group", "ratio"],
                                                         sort=False):
        texts = []
        for algorithm in algorithms:
            row = cell[cell["algorithm"] == algorithm].iloc[0]
            if math.isnan(row["value"]):
                texts.append(f"{'error':>{width}}")
                continue
            mark = "*" if row["significant"] is True else " "
            texts.append(f"{row['value']:.3f} {row['delta']:+.3f}{mark}".rjust(width))
        lines.append(f"{feature[:15]:<16}{group[:17]:<18}{ratio:>+7.2f}  " + "".join(texts))
    best = winners(summary)
    base = best[best["ratio"] == 0.0]
    if len(base):
        lines += ["", f"best at baseline: {base['best'].iloc[0]}"]
    changes = best[best["best"] != (base["best"].iloc[0] if len(base) else None)]
    if len(base) and len(changes):
        counts = changes["best"].value_counts()
        leader = base["best"].iloc[0]
        real = sum(paired_lead(table, r.feature, r.ratio, r.best, leader, metric)[1] > 0
                   for r in changes.itertuples())
        lines.append(f"another algorithm leads in {len(changes)} of {len(best)} cells ("
                     + ", ".join(f"{name} {n}" for name, n in counts.items())
                     + f"); {real} of these leads exceed the noise")
    errors = int(table["error"].notna().sum())
    if errors:
        lines.append(f"{errors} fits failed; see the error column.")
    if stats is not None:
        lines.append(f"{stats.fits} distinct fits: {stats.computed} computed, {stats.cached} "
                     f"from cache, {stats.seconds:.1f} s on {stats.backend}")
    return "\n".join(lines)


# ---------------------------------------------------------------------------- CLI
def run_from_cli(args) -> int:
    """``distviz sweep`` (design.md, command line contract)."""
    from .cli import _Progress, load_dataset, make_loop, parse_floats, parse_names
    if args.features and args.top is not None:
        raise UsageError("give either --features or --top, not both.")
    if args.top is not None and args.top < 1:
        raise UsageError(f"--top must be at least 1, got {args.top}.")
    if args.repeats is not None and args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}.")
    if args.out:
        check_output(args.out)
    ratios = parse_floats(args.ratios, "--ratios") if args.ratios else list(DEFAULT_RATIOS)
    dataset = load_dataset(args)
    loop = make_loop(args, dataset)
    sweep = Sweep(dataset=dataset, loop=loop,
                  features=parse_names(args.features) if args.features else None,
                  top=args.top or 3, method=args.method, ratios=ratios,
                  algorithms=list(loop.algorithms), repeats=args.repeats or 3,
                  upsampler=args.upsampler, class_balance=args.class_balance,
                  random_state=args.seed, scheduler=args.scheduler)
    progress = _Progress("sweep")
    try:
        table = sweep.run(progress=progress)
    finally:
        progress.close()
    print(format_summary(table, sweep.stats))
    if args.out:
        path = write_table(table, args.out)
        print(f"wrote {len(table)} rows to {path}")
    sys.stdout.flush()
    return 0
