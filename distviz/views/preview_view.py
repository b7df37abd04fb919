"""The instant preview above the leaderboard: when the slider lands on a ratio nobody has
trained, :func:`distviz.preview.preview` estimates each algorithm's change from the trained
neighbouring ratios at once; the box says it is an estimate and disappears as the real
retrain's results replace it (each algorithm as its first numbers arrive, all at the end).
"""

from __future__ import annotations

import panel as pn
import param

from ..advise import metric_label
from ..data.crossed import group_phrase
from ..preview import Estimate, preview
from ..results import RunResult
from ..shift import ShiftSpec
from .controls import RATIOS
from .result_view import ResultView
from .style import BETTER, WORSE, escape
from .workarounds import HIDDEN, is_shown, show

STYLE = {"border": "1px dashed #8a6d3b", "background": "#fcf8e3", "border-radius": "4px",
         "padding": "2px 10px", "font-size": "13px", "color": "#5a4a1f"}


def preview_html(estimates: dict[str, Estimate], spec: ShiftSpec) -> str:
    """The box's text: one line per algorithm, each number marked with ≈."""
    first = next(iter(estimates.values()))
    label = metric_label(first.metric)
    parts = []
    for name, e in estimates.items():
        colour = {"better": BETTER, "worse": WORSE}.get(e.verdict)
        verdict = (f'<span style="color: {colour}">likely {e.verdict}</span>' if colour
                   else "likely within noise" if e.low is not None else "no interval")
        value = "" if e.value is None else f" ≈ {e.value:.3f}"
        sources = " and ".join(f"{r:+g}" if r else "0" for r in e.sources)
        how = (f"interpolated between ratios {sources}" if e.method == "interpolated"
               else f"as at ratio {sources}")
        parts.append(f"<b>{escape(name)}</b> {label}{value} (Δ ≈ {e.delta:+.3f}, {verdict}; "
                     f"{how})")
    return (f"<b>Estimate (not yet trained)</b> for "
            f"{escape(group_phrase(spec.feature, spec.group))} at ratio {spec.ratio:+g}, from "
            "the trained neighbouring ratios; the retrain replaces it: " + " · ".join(parts))


class PreviewView(ResultView):
    """An estimate of the running request's results (the loop's cache and seeds are read,
    nothing is fitted), hidden as its results are shown."""

    PARTIAL = True

    estimates = param.Dict(default={}, precedence=-1, doc="""
        The estimates shown now (algorithm -> Estimate); empty when hidden.""")

    spec = param.ClassSelector(class_=ShiftSpec, default=None, allow_None=True, precedence=-1,
                               doc="The shift the estimates are for.")

    def __init__(self, **params):
        super().__init__(**params)
        # Shown and hidden by its styles: a change of `visible` re-lays the page out.
        self.pane = pn.pane.HTML("", sizing_mode="stretch_width",
                                 styles={**STYLE, **HIDDEN}, css_classes=["distviz-preview"],
                                 margin=(0, 10, 5, 10))

    def __panel__(self):
        return self.pane

    def requested(self) -> None:
        if self.loop.resampler is not None:
            self.expect(self.loop.resampler.spec)

    def render(self, run: RunResult, final: bool) -> None:
        self.replaced(run, final=final)

    def expect(self, spec: ShiftSpec | None) -> None:
        """A new request for ``spec`` started: estimate it from what is trained (nothing if
        it is trained already, or no neighbour is)."""
        self.hide()
        loop = self.loop
        if spec is None or loop is None or loop.dataset is None:
            return
        request = loop.request

        def still_waiting() -> bool:
            return loop.request == request and not loop.is_current(loop.result)

        def done(estimates):
            if estimates and still_waiting():
                self._show(spec, estimates)
        self.session.job(lambda: preview(loop, spec, RATIOS) if still_waiting() else {},
                         done=done, failed=lambda message: None, name="preview",
                         lane=f"{self.name}:estimate")

    def replaced(self, run, *, final: bool) -> None:
        """``run`` is being shown: its algorithms' estimates go (all of them when final)."""
        if not self.estimates or run is None or run.spec != self.spec:
            if final:
                self.hide()
            return
        left = {} if final else {name: e for name, e in self.estimates.items()
                                 if name not in {a.algorithm for a in run.algorithms}}
        if left:
            self._show(self.spec, left)
        else:
            self.hide()

    def _show(self, spec, estimates) -> None:
        self.param.update(spec=spec, estimates=dict(estimates))
        self.pane.object = preview_html(estimates, spec)
        show(self.pane)

    def hide(self) -> None:
        if is_shown(self.pane) or self.estimates:
            self.param.update(estimates={}, spec=None)
            show(self.pane, False)
