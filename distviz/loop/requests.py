"""How a model loop follows its resampler: one request per change of the shift or of a setting,
run at once or in the runner's lane, published as ``partial`` while it trains and ``result``
once done. A newer request makes an older one stale: a progressive run stops submitting its
fits, and a stale run never publishes (its fits are cached)."""

from __future__ import annotations

import threading
from typing import Callable

import param

from ..data import Dataset
from ..results import RunResult
from ..runner import Runner, Task, describe_error
from ..shift import Resampler, ShiftSpec
from .estimate import FitClock
from .settings import LoopSettings


class Requests(LoopSettings):
    """The reactive half of :class:`~distviz.loop.ModelLoop`: what it follows and publishes.
    A subclass provides ``run(spec, progress=..., stop=..., clock=...)``, ``_partial_run`` and
    ``_judged``."""

    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True, doc="""
        The dataset (its test set is frozen); with a resampler, the resampler's.""")

    resampler = param.ClassSelector(class_=Resampler, default=None, allow_None=True, doc="""
        When set, the loop follows it: every change of its shift re-runs the loop.""")

    background = param.Boolean(default=False, doc="""
        Run what the resampler asks for in the runner's background lane (``wait()`` blocks
        until done); by default it runs at once, in the caller's thread.""")

    progressive = param.Boolean(default=False, doc="""
        Fit every algorithm's first seed before any second one and publish each algorithm
        as soon as one seed pair is in (``partial``, no interval yet), its interval narrowing
        as more seeds arrive; a newer request stops an older one's remaining fits.""")

    runner = param.ClassSelector(class_=Runner, default=None, allow_None=True, precedence=-1,
                                 doc="""
        Where background requests and prefetches run; None: the loop's own. Clones share it.""")

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
        if self.runner is None:
            self.runner = Runner()
        # Every change of the loop's parameters, whichever thread makes it: param batches a
        # Parameterized's events per object, not per thread, so two threads updating it at once
        # can deliver one's events late, after the other's (a "request" after its "result").
        self._publishing = threading.RLock()
        self._asked: tuple | None = None  # the state of the newest request
        self._lane = f"{self.name}:request"
        self._clock: tuple[int, FitClock] | None = None  # (request, its fits' clock)

    # -- following --------------------------------------------------------------------
    @param.depends("resampler", "resampler.spec", "algorithms", "repeats", "random_state",
                   "adaptive_seeds", "max_train_rows", "lift_budgets", "shifted_test", "time_budget",
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

    def _adopt(self, dataset: Dataset) -> None:
        """Follow the resampler's dataset, with the policy's settings for it."""
        if self.dataset is not dataset:
            with param.parameterized.discard_events(self):
                self.dataset = dataset
        self.follow_policy(dataset)

    @param.depends("dataset", watch=True)
    def _handle_dataset(self) -> None:  # a dataset set directly (no resampler followed)
        self.follow_policy(self.dataset)

    def update(self) -> None:
        """Run the loop for the resampler's current shift and publish it as ``result``:
        at once, or in the runner's lane when ``background`` (then ``wait()``)."""
        if self.resampler is None or self.resampler.spec is None:
            return
        with self._publishing:  # one number per request, whichever thread asks
            self._adopt(self.resampler.dataset)
            spec = self.resampler.spec
            token = self.request + 1
            self.param.update(running=True, error=None, notice=None, progress=(0, 0),
                              request=token)
        # A revisited shift only reads the cache: answered at once, no thread hand-off.
        self.runner.submit(lambda task: self._work(task, token, spec), lane=self._lane,
                           inline=not self.background or self.in_memory(spec), name="loop")

    def current(self, token: int) -> bool:
        """Whether ``token`` is still the newest request."""
        return token == self.request

    def seconds_left(self) -> float | None:
        """About how many seconds the newest request still trains, from the measured fit times
        of the fits it still computes (:class:`~distviz.loop.estimate.FitClock`); None when
        nothing trains or a fit left has never been timed on this dataset."""
        clock = self._clock
        if not self.running or clock is None or not self.current(clock[0]):
            return None
        return clock[1].seconds_left()

    def is_current(self, run: RunResult | None) -> bool:
        """Whether ``run`` answers what is asked now: the resampler's shift on this dataset,
        with these repeats and only algorithms still chosen (a partial run has fewer)."""
        return (run is not None and self.resampler is not None
                and run.dataset is self.dataset and run.spec == self.resampler.spec
                and run.repeats == self.repeats
                and {a.algorithm for a in run.algorithms} <= set(self.algorithms))

    def _work(self, task: Task, token: int, spec: ShiftSpec) -> None:
        fits: dict = {}
        complete: set = set()
        names = self.algorithms
        # A fit's callback can run on a pool thread after run() returned: no partial run may
        # be published after the result (a view would show it over the complete one).
        finishing = threading.Lock()
        finished = False

        def progress(done, total, fit):
            fits[(fit.training_key, fit.algorithm, fit.seed)] = fit
            # Cache hits are reported first, in a block: the first computed fit (or the last
            # hit) publishes them, one dashboard render instead of one per hit.
            if not self.current(token) or (fit.from_cache and done < total):
                return
            with finishing:
                if finished:
                    return
                partial = self._partial_run(spec, fits, complete, names)
                with self._publishing:
                    self.progress = (done, total)
                    if partial is not None:
                        self.partial = partial
        stale: Callable[[], bool] | None = (
            (lambda: not self.current(token)) if self.progressive else None)
        clock = FitClock()
        self._clock = (token, clock)
        try:
            run = (self.run(spec, progress=progress, stop=stale, clock=clock)
                   if self.current(token) else None)
        except Exception as exc:  # noqa: BLE001 - published for the caller; nothing is lost
            with self._publishing:
                if self.current(token):
                    self.param.update(error=describe_error(exc), running=False)
            if not self.background:
                raise
            return
        with finishing:
            finished = True
        with self._publishing:
            if run is not None and self.current(token):
                self.param.update(result=self._judged(run), running=False)

    def wait(self, timeout: float | None = 600) -> "Requests":
        """Block until the newest request is done (background mode); returns the loop."""
        try:
            self.runner.wait(timeout, lane=self._lane)
        except TimeoutError:
            raise TimeoutError("the model loop is still training") from None
        return self
