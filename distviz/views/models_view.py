"""The Models panel: the leaderboard against the baseline, the best-model line, one confusion
matrix (or predicted-vs-actual and residuals) per algorithm and the ROC overlay."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from ..data.crossed import group_phrase
from ..results import RunResult
from ..sentences import metric_label, practical_meaning
from ..stats import practical_call
from ..tasks import metric_names
from . import plots
from .leaderboard_table import BEYOND_NOISE, leaderboard_html
from .model_figures import ModelFigures
from .result_view import ResultView
from .style import escape
from .workarounds import dim


class ModelsView(ResultView):
    """How every algorithm scores now against the frozen baseline: each algorithm as soon as
    its first seed is in (partial runs), the verdicts once every seed is."""

    PARTIAL = True
    # A run still training after this many seconds dims the leaderboard (a
    # cached move is done sooner, and its page does not flicker).
    BUSY_AFTER: float = 0.3

    metric = param.Selector(default="f1", objects=list(metric_names("classification")),
                            label="Headline metric", doc="Metric of the leaderboard.")

    normalise = param.Boolean(default=False, label="Row-normalised confusion matrices")

    compare = param.Boolean(default=True, label="Colour by change vs baseline")

    def __init__(self, **params):
        super().__init__(**params)
        self.best_line = pn.pane.Markdown("", sizing_mode="stretch_width")
        # The table is as wide as the page gives it (1280 to 1920 px windows) and its long text
        # wraps, so no note pushes the page past the window.
        self.table = pn.pane.HTML("", sizing_mode="stretch_width", min_height=136, margin=(5, 10))
        self._board = pd.DataFrame()  # the leaderboard shown
        # What the practical words mean, against the smallest change that matters now.
        self.legend = pn.pane.Markdown("", sizing_mode="stretch_width",
                                       styles={"font-size": "12px", "color": "#555"})
        # Built for the first run and kept while its shape (task, classes, algorithms) holds:
        # a move only sends new data.
        self.figures: ModelFigures | None = None
        self._placed: ModelFigures | None = None  # the figures on the page
        # Equal columns narrow the fixed-size plots to the page. Panel gives a grid these
        # classes only while it has no fixed-size child (drawn empty, yes; redrawn with plots
        # after a dataset switch, no: they overflowed), so they are set here.
        self.matrices = pn.GridBox(ncols=4, css_classes=["equal-width", "equal-height"])
        self.roc = pn.Column(pn.pane.Bokeh(None), margin=0)
        how = ("Move the **shift** slider (or set a whole mix of groups): left down-samples the "
               "chosen group in the *training* set, right up-samples it. Every model is re-trained and scored on the same "
               "untouched test set; deltas are against the unshifted baseline. Each delta's "
               "95 % interval counts the seed, the resampling draw and the test sample; a "
               "change is coloured only when it is beyond that noise; *practical* says whether "
               "it matters against the smallest change that matters (set beside the headline "
               "metric). Numbers show after the first seed and firm up as each further round of "
               "seeds arrives.")
        self._layout = pn.Column(
            pn.pane.Markdown(how, styles={"color": "#444"}, sizing_mode="stretch_width"),
            self.best_line, self.table, self.legend, self.matrices, self.roc, name="Models",
            sizing_mode="stretch_width")
        if self.loop is not None:
            self.session.watch(self.loop, ["error"], lambda event: self.busy(False))

    def __panel__(self):
        return self._layout

    @property
    def algorithms(self) -> list[str]:
        """The chosen algorithms, in order (one plot each, finished or not)."""
        return list(self.loop.algorithms) if self.loop is not None else []

    def requested(self) -> None:
        """A new request: its dimming is due in BUSY_AFTER seconds if it still trains then;
        a run of another dataset than the one shown is dimmed until the new one shows."""
        if self.run is not None and self.run.dataset is not self.loop.dataset:
            self.stale(True)
        request = self.loop.request

        def spin():  # dimming and undimming it re-lays the page out: ~0.2 s in the browser
            if self.loop.running and self.loop.request == request:
                self.busy(True)
        self.session.later(self.BUSY_AFTER, spin)

    def busy(self, busy: bool) -> None:
        """The leaderboard dimmed while a run (or a dataset) loads; off, the plots are this
        run's."""
        dim(self.table, busy)  # by its styles: Panel's `loading` re-lays the page out
        if not busy:
            self.stale(False)

    def render(self, run: RunResult, final: bool) -> None:
        self.show(run)
        if final:
            self.busy(False)

    def stale(self, stale: bool) -> None:
        """Dim the plots while they show another dataset's run (by their styles, as the
        leaderboard while it trains)."""
        dim(self.matrices, stale)
        dim(self.roc, stale)

    def set_task(self, task: str, headline: str) -> None:
        self.param.metric.objects = list(metric_names(task))
        self.metric = headline

    def leaderboard(self) -> pd.DataFrame:
        """The leaderboard as shown: one row per algorithm (baseline, now, delta, ...)."""
        return self._board.copy()

    @param.depends("metric", "normalise", "compare", watch=True)
    def _redraw(self):
        if self.run is not None:
            self.refresh()

    def show(self, run: RunResult) -> None:
        """Show ``run`` (complete, or the algorithms finished so far)."""
        self.stale(False)  # what is shown is this run's, whichever dataset came before
        metric = self.metric if self.metric in metric_names(run.dataset.task_name) else run.metric
        self._board = plots.leaderboard(run, metric).round(4)
        self.table.object = leaderboard_html(self._board)
        # Room for a row per chosen algorithm, finished or not, so the page below does not jump
        # as algorithms arrive; taller only where wrapped text needs it (a narrow window).
        height = 40 + 24 * len(self.algorithms or run.algorithms)  # px: a header, 24 a row
        if self.table.min_height != height:
            self.table.min_height = height
        self.best_line.object = (
            f"{best_model(run, metric, len(self.algorithms) or None)} — "
            f"{escape(shift_words(run.spec))}, training rows "
            f"{run.shift.train_rows_before} → {run.shift.train_rows_after}")
        self.legend.object = practical_legend(run, metric)
        figures = self._figures_for(run)
        figures.apply(figures.frame(run, normalise=self.normalise, compare=self.compare,
                                    coloured=lambda a: self.matrix_coloured(run, a),
                                    metric=metric))
        if self._placed is not figures:
            # New plots go on the page only once they hold this run's numbers: in a served
            # session a model's changes before it joins the document are not sent.
            self._placed = figures
            self.matrices.ncols = figures.per_row
            self.matrices.objects = [pn.pane.Bokeh(plot, margin=4)
                                     for name in figures.algorithms
                                     for plot in figures.panels(name)]
            self.roc[0].object = figures.roc
            self.roc.visible = run.dataset.is_classification

    def _figures_for(self, run: RunResult) -> ModelFigures:
        """The figures for ``run``'s shape: the current ones, or new ones when the task, the
        classes or the algorithms changed."""
        ds = run.dataset
        algorithms = self.algorithms or [a.algorithm for a in run.algorithms]
        labels = [str(c) for c in ds.classes] if ds.is_classification else None
        if self.figures is None or \
                self.figures.shape != ModelFigures.shape_of(ds.task_name, labels, algorithms):
            self.figures = ModelFigures(task=ds.task_name, labels=labels, algorithms=algorithms)
        return self.figures

    def matrix_coloured(self, run: RunResult, a) -> bool:
        """Whether ``a``'s matrix is coloured by change: colouring by change is on and
        :func:`change_beyond_noise`."""
        return self.compare and change_beyond_noise(run, a)

    def shown_model(self, algorithm: str) -> dict:
        """What is shown for ``algorithm``: its title and, for a classifier, its matrix's cells
        (``cells``: predicted, actual, value, change, text, fill); for a regressor its points
        (actual, predicted) and residual bins (left, right, rows)."""
        figures = self.figures
        shown = {"title": figures.shown(f"title:{algorithm}")["text"]}
        if figures.task == "classification":
            shown["cells"] = figures.shown(f"matrix:{algorithm}")["data"]
        else:
            shown["points"] = figures.shown(f"points:{algorithm}")["data"]
            shown["residuals"] = figures.shown(f"residuals:{algorithm}")["data"]
        return shown

    def shown_roc(self) -> dict:
        """The ROC overlay shown now: its title, curves (xs, ys, color, dash, label), the mean
        operating points and each seed's point (fpr, tpr, algorithm, color)."""
        figures = self.figures
        return {"title": figures.shown("roc_title")["text"],
                "lines": figures.shown("roc_lines")["data"],
                "points": figures.shown("roc_points")["data"],
                "spread": figures.shown("roc_spread")["data"]}


def change_beyond_noise(run: RunResult, a) -> bool:
    """Whether algorithm result ``a``'s headline change is beyond the noise (never at the
    baseline): only then is its matrix coloured, in the dashboard and in the snapshot."""
    verdict = (a.verdict or {}).get(run.dataset.headline_metric)
    return not run.at_baseline and verdict in BEYOND_NOISE


def practical_legend(run: RunResult, metric: str) -> str:
    """What the leaderboard's practical words mean against the run's smallest change that
    matters for ``metric``, and, for each inconclusive call, what would make it detectable."""
    m = (run.min_effect or {}).get(metric)
    if m is None or run.at_baseline:
        return ""
    text = (f"*practical* ({escape(metric_label(metric))}, smallest change that matters "
            f"{m:.3g}): {escape(plus_minus(practical_meaning(m)))}; ± = the smallest change "
            "this run calls beyond the noise.")
    needs = [f"{escape(a.algorithm)}: {escape(plus_minus(call.needs()))}"
             for a in run.algorithms
             for call in [(a.practical_calls or {}).get(metric)]
             if call is not None and call.call == "inconclusive"]
    return text + ("<br>" + "<br>".join(needs) if needs else "")


def plus_minus(text: str) -> str:
    """The command line's "+-" as the page's "±"."""
    return text.replace("+-", "±")


#: What a practical call says of a lead between two models, against min_effect ``m``.
LEAD_CALLS = {"better": "a lead that may matter (over {m})", "worse": "a lead that may matter "
              "(over {m})", "negligible": "negligible (under {m})",
              "equivalent": "equivalent (no difference over {m})",
              "inconclusive": "inconclusive (can't tell at {m})"}


def lead_call(run: RunResult, metric: str, lead) -> str:
    """The practical call of a lead (its interval against the run's ``min_effect`` of
    ``metric``), e.g. "; equivalent (no difference over 0.01)"; empty without either."""
    m = (run.min_effect or {}).get(metric)
    if m is None or lead is None:
        return ""
    call = practical_call(metric, lead.low, lead.high, m)
    return f"; {LEAD_CALLS[call].format(m=f'{m:.3g}')}" if call else ""


def best_model(run: RunResult, metric: str, chosen: int | None = None) -> str:
    """The best-model line: a "best" claim only when the lead over the runner-up is beyond the
    noise (paired by seed on the same test rows). ``chosen``: how many algorithms the run will
    have; a partial run with fewer says how many are in."""
    best, second, lead = run.lead(metric)
    base = run.best("baseline")
    baseline = f" (baseline leader: {escape(base)})" if base else ""
    waiting = ""
    if chosen is not None and len(run.algorithms) < chosen:
        waiting = f" ({len(run.algorithms)} of {chosen} algorithms in)"
    baseline += waiting
    if best is None:
        return "**No model scored**"
    if second is None:
        if waiting:
            return f"**First in: {escape(best)}**{waiting}"
        return f"**{escape(best)} is the only model compared**"
    if lead is None:
        return (f"**Leading now: {escape(best)}** by {metric.upper()} over {escape(second)}, "
                f"no interval yet (one seed pair){baseline}")
    amount = f"{abs(lead.delta):.3f} [{lead.low:+.3f}, {lead.high:+.3f}]"
    if lead.significant:
        return (f"**Best now: {escape(best)}**, ahead of {escape(second)} by {amount} "
                f"{metric.upper()}, beyond the noise{lead_call(run, metric, lead)}{baseline}")
    return (f"**No clear best now:** {escape(best)} leads {escape(second)} by {amount} "
            f"{metric.upper()}, within the noise{lead_call(run, metric, lead)}{baseline}")


def shift_words(spec) -> str:
    """The shift a run trained on, for its best line: ``sex = female, shift -0.5`` or, for a
    mix, ``mix of sex: uniform``."""
    if spec.is_mix or spec.mix_name:
        return f"mix of {spec.feature}: {spec.mix_name or 'shares as given'}"
    return f"{group_phrase(spec.feature, spec.group)}, shift {spec.ratio:+g}"
