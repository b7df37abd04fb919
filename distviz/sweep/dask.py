"""Sweeps, ``advise`` and ``distviz run --scheduler`` on a ``dask.distributed`` cluster: the
fits go through a :class:`~distviz.loop.FitExecutor` connected to it, the one Dask path (the
model loop's: every fit sent with its training matrices, fits in flight shared, a cluster that
goes away leaving the rest to the local pool), so the same seeds give the same numbers on every
backend.
"""

from __future__ import annotations

from typing import Callable

from ..loop import FitExecutor, ModelLoop
from ..loop.cluster import check_scheduler, connect  # noqa: F401 - re-exported
from ..results import FitResult
from ..shift import ShiftSpec


def uncached_states(loop: ModelLoop, states,
                    on_cached: Callable[[FitResult], None] | None = None
                    ) -> list[tuple[ShiftSpec, int]]:
    """The (training state, seed) pairs of ``states`` with at least one algorithm not in the
    loop's cache; each cached fit goes to ``on_cached``."""
    cache, algorithms, todo = loop.cache, loop.resolved_algorithms(), []
    for state in states:
        for seed in loop.seeds:
            known = [cache.get(loop.cache_key(state, a, seed)) for a in algorithms]
            for fit in known:
                if fit is not None and on_cached is not None:
                    on_cached(fit)
            if any(fit is None for fit in known):
                todo.append((state, seed))
    return todo


def fit_on_dask(loop: ModelLoop, todo, scheduler: str,
                on_fit: Callable[[ShiftSpec, int, FitResult], None] | None = None) -> int:
    """Fit every (training state, seed) of ``todo`` on the cluster at ``scheduler`` with the
    loop's settings: through a FitExecutor of its own, connected first (a UsageError saying why
    when the cluster cannot be reached) and released at the end (a LocalCluster it started
    stops). Each fit goes into the loop's cache (then to ``on_fit``), so a following
    ``loop.run`` reads them back: the same numbers as a local run. Returns the fits made."""
    check_scheduler(scheduler)
    asked = {state.training_key(): state for state, _seed in todo}
    states = {**{s.baseline().training_key(): s.baseline() for s in asked.values()}, **asked}
    made = 0

    def fitted(_done, _total, fit: FitResult) -> None:
        nonlocal made
        if fit.from_cache:
            return
        made += 1
        if on_fit is not None:
            on_fit(states[fit.training_key], fit.seed, fit)
    with FitExecutor() as executor:
        executor.connect(scheduler)
        remote = loop.clone(cluster=scheduler, executor=executor)
        remote.prefetch(list(asked.values()), progress=fitted)
    return made
