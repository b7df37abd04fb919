"""One batch of a loop's fits (:class:`FitBatch`): each (state, seed, algorithm) read from the
cache or fitted by the loop's executor, and the fits asked for as others land (adaptive seeds'
extras) joining the same queue, so no stage waits for the slowest algorithm."""

from __future__ import annotations

from typing import Callable

from ..results import FitResult
from .estimate import FitClock
from .jobs import FitJob, schedule

ProgressCallback = Callable[[int, int, FitResult], None]
#: ``follow(fits, landed)``: the (state, seed, algorithm) fits asked for once ``landed`` (keys
#: (training key, algorithm, seed)) are in ``fits`` (:class:`~distviz.loop.adaptive.Extras`).
Follow = Callable[[dict, list], list]


class FitBatch:
    """The fits of one :meth:`ModelLoop.run` or prefetch, keyed by (training key, algorithm,
    seed) in ``fits``. Cache hits are reported at once, the rest fitted by the executor in
    :func:`~distviz.loop.jobs.schedule`'s order; ``progress(done, total, fit)`` counts against
    the fits known so far; ``clock`` follows the fits computed."""

    def __init__(self, loop, progress: ProgressCallback | None = None, *,
                 clock: FitClock | None = None, follow: Follow | None = None):
        self.loop, self.progress, self.clock, self.follow = loop, progress, clock, follow
        self.fingerprint = loop.dataset.fingerprint
        self.fits: dict[tuple, FitResult] = {}
        self._seen: set[tuple] = set()
        self.done = self.total = 0

    def run(self, items, *, background: bool = False,
            stop: Callable[[], bool] | None = None) -> dict[tuple, FitResult]:
        """Every (state, seed, algorithm) of ``items`` and those ``follow`` asks for."""
        loop = self.loop
        jobs = self._in_order(self._admit(items))
        if jobs:
            if self.clock is not None:
                self.clock.start([(job.key, job.algorithm.name) for job in jobs], self._cost,
                                 workers=loop.executor.slots(loop.n_jobs, loop.cluster),
                                 others=loop.executor.others_on_workers({j.key for j in jobs}))
            loop.executor.run(jobs, self._on_fit, n_jobs=loop.n_jobs, cluster=loop.cluster,
                              time_budget=loop.time_budget, background=background, stop=stop,
                              notice=loop.say_notice)
        return self.fits

    def _report(self, fit: FitResult) -> None:
        self.done += 1
        if self.progress:
            self.progress(self.done, self.total, fit)

    def _admit(self, asked) -> list[FitJob]:
        """The fits ``asked`` for not yet seen: cache hits reported (and followed), the rest
        returned as jobs."""
        jobs, hits = [], []
        for state, seed, algorithm in asked:
            where = (state.training_key(), algorithm.name, seed)
            if where in self._seen:
                continue
            self._seen.add(where)
            key = self.loop.cache_key(state, algorithm, seed)
            hit = self.loop.cache.get(key)
            if hit is not None:
                self.fits[where] = hit
                hits.append(where)
            else:
                jobs.append(self.loop.fit_job(state, seed, algorithm, key))
        self.total += len(hits) + len(jobs)
        for where in hits:
            self._report(self.fits[where])
        if hits and self.follow is not None:
            jobs += self._admit(self.follow(self.fits, hits))
        return jobs

    def _cost(self, name: str) -> float | None:
        return self.loop.executor.cost(self.fingerprint, name)

    def _in_order(self, jobs: list[FitJob]) -> list[FitJob]:
        return schedule(jobs, self._cost, seeds=self.loop.seeds,
                        progressive=self.loop.progressive)

    def _on_fit(self, job: FitJob, outcome: dict) -> list[FitJob]:
        """The executor's callback: cache and report the fit; the jobs it makes due."""
        fit = job.result(outcome)
        if fit.error is None or not outcome.get("transient"):
            self.loop.cache.put(job.key, fit)
            if fit.error is None:
                self.loop.executor.remember_cost(self.fingerprint, fit.algorithm,
                                                 fit.fit_seconds)
        where = (job.state.training_key(), fit.algorithm, fit.seed)
        self.fits[where] = fit
        if self.clock is not None:
            self.clock.finished(job.key)
        more = self._in_order(self._admit(self.follow(self.fits, [where]))) \
            if self.follow is not None else []
        if more and self.clock is not None:
            self.clock.add([(j.key, j.algorithm.name) for j in more])
        self._report(fit)
        return more
