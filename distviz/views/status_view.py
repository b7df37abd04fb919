"""The status line and its progress bar: what the loop is doing (training, how far, what ran with
which settings and where), and what the page says (loads, exports, errors)."""

from __future__ import annotations

import panel as pn
import param

from ..loop import ModelLoop
from ..loop.policy import describe
from .session import Session
from .style import escape
from .workarounds import HIDDEN, is_shown, show


class StatusView(pn.viewable.Viewer):
    """One line of text and a progress bar, following the loop; the other views say things
    through :meth:`say`, :meth:`track`, :meth:`finish`, :meth:`fail` and :meth:`notify`."""

    # A run still training after this many seconds shows the progress bar (showing and hiding
    # it re-lays the page out: a cached move is done sooner, and its page does not flicker).
    BUSY_AFTER: float = 0.3

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The model loop whose requests are reported.""")

    session = param.ClassSelector(class_=Session, default=None, allow_None=True,
                                  precedence=-1, doc="The dashboard's session.")

    status = param.String(default="", precedence=-1, doc="The status line (plain text).")

    busy = param.Boolean(default=False, precedence=-1, doc="Training or loading.")

    def __init__(self, **params):
        super().__init__(**params)
        if self.session is None:
            self.session = Session(background=False)
        self.line = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10))
        # Shown and hidden by its styles: a change of `visible` re-lays the page out.
        self.bar = pn.indicators.Progress(value=0, max=1, width=280, bar_color="primary",
                                          styles=dict(HIDDEN))
        self._training, self._caveat = "Training", ""  # the line's words while training
        if self.loop is not None:
            on = self.session.watch
            on(self.loop, ["request"], self._started)
            on(self.loop, ["progress"], self._progressed)
            # After the views' renders of the same result: "Ran ..." never beside a partial.
            on(self.loop, ["result"], self._ran, precedence=1)
            on(self.loop, ["error"], lambda event: event.new and self.fail(event.new))

    def __panel__(self):
        return pn.Row(self.line, self.bar, sizing_mode="stretch_width")

    # ------------------------------------------------------------------ what the page says
    def say(self, markdown: str, *, busy: bool | None = None) -> None:
        """Show ``markdown`` (already escaped) on the line."""
        if busy is not None:
            self.busy = busy
        self.line.object = markdown

    def track(self, done: int, total: int, markdown: str) -> None:
        """Work ``done`` of ``total``: the bar shows it, the line says ``markdown``."""
        # One at a time: Progress checks value against the max it had before this call.
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        show(self.bar)
        self.line.object = markdown

    def finish(self, message: str) -> None:
        """Work is done: the line says ``message`` (plain text), the bar goes."""
        self.busy = False
        show(self.bar, False)
        self.status = message
        self.line.object = escape(message)

    def fail(self, message: str) -> None:
        """Work failed: ``message`` is said (a notification too), the bar goes."""
        self.notify(message)
        self.busy = False
        show(self.bar, False)

    def notify(self, message: str, level: str = "error") -> None:
        """One line, in bold on the status line and as a notification."""
        message = " ".join(str(message).split())
        self.status = message
        self.line.object = f"**{escape(message)}**"
        if pn.state.notifications is not None:
            getattr(pn.state.notifications, level)(message, duration=8000)

    def show_bar(self) -> None:
        """Show the progress bar, empty (a run that trains for a while)."""
        self.bar.param.update(value=0, max=1)
        show(self.bar)

    # ------------------------------------------------------------------ following the loop
    def _started(self, event) -> None:
        """A request: the line says at once that it trains (what it shows is no longer the
        answer), and whose results are on screen meanwhile; the bar and the fit counts show
        once it still trains BUSY_AFTER seconds later (a cached move is done sooner)."""
        loop = self.loop
        self.busy = True
        shown = loop.result
        if shown is not None and shown.dataset is not loop.dataset:
            # Until the new dataset's first result, what is shown is the old one's: every
            # training line says so.
            self._training = f"Training on {escape(loop.dataset.name)}"
            self._caveat = f" (the results shown are for {escape(shown.dataset.name)})"
        else:
            self._training, self._caveat = "Training", ""
        self.line.object = f"{self._training}...{self._caveat}"
        request = loop.request

        def still_training():
            if loop.running and loop.request == request:
                self.show_bar()
                self._progressed()
        self.session.later(self.BUSY_AFTER, still_training)

    def shown(self, run) -> None:
        """The results tab now shows ``run``: once it is the new dataset's (its first numbers,
        while the rest trains), the training line no longer says the old one's are shown."""
        if self._caveat and run is not None and run.dataset is self.loop.dataset:
            self._caveat = ""
            if self.loop.running:
                self.line.object = f"{self._training}..."
                self._progressed()

    def _progressed(self, event=None) -> None:
        """The fit counts and the time left, as each fit lands (no estimate until the fits
        left have measured times)."""
        done, total = self.loop.progress
        if not self.loop.running or not is_shown(self.bar):
            return
        left = time_left(self.loop.seconds_left())
        left = f", {left}" if left else ""
        if total == 0:  # no fit has landed yet
            self.line.object = f"{self._training}...{left}{self._caveat}"
            return
        self.bar.max = max(total, 1)
        self.bar.value = min(done, self.bar.max)
        self.line.object = f"{self._training}: {done} of {total} fits done{left}{self._caveat}"

    def _ran(self, event) -> None:
        run = self.loop.result
        if not self.loop.is_current(run):
            return  # superseded meanwhile; the newer request's result follows
        message = (f"Ran {len(run.algorithms)} algorithms x {run.seeds_label()} in "
                   f"{run.seconds:.2f} s: {run.computed} fits computed, {run.cached} from cache. "
                   f"Settings: {describe(run.settings)}.")
        notice = self.loop.notice  # e.g. the dask cluster went away: said, not hidden
        self.finish(f"{message} Note: {notice}." if notice else message)
        if notice and pn.state.notifications is not None:
            pn.state.notifications.warning(notice, duration=8000)


def time_left(seconds: float | None) -> str:
    """``seconds`` left in words, rounded as a person would say it ('about 4 s left', 'less
    than a second left', 'about 2 min left'); '' when there is no estimate."""
    if seconds is None:
        return ""
    if seconds < 1:
        return "less than a second left"
    if seconds < 59.5:
        return f"about {round(seconds)} s left"
    return f"about {max(round(seconds / 60), 1)} min left"
