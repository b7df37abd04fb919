"""The model loop: every chosen algorithm x seed, on the baseline and on a shifted training set.

Results are cached (docs/semantics.md, 9), fits run in parallel in the scheduler's reusable
process pool (so a GIL-bound fit such as an MLP never stalls the caller, e.g. a Panel server),
one algorithm failing never stops the others (10), and every summary carries its delta to the
baseline with a 95 % interval from :mod:`distviz.noise` (seed, resampling draw and test sample)
when there are two or more seeds (5-6). Given a :class:`Resampler`, the loop
follows it: every change of its shift (or of a setting) re-runs and publishes ``result``.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, Future, wait
from typing import Callable

import numpy as np
import param

from .. import models
from ..data import Dataset
from ..data.sampling import sample_rows
from ..errors import DistvizError, UsageError
from ..results import AlgorithmResult, FitResult, RunResult
from ..shift import Resampler, ShiftResult, ShiftSpec, shift_training_set, validate_spec
from .cache import ResultCache, shared_cache
from .fit import fit_and_score
from .policy import stated
from .scheduler import Scheduler, default_scheduler
from .settings import LoopSettings
from ..stats import resolve_min_effect
from .summary import EffectsMemo, rejudge, summarize

ProgressCallback = Callable[[int, int, FitResult], None]


class Prefetch:
    """A background prefetch started by :meth:`ModelLoop.prefetch` (``background=True``)."""

    def __init__(self, loop: "ModelLoop", states, algorithms, progress=None):
        self.loop, self.states, self.algorithms = loop, states, algorithms
        self._cancelled = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._work, args=(progress,), daemon=True,
                                        name="distviz-prefetch")
        self._thread.start()

    def _work(self, progress) -> None:
        try:
            self.loop._fit_all(self.states, self.algorithms, progress, background=self)
        except Exception as exc:  # noqa: BLE001 - a prefetch is only ever a head start
            self.error = f"{type(exc).__name__}: {exc}"

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def may_submit(self) -> bool:
        """True when no foreground run is computing and the prefetch is not cancelled."""
        return not self.cancelled and not self.loop.scheduler.foreground_busy

    def wait_turn(self) -> bool:
        """Block while a foreground run computes; False once cancelled."""
        return self.loop.scheduler.wait_for_foreground(self._cancelled)

    def cancel(self) -> None:
        """Submit nothing more (fits already in a worker finish and are cached)."""
        self._cancelled.set()
        self.loop.scheduler.wake()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.done()



class ModelLoop(LoopSettings):
    """Fit and score the chosen algorithms on a shifted training set and on the baseline.

    Examples
    --------
    >>> rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
    >>> loop = ModelLoop(resampler=rs, algorithms=["xgboost"])
    >>> rs.ratio = -0.5  # retrains
    >>> loop.result.result("xgboost").delta["f1"]  # doctest: +SKIP

    Without a resampler, :meth:`run` takes a :class:`ShiftSpec` directly.
    """

    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True, doc="""
        The dataset (its test set is frozen); with a resampler, the resampler's.""")

    resampler = param.ClassSelector(class_=Resampler, default=None, allow_None=True, doc="""
        When set, the loop follows it: every change of its shift re-runs the loop.""")

    background = param.Boolean(default=False, doc="""
        Run what the resampler asks for in a background thread (``wait()`` blocks until done);
        by default it runs at once, in the caller's thread.""")

    result = param.ClassSelector(class_=RunResult, default=None, allow_None=True,
                                 precedence=-1, doc="""
        The latest complete run for the resampler's current shift.""")

    partial = param.ClassSelector(class_=RunResult, default=None, allow_None=True,
                                  precedence=-1, doc="""
        While a run trains: the algorithms whose fits are all in, as each one completes.""")

    progress = param.Tuple(default=(0, 0), length=2, precedence=-1, doc="""
        (fits known, fits in all) of the running request.""")

    running = param.Boolean(default=False, precedence=-1, doc="""
        Whether a request of the resampler is being computed.""")

    error = param.String(default=None, allow_None=True, precedence=-1, doc="""
        Why the newest request failed (one line), else None.""")

    progressive = param.Boolean(default=False, doc="""
        Fit every algorithm's first seed before any second one and publish each algorithm
        as soon as one seed pair is in (``partial``, no interval yet), its interval narrowing
        as more seeds arrive; a newer request stops an older one's remaining fits.""")

    notice = param.String(default=None, allow_None=True, precedence=-1, doc="""
        A one-line warning about where the newest request's fits ran (the dask cluster could
        not be reached or went away, so they ran locally), else None.""")

    request = param.Integer(default=0, precedence=-1, doc="""
        The newest request's number: bumped once per run the resampler (or a setting) asks
        for, before it starts; watch it to react to every new request.""")

    def __init__(self, **params):
        resampler = params.get("resampler")
        if resampler is not None and params.get("dataset") is None:
            params["dataset"] = resampler.dataset
        super().__init__(**params)
        self._prepared: OrderedDict[tuple, tuple] = OrderedDict()
        self._prepared_lock = threading.Lock()
        self._effects = EffectsMemo()  # intervals of paired fits, per loop
        self._token_lock = threading.RLock()
        self._asked: tuple | None = None  # the state of the newest request
        self._thread: threading.Thread | None = None
        self.follow_policy(self.dataset)
        if self.resampler is not None:
            self.update()

    @property
    def scheduler(self) -> Scheduler:
        return default_scheduler()

    def clone(self, **overrides) -> "ModelLoop":
        """A loop with the same settings and dataset (so the same cache keys), except
        ``overrides``; it follows no resampler unless given one."""
        twin = self._inherit(ModelLoop(**{**self.settings(), "dataset": self.dataset,
                                          **overrides}), overrides)
        twin.follow_policy(twin.dataset)  # another dataset: the policy's settings for it
        return twin

    def stated_settings(self) -> dict:
        """The ``settings`` block: the seeds, budgets, rows and test rows a run uses, and which
        of them the caller set instead of the policy (:func:`distviz.loop.policy.stated`)."""
        return stated(self)

    # -- the reactive chain ------------------------------------------------------------
    @param.depends("resampler", "resampler.spec", "algorithms", "repeats", "random_state",
                   "max_train_rows", "lift_budgets", "shifted_test", "time_budget",
                   "max_ratio", watch=True)
    def _update_result(self) -> None:
        if self.resampler is None or self._applying_policy:
            return  # the policy's settings for a new dataset: asked for once, below
        # Setting `resampler` fires both "resampler" and "resampler.spec": ask once per state.
        dataset = self.resampler.dataset
        self._adopt(dataset)
        settings = tuple(sorted(self.settings(portable=True).items()))
        asked = (self.resampler.spec, dataset, getattr(dataset, "fingerprint", None), settings)
        if asked == self._asked and self.error is None:
            return
        self._asked = asked
        self.update()

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

    def update(self) -> None:
        """Run the loop for the resampler's current shift and publish it as ``result``:
        at once, or in a background thread when ``background`` (then ``wait()``). A newer
        request makes an older one stale: its fits are cached, its result never published."""
        if self.resampler is None or self.resampler.spec is None:
            return
        self._adopt(self.resampler.dataset)
        spec = self.resampler.spec
        with self._token_lock:  # one number per request, whichever thread asks
            token = self.request + 1
            self.param.update(running=True, error=None, notice=None, progress=(0, 0),
                              request=token)
        if self.background:
            self._thread = threading.Thread(target=self._work, args=(token, spec),
                                            daemon=True, name="distviz-loop")
            self._thread.start()
        else:
            self._work(token, spec)

    def _adopt(self, dataset: Dataset) -> None:
        """Follow the resampler's dataset, with the policy's settings for it."""
        if self.dataset is not dataset:
            with param.parameterized.discard_events(self):
                self.dataset = dataset
        self.follow_policy(dataset)

    @param.depends("dataset", watch=True)
    def _handle_dataset(self) -> None:  # a dataset set directly (no resampler followed)
        self.follow_policy(self.dataset)

    def current(self, token: int) -> bool:
        """Whether ``token`` is still the newest request."""
        return token == self.request

    def is_current(self, run: RunResult | None) -> bool:
        """Whether ``run`` answers what is asked now: the resampler's shift on this dataset,
        with these repeats and only algorithms still chosen (a partial run has fewer)."""
        return (run is not None and self.resampler is not None
                and run.dataset is self.dataset and run.spec == self.resampler.spec
                and run.repeats == self.repeats
                and {a.algorithm for a in run.algorithms} <= set(self.algorithms))

    def _work(self, token: int, spec: ShiftSpec) -> None:
        fits: dict = {}
        complete: set[str] = set()
        names = self.algorithms

        def progress(done, total, fit):
            fits[(fit.training_key, fit.algorithm, fit.seed)] = fit
            # _fit_all reports cache hits first, in a block: the first computed fit (or the
            # last hit) publishes them, one dashboard render instead of one per hit.
            if not self.current(token) or (fit.from_cache and done < total):
                return
            self.progress = (done, total)
            partial = self._partial_run(spec, fits, complete, names)
            if partial is not None:
                self.partial = partial
        stale = (lambda: not self.current(token)) if self.progressive else None
        try:
            run = self.run(spec, progress=progress, stop=stale) if self.current(token) else None
        except Exception as exc:  # noqa: BLE001 - published for the caller; nothing is lost
            if self.current(token):
                self.param.update(error=str(exc) if isinstance(exc, DistvizError)
                                  else f"{type(exc).__name__}: {exc}", running=False)
            if not self.background:
                raise
            return
        if run is not None and self.current(token):
            self.param.update(result=self._judged(run), running=False)

    def _partial_run(self, spec, fits, complete, names) -> RunResult | None:
        """Every algorithm whose fits are all in, when one more has just completed; when
        progressive, every algorithm with at least one seed pair in, as each pair lands."""
        keys = {spec.training_key(), spec.baseline().training_key()}
        need = 1 if self.progressive else len(self.seeds)
        pairs = {n: sum(all((k, n, s) in fits for k in keys) for s in self.seeds)
                 for n in names}
        done = {n: c for n, c in pairs.items() if c >= need}
        if set(done.items()) == complete or \
                all(c == len(self.seeds) for c in pairs.values()):
            return None  # nothing new, or the final result follows at once
        complete.clear()
        complete.update(done.items())
        min_effect = self.min_effects()
        return RunResult(self.dataset, self.shift_result(spec, self.seeds[0]),
                         self.dataset.headline_metric,
                         [self.summarize(n, spec, fits, min_effect=min_effect)
                          for n in names if n in done],
                         self.repeats, min_effect=min_effect)

    def wait(self, timeout: float | None = 600) -> "ModelLoop":
        """Block until the newest request is done (background mode); returns the loop."""
        deadline = time.perf_counter() + (timeout if timeout is not None else 1e9)
        while self.running and time.perf_counter() < deadline:
            thread = self._thread
            if thread is not None and thread.is_alive():
                thread.join(min(0.05, max(0.0, deadline - time.perf_counter())))
            else:
                time.sleep(0.01)
        if self.running:
            raise TimeoutError("the model loop is still training")
        return self

    @property
    def result_cache(self) -> ResultCache:
        return self.cache if self.cache is not None else shared_cache()

    @property
    def seeds(self) -> list[int]:
        return [self.random_state + k for k in range(self.repeats)]

    def resolved_algorithms(self) -> list[models.Algorithm]:
        if self.dataset is None:
            raise UsageError("the model loop has no dataset; set ModelLoop.dataset first.")
        return models.resolve(self.algorithms, self.dataset.task_name)

    def budget_for(self, algorithm: models.Algorithm) -> int | None:
        if self.lift_budgets:
            return None
        budgets = [b for b in (algorithm.max_train_rows, self.max_train_rows) if b]
        return min(budgets) if budgets else None

    def cache_key(self, spec: ShiftSpec, algorithm: models.Algorithm, seed: int) -> str:
        return ResultCache.key(self.dataset.fingerprint, spec.training_key(), algorithm.task,
                               algorithm.name, algorithm.signature(), seed,
                               self.budget_for(algorithm))

    # -- training sets ---------------------------------------------------------------
    def _remember(self, key, make):
        """A small per-loop LRU of shifted training sets and their matrices."""
        with self._prepared_lock:
            if key in self._prepared:
                self._prepared.move_to_end(key)
                return self._prepared[key]
        value = make()
        with self._prepared_lock:
            self._prepared[key] = value
            while len(self._prepared) > 12:
                self._prepared.popitem(last=False)
        return value

    def shift_result(self, spec: ShiftSpec, seed: int) -> ShiftResult:
        """The shifted training set for ``seed`` (cached per loop)."""
        key = ("shift", self.dataset.fingerprint, spec.training_key(), seed, spec.feature,
               spec.group, spec.mix_name, spec.notes)  # the spec a result reports
        return self._remember(key, lambda: shift_training_set(
            self.dataset, spec, random_state=seed, max_ratio=self.max_ratio))

    def matrices(self, spec: ShiftSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Preprocessed train/test matrices: preprocessing is fitted once per training set and
        shared by every algorithm (what each pipeline would compute on its own)."""
        key = ("matrices", self.dataset.fingerprint, spec.training_key(), seed)

        def make():
            prep = models.make_preprocessor(self.dataset.kinds)
            X_train = prep.fit_transform(self.shift_result(spec, seed).X)
            return (np.asarray(X_train, dtype=np.float64),
                    np.asarray(prep.transform(self.dataset.X_test), dtype=np.float64))
        return self._remember(key, make)

    def _payload(self, algorithm, seed, shift, X_train, X_test):
        budget = self.budget_for(algorithm)
        y_train = shift.y
        rows = np.arange(len(y_train))
        if budget and len(rows) > budget:
            rows = sample_rows(len(rows), budget, random_state=seed,
                               labels=y_train if self.dataset.is_classification else None)
        ds = self.dataset
        kwargs = dict(task=ds.task_name, n_classes=len(ds.classes), positive=ds.positive_index)
        return (algorithm, seed, X_train[rows], y_train[rows], X_test, ds.y_test), kwargs, \
            len(rows), budget

    # -- running ---------------------------------------------------------------------
    def run(self, spec: ShiftSpec | None = None, *, progress: ProgressCallback | None = None,
            with_baseline: bool = True, stop: Callable[[], bool] | None = None) -> RunResult:
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
        """
        started = time.perf_counter()
        spec = spec or ShiftSpec()
        validate_spec(self.dataset, spec, max_ratio=self.max_ratio)
        min_effect = self.min_effects()  # a bad min_effect fails before any fit
        algorithms = self.resolved_algorithms()
        states = [spec] + ([spec.baseline()] if with_baseline and not spec.is_baseline else [])
        fits = self._fit_all(states, algorithms, progress, stop=stop)
        shift = self.shift_result(spec, self.seeds[0])
        summaries = [self.summarize(a.name, spec, fits, min_effect=min_effect)
                     for a in algorithms]
        computed = sum(1 for f in fits.values() if not f.from_cache)
        return RunResult(self.dataset, shift, self.dataset.headline_metric, summaries,
                         self.repeats, time.perf_counter() - started, computed,
                         len(fits) - computed, min_effect=min_effect,
                         settings=self.stated_settings())

    def prefetch(self, specs, *, progress: ProgressCallback | None = None,
                 background: bool = False) -> "Prefetch | None":
        """Fill the cache for several specs (and their baselines) in one go.

        Every uncached fit of every spec is scheduled at once, so the workers never idle between
        specs (a sweep calls this before reading its grid back with :meth:`run`).

        Parameters
        ----------
        specs : iterable of ShiftSpec
        progress : callable, optional
            As in :meth:`run`, over the distinct fits of all specs.
        background : bool
            Return at once and fit at low priority in a background thread: at most ``n_jobs``
            fits in flight, none submitted while a :meth:`run` of this process is computing
            (so a user's request never queues behind prefetched fits), and a fit a ``run`` needs
            while it is in flight is shared, not repeated. E.g. the slider positions next to
            the current one, once the user stops.

        Returns
        -------
        Prefetch or None
            With ``background=True``, a handle with ``cancel()``, ``wait()`` and ``done()``.
        """
        states = OrderedDict()
        for spec in specs:
            validate_spec(self.dataset, spec, max_ratio=self.max_ratio)
            for state in (spec, spec.baseline()):
                states.setdefault(state.training_key(), state)
        algorithms = self.resolved_algorithms()
        if not background:
            self._fit_all(list(states.values()), algorithms, progress)
            return None
        return Prefetch(self, list(states.values()), algorithms, progress)

    def _fit_all(self, states, algorithms, progress, *, background: "Prefetch | None" = None,
                 stop: Callable[[], bool] | None = None) -> dict[tuple, FitResult]:
        cache = self.result_cache
        jobs, fits = [], {}
        for state in states:
            for seed in self.seeds:
                for algorithm in algorithms:
                    key = self.cache_key(state, algorithm, seed)
                    hit = cache.get(key)
                    if hit is not None:
                        fits[(state.training_key(), algorithm.name, seed)] = hit
                    else:
                        jobs.append((state, seed, algorithm, key))
        total = len(fits) + len(jobs)
        done = 0
        for fit in list(fits.values()):
            done += 1
            if progress:
                progress(done, total, fit)
        jobs = self._schedule(jobs)

        def finish(job, outcome, rows_used, budget, shift):
            nonlocal done
            state, seed, algorithm, key = job
            fit = FitResult(algorithm.name, seed, state.training_key(), outcome.get("metrics"),
                            outcome.get("y_pred"), outcome.get("scores"),
                            float(outcome["fit_seconds"]), shift.train_rows_after, rows_used,
                            budget, outcome.get("error"))
            if fit.error is None or not outcome.get("transient"):
                cache.put(key, fit)
                self.scheduler.remember_cost(self.dataset.fingerprint, fit)
            fits[(state.training_key(), algorithm.name, seed)] = fit
            done += 1
            if progress:
                progress(done, total, fit)

        if not jobs:
            return fits
        with self.scheduler.foreground(background is None):
            if not self.cluster and (self.n_jobs == 1 or len(jobs) <= 1):
                for job in jobs:
                    if background is not None and not background.wait_turn():
                        break
                    if stop is not None and stop():
                        break
                    state, seed, algorithm, _ = job
                    shift = self.shift_result(state, seed)
                    X_train, X_test = self.matrices(state, seed)
                    args, kwargs, rows_used, budget = self._payload(algorithm, seed, shift,
                                                                    X_train, X_test)
                    finish(job, fit_and_score(*args, **kwargs), rows_used, budget, shift)
                return fits
            self._fit_parallel(jobs, finish, background, stop)
        return fits

    def _schedule(self, jobs: list) -> list:
        """Longest fits first (shortest makespan), except the cheapest algorithm's fits (its
        baseline and shifted fits, every seed; when progressive, seed by seed), which go
        first so that a first complete result shows at once; grouped by training set, so each one is shifted and
        preprocessed once. Costs are the fit seconds measured on this dataset once known,
        else the registry's rough ``cost``."""
        if len(jobs) <= 1:
            return jobs
        fingerprint = self.dataset.fingerprint
        measured = {a.name: self.scheduler.cost(fingerprint, a.name) for _, _, a, _ in jobs}
        known = all(v is not None for v in measured.values())

        def cost(job):
            return measured[job[2].name] if known else job[2].cost
        order = {}
        for state, seed, _, _ in jobs:
            order.setdefault((state.training_key(), seed), len(order))
        jobs = sorted(jobs, key=lambda j: (order[(j[0].training_key(), j[1])], -cost(j)))
        cheapest = jobs[min(range(len(jobs)), key=lambda i: (cost(jobs[i]), i))][2].name
        # Progressive: every algorithm's first seed pair (the cheapest's first), then the
        # second, ...; otherwise the cheapest algorithm's every fit first.
        rank = {seed: i for i, seed in enumerate(self.seeds)} if self.progressive else {}
        return sorted(jobs, key=lambda j: (rank.get(j[1], 0), j[2].name != cheapest))

    def _fit_parallel(self, jobs, finish, background, stop=None) -> None:
        """Submit fits to the shared pool as workers free up (a few queued ahead), share fits
        already in flight for the same cache key, collect results as they come.

        A fit whose future fails (its dask worker or scheduler went away, or a local worker
        died) runs once more locally: a fit is never lost to the machinery, only to its own
        error. Whatever this call leaves in flight is forgotten on the way out, so a later run
        never shares a future nobody collects."""
        executor, workers, on_cluster = self._executor()
        ahead = workers if background is not None else 2 * workers
        queue = list(jobs)
        pending: dict[Future, tuple] = {}  # future -> (job, rows_used, budget, shift, owned)
        started_at: dict[Future, float] = {}
        retried: set[str] = set()  # fits whose future failed, run again locally
        try:
            while queue or pending:
                if on_cluster and not self.scheduler.clusters.alive(self.cluster):
                    # The cluster went away: what it had not finished, and what is left, runs
                    # here (a future it cancelled on the way out counts as not finished).
                    self.notice = f"the dask cluster at {self.cluster} went away; fitting locally"
                    self.scheduler.clusters.drop(self.cluster)  # no more reconnecting to it
                    for future, (job, *_, owned) in list(pending.items()):
                        if not _succeeded(future):
                            del pending[future]
                            if owned:
                                self.scheduler.forget(job[3], future)
                            queue.insert(0, job)
                    executor, workers, on_cluster = self.scheduler.executor(self.n_jobs), \
                        self.n_jobs, False
                    ahead = workers if background is not None else 2 * workers
                if stop is not None and queue and stop():
                    queue.clear()  # superseded: the fits in flight finish, nothing more starts
                while queue and len(pending) < ahead and (
                        background is None or background.may_submit()):
                    job = queue.pop(0)
                    future, extra = self._submit(executor, job)
                    pending[future] = (job,) + extra
                if background is not None and background.cancelled and not pending:
                    return
                if not pending:
                    time.sleep(0.05)  # a background prefetch waiting for the foreground
                    continue
                finished, _ = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
                for future in finished:
                    job, rows_used, budget, shift, owned = pending.pop(future)
                    try:
                        outcome = future.result()
                    except Exception as exc:  # noqa: BLE001 - lost, cancelled or a dead worker
                        if owned:
                            self.scheduler.forget(job[3], future)
                        if job[3] not in retried:
                            retried.add(job[3])
                            self.notice = (
                                f"a fit was lost on the dask cluster at {self.cluster} "
                                f"({type(exc).__name__}); it ran locally" if self.cluster else
                                f"a worker process died during a fit ({type(exc).__name__}); "
                                "the fit ran again")
                            local, extra = self._submit(self.scheduler.executor(self.n_jobs),
                                                        job, share=False)
                            pending[local] = (job,) + extra
                            continue
                        outcome = {"error": f"{type(exc).__name__}: {exc}"[:300],
                                   "fit_seconds": 0.0, "transient": True}
                    finish(job, outcome, rows_used, budget, shift)
                    if owned:  # only now: the result is cached, so no run misses it between
                        self.scheduler.forget(job[3], future)
                if self.time_budget:
                    self._enforce_time_budget(pending, started_at, finish)
        finally:
            for future, (job, *_, owned) in pending.items():
                if owned:
                    self.scheduler.forget(job[3], future)

    def _enforce_time_budget(self, pending, started_at, finish) -> None:
        """Backstop for fits the worker's alarm cannot interrupt (one long C call). loky marks
        a call "running" once it is queued for a worker, possibly behind another fit, hence
        the slack."""
        now = time.perf_counter()
        for future in list(pending):
            if future.running():
                started_at.setdefault(future, now)
                if now - started_at[future] > 2 * self.time_budget + 2:
                    job, rows_used, budget, shift, owned = pending.pop(future)
                    if owned:
                        self.scheduler.forget(job[3], future)
                    finish(job, {"error": f"TimeoutError: exceeded the time budget of "
                                          f"{self.time_budget:g} s; raise time_budget or use "
                                          "fewer rows",
                                 "fit_seconds": now - started_at[future], "transient": True},
                           rows_used, budget, shift)

    def _executor(self) -> tuple:
        """Where fits go: (executor, fits it runs at once, whether it is the cluster); the
        local pool, with a notice, when the cluster cannot be reached."""
        if self.cluster:
            clusters = self.scheduler.clusters
            try:
                client = clusters.client(self.cluster)
                return client.get_executor(pure=False), clusters.threads(self.cluster), True
            except Exception:  # noqa: BLE001 - a cluster that is not there: fit here
                self.notice = (f"cannot reach the dask cluster at {self.cluster}; fitting "
                               "locally (start it with 'dask scheduler' and 'dask worker')")
        return self.scheduler.executor(self.n_jobs), self.n_jobs, False

    def _submit(self, executor, job, *, share: bool = True) -> tuple[Future, tuple]:
        """One fit to the pool, or the same fit another run already has in flight."""
        state, seed, algorithm, key = job
        shift = self.shift_result(state, seed)
        budget = self.budget_for(algorithm)
        shared = self.scheduler.in_flight(key) if share else None
        if shared is not None:
            rows = len(shift.y)
            return shared, ((min(rows, budget) if budget else rows), budget, shift, False)
        X_train, X_test = self.matrices(state, seed)
        args, kwargs, rows_used, budget = self._payload(algorithm, seed, shift, X_train, X_test)
        if self.time_budget:
            kwargs["time_limit"] = self.time_budget
        future = executor.submit(fit_and_score, *args, **kwargs)
        self.scheduler.start(key, future)
        return future, (rows_used, budget, shift, True)

    def summarize(self, name: str, spec: ShiftSpec, fits: dict, *,
                  min_effect: dict[str, float] | None = None) -> AlgorithmResult:
        """One algorithm's summary from fits keyed by (training key, algorithm, seed):
        :func:`distviz.loop.summary.summarize` with this loop's dataset, seeds, memo and
        smallest change that matters (``min_effects()`` unless given)."""
        return summarize(self.dataset, self.seeds, name, spec, fits, effects=self._effects,
                         shifted_test=self.shifted_test,
                         min_effect=min_effect if min_effect is not None
                         else self.min_effects())

    def warm_up(self) -> None:
        """Start the worker processes and import the model libraries in them, in advance."""
        if self.n_jobs > 1:
            self.scheduler.warm_up(self.n_jobs)


def _succeeded(future: Future) -> bool:
    """Done with a result (not cancelled, no exception): ``future.exception()`` itself raises
    on a cancelled future, as dask cancels every future when its scheduler goes away."""
    return future.done() and not future.cancelled() and future.exception() is None
