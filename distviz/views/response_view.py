"""Response curves of the slider's group: the headline metric against the ratio per algorithm,
with its 95 % band and a shape label (rising, falling, peaked, flat within the noise), over
every ratio already trained; a button trains the rest in the background. Each point's change
against the baseline carries its practical call against the page's smallest change that
matters (``loop.min_effect``), judged again, with no fit, when that changes."""

from __future__ import annotations

import panel as pn
import param

from ..advise import DEFAULT_ADVISE_RATIOS, curve_sentence, response_curve
from ..data.crossed import group_phrase
from ..errors import DistvizError
from ..loop import ModelLoop
from ..preview import trained_ratios
from ..shift import ShiftSpec
from ..shift.spec import DEFAULT_RATIOS
from .advise_plots import curves_plot, no_curves
from .controls import RATIOS
from .practical_marks import practical_key
from .session import Session
from .style import escape


class ResponseCurvesView(pn.viewable.Viewer):
    """The curves of one group (the slider's): nothing is fitted to draw them, only read from
    the loop's cache; :attr:`train` fits the group's other ratios."""

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The dashboard's model loop: the curves read clones of it (same settings, same cache).""")

    session = param.Parameter(default=None, precedence=-1, doc="""
        The dashboard's Session: work runs in its background jobs (default: inline).""")

    ratios = param.List(default=list(DEFAULT_ADVISE_RATIOS), item_type=float, doc="""
        Ratios drawn (when trained) and trained besides the slider's positions.""")

    alpha = param.Number(default=0.05, bounds=(0.001, 0.5), doc="""
        False-discovery rate of the Benjamini–Hochberg step over each curve's pairs.""")

    spec = param.ClassSelector(class_=ShiftSpec, default=None, allow_None=True, precedence=-1,
                               doc="The shift whose group is drawn (the slider's).")

    train = param.Event(label="Train every ratio of this group", doc="""
        Fit the slider's other ratios of the current group in the background, for its curve.""")

    def __init__(self, **params):
        super().__init__(**params)
        self.session = self.session or Session(background=False)
        self._lane = f"{self.name}:curves"  # a newer request drops an older one's curves
        self.plot = pn.pane.HoloViews(no_curves("no curve yet"), linked_axes=False)
        self.text = pn.pane.Markdown("", sizing_mode="stretch_width", margin=(0, 10))
        self.legend = pn.pane.HTML("", sizing_mode="stretch_width", margin=(0, 10),
                                   styles={"font-size": "12px", "color": "#444"})
        self._drawn: tuple | None = None  # (spec, ratios, curves) of the plot shown
        self._layout = pn.Column(
            pn.pane.Markdown("#### Response curves", margin=(10, 10, 0, 10)),
            self.plot, self.legend, self.text,
            pn.widgets.Button.from_param(self.param.train, width=260),
            sizing_mode="stretch_width")
        if self.loop is not None:
            # A new smallest change that matters re-judges the points shown (nothing refits).
            self.session.watch(self.loop, ["min_effect"], self._rejudge)

    def __panel__(self):
        return self._layout

    def show(self, spec: ShiftSpec | None = None) -> None:
        """Draw ``spec``'s group (default: the one shown) over every trained slider ratio."""
        spec = spec or self.spec
        if spec is None or self.loop is None:
            return
        self.spec = spec
        if spec.is_mix or spec.mix_name or spec.group is None:  # a mix: no ratio to draw over
            self._drawn = None
            self.plot.object = no_curves("a whole mix: no group's ratio to draw")
            self.legend.object = ""
            self.text.object = ("Response curves follow one group's ratio, and the page shows a "
                                "whole mix: click a cell of the map above, or choose *one group* "
                                "in the shift row, to draw a group's curves.")
            return
        loop, alpha = self.loop.clone(), self.alpha
        grid = sorted(set(RATIOS) | set(self.ratios))

        def work():
            ratios = [r for r in trained_ratios(loop, spec, grid) if r != 0]
            if not ratios:
                return ratios, None
            return ratios, response_curve(loop, spec.feature, spec.group, ratios,
                                          upsampler=spec.upsampler,
                                          class_balance=spec.class_balance, alpha=alpha)

        self.session.job(work, done=lambda value: self._draw(spec, *value),
                         failed=self._failed, name="curves", lane=self._lane)

    def min_effect(self, metric: str) -> float | None:
        """The smallest change that matters for ``metric`` now (the loop's; None when its
        dataset no longer reports ``metric``)."""
        if self.loop is None or self.loop.dataset is None:
            return None
        return self.loop.min_effects().get(metric)

    def _rejudge(self, event=None) -> None:
        if self._drawn is not None:
            self._draw(*self._drawn)

    def _draw(self, spec, ratios, curves) -> None:
        self._drawn = (spec, ratios, curves)
        where = escape(group_phrase(spec.feature, spec.group))
        if curves is None:
            self.plot.object = no_curves(
                f"{group_phrase(spec.feature, spec.group)}: no trained ratio yet")
            self.legend.object = ""
            self.text.object = (f"No ratio of {where} other than the baseline is trained "
                                "yet: move the slider, wait for the map, or train them.")
            return
        metric = next((c.metric for c in curves.values()), None)
        m = self.min_effect(metric) if metric else None
        self.plot.object = curves_plot(curves, spec.feature, spec.group, ratio=spec.ratio,
                                       min_effect=m)
        self.legend.object = practical_key(m, metric or "", how="each judged alone")
        lines = [f"- {escape(curve_sentence(spec.feature, spec.group, c))}"
                 for c in curves.values()]
        self.text.object = (f"Trained ratios of {where}: "
                            f"{', '.join(f'{r:+g}' for r in ratios)} and the baseline "
                            "(bands: 95 % intervals; shapes after Benjamini–Hochberg "
                            "over each curve's pairs of ratios).\n\n" + "\n".join(lines))

    def _failed(self, message) -> None:
        self.text.object = f"**The curves failed:** {escape(message)}"

    @param.depends("train", watch=True)
    def _train(self) -> None:
        spec = self.spec
        if spec is None or self.loop is None or spec.is_mix or spec.mix_name:
            return
        specs = [spec.at(r) for r in sorted(set(DEFAULT_RATIOS) | set(self.ratios)) if r != 0]
        where = escape(group_phrase(spec.feature, spec.group))
        self.text.object = f"Training {len(specs)} ratios of {where} in the background..."
        handle = self.loop.clone().prefetch(specs, background=True)

        def work():
            handle.wait()
            if handle.error is not None:
                raise DistvizError(handle.error)

        def done(_):
            if self.spec == spec:
                self.show(spec)
        self.session.job(work, done=done, failed=self._failed, name="train-curve",
                         lane=f"{self.name}:train")
