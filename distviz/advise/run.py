"""The advice map computed in the background and published as it fills: :class:`AdviseRun`.

Every group of some features x some ratios x a loop's algorithms (advise's grid:
:meth:`Plan.for_advice <distviz.sweep.plan.Plan.for_advice>`), fitted at low priority in the
loop's runner through clones of the loop (same settings, cache and executor: every fit a slider
move made is reused, and every fit made here makes those moves instant): one prefetch per
algorithm, the cheapest first, and after each its cells judged together with the earlier ones
(Benjamini-Hochberg) and published as ``advice``. GUI-free: a view (the dashboard's "Where data
helps" tab) only watches it.
"""

from __future__ import annotations

import threading
import time
from dataclasses import replace

import param

from .. import models
from ..errors import DistvizError
from ..loop import ModelLoop
from ..runner import Task, describe_error
from ..shift import CLASS_BALANCES, UPSAMPLERS
from ..sweep.plan import DEFAULT_ADVISE_RATIOS, Plan
from .cells import Advice
from .running import cells_of, judge

PROGRESS_EVERY = 0.25  # seconds between two progress publications (each is a render)


class AdviseRun(param.Parameterized):
    """The map of ``features`` x ``ratios`` x ``loop``'s algorithms, computed by :meth:`start`
    and published as it fills: ``plan`` first, then ``progress``, then ``advice`` after each
    algorithm (the whole map once ``running`` is off)."""

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The loop whose clones fit the map (its settings, cache, executor and runner).""")

    features = param.List(default=[], item_type=str, doc="The features mapped, every group.")

    ratios = param.List(default=list(DEFAULT_ADVISE_RATIOS), item_type=float, doc="""
        The ratios mapped (default: halve and double each group).""")

    upsampler = param.Selector(default="random", objects=list(UPSAMPLERS), doc="""
        How rows are added at positive ratios.""")

    class_balance = param.Selector(default="none", objects=list(CLASS_BALANCES), doc="""
        Class re-balancing after the shift.""")

    alpha = param.Number(default=0.05, bounds=(0.001, 0.5), doc="""
        False-discovery rate of the Benjamini–Hochberg step over the map's cells.""")

    plan = param.Tuple(default=None, allow_None=True, length=4, precedence=-1, doc="""
        (rows, algorithms, ratios, skipped) of the map computing: rows are (feature, group);
        skipped the cells no shift can make.""")

    advice = param.ClassSelector(class_=Advice, default=None, allow_None=True, precedence=-1,
                                 doc="""
        The cells computed so far, judged together (the whole map once ``running`` is off).""")

    finished = param.List(default=[], precedence=-1, doc="""
        The algorithms whose cells are in ``advice``, in the order they were computed.""")

    progress = param.Tuple(default=(0, 0), length=2, precedence=-1, doc="""
        (fits known, fits in the map), cached ones included.""")

    reused = param.Integer(default=0, precedence=-1, doc="""
        Fits of the map read from the cache so far.""")

    running = param.Boolean(default=False, precedence=-1, doc="The map is being computed.")

    error = param.String(default=None, allow_None=True, precedence=-1, doc="""
        Why the map failed (one line), else None.""")

    computed_for = param.Parameter(default=None, precedence=-1, doc="""
        The :meth:`key` of the map published or computing (None: none).""")

    def __init__(self, **params):
        super().__init__(**params)
        self._lock = threading.RLock()  # a stale task never publishes over a newer one
        self._task: Task | None = None
        self._lane = f"{self.name}:map"

    def key(self) -> tuple | None:
        """What the map depends on: dataset, loop settings, features, ratios, shift kind."""
        loop = self.loop
        if loop is None or loop.dataset is None:
            return None
        # min_effect changes judgments only: the view re-judges the map (advise.rejudge).
        settings = tuple(sorted((k, v) for k, v in loop.settings(portable=True).items()
                                if k != "min_effect"))
        return (loop.dataset.fingerprint, settings, tuple(self.features), tuple(self.ratios),
                self.upsampler, self.class_balance, self.alpha)

    def start(self, *, force: bool = False) -> None:
        """Compute the map in the background unless it is computed (or computing) already."""
        key = self.key()
        if key is None or (key == self.computed_for and not force):
            return
        loop = self.loop.clone()
        plan = {"features": list(self.features), "ratios": list(self.ratios),
                "upsampler": self.upsampler, "class_balance": self.class_balance}
        with self._lock:
            if self._task is not None:
                self._task.cancel()
            self.param.update(computed_for=key, running=True, advice=None, finished=[],
                              progress=(0, 0), reused=0, error=None, plan=None)
        self._task = loop.runner.submit(lambda task: self._work(task, loop, plan),
                                        lane=self._lane, waited=False, name="advise")

    def cancel(self) -> None:
        """Stop computing the map (fits in flight finish and are cached); it is computed
        again by the next :meth:`start`."""
        with self._lock:
            if self._task is not None:
                self._task.cancel()
            self.param.update(running=False, computed_for=None)

    def wait(self, timeout: float | None = 600) -> "AdviseRun":
        """Block until the map is computed (scripts and tests)."""
        if self._task is not None and not self._task.wait(timeout):
            raise TimeoutError("the map is still being computed")
        return self

    @staticmethod
    def cheapest_first(loop: ModelLoop) -> list[str]:
        """The loop's algorithms by fit cost: seconds measured on this dataset (by the loop's
        executor) once every one has been fitted, else the registry's rough cost."""
        fingerprint, task = loop.dataset.fingerprint, loop.dataset.task_name
        measured = {n: loop.executor.cost(fingerprint, n) for n in loop.algorithms}
        known = all(v is not None for v in measured.values())
        cost = {n: measured[n] if known else models.get(n, task).cost for n in loop.algorithms}
        return sorted(loop.algorithms, key=lambda n: cost[n])  # stable: ties keep their order

    # ------------------------------------------------------------------ the work
    def _publish(self, task: Task, **values) -> bool:
        """Publish ``values`` unless ``task`` was superseded; False when it was."""
        with self._lock:
            if task.cancelled:
                return False
            self.param.update(**values)
            return True

    def _work(self, task: Task, loop: ModelLoop, plan: dict) -> None:
        """One prefetch per algorithm, cheapest first; after each, its cells, judged together
        with the earlier ones."""
        try:
            started = time.perf_counter()
            grid = Plan.for_advice(loop, **plan)
            specs, names = grid.specs, self.cheapest_first(loop)
            total = grid.fits(len(loop.seeds), len(names))
            rows = [(row.feature, row.group) for row in grid]
            if not self._publish(task, plan=(rows, list(loop.algorithms), grid.ratios,
                                             grid.skipped), progress=(0, total)):
                return
            order = {row: i for i, row in enumerate(rows)}
            position = {name: i for i, name in enumerate(loop.algorithms)}
            cells, counts = [], {"done": 0, "reused": 0}
            for name in names:
                one = loop.clone(algorithms=[name])
                if specs and not self._fit(task, one, specs, counts, total):
                    return
                cells += cells_of(one, grid)
                cells.sort(key=lambda c: (order[(c.feature, c.group)], c.ratio,
                                          position.get(c.algorithm, 0)))
                judge(cells, loop.dataset.headline_metric, alpha=self.alpha)
                finished = self.finished + [name]
                advice = Advice(loop.dataset, loop.dataset.headline_metric, grid.features,
                                grid.ratios, [n for n in loop.algorithms if n in names],
                                loop.repeats, self.alpha, [replace(c) for c in cells],
                                grid.skipped, counts["done"], counts["done"] - counts["reused"],
                                time.perf_counter() - started, "local (background)",
                                min_effect=loop.min_effects(), settings=loop.stated_settings())
                last = len(finished) == len(names)  # adaptive seeds: fewer fits than planned
                if not self._publish(task, advice=advice, finished=finished, running=not last,
                                     **({"progress": (counts["done"],) * 2} if last else {})):
                    return
        except Exception as exc:  # noqa: BLE001 - published; the server keeps running
            self._publish(task, error=describe_error(exc), running=False, computed_for=None)

    def _fit(self, task: Task, loop: ModelLoop, specs, counts: dict, total: int) -> bool:
        """One algorithm's fits at low priority; False when superseded."""
        before, last = counts["done"], [0.0]

        def progress(done, _total, fit):
            counts["done"] = before + done
            counts["reused"] += fit.from_cache
            now = time.perf_counter()
            if now - last[0] > PROGRESS_EVERY or done == _total:
                last[0] = now
                self._publish(task, progress=(counts["done"], total), reused=counts["reused"])
        prefetch = loop.prefetch(specs, background=True, progress=progress)
        while not prefetch.wait(0.2):
            if task.cancelled:
                prefetch.cancel()
                return False
        if prefetch.error is not None:
            raise DistvizError(f"the map's fits failed: {prefetch.error}")
        return not task.cancelled
