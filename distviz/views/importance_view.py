"""The Feature importance panel: Gini, permutation and SHAP importance side by side. Gini is
computed with the dataset; permutation and SHAP (seconds) after its first results, in the
background."""

from __future__ import annotations

import pandas as pd
import panel as pn
import param

from ..data import Dataset
from ..importance import rank_features
from ..loop import ModelLoop
from . import plots
from .session import Session

METHODS = ("gini", "permutation", "shap")
# px: the two-line header and a row; at most about 12 rows show, the others scroll inside.
HEADER, ROW, TABLE_HEIGHT = 64, 29, 440


class ImportanceView(pn.viewable.Viewer):
    """Importance on the baseline training set, ordered by the chosen method."""

    method = param.Selector(default="gini", objects=list(METHODS), label="Rank features by",
                            doc="Importance used to order the features.")

    ranking = param.DataFrame(default=None, allow_None=True, precedence=-1, doc="""
        One row per feature: gini, permutation, shap and their ranks (as far as computed).""")

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        The model loop: the full ranking of its dataset follows its first result.""")

    session = param.ClassSelector(class_=Session, default=None, allow_None=True,
                                  precedence=-1, doc="The dashboard's session.")

    shown = param.Boolean(default=True, precedence=-1, doc="""
        Whether the panel is on screen; a hidden one draws once shown.""")

    notify = param.Callable(default=None, precedence=-1, doc="""
        ``notify(message, level)``: how a failed ranking is said.""")

    def __init__(self, **params):
        super().__init__(**params)
        if self.session is None:
            self.session = Session(background=False)
        self._ranked_fully: Dataset | None = None
        self._drawn: tuple | None = None  # (ranking, method) on screen
        self.bars = pn.pane.HoloViews(None, linked_axes=False, sizing_mode="stretch_width")
        # Across the main area, each column as wide as its text; a wide file's rows scroll inside.
        self.table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False,
                                          layout="fit_data_fill", sizing_mode="stretch_width",
                                          height=HEADER + ROW)
        self._layout = pn.Column(
            pn.pane.Markdown("Importance on the baseline training set; the sidebar's ranking "
                             "method orders the feature list.", styles={"color": "#444"},
                             sizing_mode="stretch_width"),
            self.bars, self.table, name="Feature importance",
            sizing_mode="stretch_width")

        if self.loop is not None:
            self.session.watch(self.loop, ["result"], self._rank_fully)

    def __panel__(self):
        return self._layout

    def rank(self, dataset: Dataset) -> None:
        """The Gini ranking of a new ``dataset`` (computed when it was read)."""
        self.ranking = rank_features(dataset, method="gini")

    def _rank_fully(self, event) -> None:
        """Permutation and SHAP importance, once a dataset's first results are in (at the
        lowest CPU priority: the user's first moves come first)."""
        run = self.loop.result
        if run is None or run.dataset is self._ranked_fully:
            return
        dataset = self._ranked_fully = run.dataset

        def done(ranking):
            if dataset is self.loop.dataset:
                self.ranking = ranking

        def failed(message):
            if self.notify is not None:
                self.notify(f"feature ranking failed: {message}", "warning")
        self.session.job(lambda: rank_features(dataset, method="all", low_priority=True),
                         done=done, failed=failed, name="rank")

    def ranked(self) -> list[str] | None:
        """The features in order of the chosen method (Gini until the others are in)."""
        if self.ranking is None:
            return None
        method = self.method if f"rank_{self.method}" in self.ranking.columns else "gini"
        return list(self.ranking.sort_values(f"rank_{method}")["feature"])

    @param.depends("ranking", "method", "shown", watch=True)
    def _draw(self):
        drawn = self._drawn
        if not self.shown or (drawn is not None and drawn[0] is self.ranking
                              and drawn[1] == self.method):
            return
        self._drawn = (self.ranking, self.method)
        if self.ranking is None:
            self.bars.object, self.table.value = None, pd.DataFrame()
            return
        ordered = self.ranking.set_index("feature").loc[self.ranked()].reset_index()
        columns = ["feature", "kind"] + [c for m in METHODS for c in (m, f"rank_{m}")
                                         if c in ordered.columns]
        methods = [m for m in METHODS if m in ordered.columns]
        with pn.io.hold():
            self.table.height = min(TABLE_HEIGHT, HEADER + ROW * len(ordered))
            # Short headers ("importance", "rank") under each method: the table stays narrow.
            self.table.param.update(
                value=ordered[columns].round(3),
                groups={m: [m, f"rank_{m}"] for m in methods if f"rank_{m}" in ordered},
                titles={c: "rank" if c.startswith("rank_") else "importance"
                        for c in columns if c not in ("feature", "kind")})
            self.bars.object = plots.importance_bars(ordered, width=None)
