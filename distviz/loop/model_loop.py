"""The model loop: every chosen algorithm x seed, on the baseline and on a shifted training set.

Results are cached (docs/semantics.md, 9), fits run in the loop's :class:`FitExecutor` (a
reusable process pool, so a GIL-bound fit such as an MLP never stalls the caller, e.g. a Panel
server; or a dask cluster), one algorithm failing never stops the others (10), and every summary
carries its delta to the baseline with a 95 % interval from :mod:`distviz.stats` (seed,
resampling draw and test sample) when there are two or more seeds (5-6). Given a
:class:`Resampler`, the loop follows it (:mod:`distviz.loop.requests`): every change of its shift
(or of a setting) re-runs and publishes ``result``.
"""

from __future__ import annotations

import time
from collections import OrderedDict
from typing import Callable

import param

from .. import models
from ..errors import UsageError
from ..results import AlgorithmResult, FitResult, RunResult
from ..runner import Task
from ..shift import ShiftResult, ShiftSpec, validate_spec
from ..stats import resolve_min_effect
from ..stats.seeds import first_seeds
from .adaptive import Extras, SeedChoice, first_items
from .batch import FitBatch, ProgressCallback
from .cache import ResultCache
from .estimate import FitClock
from .executor import FitExecutor
from .jobs import FitJob, TrainingSets
from .policy import stated
from .requests import Requests
from .summary import EffectsMemo, rejudge, summarize


class ModelLoop(Requests):
    """Fit and score the chosen algorithms on a shifted training set and on the baseline.

    Examples
    --------
    >>> rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
    >>> loop = ModelLoop(resampler=rs, algorithms=["xgboost"])
    >>> rs.ratio = -0.5  # retrains
    >>> loop.result.result("xgboost").delta["f1"]  # doctest: +SKIP

    Without a resampler, :meth:`run` takes a :class:`ShiftSpec` directly. A loop given no
    ``cache`` or ``executor`` makes its own; its clones share them (same cache keys, same
    pool, fits in flight shared).
    """

    def __init__(self, **params):
        super().__init__(**params)
        if self.cache is None:
            self.cache = ResultCache()
        if self.executor is None:
            self.executor = FitExecutor()
        self._sets = TrainingSets()
        self._effects = EffectsMemo()  # intervals of paired fits, per loop
        self.follow_policy(self.dataset)
        if self.resampler is not None:
            self.update()

    def clone(self, **overrides) -> "ModelLoop":
        """A loop with the same settings, dataset, cache, executor and runner (so the same
        cache keys), except ``overrides``; it follows no resampler unless given one."""
        twin = self._inherit(ModelLoop(**{**self.settings(), "dataset": self.dataset,
                                          "runner": self.runner, **overrides}), overrides)
        twin.follow_policy(twin.dataset)  # another dataset: the policy's settings for it
        return twin

    def stated_settings(self) -> dict:
        """The ``settings`` block: the seeds, budgets, rows and test rows a run uses, and which
        of them the caller set instead of the policy (:func:`distviz.loop.policy.stated`)."""
        return stated(self)

    @property
    def result_cache(self) -> ResultCache:
        """The loop's cache (``cache``)."""
        return self.cache

    @property
    def seeds(self) -> list[int]:
        return [self.random_state + k for k in range(self.repeats)]

    def first_seeds(self, spec: ShiftSpec) -> list[int]:
        """The seeds a state fits first: with ``adaptive_seeds`` a shifted state's first
        :func:`~distviz.stats.seeds.first_seeds` of them, else (and for the baseline) all."""
        if not self.adaptive_seeds or spec.is_baseline:
            return self.seeds
        return self.seeds[:first_seeds(self.repeats)]

    def seeds_for(self, spec: ShiftSpec, algorithm: models.Algorithm,
                  fits: dict | None = None) -> list[int] | None:
        """The seeds ``algorithm``'s summary of ``spec`` uses: the first seeds, and every seed
        where more may change the call on the headline metric against its default smallest
        change that matters (:func:`~distviz.stats.seeds.more_seeds_matter`; the user's
        ``min_effect`` changes judgments only). A function of the first fits alone, so every
        surface and every cache state gives the same seeds. ``fits`` keyed by (training key,
        algorithm, seed), else the cache's; None while a first fit is missing."""
        return SeedChoice.of(self.cache)(self, spec, algorithm, fits)

    # -- judging -----------------------------------------------------------------------
    @param.depends("min_effect", watch=True)
    def _update_min_effect(self) -> None:
        """A new smallest change that matters re-judges what is published; nothing refits."""
        if self.dataset is None:
            return
        changed = {name: self._judged(getattr(self, name)) for name in ("result", "partial")
                   if getattr(self, name) is not None}
        if changed:
            self.param.update(**changed)

    def min_effects(self) -> dict[str, float]:
        """The smallest change that matters per metric of the dataset's task: ``min_effect``
        over the defaults (:func:`distviz.stats.resolve_min_effect`)."""
        return resolve_min_effect(self.min_effect, self.dataset.task_name,
                                  y_test=self.dataset.y_test)

    def _judged(self, run: RunResult) -> RunResult:
        """``run`` judged against the current ``min_effect`` (as it is, if it already is)."""
        min_effect = self.min_effects()
        if run.dataset is not self.dataset or run.min_effect == min_effect:
            return run
        return rejudge(run, min_effect)

    # -- what a fit is -----------------------------------------------------------------
    def resolved_algorithms(self) -> list[models.Algorithm]:
        if self.dataset is None:
            raise UsageError("the model loop has no dataset; set ModelLoop.dataset first.")
        return models.resolve(self.algorithms, self.dataset.task_name)

    def budget_for(self, algorithm: models.Algorithm) -> int | None:
        if self.lift_budgets:
            return None
        budgets = [b for b in (algorithm.max_train_rows, self.max_train_rows) if b]
        return min(budgets) if budgets else None

    def test_budget_for(self, algorithm: models.Algorithm) -> int | None:
        """The test rows a fit of ``algorithm`` may score (its own budget; lifted with the
        training budgets); None: every one."""
        return None if self.lift_budgets else algorithm.max_test_rows

    def cache_key(self, spec: ShiftSpec, algorithm: models.Algorithm, seed: int) -> str:
        test_budget = self.test_budget_for(algorithm)
        # A fit on every test row keeps the key it always had.
        extra = (("test_rows", test_budget),) if test_budget and \
            len(self.dataset.y_test) > test_budget else ()
        return ResultCache.key(self.dataset.fingerprint, spec.training_key(), algorithm.task,
                               algorithm.name, algorithm.signature(), seed,
                               self.budget_for(algorithm), *extra)

    def in_memory(self, spec: ShiftSpec) -> bool:
        """Whether every fit of :meth:`run` for ``spec`` (and its baseline) is in the cache's
        memory: the run then only reads it back."""
        try:
            algorithms = self.resolved_algorithms()
        except Exception:  # noqa: BLE001 - an unknown algorithm: the run says so
            return False
        states = [spec] + ([] if spec.is_baseline else [spec.baseline()])

        def held(seeds, algorithm) -> bool:
            return all(self.cache.in_memory(self.cache_key(state, algorithm, seed))
                       for state in states for seed in seeds)
        first = self.first_seeds(spec)
        for algorithm in algorithms:
            if not held(first, algorithm):
                return False
            if len(first) < len(self.seeds) and not held(self.seeds, algorithm):
                chosen = self.seeds_for(spec, algorithm)
                if chosen is None or not held(chosen, algorithm):
                    return False
        return True

    def shift_result(self, spec: ShiftSpec, seed: int) -> ShiftResult:
        """The shifted training set for ``seed`` (kept per loop)."""
        return self._sets.shift(self.dataset, spec, seed, max_ratio=self.max_ratio)

    # -- running ---------------------------------------------------------------------
    def run(self, spec: ShiftSpec | None = None, *, progress: ProgressCallback | None = None,
            with_baseline: bool = True, stop: Callable[[], bool] | None = None,
            clock: FitClock | None = None) -> RunResult:
        """Fit (or fetch from the cache) every algorithm x seed for ``spec`` and the baseline.

        Parameters
        ----------
        spec : ShiftSpec, optional
            The shift; default the baseline itself.
        progress : callable, optional
            ``progress(done, total, fit_result)`` after each fit, cached or computed, in the
            calling thread, as soon as that fit is known.
        stop : callable, optional
            Checked before each fit is started: once it returns True nothing more is
            submitted (fits in flight finish and are cached); the result then lacks them.
        clock : FitClock, optional
            Follows the fits to compute as they run: its ``seconds_left()`` is the time left.
        """
        started = time.perf_counter()
        spec = spec or ShiftSpec()
        validate_spec(self.dataset, spec, max_ratio=self.max_ratio)
        min_effect = self.min_effects()  # a bad min_effect fails before any fit
        algorithms = self.resolved_algorithms()
        states = [spec] + ([spec.baseline()] if with_baseline and not spec.is_baseline else [])
        first = self.first_seeds(spec)
        # Adaptive seeds: an algorithm's rest only where they may change its call, started as
        # soon as its first fits are in.
        extras = Extras(self, [spec], algorithms, with_baseline=len(states) > 1)
        fits = self._fit_all(states, algorithms, progress, seeds=first, stop=stop, clock=clock,
                             follow=extras)
        chosen = {a.name: self.seeds_for(spec, a, fits) or first for a in algorithms}
        shift = self.shift_result(spec, self.seeds[0])
        summaries = [self.summarize(a.name, spec, fits, seeds=chosen[a.name],
                                    min_effect=min_effect) for a in algorithms]
        computed = sum(1 for f in fits.values() if not f.from_cache)
        return RunResult(self.dataset, shift, self.dataset.headline_metric, summaries,
                         self.repeats, time.perf_counter() - started, computed,
                         len(fits) - computed, min_effect=min_effect,
                         settings=self.stated_settings())

    def prefetch(self, specs, *, progress: ProgressCallback | None = None,
                 background: bool = False, lane: str | None = None,
                 delay: float = 0.0) -> Task | None:
        """Fill the cache for several specs (and their baselines) in one go.

        Every uncached fit of every spec is scheduled at once, so the workers never idle between
        specs (a sweep calls this before reading its grid back with :meth:`run`).

        Parameters
        ----------
        specs : iterable of ShiftSpec
        progress : callable, optional
            As in :meth:`run`, over the distinct fits of all specs.
        background : bool
            Return at once and fit at low priority in the runner: at most the workers' count
            of fits in flight, none submitted while a :meth:`run` sharing the executor computes
            (so a user's request never queues behind prefetched fits), and a fit a ``run``
            needs while it is in flight is shared, not repeated. E.g. the slider positions next
            to the current one, once the user stops.
        lane : str, optional
            The runner's lane (background): a newer task in it cancels this one.
        delay : float
            Seconds to wait before starting (background), e.g. until the user has stopped.

        Returns
        -------
        Task or None
            With ``background=True``, the runner's task: ``cancel()``, ``wait()``, ``done()``,
            ``error``.
        """
        specs = list(OrderedDict((spec.training_key(), spec) for spec in specs).values())
        for spec in specs:
            validate_spec(self.dataset, spec, max_ratio=self.max_ratio)
        algorithms = self.resolved_algorithms()
        if not background:
            self._fit_specs(specs, algorithms, progress)
            return None
        return self.runner.submit(
            lambda task: self._fit_specs(specs, algorithms, progress, background=True,
                                         stop=lambda: task.cancelled),
            lane=lane, failed=lambda message: None, delay=delay, waited=False, inline=False,
            name="prefetch")

    def _fit_specs(self, specs, algorithms, progress, *, background: bool = False,
                   stop: Callable[[], bool] | None = None) -> None:
        """Every first fit of every spec and its baseline in one batch, joined (adaptive seeds)
        by the rest :meth:`seeds_for` asks for as each spec's first fits land."""
        self._fit_items(first_items(self, specs, algorithms), progress, background=background,
                        stop=stop, follow=Extras(self, specs, algorithms))

    def _fit_all(self, states, algorithms, progress, *, seeds: list[int] | None = None,
                 **options) -> dict[tuple, FitResult]:
        """Every (state, seed, algorithm), ``seeds`` default the loop's: :meth:`_fit_items`."""
        return self._fit_items([(state, seed, algorithm) for state in states
                                for seed in (self.seeds if seeds is None else seeds)
                                for algorithm in algorithms], progress, **options)

    def _fit_items(self, items, progress, *, background: bool = False,
                   stop: Callable[[], bool] | None = None, clock: FitClock | None = None,
                   follow: Extras | None = None) -> dict[tuple, FitResult]:
        """Every (state, seed, algorithm) of ``items``, and those ``follow`` asks for as fits
        land (adaptive seeds' extras), from the cache or fitted: :class:`FitBatch`."""
        return FitBatch(self, progress, clock=clock, follow=follow).run(
            items, background=background, stop=stop)

    def fit_job(self, state: ShiftSpec, seed: int, algorithm: models.Algorithm,
                key: str) -> FitJob:
        """The fit of ``algorithm`` on ``state``'s training set for ``seed`` (cache key
        ``key``), within the loop's budgets, its matrices shared with the loop's other fits."""
        return FitJob(self._sets, self.dataset, state, seed, algorithm, key,
                      self.budget_for(algorithm), self.max_ratio, self.test_budget_for(algorithm))

    def say_notice(self, text: str) -> None:
        """Publish ``notice`` (where the fits ran when not where asked)."""
        with self._publishing:  # from the executor's thread
            self.notice = text

    def _partial_run(self, spec, fits, complete, names) -> RunResult | None:
        """Every algorithm whose fits are all in, when one more has just completed; when
        progressive, every algorithm with at least one seed pair in, as each pair lands."""
        keys = {spec.training_key(), spec.baseline().training_key()}
        task = self.dataset.task_name
        # The seeds each algorithm's summary uses (adaptive seeds: known once its first fits are).
        expected = {n: self.seeds_for(spec, models.get(n, task), fits) for n in names}
        first = self.first_seeds(spec)
        pairs = {n: sum(all((k, n, s) in fits for k in keys) for s in (expected[n] or first))
                 for n in names}
        done = {n: c for n, c in pairs.items()
                if c >= (1 if self.progressive else len(expected[n] or first))}
        if set(done.items()) == complete or \
                all(expected[n] is not None and pairs[n] == len(expected[n]) for n in names):
            return None  # nothing new, or the final result follows at once
        complete.clear()
        complete.update(done.items())
        min_effect = self.min_effects()
        return RunResult(self.dataset, self.shift_result(spec, self.seeds[0]),
                         self.dataset.headline_metric,
                         [self.summarize(n, spec, fits, min_effect=min_effect)
                          for n in names if n in done],
                         self.repeats, min_effect=min_effect)

    def summarize(self, name: str, spec: ShiftSpec, fits: dict, *,
                  seeds: list[int] | None = None,
                  min_effect: dict[str, float] | None = None) -> AlgorithmResult:
        """One algorithm's summary from fits keyed by (training key, algorithm, seed):
        :func:`distviz.loop.summary.summarize` with this loop's dataset, memo, ``seeds``
        (default: :meth:`seeds_for` ``spec`` once known, else the first) and smallest change that
        matters (``min_effects()`` unless given)."""
        if seeds is None:  # undecided: the first seeds, the only ones fitted until then
            seeds = self.seeds_for(spec, models.get(name, self.dataset.task_name), fits) \
                or self.first_seeds(spec)
        return summarize(self.dataset, seeds, name, spec, fits, effects=self._effects,
                         shifted_test=self.shifted_test,
                         min_effect=min_effect if min_effect is not None
                         else self.min_effects())

    def warm_up(self) -> None:
        """Start the worker processes and import the model libraries in them, in advance."""
        if self.n_jobs > 1:
            self.executor.warm_up(self.n_jobs)
