"""Sweeps on a ``dask.distributed`` cluster (connecting: :mod:`distviz.loop.cluster`): the worker
side, which fits one (training set, seed) with the very code path of the local loop (a
one-process ModelLoop), so the same seeds give the same table on every backend.
"""

from __future__ import annotations

import threading
from collections import OrderedDict

from typing import Callable

from .. import models
from ..data import Dataset
from ..loop import ModelLoop, ResultCache
from ..loop.cluster import check_scheduler, connect  # noqa: F401 - re-exported
from ..results import FitResult
from ..shift import ShiftSpec

_WORKER_LOOPS: OrderedDict[tuple, ModelLoop] = OrderedDict()
_WORKER_LOCK = threading.Lock()


def fit_state_on_worker(dataset: Dataset, spec: ShiftSpec, seed: int,
                        settings: dict) -> list[FitResult]:
    """Runs in a dask worker: shift the training set and fit every algorithm for one seed.

    Uses a one-process ModelLoop (no process pool inside a dask worker), kept per worker for
    each (dataset, seed) so preprocessing of a training set is shared between its algorithms.
    """
    key = (dataset.fingerprint, seed, tuple(sorted(
        (k, v) for k, v in settings.items() if k not in ("repeats", "random_state"))))
    with _WORKER_LOCK:
        loop = _WORKER_LOOPS.get(key)
        if loop is None:
            loop = ModelLoop(**{**settings, "algorithms": list(settings["algorithms"]),
                                "dataset": dataset, "repeats": 1, "random_state": seed,
                                "n_jobs": 1, "cache": ResultCache(max_bytes=64 * 2**20)})
            _WORKER_LOOPS[key] = loop
            while len(_WORKER_LOOPS) > 8:
                _WORKER_LOOPS.popitem(last=False)
        else:
            _WORKER_LOOPS.move_to_end(key)
    run = loop.run(spec, with_baseline=False)
    return [result.fits[0] for result in run.algorithms]


def uncached_states(loop: ModelLoop, states,
                    on_cached: Callable[[FitResult], None] | None = None
                    ) -> list[tuple[ShiftSpec, int]]:
    """The (training state, seed) pairs of ``states`` with at least one algorithm not in the
    loop's cache (each becomes one task on the cluster); each cached fit goes to
    ``on_cached``."""
    cache, algorithms, todo = loop.result_cache, loop.resolved_algorithms(), []
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
    loop's settings; each fit goes into the loop's cache (then to ``on_fit``), so a following
    ``loop.run`` reads them back: the same numbers as a local run. Returns the fits made."""
    client, close = connect(scheduler)
    futures, made = [], 0
    try:
        from distributed import as_completed
        dataset = client.scatter(loop.dataset, broadcast=True, hash=False)
        settings = loop.settings(portable=True)
        futures = [client.submit(fit_state_on_worker, dataset, spec, seed, settings,
                                 pure=False) for spec, seed in todo]
        index = {future.key: state for future, state in zip(futures, todo)}
        for future in as_completed(futures):
            spec, seed = index[future.key]
            for fit in future.result():
                algorithm = models.get(fit.algorithm, loop.dataset.task_name)
                loop.result_cache.put(loop.cache_key(spec, algorithm, seed), fit)
                made += 1
                if on_fit is not None:
                    on_fit(spec, seed, fit)
        return made
    finally:
        for future in futures:
            future.cancel()
        close()
