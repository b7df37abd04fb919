"""The one path from a model loop's results to a view: :class:`ResultView`.

A view of results holds the loop and follows it. Its :meth:`~ResultView.render` runs on the
document's thread (the session's hand-off) for the final result at once and, for a view with
``PARTIAL``, for partial results at most every ``PARTIAL_RENDER_EVERY`` seconds (the first
``PARTIAL_RENDER_FIRST`` after the request) and only when they reach a new :func:`stage`: an
algorithm's first seed, or a round of seeds every algorithm has unless the complete run is due
within ``FINAL_SOON`` seconds (one algorithm's next seed moves the numbers little, and each
render costs the browser a redraw of every plot). A newer request drops whatever of an older
one has not rendered yet (the runner's lane: a quick flick over the slider renders its last
position only), and a run that no longer answers what is asked (``loop.is_current``) is never
rendered. A hidden view (a tab not shown: ``shown`` False) renders nothing, and catches up
with the current result once shown.
"""

from __future__ import annotations

import time

import panel as pn
import param

from ..loop import ModelLoop
from ..results import RunResult
from .session import Session


class ResultView(pn.viewable.Viewer):
    """Base of the views that show a loop's runs; a subclass implements :meth:`render` (and
    may :meth:`requested`)."""

    # Whether partial results (the algorithms finished so far) are rendered while a run trains.
    PARTIAL: bool = False
    # While a run trains: seconds before the first render of partial results (a run done
    # sooner shows only its final result), and at least this long between two such renders
    # (a render costs the server's loop ~40 ms and the browser a redraw of every plot).
    PARTIAL_RENDER_FIRST: float = 0.15
    PARTIAL_RENDER_EVERY: float = 0.5
    # A round of seeds is not drawn when the loop expects the complete run this soon (s).
    FINAL_SOON: float = 2.0

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The model loop whose runs are shown.""")

    session = param.ClassSelector(class_=Session, default=None, allow_None=True,
                                  precedence=-1, doc="""
        The dashboard's session (default: one that shows everything at once).""")

    shown = param.Boolean(default=True, precedence=-1, doc="""
        Whether the view is on screen (a tab not shown: False); a hidden view renders once
        shown.""")

    run = param.ClassSelector(class_=RunResult, default=None, allow_None=True, precedence=-1,
                              doc="The run the view shows now (partial or complete).")

    def __init__(self, **params):
        super().__init__(**params)
        if self.session is None:
            self.session = Session(background=False)
        self._lane = f"render:{self.name}"
        self._partial_due = 0.0
        self._partial_stage = None  # the stage of the partial run rendered for this request
        if self.loop is not None:
            self.loop.param.watch(self._handle_request, "request")
            self.loop.param.watch(self._handle_result, "result")
            if self.PARTIAL:
                self.loop.param.watch(self._handle_partial, "partial")

    # ------------------------------------------------------------------ for subclasses
    def render(self, run: RunResult, final: bool) -> None:
        """Show ``run`` (on the document's thread): complete when ``final``, else the
        algorithms finished so far."""
        raise NotImplementedError

    def requested(self) -> None:
        """A new request started (on the document's thread); nothing by default."""

    def refresh(self) -> None:
        """Show the current run again (e.g. an option of the view changed): now when shown,
        else once shown."""
        if self.shown:
            self._render(self.run if self._current(self.run) else self.loop.result, final=True)
        else:
            self.run = None

    # ------------------------------------------------------------------ following the loop
    def _current(self, run: RunResult | None) -> bool:
        return run is not None and self.loop is not None and self.loop.is_current(run)

    def _handle_request(self, event) -> None:
        self.session.runner.cancel(self._lane)  # what an older request has not rendered
        self._partial_due = time.perf_counter() + self.PARTIAL_RENDER_FIRST
        self._partial_stage = None
        self.session.ui(self.requested)

    def _handle_result(self, event) -> None:
        if self.shown:
            self.session.runner.hand(lambda: self._render(self.loop.result, final=True),
                                     lane=self._lane)

    def _handle_partial(self, event) -> None:
        if not self.shown or not self.session.background:
            return  # scripts show their final result only
        if not self.loop.running or self._current(self.loop.result):
            return  # the complete run is in: a render in this lane would drop its hand-off
        if not self._worth_drawing(self.loop.partial):
            return
        pending = self.session.runner.newest(self._lane)
        if pending is not None and not (pending.done() or pending.cancelled):
            return  # the render due shows the newest partial run
        delay = max(0.0, self._partial_due - time.perf_counter())
        self.session.later(delay, self._render_partial, lane=self._lane)

    def _render_partial(self) -> None:
        self._partial_due = time.perf_counter() + self.PARTIAL_RENDER_EVERY
        partial = self.loop.partial
        if (self.loop.running and not self._current(self.loop.result)
                and self._worth_drawing(partial)):
            self._render(partial, final=False)
            if self.run is partial:
                self._partial_stage = stage(partial)

    def _worth_drawing(self, partial: RunResult | None) -> bool:
        """Whether ``partial`` reached a new stage worth a redraw (see the module's text)."""
        new, shown = stage(partial), self._partial_stage
        if new is None or new == shown:
            return False
        if shown is not None and new[0] == shown[0]:  # only more seeds
            left = self.loop.seconds_left()
            return left is None or left > self.FINAL_SOON
        return True

    @param.depends("shown", watch=True)
    def _handle_shown(self) -> None:
        if self.shown and self.loop is not None and self.run is not self.loop.result:
            self._render(self.loop.result, final=True)

    def _render(self, run: RunResult | None, *, final: bool) -> None:
        if not self._current(run):
            return  # superseded meanwhile: the newer request's result follows
        with self.session.batch(self):
            self.render(run, final)
        self.run = run


def stage(run: RunResult | None) -> tuple | None:
    """How far a partial run is: the algorithms in, and the seeds every one of them has."""
    if run is None:
        return None
    return (frozenset(a.algorithm for a in run.algorithms),
            min((a.n_seeds for a in run.algorithms if a.error is None), default=0))
