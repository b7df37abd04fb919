"""The one owner of background work: lanes of jobs, delayed calls, progress and ``wait()``.

GUI-free, so the model loop, a sweep and the advice map use it in a script or a notebook as the
dashboard does; the only module of distviz that starts a thread. A *lane* names one stream of
work the user can move past: a newer submission in a lane supersedes the older one (cancelled
if it has not started, told to stop if it runs) and whatever the older one would still hand
over (``done``, ``failed``, progress) is dropped, checked once more when it is handed over.
That check is the one place where a stale result is dropped.

``deliver`` says how results reach their caller: inline in the worker by default; the views
pass their document's hand-off, so a view's ``done`` runs on the page's own thread.
``background=False`` runs every job at once in the caller's thread (scripts and tests) and
never runs delayed calls. :func:`at_low_priority` runs a function in a process of its own at the
lowest CPU priority: work the user did not ask for yet (a full feature ranking) that must not
slow what they did ask for.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from typing import Any, Callable

from .errors import DistvizError

_log = logging.getLogger("distviz.runner")

Deliver = Callable[[Callable[[], None]], None]


def describe_error(exc: BaseException) -> str:
    """One line for the user: a DistvizError's own message, else the type and the text."""
    return str(exc) if isinstance(exc, DistvizError) else f"{type(exc).__name__}: {exc}"


class Task:
    """One submitted piece of work. ``work(task)`` checks :attr:`cancelled` to stop early and
    calls :meth:`report` with its progress; the caller can :meth:`cancel` and :meth:`wait`."""

    def __init__(self, runner: "Runner", work, *, lane, name, done, failed, progress, delay,
                 waited):
        self.runner, self.work, self.lane, self.name = runner, work, lane, name
        self._done, self._failed, self._progress = done, failed, progress
        self.delay, self.waited = delay, waited
        self.result: Any = None
        self.error: str | None = None
        self.progress: tuple[int, int] = (0, 0)
        self._cancelled = threading.Event()
        self._finished = threading.Event()
        self._reported = 0.0

    @property
    def cancelled(self) -> bool:
        """Superseded in its lane or cancelled: stop soon; nothing more is handed over."""
        return self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()

    def done(self) -> bool:
        return self._finished.is_set()

    def wait(self, timeout: float | None = None) -> bool:
        """Block until the work has returned (or never started); True when it has."""
        return self._finished.wait(timeout)

    def sleep(self, seconds: float) -> bool:
        """Wait ``seconds`` unless cancelled meanwhile; True when not cancelled."""
        return not self._cancelled.wait(seconds)

    def report(self, done: int, total: int) -> None:
        """Progress of the work: kept in :attr:`progress` and handed to the ``progress``
        callback at most every ``Runner.PROGRESS_EVERY`` seconds (always the last one)."""
        self.progress = (done, total)
        now = time.perf_counter()
        if self._progress is None or (now - self._reported < self.runner.PROGRESS_EVERY
                                      and done < total):
            return
        self._reported = now
        self.runner.hand_over(self, self._progress, done, total)


class Runner:
    """Runs work in background threads, by lanes, and hands its results over.

    Parameters
    ----------
    background : bool
        False runs every job at once in the caller's thread and never runs delayed calls.
    deliver : callable, optional
        ``deliver(fn)`` runs ``fn()`` where the results are wanted (a document's thread); by
        default inline, in the worker.
    """

    #: Progress is handed over at most this often (seconds): each hand-over is a render.
    PROGRESS_EVERY: float = 0.25

    def __init__(self, *, background: bool = True, deliver: Deliver | None = None):
        self.background = background
        self._deliver = deliver
        self._lock = threading.Lock()
        self._lanes: dict[str, Task] = {}  # lane -> its newest task
        self._active: set[Task] = set()  # submitted, not yet returned

    # ------------------------------------------------------------------ submitting
    def submit(self, work: Callable[[Task], Any], *, lane: str | None = None,
               done: Callable[[Any], None] | None = None,
               failed: Callable[[str], None] | None = None,
               progress: Callable[[int, int], None] | None = None, delay: float = 0.0,
               waited: bool = True, inline: bool | None = None,
               name: str | None = None) -> Task:
        """Run ``work(task)`` in a background thread (after ``delay`` seconds), then hand
        ``done(value)`` or ``failed(message)`` over, unless the task was cancelled first.

        ``lane``: a newer submission in the same lane cancels this one. ``waited``: whether
        :meth:`wait` waits for it (False for low-priority work such as a prefetch). ``inline``
        (default: not ``background``) runs it now in this thread; an exception then
        propagates when there is no ``failed``.
        """
        task = Task(self, work, lane=lane, name=name or lane or "job", done=done,
                    failed=failed, progress=progress, delay=delay, waited=waited)
        self._register(task)
        if inline if inline is not None else not self.background:
            if delay:  # a delayed call is for a session a user sees, never a script
                task.cancel()
                self._finish(task)
                return task
            self._run(task, raise_errors=failed is None)
            return task
        thread = threading.Thread(target=self._run, args=(task,), daemon=True,
                                  name=f"distviz-{task.name}")
        thread.start()
        return task

    def later(self, delay: float, fn: Callable[[], None], *, lane: str | None = None) -> Task:
        """``fn()`` handed over in ``delay`` seconds unless its lane moves on first (never
        when not ``background``); :meth:`wait` does not wait for it."""
        return self.submit(_nothing, lane=lane, done=lambda _: fn(), delay=delay, waited=False,
                           name=f"later-{lane or 'call'}")

    def hand(self, fn: Callable[[], None], *, lane: str | None = None) -> Task:
        """``fn()`` handed over now, dropped if its lane moves on before it runs (e.g. a render
        waiting for the document's next tick while the user makes a newer request)."""
        task = Task(self, _nothing, lane=lane, name=f"hand-{lane or 'call'}", done=None,
                    failed=None, progress=None, delay=0.0, waited=False)
        self._register(task)
        self._finish(task)
        self.hand_over(task, lambda: fn())
        return task

    def cancel(self, lane: str) -> None:
        """Cancel the newest task of ``lane`` (and so whatever it would still hand over)."""
        with self._lock:
            task = self._lanes.get(lane)
        if task is not None:
            task.cancel()

    def cancel_all(self) -> None:
        """Cancel every task (a session that closed): nothing more is handed over."""
        with self._lock:
            tasks = list(self._active) + list(self._lanes.values())
        for task in tasks:
            task.cancel()

    def newest(self, lane: str) -> Task | None:
        """The newest task submitted to ``lane``, running or not."""
        with self._lock:
            return self._lanes.get(lane)

    def hand_over(self, task: Task, fn: Callable[..., None], *args) -> None:
        """``fn(*args)`` where results are wanted, unless ``task`` is cancelled by then."""
        def call():
            if not task.cancelled:
                fn(*args)
        if task.cancelled:
            return
        if self._deliver is None:
            call()
        else:
            self._deliver(call)

    # ------------------------------------------------------------------ waiting
    def wait(self, timeout: float | None = 300, *, lane: str | None = None,
             idle: Callable[[], None] | None = None) -> None:
        """Block until every waited task (of ``lane``) that is not cancelled has returned.
        ``idle()`` runs between checks (in Jupyter: applying what was handed to the cell)."""
        deadline = time.perf_counter() + (timeout if timeout is not None else 1e9)
        while True:
            if idle is not None:
                idle()
            with self._lock:
                busy = [t for t in self._active if t.waited and not t.cancelled
                        and (lane is None or t.lane == lane)]
            if not busy:
                if idle is not None:
                    idle()  # what the last task handed over
                return
            if time.perf_counter() > deadline:
                raise TimeoutError(f"still working: {', '.join(t.name for t in busy)}")
            busy[0].wait(min(0.05, max(0.0, deadline - time.perf_counter())))

    # ------------------------------------------------------------------ running
    def _register(self, task: Task) -> None:
        with self._lock:
            older = self._lanes.get(task.lane) if task.lane is not None else None
            if task.lane is not None:
                self._lanes[task.lane] = task
            self._active.add(task)
        if older is not None:
            older.cancel()

    def _run(self, task: Task, *, raise_errors: bool = False) -> None:
        try:
            if task.delay and not task.sleep(task.delay):
                return
            if task.cancelled:
                return
            try:
                task.result = task.work(task)
            except Exception as exc:  # noqa: BLE001 - handed to `failed`, logged or raised
                task.error = describe_error(exc)
                if raise_errors:
                    raise
                if task._failed is not None:
                    self.hand_over(task, task._failed, task.error)
                elif not task.cancelled:
                    _log.exception("background work %s failed", task.name)
                return
            if task._done is not None:
                self.hand_over(task, task._done, task.result)
        finally:
            self._finish(task)

    def _finish(self, task: Task) -> None:
        with self._lock:
            self._active.discard(task)
        task._finished.set()


def _nothing(task: Task) -> None:
    return None


# One process for low-priority work, started on first use; it exits after 10 idle minutes.
_low_priority = {"pool": None}
_low_priority_lock = threading.Lock()
LOW_PRIORITY_IDLE = 600


def _lowest_priority() -> None:
    os.nice(19)  # the process's own priority only: it gets the cores the others leave


def at_low_priority(fn: Callable[..., Any], *args, **kwargs) -> Any:
    """``fn(*args, **kwargs)`` in a separate process at the lowest CPU priority (os.nice 19),
    blocking until it returns: on a busy machine it waits for idle cores, so it never slows a
    user's fits, nor holds this process's GIL. ``fn`` and its arguments must pickle. A process
    that died (e.g. out of memory) fails this call; the next call starts a new one."""
    from concurrent.futures import BrokenExecutor

    from joblib.externals.loky import ProcessPoolExecutor
    with _low_priority_lock:
        if _low_priority["pool"] is None:
            _low_priority["pool"] = ProcessPoolExecutor(
                max_workers=1, timeout=LOW_PRIORITY_IDLE, initializer=_lowest_priority)
        pool = _low_priority["pool"]
    try:
        return pool.submit(fn, *args, **kwargs).result()
    except BrokenExecutor:
        with _low_priority_lock:
            if _low_priority["pool"] is pool:
                _low_priority["pool"] = None
        raise
