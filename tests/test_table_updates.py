"""No table of the page is changed while the browser is still building it.

Panel 1.9's Tabulator view builds its table a moment after it is rendered, and a change that
lands in between either fails in Tabulator or is dropped: a cell-style change after a re-render
(which a new ``configuration`` causes) reads the width of an element not made yet, "Cannot read
properties of null (reading 'offsetWidth')", the intermittent page error tests/ui/test_tabs_ui.py
used to record; a column change after a tab was put on the page fails the same way ("...
(reading 'firstChild')"); new data is dropped. Both were reproduced in Chromium; so:

- the leaderboard, once a styled Tabulator, is an HTML table now: a move changes its text only;
- an opened tab is brought up to date before Panel puts it on the page, so its tables arrive
  with this run's numbers and are not changed right after.
"""

import pandas as pd
import pytest
from bokeh.document import Document
from bokeh.models import Spacer
from bokeh.models import Tabs as BkTabs

from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec
from distviz.views.models_view import ModelsView
from distviz.views.workarounds import text_only_updates


@pytest.fixture(scope="module")
def runs(titanic):
    cache = ResultCache()
    two = ModelLoop(dataset=titanic, algorithms=["xgboost", "logistic_regression"], repeats=2,
                    n_jobs=1, cache=cache)
    three = two.clone(algorithms=["xgboost", "logistic_regression", "naive_bayes"])
    return [two.run(ShiftSpec("sex", "female", 0.0)), two.run(ShiftSpec("sex", "female", 1.0)),
            three.run(ShiftSpec("sex", "female", -0.5))]


def test_a_new_run_changes_only_the_leaderboards_text_and_height(runs):
    text_only_updates()  # as a served page has it (workaround 9)
    view = ModelsView()  # no loop: a row per algorithm of the run shown
    model = view.table.get_root(Document())
    view.show(runs[0])
    changes = []
    for name in model.properties():
        model.on_change(name, lambda attr, old, new: changes.append(attr))
    heights = [view.table.min_height]
    for run in runs[1:]:
        view.show(run)
        heights.append(view.table.min_height)
    assert set(changes) <= {"text", "min_height"} and "text" in changes, changes
    assert view.table.object.count("<tr data-algorithm=") == 3
    assert isinstance(view.leaderboard(), pd.DataFrame) and len(view.leaderboard()) == 3
    # Room for one more row per algorithm, so the page does not jump as algorithms arrive.
    assert heights[0] == heights[1] < heights[2]


@pytest.fixture(scope="module")
def dashboard():
    from distviz.views.app import Dashboard
    return Dashboard(background=False, algorithms=["xgboost", "logistic_regression"],
                     repeats=1).wait()


@pytest.mark.parametrize("tab", ["Per group", "Distributions"])
def test_an_opened_tab_is_brought_up_to_date_before_it_is_put_on_the_page(dashboard, tab,
                                                                           monkeypatch):
    root = dashboard.__panel__().get_root(Document())
    tabs = root.select_one({"type": BkTabs})
    index = dashboard.tab_names.index(tab)
    view = dashboard.views[tab]
    seen = []  # what the page held in the tab's place while the view was brought up to date

    def render(run, final, original=view.render):
        seen.append(tabs.tabs[index].child)
        original(run, final)
    monkeypatch.setattr(view, "render", render)
    dashboard.open_tab("Models")
    dashboard.resampler.ratio = 0.5 if dashboard.resampler.ratio != 0.5 else 1.0
    dashboard.wait()
    dashboard.open_tab(tab)
    assert len(seen) == 1 and isinstance(seen[0], Spacer), seen  # still hidden: not on the page
    assert not isinstance(tabs.tabs[index].child, Spacer)  # then put there
    dashboard.open_tab("Models")
