"""The Dashboard object without a browser: settings drive the same numbers as the CLI."""

import time

import numpy as np
import pandas as pd
import pytest

from distviz.views.app import Dashboard
from helpers import cli_json

FAST = ["xgboost", "logistic_regression"]


@pytest.fixture(scope="module")
def dashboard():
    return Dashboard(background=False, algorithms=FAST)


def _shown(dashboard):
    board = dashboard._leaderboard.value.set_index("algorithm")
    return board


def _assert_matches_cli(dashboard, feature, group, ratio):
    report = cli_json("run", "--data", "titanic", "--feature", feature, "--group", group,
                      "--ratio", str(ratio), "--algorithms", ",".join(dashboard.algorithms),
                      "--n-jobs", "1")
    board = _shown(dashboard)
    assert list(board.index) == [r["algorithm"] for r in report["results"]]
    for entry in report["results"]:
        name = entry["algorithm"]
        assert board.loc[name, "now"] == pytest.approx(entry["metrics"]["f1"], abs=5e-5)
        assert board.loc[name, "baseline"] == pytest.approx(entry["baseline"]["f1"], abs=5e-5)
        counts = dashboard.result.confusion(name)
        assert counts.tolist() == entry["confusion_matrix"]["counts"]


def test_defaults_are_the_top_feature_and_its_smallest_group(dashboard):
    assert dashboard.feature == "sex" and dashboard.group == "female"
    assert dashboard.result is not None and dashboard.result.spec.group == "female"
    assert "Shift sex = female" in dashboard.shift_label
    # The feature list is in rank order (its help says so): the top-ranked feature first.
    from distviz.importance import rank_features
    ranked = rank_features(dashboard.dataset, method="gini").sort_values("rank_gini")
    assert list(dashboard.param.feature.objects) == list(ranked["feature"])


@pytest.mark.parametrize("ratio", [-0.5, 1.0])
def test_ratio_changes_leaderboard_to_cli_values(dashboard, ratio):
    dashboard.param.update(feature="sex", group="female")
    before = _shown(dashboard)["now"].copy()
    dashboard.ratio = ratio
    dashboard.wait()
    assert not np.allclose(before.values, _shown(dashboard)["now"].values)
    _assert_matches_cli(dashboard, "sex", "female", ratio)
    n = int((dashboard.dataset.group_labels("sex") == "female").sum())
    assert f"{round(n * (1 + ratio))} rows" in dashboard.shift_label


def test_feature_change_moves_groups_and_results(dashboard):
    dashboard.feature = "class"
    dashboard.wait()
    assert dashboard.group in dashboard.param.group.objects
    dashboard.param.update(group="2nd", ratio=2.0)
    dashboard.wait()
    _assert_matches_cli(dashboard, "class", "2nd", 2.0)


def test_algorithms_change_the_leaderboard(dashboard):
    dashboard.algorithms = ["decision_tree", "naive_bayes", "xgboost"]
    dashboard.wait()
    assert list(_shown(dashboard).index) == ["decision_tree", "naive_bayes", "xgboost"]
    assert len(dashboard._confusion.objects) == 3
    dashboard.algorithms = FAST
    dashboard.wait()


def test_regression_dataset_switches_metrics_and_views():
    dashboard = Dashboard(background=False, algorithms=["ridge", "xgboost"], data="diabetes")
    assert dashboard.metric == "r2" and dashboard.dataset.task_name == "regression"
    assert "r2" in dashboard.param.metric.objects
    board = _shown(dashboard)
    assert board["now"].between(-1, 1).all()
    # Every view builds its Bokeh models, as in a served page (a float height once broke the
    # residuals histogram), and a move updates them.
    from bokeh.document import Document
    doc = Document()
    doc.add_root(dashboard.__panel__().get_root(doc))
    dashboard.ratio = 1.0
    names = [t.name for t in dashboard._tabs]
    for tab in ("Distributions", "Per group", "Models"):
        dashboard._tabs.active = names.index(tab)
    assert len(dashboard._confusion.objects) == 2 and not dashboard._roc.visible


def test_bad_data_keeps_the_previous_dataset(tmp_path, dashboard):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n")
    dashboard._extra_sources["bad.csv"] = (str(bad), "b")
    dashboard.param.dataset_name.objects = list(dashboard.param.dataset_name.objects) + [
        "bad.csv"]
    dashboard.dataset_name = "bad.csv"
    assert dashboard.dataset.name == "titanic"
    assert "bad.csv" in dashboard.status and "\n" not in dashboard.status


def test_hostile_names_are_escaped(tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({evil: rng.choice([evil, "b", "c"], 200), "x": rng.normal(size=200),
                          "y": rng.choice(["p", "q"], 200)})
    path = tmp_path / "evil.csv"
    frame.to_csv(path, index=False)
    dashboard = Dashboard(background=False, algorithms=["logistic_regression"],
                          data=str(path), data_target="y")
    for pane in (dashboard._notes, dashboard._best, dashboard._status):
        assert "<img" not in pane.object
    assert evil in dashboard.param.feature.objects


def test_rendered_widgets_keep_the_shown_group_and_the_run_in_step():
    # Served, the widgets exist before the background ranking picks the feature; a Select
    # given new options pushes its first option back, which once retrained the wrong group.
    dashboard = Dashboard(algorithms=["logistic_regression"])
    dashboard.__panel__().get_root()
    dashboard.wait()
    assert (dashboard.feature, dashboard.group) == ("sex", "female")
    assert (dashboard.result.spec.feature, dashboard.result.spec.group) == ("sex", "female")
    # The full ranking (permutation, SHAP) arrives after the first results.
    assert {"rank_permutation", "rank_shap"} <= set(dashboard._ranking.columns)


@pytest.mark.parametrize("args, settings, problem", [
    ({"data": [b"/etc/passwd"]}, {}, "not a listed dataset"),
    ({"data": [b"../README.md"], "target": [b"x"]}, {}, "not a listed dataset"),
    ({"data": [b"penguins"], "target": [b"species"]},
     {"data": "penguins", "data_target": "species"}, None),
    ({"algorithms": [b"xgboost,nope"]}, {"algorithms": ["xgboost"]}, "nope"),
    ({"algorithms": [b"nope"]}, {"algorithms": ["xgboost", "mlp", "random_forest", "svm"]},
     "nope"),
])
def test_url_arguments_pick_listed_datasets_never_server_paths(args, settings, problem):
    from distviz.views.app import url_settings
    got, problems = url_settings(args)
    assert got == settings
    assert (problem is None and problems == []) or (problem and problem in problems[0])


def test_leaderboard_colours_follow_the_metrics_direction(dashboard):
    from distviz.views.app import _DeltaCss
    delta_css = _DeltaCss(dashboard)
    dashboard.metric = "f1"
    assert "#1a7f37" in delta_css(0.02) and "#c62828" in delta_css(-0.02)
    assert delta_css(0.0) == "" and delta_css(float("nan")) == ""
    # Its repr is short: Panel compares styles by repr on every leaderboard update.
    assert len(repr(delta_css)) < 40
    styled = dashboard._leaderboard._get_style_data()["data"]
    assert styled, "the shown leaderboard carries cell styles"


def test_neighbouring_slider_positions_are_prefetched_once_the_user_stops(monkeypatch):
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import ShiftSpec
    monkeypatch.setattr(Dashboard, "PREFETCH_DELAY", 0.05)
    dashboard = Dashboard(algorithms=["logistic_regression"], n_jobs=1)
    dashboard.loop.cache = ResultCache()  # nothing from other tests
    dashboard.wait()
    dashboard.param.update(feature="class", group="2nd")
    dashboard.wait()
    dashboard.ratio = 1.0
    dashboard.wait()
    deadline = time.perf_counter() + 60
    while dashboard._prefetch is None and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert dashboard._prefetch is not None and dashboard._prefetch.wait(60)
    # The positions either side of 1.0 (0.5 and 1.5) are now cached; 3.0 is not.
    loop = ModelLoop(dataset=dashboard.dataset, algorithms=["logistic_regression"], n_jobs=1,
                     cache=dashboard.loop.cache, max_train_rows=dashboard.loop.max_train_rows)
    for ratio, cached in ((0.5, True), (1.5, True), (3.0, False)):
        run = loop.run(ShiftSpec("class", "2nd", ratio))
        assert (run.computed == 0) is cached, (ratio, run.computed)
    # A new request cancels a pending prefetch.
    dashboard.ratio = -0.5
    assert dashboard._prefetch is None
    dashboard.wait()


def test_progress_bar_takes_any_count(dashboard):
    # Progress validates value against its previous max: 3 of 4 after 0 of 1 once failed.
    fit = dashboard.result.algorithms[0].first_fit
    dashboard._progress.param.update(value=0, max=1)
    dashboard._show_progress(dashboard._token, 3, 4, fit)
    assert (dashboard._progress.value, dashboard._progress.max) == (3, 4)
    assert "3 of 4 fits done" in dashboard._status.object


def test_finished_algorithms_show_while_slower_ones_train(monkeypatch):
    import helpers_estimators
    from distviz import models
    from distviz.loop import ResultCache
    monkeypatch.setattr(Dashboard, "PARTIAL_RENDER_FIRST", 0.3)
    models.register("test_sleepy_3s", helpers_estimators.make_sleepy_short,
                    task="classification", replace=True)
    try:
        dashboard = Dashboard(algorithms=["logistic_regression"], n_jobs=2)
        dashboard.wait()
        dashboard.algorithms = ["logistic_regression", "test_sleepy_3s"]
        dashboard.wait()
        dashboard.loop.cache = ResultCache()  # every fit of the next run is computed
        dashboard.ratio = 0.5
        seen_partial = None
        deadline = time.perf_counter() + 120
        while dashboard.busy and time.perf_counter() < deadline:
            board = dashboard._leaderboard.value
            if ("shift +0.5" in dashboard._best.object
                    and list(board["algorithm"]) == ["logistic_regression"]):
                seen_partial = board.copy()
                break
            time.sleep(0.05)
        # Seen while busy: the sleepy algorithm (2 fits x 3 s) was still training.
        assert seen_partial is not None, (
            f"logistic regression's result never showed alone: {dashboard.status}")
        dashboard.wait()
        board = dashboard._leaderboard.value.set_index("algorithm")
        assert sorted(board.index) == ["logistic_regression", "test_sleepy_3s"]
        # What showed early is what the finished run shows for that algorithm.
        assert seen_partial.set_index("algorithm").loc["logistic_regression", "now"] == \
            board.loc["logistic_regression", "now"]
    finally:
        models.unregister("test_sleepy_3s", task="classification")


def test_hidden_tabs_render_when_opened(dashboard):
    """A slider move renders only the visible tab; opening another shows the current run."""
    tabs = dashboard._tabs
    names = [t.name for t in tabs]
    tabs.active = names.index("Models")
    dashboard.param.update(feature="sex", group="female")
    dashboard.ratio = 1.0
    assert dashboard._stale_tabs == {"Distributions", "Per group"}
    tabs.active = names.index("Per group")
    table = dashboard._groups_table.value
    best = dashboard.result.best("shifted")
    now = dashboard.result.group_metrics(best)
    assert sorted(table["group"]) == sorted(now["group"]) == ["female", "male"]
    # The numbers are this run's (not left over from an earlier render).
    shown = table.set_index("group")["f1 now"]
    assert all(shown[g] == pytest.approx(v, abs=5e-4) for g, v in zip(now["group"], now["f1"]))
    tabs.active = names.index("Distributions")
    assert dashboard._stale_tabs == set()
    frame = dashboard._distribution.object.dframe()
    after = frame[frame["stage"] == "after"].set_index("group")["rows"]
    n_female = int((dashboard.dataset.group_labels("sex") == "female").sum())
    assert after["female"] == round(2 * n_female)  # ratio +1 doubles the group
    tabs.active = names.index("Models")


def test_confusion_matrices_and_roc_update_in_place(dashboard):
    """A move sends new numbers to the same plots (no new Bokeh plot per move)."""
    import holoviews as hv
    dashboard.param.update(feature="sex", group="female")
    dashboard.ratio = -0.5
    panes = list(dashboard._confusion.objects)
    roc = dashboard._roc.object
    dashboard.ratio = 1.0
    assert list(dashboard._confusion.objects) == panes and dashboard._roc.object is roc
    for name, pane in zip(dashboard.algorithms, panes):
        frame = pane.object[()]  # the DynamicMap's current frame: heatmap * labels
        shown = frame.get(1).dframe()["text"].map(lambda t: int(t.split("\n")[0]))
        assert sorted(shown) == sorted(dashboard.result.confusion(name).ravel().tolist())
        f1 = {a.algorithm: a for a in dashboard.result.algorithms}[name].metrics["f1"]
        title = hv.Store.lookup_options("bokeh", frame.get(0), "plot").kwargs["title"]
        assert f"F1 {f1:.3f}" in title


def test_export_fits_nothing_already_shown_and_shows_the_same_numbers(dashboard):
    """The snapshot is built with the dashboard's own settings (budgets, repeats, algorithms):
    every state the user already saw comes from the cache, and its numbers are the shown ones."""
    from distviz.shift import DEFAULT_RATIOS
    dashboard.param.update(feature="sex", group="female")
    for ratio in sorted(set(DEFAULT_RATIOS) | {-0.5}):
        dashboard.ratio = ratio
        dashboard.wait()
    shown = _shown(dashboard)["now"]  # the last position, +3
    cache = dashboard.loop.result_cache
    misses = cache.misses
    text = dashboard.snapshot()
    assert cache.misses == misses, "the export fitted states the dashboard had shown"
    assert "distviz snapshot: titanic" in text
    # Served from the same fits, the snapshot's state at +3 has the leaderboard's numbers.
    from distviz.shift import ShiftSpec
    loop = dashboard.loop.clone(algorithms=list(dashboard.algorithms))
    run = loop.run(ShiftSpec("sex", "female", 3.0))
    assert cache.misses == misses
    assert [a.metrics["f1"] for a in run.algorithms] == pytest.approx(list(shown), abs=5e-5)
