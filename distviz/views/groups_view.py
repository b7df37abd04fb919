"""The Per group panel: how the best model scores on each group of the shifted feature in the
untouched test set, baseline against now."""

from __future__ import annotations

import pandas as pd
import panel as pn

from ..results import RunResult
from . import plots
from .plot_grid import PlotGrid
from .result_view import ResultView


class GroupsView(ResultView):
    """Per-group metrics of the best model: baseline (grey) against now (red), one chart per
    metric, two a row across the main area."""

    def __init__(self, **params):
        super().__init__(**params)
        self.charts = PlotGrid(ncols=2)
        self.table = pn.widgets.Tabulator(pd.DataFrame(), disabled=True, show_index=False,
                                          layout="fit_data_fill", sizing_mode="stretch_width")
        self._layout = pn.Column(
            pn.pane.Markdown("How the best model scores on each group of the shifted feature in "
                             "the untouched test set: baseline (grey) vs now (red).",
                             styles={"color": "#444"}, sizing_mode="stretch_width"),
            self.charts, self.table, name="Per group", sizing_mode="stretch_width")

    def __panel__(self):
        return self._layout

    def render(self, run: RunResult, final: bool) -> None:
        self.show(run)

    def show(self, run: RunResult) -> None:
        best = run.best("shifted")
        if best is None:
            return
        now, base = run.group_metrics(best), run.group_metrics(best, baseline=True)
        if now is None or base is None:
            return
        self.charts.show(plots.group_effect(now, base, plots.GROUP_METRICS[run.dataset.task_name],
                                            title=f"{run.spec.feature}, {best}", width=None))
        merged = base.merge(now, on=["group", "rows"], suffixes=(" baseline", " now"))
        metrics = [c for c in now.columns if c not in ("group", "rows")]
        # Short headers under "baseline" and "now": the table fits the main area's width.
        stages = {stage: [f"{m} {stage}" for m in metrics] for stage in ("baseline", "now")}
        self.table.param.update(
            value=merged.round(3), groups=stages,
            titles={f"{m} {stage}": m.replace("_", " ") for m in metrics for stage in stages})
