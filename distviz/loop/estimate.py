"""How long a run's fits still take: their measured costs spread over the workers, less the time
the fits in flight have already run (:func:`seconds_left`), and :class:`FitClock`, which follows
one run's fits as the workers take and finish them, behind the fits other runs (a prefetch)
already have on the workers. No measurement, no estimate: a fit whose algorithm was never timed
on the dataset makes the answer None, never a guess."""

from __future__ import annotations

import heapq
import threading
import time
from typing import Callable, Iterable, Sequence


def seconds_left(waiting: Iterable[float | None],
                 running: Iterable[tuple[float | None, float]] = (), *,
                 workers: int, busy: Iterable[float | None] = ()) -> float | None:
    """Seconds until the last of some fits is done, from their measured costs.

    Parameters
    ----------
    waiting : iterable of float or None
        The measured cost (s) of each fit not started yet; None: never measured.
    running : iterable of (float or None, float)
        Each fit in flight: its measured cost and how long it has run (s).
    workers : int
        How many fits run at once.
    busy : iterable of float or None
        Seconds left of each fit of another run holding a worker (None: never measured).

    Returns
    -------
    float or None
        The larger of the work left spread over the workers and the longest single fit left
        (both are bounds no schedule beats); with ``busy`` workers, the end of the in-order
        schedule (each waiting fit to the first worker free), as the pool takes them. 0.0
        with no fit left; None when a fit has no measured cost. A fit running past its cost
        counts as about to finish.
    """
    waiting, running, busy = list(waiting), list(running), list(busy)
    if any(cost is None for cost in waiting + busy) or any(cost is None for cost, _ in running):
        return None
    started = [max(cost - ran, 0.0) for cost, ran in running]
    left = waiting + started
    if not left:
        return 0.0
    if not busy:
        return max(sum(left) / max(workers, 1), max(left))
    free_at = started + [max(b, 0.0) for b in busy] + [0.0] * max(
        workers - len(started) - len(busy), 0)
    heapq.heapify(free_at)
    end = max(started, default=0.0)
    for cost in waiting:
        done = heapq.heappop(free_at) + cost
        heapq.heappush(free_at, done)
        end = max(end, done)
    return end


class FitClock:
    """The fits of one run, in the order they are handed to the workers: the first ``workers``
    start at once and each one finishing starts the next (the pool takes them in order), so at
    any time it knows which wait and how long those in flight have run.

    Parameters
    ----------
    clock : callable
        Seconds now (default :func:`time.perf_counter`; tests pass a fake one).
    """

    def __init__(self, clock: Callable[[], float] = time.perf_counter):
        self._now = clock
        self._lock = threading.Lock()
        self._waiting: list[tuple[str, str]] = []  # (key, algorithm), in order
        self._running: dict[str, tuple[str, float]] = {}  # key -> (algorithm, started at)
        # Other runs' fits holding workers at the start: (cost, started at); each frees its
        # worker once its measured cost has run (no run tells this one when it is done).
        self._others: list[tuple[float | None, float]] = []
        self._cost: Callable[[str], float | None] = lambda algorithm: None
        self._workers = 1
        self._started = False

    def start(self, fits: Sequence[tuple[str, str]], cost: Callable[[str], float | None], *,
              workers: int, others: Sequence[tuple[float | None, float]] = ()) -> None:
        """The fits (key, algorithm) are handed to ``workers`` workers now; ``cost(algorithm)``
        is an algorithm's latest measured fit time (s) or None, asked anew at every estimate
        (a run's own first fits measure what its later ones cost). ``others``: (measured cost
        or None, seconds it has run) of each fit of another run on the workers now, which this
        run's fits wait behind."""
        with self._lock:
            now = self._now()
            self._waiting, self._running, self._cost = list(fits), {}, cost
            self._others = [(cost, now - ran) for cost, ran in others]
            self._workers, self._started = max(workers, 1), True
            self._take(now)

    def add(self, fits: Sequence[tuple[str, str]]) -> None:
        """More fits (key, algorithm) of the run, handed to the workers after those waiting (an
        algorithm's extra seeds, asked for once its first fits are in)."""
        with self._lock:
            self._waiting.extend(fits)
            self._take(self._now())

    def finished(self, key: str) -> None:
        """The fit ``key`` is done (or failed): the next waiting one starts."""
        with self._lock:
            now = self._now()
            if self._running.pop(key, None) is None:  # done before its turn (shared in flight)
                self._waiting = [fit for fit in self._waiting if fit[0] != key]
            self._free(now)
            self._take(now)

    def _take(self, now: float) -> None:
        while self._waiting and len(self._running) + len(self._others) < self._workers:
            key, algorithm = self._waiting.pop(0)
            self._running[key] = (algorithm, now)

    def _free(self, now: float) -> None:
        """Other runs' fits whose measured cost has run free their workers, for the next of
        this run's fits from the time they freed it."""
        for cost, at in sorted(self._others, key=lambda o: o[1]):
            if cost is not None and now - at >= cost:
                self._others.remove((cost, at))
                self._take(at + cost)

    def seconds_left(self) -> float | None:
        """:func:`seconds_left` of the fits not done, now; None before :meth:`start` or when
        one of them has no measured cost."""
        with self._lock:
            if not self._started:
                return None
            now = self._now()
            self._free(now)
            cost = self._cost
            return seconds_left([cost(algorithm) for _, algorithm in self._waiting],
                                [(cost(algorithm), now - at)
                                 for algorithm, at in self._running.values()],
                                workers=self._workers,
                                busy=[None if other is None else other - (now - at)
                                      for other, at in self._others])
