"""The Distributions, Per group and Feature importance tabs without a browser: their plots fill
the width they are given, keep their legends outside the bars, slant crowded labels just
enough, and the views update their panes in place (tests/ui/test_tabs_ui.py looks at the page)."""

import holoviews.plotting.bokeh  # noqa: F401 - the plots' options need a plotting backend
import numpy as np
import pandas as pd
import pytest

from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec

FAST = ["xgboost", "logistic_regression"]


@pytest.fixture(scope="module")
def run(titanic):
    loop = ModelLoop(dataset=titanic, algorithms=FAST, repeats=1, n_jobs=1, cache=ResultCache())
    return loop.run(ShiftSpec("sex", "female", 1.0))


def _figure(element):
    import holoviews as hv
    return hv.render(element, backend="bokeh")


def _legend_outside(figure) -> bool:
    from bokeh.models import Legend
    return (any(isinstance(m, Legend) for m in figure.above + figure.right) and
            not any(isinstance(m, Legend) for m in figure.center))


def test_tab_plots_fill_their_width_with_the_legend_above_the_bars(titanic, run):
    from distviz.views import plots
    shifted = plots.distribution(titanic, run.shift, "sex", highlight="female", width=None)
    other = plots.distribution(titanic, run.shift, "age", width=None)
    best = run.best("shifted")
    charts = plots.group_effect(run.group_metrics(best), run.group_metrics(best, baseline=True),
                                plots.GROUP_METRICS["classification"], title="sex", width=None)
    ranking = run.dataset.features
    bars = plots.importance_bars(pd.DataFrame({"feature": ranking, "gini": [0.5, 0.3, 0.2]}),
                                 width=None)
    for element in [shifted, other, *charts, bars]:
        figure = _figure(element)
        assert figure.sizing_mode == "stretch_width", element
        assert _legend_outside(figure), element
    assert len(charts) == 4
    # Short titles (a third of the main area is about 280 px): the feature, and what is shifted.
    assert _figure(other).title.text == "age"
    assert _figure(shifted).title.text == "sex (shifted group: female)"
    # A fixed width still works (notebooks, exports).
    assert _figure(plots.distribution(titanic, run.shift, "age", width=400)).width == 400


def test_crowded_labels_slant_just_enough():
    from distviz.views.plots import label_rotation
    assert label_rotation(["male", "female"], 280) == 0
    # Neighbours one slot apart stay at least 14 px apart across the slanted text.
    for count, width in ((4, 280), (17, 280), (30, 1000), (60, 300)):
        angle = label_rotation([f"category {i}" for i in range(count)], width)
        assert angle in (30, 60, 90)
        assert angle == 90 or width / count * np.sin(np.radians(angle)) >= 14
    assert label_rotation([f"category {i}" for i in range(17)], 280) > \
        label_rotation([f"category {i}" for i in range(4)], 280)


def test_views_update_their_panes_in_place(titanic, run):
    from distviz.views.distributions_view import DistributionsView
    from distviz.views.groups_view import GroupsView
    groups = GroupsView()
    groups.show(run)
    panes = groups.charts.panes
    assert len(panes) == 4
    groups.show(run)
    assert groups.charts.panes == panes
    # The table keeps its columns ("f1 now") under short headers grouped by baseline and now.
    table = groups.table
    assert table.value.set_index("group")["f1 now"].notna().all()
    assert table.titles["f1 now"] == table.titles["f1 baseline"] == "f1"
    assert table.titles["selection_rate now"] == "selection rate"
    assert table.groups == {stage: [f"{m} {stage}" for m in ("f1", "tpr", "fpr", "selection_rate")]
                            for stage in ("baseline", "now")}
    distributions = DistributionsView()
    distributions.show(run, ["sex", "class", "age"])
    others = distributions.others.panes
    assert len(others) == 2  # titanic has two features besides the shifted one
    distributions.show(run, ["sex", "age", "class"])
    assert distributions.others.panes == others
    assert [p.object.opts.get().kwargs["title"] for p in others] == ["age", "class"]


def test_importance_table_fills_the_width_and_scrolls_a_wide_file():
    from distviz.views.importance_view import TABLE_HEIGHT, ImportanceView
    view = ImportanceView()
    names = [f"feature {i}" for i in range(30)]
    values = np.linspace(1, 0.1, 30) / np.linspace(1, 0.1, 30).sum()
    view.ranking = pd.DataFrame({"feature": names, "kind": "numeric", "gini": values,
                                 "rank_gini": range(1, 31)})
    assert view.table.width is None and view.table.sizing_mode == "stretch_width"
    assert view.table.height == TABLE_HEIGHT  # 30 rows scroll inside the table
    assert view.table.value["feature"].tolist() == names  # every feature is in it
    assert view.table.groups == {"gini": ["gini", "rank_gini"]}
    assert view.table.titles == {"gini": "importance", "rank_gini": "rank"}
    view.ranking = view.ranking.head(3)
    assert view.table.height < TABLE_HEIGHT  # a short table takes no more room than it needs
