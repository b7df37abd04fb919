"""Where fits run: the :class:`FitExecutor`, an object handed to every loop that should share it.

It owns the local process pool (loky's reusable one) and the dask clients (one per scheduler
address), and what the loops that share it share: fits in flight (a fit two runs need is
computed once), the measured fit costs (long fits go first) and the priority of a user's run
(foreground) over prefetches (background: nothing is submitted while a foreground run computes).
A fit is never lost to the machinery: a cluster that cannot be reached or goes away mid-run
leaves a notice and the fits run locally; a future lost with its worker runs once more locally;
a fit over its time budget is reported as an error.

A loop given no executor makes its own; the served app makes one per server process and hands
it to every session's loop, so the pool, the fits in flight and the priority span sessions.
"""

from __future__ import annotations

import os
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Callable

# Imported now, before this module's threads exist: shap imports tqdm.auto later on a worker
# thread, and tqdm's warnings.catch_warnings (process-wide) then races with other threads' and
# prints a TqdmExperimentalWarning into a notebook's cell.
import tqdm.auto  # noqa: F401, E402

from .cluster import Clusters
from .fit import fit_and_score, warm_worker
from .jobs import FitJob

Outcome = dict
# Called as each fit is known; may return more jobs for the same run (queued after the rest).
OnFit = Callable[[FitJob, Outcome], "list[FitJob] | None"]


def default_n_jobs() -> int:
    return min(2, os.cpu_count() or 1)


class FitExecutor:
    """Runs fits in a local process pool or on a dask cluster, shared by the loops given it.

    Parameters
    ----------
    idle_timeout : float
        Seconds an idle local worker process lives before it exits (it restarts on demand).
    connect : callable, optional
        ``connect(address) -> (client, close)`` for a dask scheduler address (default
        :func:`distviz.loop.cluster.connect`; tests pass a stand-in).
    """

    def __init__(self, *, idle_timeout: float = 600, connect=None):
        self.idle_timeout = idle_timeout
        self.clusters = Clusters(connect) if connect is not None else Clusters()
        self._pool_lock = threading.Lock()
        self._in_flight: dict[str, Future] = {}  # cache key -> its fit running somewhere
        # Prefetched fits on the workers: future -> (cache key, (fingerprint, algorithm), since)
        self._prefetched: dict[Future, tuple[str, tuple[str, str], float]] = {}
        self._in_flight_lock = threading.Lock()
        self.fit_costs: dict[tuple[str, str], float] = {}  # (fingerprint, algorithm) -> s
        self._activity = threading.Condition()
        self._foreground_runs = 0

    def __enter__(self) -> "FitExecutor":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # ------------------------------------------------------------------ the pool and clusters
    def pool(self, n_jobs: int):
        """The reusable local process pool with ``n_jobs`` workers (restarted if it died)."""
        from joblib.externals.loky import get_reusable_executor
        with self._pool_lock:
            return get_reusable_executor(max_workers=n_jobs, timeout=self.idle_timeout,
                                         reuse=True)

    def connect(self, cluster: str) -> None:
        """Connect to the dask cluster at ``cluster`` now (a UsageError saying why not), so a
        command fails at once on a cluster that is not there."""
        self.clusters.client(cluster)

    def shutdown(self, n_jobs: int) -> None:
        """Stop the local worker processes (the next fit starts new ones)."""
        self.pool(n_jobs).shutdown(wait=True)

    def warm_up(self, n_jobs: int) -> None:
        """Start the local workers and import the model libraries in them, in advance."""
        pool = self.pool(n_jobs)
        for future in [pool.submit(warm_worker) for _ in range(n_jobs)]:
            future.result()

    def close(self) -> None:
        """Release the dask clients (and the LocalClusters) this executor started."""
        self.clusters.close()

    # ------------------------------------------------------------------ costs
    def remember_cost(self, fingerprint: str, algorithm: str, seconds: float) -> None:
        """A measured fit time for an algorithm on a dataset (the latest counts)."""
        self.fit_costs[(fingerprint, algorithm)] = seconds

    def cost(self, fingerprint: str, algorithm: str) -> float | None:
        return self.fit_costs.get((fingerprint, algorithm))

    def slots(self, n_jobs: int, cluster: str | None = None) -> int:
        """How many fits run at once: the cluster's worker threads while connected to it,
        else ``n_jobs`` local workers."""
        if cluster and self.clusters.alive(cluster):
            return self.clusters.threads(cluster)
        return max(n_jobs, 1)

    # ------------------------------------------------------------------ priority
    @property
    def foreground_busy(self) -> bool:
        """Whether a user's run is computing fits (prefetches wait meanwhile)."""
        return bool(self._foreground_runs)

    def _enter(self, foreground: bool) -> None:
        if foreground:
            with self._activity:
                self._foreground_runs += 1

    def _leave(self, foreground: bool) -> None:
        if foreground:
            with self._activity:
                self._foreground_runs -= 1
                self._activity.notify_all()

    def _wait_turn(self, stop: Callable[[], bool]) -> bool:
        """Block while a foreground run computes; False once ``stop()``."""
        with self._activity:
            while self._foreground_runs and not stop():
                self._activity.wait(0.1)
        return not stop()

    # ------------------------------------------------------------------ fits in flight
    def others_on_workers(self, keys) -> list[tuple[float | None, float]]:
        """(measured cost or None, seconds it has run) of each prefetched fit on the workers now
        that is none of ``keys`` (cache keys): what a new run's fits wait behind."""
        now = time.perf_counter()
        with self._in_flight_lock:
            return [(self.fit_costs.get(kind), now - since)
                    for future, (key, kind, since) in self._prefetched.items()
                    if key not in keys and not future.done()]

    def _shared(self, key: str) -> Future | None:
        """The future of the same fit another run has in flight, unless it failed."""
        with self._in_flight_lock:
            future = self._in_flight.get(key)
        if future is not None and future.done() and not _succeeded(future):
            return None
        return future

    def _forget(self, key: str, future: Future) -> None:
        with self._in_flight_lock:
            self._prefetched.pop(future, None)
            if self._in_flight.get(key) is future:
                del self._in_flight[key]

    # ------------------------------------------------------------------ running fits
    def run(self, jobs: list[FitJob], on_fit: OnFit, *, n_jobs: int, cluster: str | None = None,
            time_budget: float | None = None, background: bool = False,
            stop: Callable[[], bool] | None = None,
            notice: Callable[[str], None] | None = None) -> None:
        """Fit ``jobs`` (in their order) and call ``on_fit(job, outcome)`` as each is known;
        the jobs ``on_fit`` returns join the queue (a run's fits decided from its first ones
        start while those still run).

        ``background``: low priority (at most the workers' count in flight, nothing submitted
        while a foreground run computes). ``stop()``: checked before each submission; once
        True nothing more starts (fits in flight finish). ``notice(text)``: where the fits ran
        when not where asked (one line).
        """
        stop = stop or (lambda: False)
        notice = notice or (lambda text: None)
        queue = list(jobs)
        self._enter(not background)
        try:
            if not cluster and (n_jobs == 1 or len(queue) <= 1):
                self._run_here(queue, on_fit, background, stop, serial=n_jobs == 1)
            if queue:
                _Flight(self, queue, on_fit, n_jobs, cluster, time_budget, background, stop,
                        notice).run()
        finally:
            self._leave(not background)

    def _run_here(self, queue, on_fit, background, stop, *, serial: bool) -> None:
        """One at a time in this thread while one fit is left (or one worker asked for, when
        ``serial``); more that ``on_fit`` adds are left in ``queue`` for the pool."""
        while queue and (serial or len(queue) == 1):
            job = queue.pop(0)
            if (background and not self._wait_turn(stop)) or stop():
                queue.clear()
                return
            args, kwargs = job.arguments()
            queue.extend(on_fit(job, fit_and_score(*args, **kwargs)) or ())


class _Flight:
    """One :meth:`FitExecutor.run` on the pool or a cluster: fits submitted as workers free up
    (a few queued ahead), fits in flight shared, failover and time-outs."""

    def __init__(self, executor: FitExecutor, jobs, on_fit, n_jobs, cluster, time_budget,
                 background, stop, notice):
        self.executor, self.queue, self.on_fit = executor, list(jobs), on_fit
        self.n_jobs, self.cluster, self.time_budget = n_jobs, cluster, time_budget
        self.background, self.stop, self.notice = background, stop, notice
        self.pending: dict[Future, tuple[FitJob, bool]] = {}  # future -> (job, owned)
        self.started_at: dict[Future, float] = {}
        self.retried: set[str] = set()  # fits whose future failed, run again locally
        self.pool, self.ahead, self.on_cluster = self._where()

    def _where(self) -> tuple:
        """Where fits go: (executor, fits queued ahead, whether it is the cluster); the local
        pool, with a notice, when the cluster cannot be reached."""
        if self.cluster:
            clusters = self.executor.clusters
            try:
                client = clusters.client(self.cluster)
                return (client.get_executor(pure=False),
                        self._ahead(clusters.threads(self.cluster)), True)
            except Exception:  # noqa: BLE001 - a cluster that is not there: fit here
                self.notice(f"cannot reach the dask cluster at {self.cluster}; fitting "
                            "locally (start it with 'dask scheduler' and 'dask worker')")
        return self.executor.pool(self.n_jobs), self._ahead(self.n_jobs), False

    def _ahead(self, workers: int) -> int:
        return workers if self.background else 2 * workers

    def run(self) -> None:
        try:
            while self.queue or self.pending:
                if self.on_cluster and not self.executor.clusters.alive(self.cluster):
                    self._fail_over()
                if self.queue and self.stop():
                    self.queue.clear()  # superseded: the fits in flight finish, nothing starts
                while self.queue and len(self.pending) < self.ahead and (
                        not self.background or not (self.stop()
                                                    or self.executor.foreground_busy)):
                    self._submit(self.queue.pop(0))
                if not self.pending:
                    time.sleep(0.05)  # a background run waiting for the foreground
                    continue
                finished, _ = wait(self.pending, timeout=0.05, return_when=FIRST_COMPLETED)
                for future in finished:
                    self._collect(future)
                if self.time_budget:
                    self._enforce_time_budget()
        finally:  # what is left in flight is forgotten: no later run shares an orphan
            for future, (job, owned) in self.pending.items():
                if owned:
                    self.executor._forget(job.key, future)

    def _fail_over(self) -> None:
        """The cluster went away: what it had not finished, and what is left, runs here (a
        future it cancelled on the way out counts as not finished)."""
        self.notice(f"the dask cluster at {self.cluster} went away; fitting locally")
        self.executor.clusters.drop(self.cluster)  # no more reconnecting to it
        for future, (job, owned) in list(self.pending.items()):
            if not _succeeded(future):
                del self.pending[future]
                if owned:
                    self.executor._forget(job.key, future)
                self.queue.insert(0, job)
        self.pool, self.ahead, self.on_cluster = (self.executor.pool(self.n_jobs),
                                                  self._ahead(self.n_jobs), False)

    def _submit(self, job: FitJob, *, pool=None, share: bool = True) -> None:
        """One fit to the pool, or the same fit another run already has in flight."""
        shared = self.executor._shared(job.key) if share else None
        if shared is not None:
            self.pending[shared] = (job, False)
            return
        args, kwargs = job.arguments(local_pool=pool is not None or not self.on_cluster)
        if self.time_budget:
            kwargs["time_limit"] = self.time_budget
        future = (pool or self.pool).submit(fit_and_score, *args, **kwargs)
        with self.executor._in_flight_lock:
            self.executor._in_flight[job.key] = future
            if self.background:  # at most one per worker: on a worker from now
                self.executor._prefetched[future] = (
                    job.key, (job.dataset.fingerprint, job.algorithm.name), time.perf_counter())
        self.pending[future] = (job, True)

    def _collect(self, future: Future) -> None:
        job, owned = self.pending.pop(future)
        try:
            outcome = future.result()
        except Exception as exc:  # noqa: BLE001 - lost, cancelled or a dead worker
            if owned:
                self.executor._forget(job.key, future)
            if job.key not in self.retried:
                self.retried.add(job.key)
                self.notice(f"a fit was lost on the dask cluster at {self.cluster} "
                            f"({type(exc).__name__}); it ran locally" if self.cluster else
                            f"a worker process died during a fit ({type(exc).__name__}); "
                            "the fit ran again")
                self._submit(job, pool=self.executor.pool(self.n_jobs), share=False)
                return
            outcome = {"error": f"{type(exc).__name__}: {exc}"[:300], "fit_seconds": 0.0,
                       "transient": True}
        self.queue.extend(self.on_fit(job, outcome) or ())
        if owned:  # only now: the result is cached, so no run misses it in between
            self.executor._forget(job.key, future)

    def _enforce_time_budget(self) -> None:
        """Backstop for fits the worker's alarm cannot interrupt (one long C call). loky marks
        a call "running" once it is queued for a worker, possibly behind another fit, hence
        the slack."""
        now = time.perf_counter()
        for future in list(self.pending):
            if future.running():
                self.started_at.setdefault(future, now)
                if now - self.started_at[future] > 2 * self.time_budget + 2:
                    job, owned = self.pending.pop(future)
                    if owned:
                        self.executor._forget(job.key, future)
                    seconds = now - self.started_at[future]
                    self.queue.extend(self.on_fit(job, {
                        "error": f"TimeoutError: exceeded the time budget of "
                                 f"{self.time_budget:g} s; raise time_budget or use fewer rows",
                        "fit_seconds": seconds, "transient": True}) or ())


def _succeeded(future: Future) -> bool:
    """Done with a result (not cancelled, no exception): ``future.exception()`` itself raises
    on a cancelled future, as dask cancels every future when its scheduler goes away."""
    return future.done() and not future.cancelled() and future.exception() is None
