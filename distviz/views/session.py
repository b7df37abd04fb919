"""The session: how results get onto a dashboard's page, the one rule for every view.

Engine objects (Dataset, Resampler, ModelLoop, AdviseRun) may publish from any thread; a view's
panes change only on the document's own thread, through :meth:`Session.ui`: served, the Bokeh
server's loop (the document's next tick); in Jupyter, the kernel loop that last handled a
widget's message (JupyterLab sends each output's messages on a subshell thread of its own, so
background changes join that thread and two threads never change one Bokeh document at once);
with neither, at once. The session's background work runs in its :class:`~distviz.runner.Runner`,
whose results come back through :meth:`ui`.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from functools import partial
from typing import Callable

import panel as pn

from ..runner import Runner, Task
from .workarounds import recompute_once, user_changes_pending

_log = logging.getLogger("distviz.dashboard")


class Session:
    """Hands changes to the document's thread and runs slow work in the session's runner.

    Parameters
    ----------
    background : bool
        False runs every job inline and delivers every change at once (scripts and tests).
    on_error : callable
        ``on_error(message)`` on the document's thread when a UI change raised.
    kernel : asyncio loop, optional
        In Jupyter, the kernel's loop changes are first handed to (default: the one running
        where the session is made, a cell's).
    """

    def __init__(self, *, background: bool = True, on_error: Callable[[str], None] | None = None,
                 kernel: asyncio.AbstractEventLoop | None = None):
        self.background = background
        self._on_error = on_error
        self._doc = None
        self._pending: list | None = None  # changes waiting for the browser to connect
        self.closed = False
        self._lock = threading.Lock()
        self._kernel = None  # in Jupyter: the kernel loop changes are handed to
        self._queued: list = []  # changes waiting for that loop
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
            self._kernel = kernel or _kernel_loop()

    # ------------------------------------------------------------------ the hand-off
    def ui(self, fn: Callable, *args, **kwargs) -> None:
        """Run a UI change on the document's thread (Bokeh models are not thread-safe); at once
        when there is no server document or when already on its thread."""
        if self._kernel is not None:
            self._in_kernel(partial(fn, *args, **kwargs))
            return
        if self._doc is None or threading.current_thread() is threading.main_thread():
            if self.background:  # as on a served page: a failing change is reported, and the
                self._apply(partial(fn, *args, **kwargs))  # caller's other watchers still run
            else:
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

    def watch(self, obj, names, fn: Callable, *, precedence: int = 0) -> None:
        """``fn(event)`` on the document's thread whenever ``obj``'s parameters ``names``
        change, from whichever thread changed them; a higher ``precedence`` is handed over
        after the watchers of lower ones (param's watcher order)."""
        obj.param.watch(lambda event: self.ui(fn, event), names, precedence=precedence)

    @property
    def served(self) -> bool:
        """Whether the session updates a served page (a Bokeh server document)."""
        return self._doc is not None

    def user_moving(self) -> bool:
        """Whether the page's next changes (a slider key pressed meanwhile) have reached the
        server and wait to be applied."""
        return user_changes_pending(self._doc)

    def batch(self, *viewables):
        """Many pane changes as one: the documents the ``viewables`` are shown in recompute
        their model graph at most once, on exit, and not at all when only data changed
        (:func:`~distviz.views.workarounds.recompute_once`)."""
        return recompute_once([self._doc] if self._doc is not None else viewables)

    # ------------------------------------------------------------------ background work
    def job(self, work: Callable[[], object], *, done: Callable[[object], None],
            failed: Callable[[str], None], name: str = "job", lane: str | None = None) -> Task:
        """``work()`` in the runner, then ``done(value)`` or ``failed(message)`` on the
        document's thread; ``lane``: a newer job in it drops this one's answer."""
        return self.runner.submit(lambda task: work(), done=done, failed=failed, lane=lane,
                                  name=name)

    def later(self, delay: float, fn: Callable[[], None], *, lane: str | None = None) -> None:
        """``fn()`` on the document's thread in ``delay`` seconds unless ``lane`` moves on
        first (never when not in the background: scripts show final states only)."""
        if self.background and not self.closed:
            self.runner.later(delay, fn, lane=lane)

    def wait(self, timeout: float | None = 300) -> None:
        """Block until every background job has finished (scripts and tests)."""
        try:
            self.runner.wait(timeout, idle=self.drain_here)
        except TimeoutError:
            raise TimeoutError("the dashboard is still working") from None

    # ------------------------------------------------------------------ the document's side
    def _in_kernel(self, change) -> None:
        """At once on a kernel loop's thread (a cell, or a widget message on its subshell),
        which becomes the loop the background threads' changes are handed to; queued else."""
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
            self._apply(change)

    def drain_here(self) -> None:
        """:meth:`drain` when called on a kernel loop's thread (a waiting cell), else nothing."""
        if self._kernel is not None and _running_loop() is self._kernel:
            self.drain()

    def _flush_pending(self) -> None:
        with self._lock:
            pending, self._pending = self._pending or [], None
        for change in pending:
            self._in_document(change)

    def _in_document(self, fn, *args, **kwargs) -> None:
        # Panel panes render for `pn.state.curdoc`; Bokeh's tick callbacks do not set it.
        from panel.io.state import set_curdoc
        with set_curdoc(self._doc):
            self._apply(partial(fn, *args, **kwargs))

    def _apply(self, change) -> None:
        try:
            change()
        except Exception as exc:  # noqa: BLE001 - Bokeh would drop it silently
            _log.exception("dashboard update %s failed", change)
            if self._on_error is not None:
                self._on_error(f"display update failed: {type(exc).__name__}: {exc}")

    def _destroyed(self, session_context) -> None:
        self.closed = True
        self.runner.cancel_all()


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
