"""The session runner: the one place a dashboard session meets threads.

The rule, for every view: engine objects (Dataset, Resampler, ModelLoop) may publish from any
thread; a view's panes change only on the session's document loop, through :meth:`Session.ui`
(served: the Bokeh server's; in Jupyter: the kernel loop that last handled a widget's message,
since JupyterLab sends each output's messages on a subshell thread of its own: background
changes join that thread, so two threads never change one Bokeh document at once).
The runner also owns the session's background jobs (dataset loads, rankings, exports), the
throttling of partial results while a run trains and the prefetch of neighbouring positions.
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from contextlib import contextmanager
from functools import partial
from typing import Callable

import panel as pn

from ..errors import DistvizError
from ..loop import ModelLoop
from ..runner import Runner

_log = logging.getLogger("distviz.dashboard")


class Session:
    """Hands changes to the document's thread, and runs slow work in the session's runner.

    Parameters
    ----------
    background : bool
        False runs every job inline and delivers every change at once (scripts and tests).
    on_error : callable
        ``on_error(message)`` on the document loop when a UI change raised.
    """

    # While a run trains: seconds before the first render of partial results (a run done
    # sooner shows only its final result), and at least this long between two such renders
    # (a render costs the server's loop ~40 ms and the browser a redraw of every plot).
    PARTIAL_RENDER_FIRST: float = 0.15
    PARTIAL_RENDER_EVERY: float = 0.5
    # Once the user has stopped for PREFETCH_DELAY seconds, the slider positions either side
    # of the current one are fitted at low priority, so the next move is often cached.
    PREFETCH_DELAY: float | None = 1.0

    def __init__(self, *, background: bool = True, on_error: Callable[[str], None] | None = None):
        self.background = background
        self._on_error = on_error
        self._doc = None
        self._pending: list | None = None  # changes waiting for the browser to connect
        self.closed = False
        self._lock = threading.Lock()
        self._partial_last = 0.0
        self.prefetch = None  # the running prefetch (the runner's task), if any
        self._kernel = None  # in Jupyter: the kernel loop changes are handed to
        self._queued: list = []  # changes waiting for that loop
        # The session's background work: its results come back through `ui`.
        self.runner = Runner(background=background, deliver=self.ui)
        doc = pn.state.curdoc
        if background and doc is not None and doc.session_context is not None:
            self._doc = doc
            self._pending = []
            doc.on_session_destroyed(self._destroyed)
            # Panel defers changes made before the page exists and can lose a layout's new
            # children doing so: they wait here until the browser has connected.
            pn.state.onload(self._flush_pending)
        elif background:
            self._kernel = _kernel_loop()

    # ------------------------------------------------------------------ the threading rule
    def ui(self, fn: Callable, *args, **kwargs) -> None:
        """Run a UI change on the document loop (Bokeh models are not thread-safe); inline
        when there is no server document or when already on its thread."""
        if self._kernel is not None:
            self._in_kernel(partial(fn, *args, **kwargs))
            return
        if self._doc is None or threading.current_thread() is threading.main_thread():
            fn(*args, **kwargs)
            return
        if self.closed:
            return  # the browser tab is gone; nothing left to update
        with self._lock:
            if self._pending is not None:
                self._pending.append(partial(fn, *args, **kwargs))
                return
        try:
            self._doc.add_next_tick_callback(partial(self._in_document, fn, *args, **kwargs))
        except (AttributeError, RuntimeError, KeyError):
            self.closed = True  # the session was destroyed between the check and the call

    @contextmanager
    def batch(self, viewable):
        """Many pane changes as one: the Bokeh documents ``viewable`` is rendered in recompute
        their model graph at most once, on exit, instead of after every plot that changes, and
        not at all when only data changed (a cached move: new columns, no new models)."""
        docs = {self._doc} if self._doc is not None else {
            model.document for model, _ in list(viewable._models.values())}
        docs.discard(None)
        for doc in docs:
            _hold_recompute(doc.models)
        try:
            yield
        finally:
            for doc in docs:
                _release_recompute(doc.models)

    def watch(self, obj, names, fn: Callable) -> None:
        """``fn(event)`` on the document loop whenever ``obj``'s parameters ``names`` change,
        from whichever thread changed them."""
        obj.param.watch(lambda event: self.ui(fn, event), names)

    def _in_kernel(self, change) -> None:
        """Inline on a kernel loop's thread (a cell, or a widget message on its subshell), which
        becomes the loop the background threads' changes are handed to; queued for it else."""
        loop = _running_loop()
        if loop is not None:
            self._kernel = loop
            change()
            return
        with self._lock:
            self._queued.append(change)
            first = len(self._queued) == 1
        if first:
            try:
                self._kernel.call_soon_threadsafe(self.drain)
            except RuntimeError:  # that loop is gone (a subshell closed): the cell's next wait
                pass

    def drain(self) -> None:
        """Apply the changes queued for the kernel's loop now (also from a cell waiting for
        the dashboard, which would otherwise block the loop that applies them)."""
        with self._lock:
            queued, self._queued = self._queued, []
        for change in queued:
            try:
                change()
            except Exception as exc:  # noqa: BLE001 - as in _in_document
                _log.exception("dashboard update %s failed", getattr(change, "__name__", change))
                if self._on_error is not None:
                    self._on_error(f"display update failed: {type(exc).__name__}: {exc}")

    def _flush_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending or [], None
        for change in pending:
            self._in_document(change)

    def _in_document(self, fn, *args, **kwargs) -> None:
        # Panel panes render for `pn.state.curdoc`; Bokeh's tick callbacks do not set it.
        from panel.io.state import set_curdoc
        with set_curdoc(self._doc):
            try:
                fn(*args, **kwargs)
            except Exception as exc:  # noqa: BLE001 - Bokeh would drop it silently
                _log.exception("dashboard update %s failed", getattr(fn, "__name__", fn))
                if self._on_error is not None:
                    self._on_error(f"display update failed: {type(exc).__name__}: {exc}")

    def _destroyed(self, session_context) -> None:
        self.closed = True
        self.runner.cancel_all()

    # ------------------------------------------------------------------ background jobs
    def job(self, work: Callable[[], object], *, done: Callable[[object], None],
            failed: Callable[[str], None], name: str = "job", lane: str | None = None):
        """``work()`` in the runner, then ``done(value)`` or ``failed(message)`` on the
        document loop (a DistvizError's own message, else the exception's type and text);
        ``lane``: a newer job in it drops this one's answer."""
        return self.runner.submit(lambda task: work(), done=done, failed=failed, lane=lane,
                                  name=name)

    def wait(self, timeout: float | None = 300) -> None:
        """Block until every background job has finished (scripts and tests)."""
        try:
            self.runner.wait(timeout, idle=self.drain_here)
        except TimeoutError:
            raise TimeoutError("the dashboard is still working") from None

    def drain_here(self) -> None:
        """:meth:`drain` when called on a kernel loop's thread (a waiting cell), else nothing."""
        if self._kernel is not None and _running_loop() is self._kernel:
            self.drain()

    # ------------------------------------------------------------------ partial results
    def run_started(self) -> None:
        """A new run began: its first partial render is due PARTIAL_RENDER_FIRST from now."""
        self.runner.cancel("partial-render")
        with self._lock:
            self._partial_last = (time.perf_counter() - self.PARTIAL_RENDER_EVERY
                                  + self.PARTIAL_RENDER_FIRST)

    def throttle_partial(self, render: Callable[[], None]) -> None:
        """``render()`` on the document loop, at most once per PARTIAL_RENDER_EVERY seconds;
        calls in between are merged."""
        if not self.background:
            return  # inline runs show their final result only
        pending = self.runner.newest("partial-render")
        if pending is not None and not pending.done() and not pending.cancelled:
            return
        delay = max(0.0, self._partial_last + self.PARTIAL_RENDER_EVERY - time.perf_counter())

        def rendered():
            self._partial_last = time.perf_counter()
            render()
        self.runner.later(delay, rendered, lane="partial-render")

    def later(self, delay: float, fn: Callable[[], None]) -> None:
        """``fn()`` on the document loop in ``delay`` seconds (never for inline runs)."""
        if not self.background or self.closed:
            return
        self.runner.later(delay, fn)

    # ------------------------------------------------------------------ prefetch
    def schedule_prefetch(self, loop: ModelLoop, specs) -> None:
        """Fit ``specs`` at low priority once the user has stopped for PREFETCH_DELAY seconds
        (never while a foreground run computes). A newer request cancels it
        (:meth:`cancel_prefetch`)."""
        self.cancel_prefetch()
        if not self.background or self.PREFETCH_DELAY is None or self.closed or not specs:
            return
        try:
            self.prefetch = loop.prefetch(specs, background=True, lane="prefetch",
                                          delay=self.PREFETCH_DELAY)
        except DistvizError:
            self.prefetch = None  # e.g. a position this group cannot take

    def cancel_prefetch(self) -> None:
        self.runner.cancel("prefetch")
        self.prefetch = None


# Bokeh's freeze() always recomputes the model graph when it ends (70 ms on a full page). A
# batch holds the same freeze (as Panel does, with the same private calls) and ends it with a
# recompute only when a change asked for one (a model added or removed). Batches may overlap
# (renders from two threads outside a server): the outermost one decides.
_BATCHES_LOCK = threading.Lock()


def _hold_recompute(models) -> None:
    with _BATCHES_LOCK:
        state = models.__dict__.setdefault("_distviz_batch", {"depth": 0, "asked": False})
        if state["depth"] == 0:
            models.invalidate = partial(state.__setitem__, "asked", True)
        state["depth"] += 1
        models._push_freeze()


def _release_recompute(models) -> None:
    with _BATCHES_LOCK:
        state = models.__dict__["_distviz_batch"]
        state["depth"] -= 1
        if state["depth"] > 0:
            models._freeze_count -= 1  # the outermost batch ends the freeze
            return
        del models.invalidate  # the class's own method again
        del models.__dict__["_distviz_batch"]
        if state["asked"]:
            models._pop_freeze()
        else:
            models._freeze_count -= 1


def _running_loop() -> asyncio.AbstractEventLoop | None:
    """The asyncio loop running on this thread (a kernel's, in a cell or a widget message)."""
    try:
        return asyncio.get_running_loop()
    except RuntimeError:
        return None


def _kernel_loop() -> asyncio.AbstractEventLoop | None:
    """The running event loop when called from a cell of a Jupyter kernel, else None."""
    try:
        from IPython import get_ipython
    except ImportError:
        return None
    shell = get_ipython()
    if shell is None or getattr(shell, "kernel", None) is None:
        return None
    return _running_loop()
