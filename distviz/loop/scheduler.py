"""Where fits run: one process-wide scheduler that owns the worker pool and what every loop of
this process shares (fits in flight, measured fit costs, whether a user's run is computing).

A user's run (foreground) always goes first: a background prefetch submits nothing while any
foreground run of this process computes, and a fit either needs while it is in flight is shared.
"""

from __future__ import annotations

import os
import threading
from concurrent.futures import Future

from .cluster import Clusters
from .fit import warm_worker


class Scheduler:
    """The shared worker pool and the bookkeeping every :class:`ModelLoop` of this process shares.

    Parameters
    ----------
    idle_timeout : float
        Seconds an idle worker process lives before it exits (it restarts on demand).
    """

    def __init__(self, *, idle_timeout: float = 600):
        self.idle_timeout = idle_timeout
        self._executor_lock = threading.Lock()
        self._in_flight: dict[str, Future] = {}  # cache key -> its fit running in the pool
        self._in_flight_lock = threading.Lock()
        self.fit_costs: dict[tuple[str, str], float] = {}  # (fingerprint, algorithm) -> s
        self._activity = threading.Condition()
        self._foreground_runs = 0
        self.clusters = Clusters()  # dask clients by scheduler address, for loops that use one

    # -- the pool ----------------------------------------------------------------------
    def executor(self, n_jobs: int):
        """The reusable process pool with ``n_jobs`` workers (loky: restarted if it died)."""
        from joblib.externals.loky import get_reusable_executor
        with self._executor_lock:
            return get_reusable_executor(max_workers=n_jobs, timeout=self.idle_timeout,
                                         reuse=True)

    def shutdown(self, n_jobs: int) -> None:
        """Stop the worker processes (the next fit starts new ones)."""
        self.executor(n_jobs).shutdown(wait=True)

    def warm_up(self, n_jobs: int) -> None:
        """Start the workers and import the model libraries in them, in advance."""
        executor = self.executor(n_jobs)
        for future in [executor.submit(warm_worker) for _ in range(n_jobs)]:
            future.result()

    # -- fits in flight ----------------------------------------------------------------
    def in_flight(self, key: str) -> Future | None:
        """The future of the fit with cache key ``key`` another run has in flight, unless it
        failed (a run that shares it would only inherit the failure)."""
        with self._in_flight_lock:
            future = self._in_flight.get(key)
        if future is not None and future.done() and (future.cancelled()
                                                     or future.exception() is not None):
            return None
        return future

    def start(self, key: str, future: Future) -> None:
        with self._in_flight_lock:
            self._in_flight[key] = future

    def forget(self, key: str, future: Future) -> None:
        """Called once the fit's result is cached, so no run misses it in between."""
        with self._in_flight_lock:
            if self._in_flight.get(key) is future:
                del self._in_flight[key]

    # -- costs -------------------------------------------------------------------------
    def remember_cost(self, fingerprint: str, fit) -> None:
        """The latest measured fit seconds per dataset and algorithm (long fits go first)."""
        if not fit.from_cache and fit.error is None:
            self.fit_costs[(fingerprint, fit.algorithm)] = fit.fit_seconds

    def cost(self, fingerprint: str, algorithm: str) -> float | None:
        return self.fit_costs.get((fingerprint, algorithm))

    def forget_costs(self, fingerprint: str) -> None:
        for key in [k for k in self.fit_costs if k[0] == fingerprint]:
            del self.fit_costs[key]

    # -- foreground and background -----------------------------------------------------
    def foreground(self, active: bool = True) -> "_Foreground":
        """A context manager counting a user's run while it computes fits."""
        return _Foreground(self, active)

    @property
    def foreground_busy(self) -> bool:
        return bool(self._foreground_runs)

    def wait_for_foreground(self, cancelled: threading.Event) -> bool:
        """Block while a foreground run computes; False once ``cancelled`` is set."""
        with self._activity:
            while self._foreground_runs and not cancelled.is_set():
                self._activity.wait(0.1)
        return not cancelled.is_set()

    def wake(self) -> None:
        with self._activity:
            self._activity.notify_all()


class _Foreground:
    def __init__(self, scheduler: Scheduler, active: bool):
        self.scheduler, self.active = scheduler, active

    def __enter__(self):
        if self.active:
            with self.scheduler._activity:
                self.scheduler._foreground_runs += 1

    def __exit__(self, *exc):
        if self.active:
            with self.scheduler._activity:
                self.scheduler._foreground_runs -= 1
                self.scheduler._activity.notify_all()


_DEFAULT = Scheduler()


def default_scheduler() -> Scheduler:
    """The scheduler shared by every loop of this process unless given its own."""
    return _DEFAULT


def default_n_jobs() -> int:
    return min(2, os.cpu_count() or 1)
