"""Every fit of a :class:`~distviz.sweep.plan.Plan` at once, on this machine's pool or on a Dask
cluster, with progress counted over distinct fits: the one path of a sweep and of advise.

Either way each fit lands in the loop's cache as soon as it is known, so reading the plan's
runs back (``loop.run(spec)``) is instant, a re-run is served from the cache, and an interrupted
one resumes where it stopped.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import Callable

from ..results import FitResult
from ..shift import ShiftSpec
from .dask import check_scheduler, fit_on_dask, uncached_states

Progress = Callable[[int, int, FitResult], None]


class FitTracker:
    """Progress over the distinct fits of a plan (training set x algorithm x seed, baselines
    included), and which fits this run computed rather than read from the cache (``fresh``).
    Called as ``tracker(done, total, fit)`` by the loop; thread-safe."""

    def __init__(self, loop, plan, progress: Progress | None = None):
        self.loop, self.progress = loop, progress
        self.states = plan.states()
        # At most this many; with adaptive seeds fewer: settle() counts those used.
        self.total = plan.fits(len(loop.seeds), len(loop.resolved_algorithms()))
        self.seen: set[tuple] = set()
        self.fresh: set[tuple] = set()
        self._lock = threading.Lock()

    def uncached_states(self) -> list[tuple[ShiftSpec, int]]:
        """What the cluster must compute; the cached fits count as known at once."""
        return uncached_states(self.loop, self.states, lambda fit: self(0, 0, fit))

    def computed_elsewhere(self, spec: ShiftSpec, seed: int, fit: FitResult) -> None:
        """A fit computed on the cluster (already in the loop's cache) counts as fresh."""
        self(0, 0, replace(fit, from_cache=False))

    def settle(self) -> None:
        """Every fit is known: the total becomes the fits seen (adaptive seeds fit fewer than
        the plan's most), and progress says so."""
        with self._lock:
            planned, self.total = self.total, len(self.seen)
        if self.progress and self.total and self.total != planned:
            self.progress(self.total, self.total, None)

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


def fit_plan(loop, plan, *, scheduler: str | None = None,
             progress: Progress | None = None) -> tuple[FitTracker, str]:
    """Fit every shift of ``plan`` (and the baseline) with ``loop``'s algorithms and seeds:
    ``scheduler`` None submits them all at once to the loop's pool (no worker idles between
    ratios); "local" or "tcp://HOST:PORT" fits the uncached ones on a Dask cluster. Returns
    the tracker (total fits, the fresh ones; pass it on as ``loop.run``'s progress) and the
    backend's name."""
    tracker = FitTracker(loop, plan, progress)
    if not scheduler:
        loop.prefetch(plan.specs, progress=tracker)
        tracker.settle()
        return tracker, "local"
    check_scheduler(scheduler)
    todo = tracker.uncached_states()
    if todo:
        fit_on_dask(loop, todo, scheduler, tracker.computed_elsewhere)
    tracker.settle()
    return tracker, f"dask ({scheduler})" + ("" if todo else ", nothing to compute")
