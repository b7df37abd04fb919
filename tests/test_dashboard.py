"""The Dashboard object without a browser: settings drive the same numbers as the CLI."""

import time

import numpy as np
import pandas as pd
import param
import pytest

from distviz.views.app import Dashboard
from helpers import cli_json

FAST = ["xgboost", "logistic_regression"]


@pytest.fixture(scope="module")
def dashboard():
    return Dashboard(background=False, algorithms=FAST, repeats=1)  # one seed: quick moves


def _shown(dashboard):
    return dashboard.leaderboard().set_index("algorithm")


def _assert_matches_cli(dashboard, feature, group, ratio):
    report = cli_json("run", "--data", "titanic", "--feature", feature, "--group", group,
                      "--ratio", str(ratio), "--algorithms", ",".join(dashboard.loop.algorithms),
                      "--repeats", str(dashboard.loop.repeats), "--n-jobs", "1")
    board = _shown(dashboard)
    assert list(board.index) == [r["algorithm"] for r in report["results"]]
    for entry in report["results"]:
        name = entry["algorithm"]
        assert board.loc[name, "now"] == pytest.approx(entry["metrics"]["f1"], abs=5e-5)
        assert board.loc[name, "baseline"] == pytest.approx(entry["baseline"]["f1"], abs=5e-5)
        counts = dashboard.result.confusion(name)
        assert counts.tolist() == entry["confusion_matrix"]["counts"]


def test_defaults_are_the_top_feature_and_its_smallest_group(dashboard):
    rs = dashboard.resampler
    assert rs.feature == "sex" and rs.group == "female"
    assert dashboard.result is not None and dashboard.result.spec.group == "female"
    assert "Shift sex = female" in dashboard.shift_label
    # The feature list is in rank order (its help says so): the top-ranked feature first.
    from distviz.importance import rank_features
    ranked = rank_features(dashboard.dataset, method="gini").sort_values("rank_gini")
    assert list(rs.param.feature.objects) == list(ranked["feature"])


@pytest.mark.parametrize("ratio", [-0.5, 1.0])
def test_ratio_changes_leaderboard_to_cli_values(dashboard, ratio):
    dashboard.resampler.param.update(feature="sex", group="female")
    before = _shown(dashboard)["now"].copy()
    dashboard.resampler.ratio = ratio
    dashboard.wait()
    assert not np.allclose(before.values, _shown(dashboard)["now"].values)
    _assert_matches_cli(dashboard, "sex", "female", ratio)
    n = int((dashboard.dataset.group_labels("sex") == "female").sum())
    assert f"{round(n * (1 + ratio))} rows" in dashboard.shift_label


def test_feature_change_moves_groups_and_results(dashboard):
    rs = dashboard.resampler
    rs.feature = "class"
    dashboard.wait()
    assert rs.group in rs.param.group.objects and dashboard.result.spec.feature == "class"
    rs.param.update(group="2nd", ratio=2.0)
    dashboard.wait()
    _assert_matches_cli(dashboard, "class", "2nd", 2.0)


def test_algorithms_change_the_leaderboard(dashboard):
    dashboard.loop.algorithms = ["decision_tree", "naive_bayes", "xgboost"]
    dashboard.wait()
    assert list(_shown(dashboard).index) == ["decision_tree", "naive_bayes", "xgboost"]
    assert len(dashboard.models.matrices.objects) == 3
    # The widget is bound to the loop's parameter: it shows the change made from code.
    assert dashboard.algorithm_widget.value == ["decision_tree", "naive_bayes", "xgboost"]
    dashboard.loop.algorithms = FAST
    dashboard.wait()


def test_regression_dataset_switches_metrics_and_views():
    dashboard = Dashboard(background=False, algorithms=["ridge", "xgboost"], data="diabetes")
    assert dashboard.models.metric == "r2" and dashboard.dataset.task_name == "regression"
    assert "r2" in dashboard.models.param.metric.objects
    board = _shown(dashboard)
    assert board["now"].between(-1, 1).all()
    # Every view builds its Bokeh models, as in a served page (a float height once broke the
    # residuals histogram), and a move updates them.
    from bokeh.document import Document
    doc = Document()
    doc.add_root(dashboard.__panel__().get_root(doc))
    dashboard.resampler.ratio = 1.0
    for tab in ("Distributions", "Per group", "Models"):
        dashboard.open_tab(tab)
    # two regressors, each two plots (predicted vs actual, residuals), one to a grid cell
    assert len(dashboard.models.matrices.objects) == 4 and not dashboard.models.roc.visible


def test_bad_data_keeps_the_previous_dataset(tmp_path, dashboard):
    bad = tmp_path / "bad.csv"
    bad.write_text("a,b\n")
    dashboard.data.add_source("bad.csv", str(bad), "b")
    dashboard.data.dataset_name = "bad.csv"
    assert dashboard.dataset.name == "titanic"
    assert "bad.csv" in dashboard.status and "\n" not in dashboard.status
    assert dashboard.data.dataset_name == "titanic"  # the list shows what is loaded
    assert not dashboard.busy and dashboard.result.dataset is dashboard.dataset


def test_hostile_names_are_escaped(tmp_path):
    evil = "<img src=x onerror=alert(1)>"
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({evil: rng.choice([evil, "b", "c"], 200), "x": rng.normal(size=200),
                          "y": rng.choice(["p", "q"], 200)})
    path = tmp_path / "evil.csv"
    frame.to_csv(path, index=False)
    dashboard = Dashboard(background=False, algorithms=["logistic_regression"],
                          data=str(path), data_target="y")
    for pane in (dashboard.notes, dashboard.models.best_line, dashboard.status_view.line):
        assert "<img" not in pane.object
    assert evil in dashboard.resampler.param.feature.objects


def test_rendered_widgets_keep_the_shown_group_and_the_run_in_step():
    # Served, the widgets exist before the background ranking picks the feature; a Select
    # given new options pushes its first option back, which once retrained the wrong group.
    dashboard = Dashboard(algorithms=["logistic_regression"])
    root = dashboard.__panel__().get_root()  # kept: Panel cleans up a root once it is collected
    dashboard.wait()
    rs = dashboard.resampler
    assert (rs.feature, rs.group) == ("sex", "female")
    assert (dashboard.result.spec.feature, dashboard.result.spec.group) == ("sex", "female")
    # The full ranking (permutation, SHAP) arrives after the first results.
    assert {"rank_permutation", "rank_shap"} <= set(dashboard.importance.ranking.columns)
    del root  # alive until here


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
    from distviz.views.serve import url_settings
    got, problems = url_settings(args)
    assert got == settings
    assert (problem is None and problems == []) or (problem and problem in problems[0])


def test_leaderboard_colours_only_changes_beyond_the_noise(dashboard):
    from distviz.views.leaderboard_table import delta_css
    assert "#1a7f37" in delta_css("better", 0.02) and "#c62828" in delta_css("worse", -0.02)
    # The verdict knows the metric's direction: a lower error is "better", and green.
    assert "#1a7f37" in delta_css("better", -0.5)
    assert delta_css("within noise", 0.02) == "" and delta_css("no interval (1 seed)", 0.02) == ""
    assert delta_css("better", float("nan")) == ""
    # The page's table holds a row per algorithm of the leaderboard.
    shown = dashboard.models.table.object
    assert shown.startswith("<table") and shown.count("<tr data-algorithm=") == len(
        dashboard.leaderboard())
    # One seed: no interval, so no verdict, no colour and no "best" claim.
    was = dashboard.resampler.ratio
    dashboard.resampler.ratio = -0.5
    board = dashboard.leaderboard()
    assert board["verdict"].str.startswith("no interval").all() and not board["best"].any()
    assert "Leading now" in dashboard.models.best_line.object
    # The baseline itself has no change to judge: it says so, with no interval.
    dashboard.resampler.ratio = 0.0
    board = dashboard.leaderboard()
    assert (board["verdict"] == "baseline").all() and (board["interval"] == "").all()
    assert (board["delta"] == 0).all()
    dashboard.resampler.ratio = was


def test_verdicts_intervals_and_colours_follow_the_noise():
    """With seeds, every delta has its interval and verdict; colour, the best tick and the
    matrices' change colours appear only beyond the noise; the defaults are progressive."""
    dashboard = Dashboard(background=False, algorithms=["logistic_regression", "naive_bayes"])
    from distviz.loop.policy import describe, settings_for
    assert dashboard.loop.repeats == settings_for(dashboard.dataset).repeats == 5
    assert dashboard.loop.max_train_rows == settings_for(dashboard.dataset).max_train_rows
    assert dashboard.loop.progressive
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-1.0)
    board = dashboard.leaderboard().set_index("algorithm")
    run = dashboard.result
    # The status line states the settings the run used: the policy's, as `distviz run`'s.
    assert run.settings["seeds"] == [0, 1, 2, 3, 4] and run.settings["given"] == []
    assert f"Settings: {describe(run.settings)}." in dashboard.status
    # Adaptive seeds: the first 3, and all 5 where more may change the call.
    assert run.settings["first_seeds"] == 3
    assert all([f.seed for f in a.fits] in ([0, 1, 2], run.settings["seeds"])
               for a in run.algorithms)
    for a in run.algorithms:
        row = board.loc[a.algorithm]
        low, high = a.ci95["f1"]
        assert row["interval"] == f"[{low:+.3f}, {high:+.3f}]"
        # Complete: every seed its adaptive choice planned is in ("3 of 3" or "5 of 5").
        assert row["seeds"] == f"{len(a.fits)} of {len(a.fits)}" and a.n_seeds == len(a.fits)
        assert a.seeds_planned == len(a.fits)
        assert row["verdict"] == a.verdict["f1"]
        assert (row["verdict"] in ("better", "worse")) == a.significant["f1"]
        coloured = dashboard.models.matrix_coloured(run, a)
        assert coloured == (a.verdict["f1"] in ("better", "worse"))
        # The matrix's cell changes are the mean over the seed pairs.
        change = run.confusion_change(a.algorithm)
        shown = np.asarray(dashboard.models.shown_model(a.algorithm)["cells"]["change"])
        assert sorted(np.round(shown, 6)) == sorted(np.round(change.ravel(), 6))
    # The ROC operating point shows its spread: one point per seed and algorithm.
    roc = dashboard.models.shown_roc()
    spread = pd.DataFrame(roc["spread"])
    assert spread.groupby("algorithm").size().to_dict() == {
        a.algorithm: len(a.fits) for a in run.algorithms}
    # Each operating point has its model's curve colour; the title names the positive class.
    lines = roc["lines"]
    curve_colour = {label.split(" (")[0]: colour for label, colour in
                    zip(lines["label"], lines["color"]) if label.endswith("(now)")}
    points = roc["points"]
    assert dict(zip(points["algorithm"], points["color"])) == curve_colour
    assert len(set(curve_colour.values())) == 2
    assert f"(class {run.dataset.positive})" in roc["title"]
    best, second, lead = run.lead("f1")
    assert board["best"].any() == bool(lead.significant)
    line = dashboard.models.best_line.object
    assert ("Best now" in line) == bool(lead.significant)
    assert ("within the noise" in line) == (not lead.significant)


def test_neighbouring_slider_positions_are_prefetched_once_the_user_stops():
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import ShiftSpec
    dashboard = Dashboard(algorithms=["logistic_regression"], n_jobs=1)
    dashboard.neighbours.delay = 0.05  # the user stops at once
    dashboard.loop.cache = ResultCache()  # nothing from other tests
    dashboard.wait()
    dashboard.resampler.param.update(feature="class", group="2nd")
    dashboard.wait()
    dashboard.resampler.ratio = 1.0
    dashboard.wait()
    neighbours = dashboard.neighbours
    deadline = time.perf_counter() + 60
    while neighbours.prefetch is None and time.perf_counter() < deadline:
        time.sleep(0.05)
    assert neighbours.prefetch is not None and neighbours.prefetch.wait(60)
    # The positions either side of 1.0 (0.5 and 1.5) are now cached; 3.0 is not.
    loop = ModelLoop(dataset=dashboard.dataset, algorithms=["logistic_regression"], n_jobs=1,
                     cache=dashboard.loop.cache, max_train_rows=dashboard.loop.max_train_rows)
    for ratio, cached in ((0.5, True), (1.5, True), (3.0, False)):
        run = loop.run(ShiftSpec("class", "2nd", ratio))
        assert (run.computed == 0) is cached, (ratio, run.computed)
    # A new request cancels a pending prefetch.
    dashboard.resampler.ratio = -0.5
    assert neighbours.prefetch is None
    dashboard.wait()


def test_progress_bar_takes_any_count(dashboard):
    # Progress validates value against its previous max: 3 of 4 after 0 of 1 once failed.
    loop, status = dashboard.loop, dashboard.status_view
    status.show_bar()  # a run training for a while
    with param.parameterized.discard_events(loop):
        loop.running = True
    try:
        loop.progress = (3, 4)
        assert (status.bar.value, status.bar.max) == (3, 4)
        assert "3 of 4 fits done" in status.line.object
    finally:
        with param.parameterized.discard_events(loop):
            loop.running = False


def test_the_old_datasets_caveat_goes_once_the_new_ones_numbers_show(dashboard):
    """While a new dataset trains, the status line says the results shown are the old one's,
    until the Models tab shows a run of the new one (its first numbers)."""
    from types import SimpleNamespace

    from distviz.data import Dataset
    loop, status = dashboard.loop, dashboard.status_view
    old, new = loop.result, Dataset(source="penguins")
    caveat = f"(the results shown are for {old.dataset.name})"
    status.show_bar()
    with param.parameterized.discard_events(loop):
        loop.param.update(dataset=new, running=True)
    try:
        status._started(None)  # what a request of the new dataset says
        loop.progress = (1, 4)
        assert status.line.object.startswith("Training on penguins") and \
            status.line.object.endswith(caveat)
        status.shown(old)  # a render of the old dataset's run: still the old one's
        loop.progress = (2, 4)
        assert status.line.object.endswith(caveat)
        status.shown(SimpleNamespace(dataset=new))  # the new dataset's first numbers
        assert status.line.object.startswith("Training on penguins: 2 of 4 fits done") and \
            caveat not in status.line.object
        loop.progress = (3, 4)
        assert caveat not in status.line.object and "3 of 4 fits done" in status.line.object
    finally:
        with param.parameterized.discard_events(loop):
            loop.param.update(dataset=old.dataset, running=False)


def test_finished_algorithms_show_while_slower_ones_train(monkeypatch, tmp_path):
    """The slower algorithm is held at a gate (its fit waits while a file exists), so it is
    certainly still training when the finished one shows."""
    import json

    import helpers_estimators

    from distviz.shift import shift_training_set
    from distviz import models
    from distviz.loop import ResultCache
    from distviz.views.models_view import ModelsView
    monkeypatch.setattr(ModelsView, "PARTIAL_RENDER_FIRST", 0.3)
    hold = tmp_path / "hold"
    models.register("test_gated", lambda seed: helpers_estimators.GatedClassifier(
        hold=str(hold), random_state=seed), task="classification", replace=True)
    try:
        dashboard = Dashboard(algorithms=["logistic_regression"], n_jobs=2, repeats=1)
        dashboard.wait()
        dashboard.loop.algorithms = ["logistic_regression", "test_gated"]
        dashboard.wait()
        dashboard.loop.cache = ResultCache()  # every fit of the next run is computed
        # test_gated's fit on the shifted training set waits (its baseline fit passes), so one
        # worker stays free for logistic regression.
        shifted = shift_training_set(dashboard.dataset, dashboard.resampler.spec.at(0.5))
        hold.write_text(json.dumps({"rows": [len(shifted.y)]}))
        dashboard.resampler.ratio = 0.5
        seen_partial = None
        deadline = time.perf_counter() + 120
        while time.perf_counter() < deadline:
            board = dashboard.leaderboard()
            if ("shift +0.5" in dashboard.models.best_line.object
                    and list(board["algorithm"]) == ["logistic_regression"]):
                seen_partial = board.copy()
                break
            time.sleep(0.05)
        assert dashboard.busy  # still held: the gated algorithm is training
        hold.unlink()
        assert seen_partial is not None, (
            f"logistic regression's result never showed alone: {dashboard.status}")
        dashboard.wait()
        board = dashboard.leaderboard().set_index("algorithm")
        assert sorted(board.index) == ["logistic_regression", "test_gated"]
        # What showed early is what the finished run shows for that algorithm.
        assert seen_partial.set_index("algorithm").loc["logistic_regression", "now"] == \
            board.loc["logistic_regression", "now"]
    finally:
        hold.unlink(missing_ok=True)
        models.unregister("test_gated", task="classification")


def test_hidden_tabs_render_when_opened(dashboard):
    """A slider move renders only the visible tab; opening another shows the current run."""
    dashboard.open_tab("Models")
    dashboard.resampler.param.update(feature="sex", group="female")
    dashboard.resampler.ratio = 1.0
    hidden = ("Distributions", "Per group", "Where data helps")
    assert dashboard.models.run is dashboard.result  # the tab shown renders the move
    assert all(dashboard.views[name].run is not dashboard.result for name in hidden)
    dashboard.open_tab("Per group")
    assert dashboard.groups.run is dashboard.result
    table = dashboard.groups.table.value
    best = dashboard.result.best("shifted")
    now = dashboard.result.group_metrics(best)
    assert sorted(table["group"]) == sorted(now["group"]) == ["female", "male"]
    # The numbers are this run's (not left over from an earlier render).
    shown = table.set_index("group")["f1 now"]
    assert all(shown[g] == pytest.approx(v, abs=5e-4) for g, v in zip(now["group"], now["f1"]))
    dashboard.open_tab("Distributions")
    assert dashboard.distributions.run is dashboard.result
    assert dashboard.advise.run is not dashboard.result  # not opened
    after = dashboard.distributions.rows_after()
    n_female = int((dashboard.dataset.group_labels("sex") == "female").sum())
    assert after["female"] == round(2 * n_female)  # ratio +1 doubles the group
    dashboard.open_tab("Models")


def test_confusion_matrices_and_roc_update_in_place(dashboard):
    """A move sends new numbers to the same plots (no new Bokeh plot per move)."""
    dashboard.resampler.param.update(feature="sex", group="female")
    dashboard.resampler.ratio = -0.5
    panes = list(dashboard.models.matrices.objects)
    plots = [pane.object for pane in panes]
    roc = dashboard.models.roc[0].object  # the ROC pane's figure
    dashboard.resampler.ratio = 1.0
    assert list(dashboard.models.matrices.objects) == panes
    assert [pane.object for pane in panes] == plots
    assert dashboard.models.roc[0].object is roc
    for name in dashboard.loop.algorithms:
        shown = dashboard.models.shown_model(name)
        counts = [t.split("\n")[0] for t in shown["cells"]["text"]]
        assert counts == [f"{c:.1f}" for c in dashboard.result.confusion(name).ravel()]
        f1 = {a.algorithm: a for a in dashboard.result.algorithms}[name].metrics["f1"]
        assert f"F1 {f1:.3f}" in shown["title"]


def test_a_render_recomputes_the_bokeh_model_graph_at_most_once(dashboard, monkeypatch):
    """A cached move only sends new data to the plots: the document it is drawn in keeps its
    model graph. New plots (another algorithm) rebuild it at most once per render
    (Session.batch), not once per plot."""
    from bokeh.document import Document
    doc = Document()
    doc.add_root(dashboard.__panel__().get_root(doc))
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    dashboard.resampler.ratio = 1.0
    calls, renders = [], []
    original = doc.models.recompute
    monkeypatch.setattr(doc.models, "recompute", lambda: calls.append(1) or original())
    dashboard.resampler.ratio = -0.5  # cached: one final render, data only
    assert dashboard.result.computed == 0
    assert calls == []
    dashboard.models.param.watch(lambda event: renders.append(1), "run")
    dashboard.loop.algorithms = FAST + ["naive_bayes"]  # a third plot
    dashboard.wait()
    assert len(dashboard.models.matrices.objects) == 3
    assert 1 <= len(calls) <= len(renders)
    dashboard.loop.algorithms = FAST
    dashboard.wait()


def test_export_fits_nothing_already_shown_and_shows_the_same_numbers(dashboard):
    """The snapshot is built with the dashboard's own settings (budgets, repeats, algorithms):
    every state the user already saw comes from the cache, and its numbers are the shown ones."""
    from distviz.shift import RATIOS  # the slider's positions: the snapshot's too
    dashboard.resampler.param.update(feature="sex", group="female")
    for ratio in RATIOS:
        dashboard.resampler.ratio = ratio
        dashboard.wait()
    shown = _shown(dashboard)["now"]  # the last position, +3
    cache = dashboard.loop.cache
    misses = cache.misses
    text = dashboard.exporter.snapshot()
    assert cache.misses == misses, "the export fitted states the dashboard had shown"
    assert "distviz snapshot: titanic" in text
    # Served from the same fits, the snapshot's state at +3 has the leaderboard's numbers.
    from distviz.shift import ShiftSpec
    run = dashboard.loop.clone().run(ShiftSpec("sex", "female", 3.0))
    assert cache.misses == misses
    assert [a.metrics["f1"] for a in run.algorithms] == pytest.approx(list(shown), abs=5e-5)


def test_export_button_builds_the_file_off_the_callback_then_offers_it(dashboard):
    """The button starts the snapshot as a session job (progress shown) and then offers the
    file; the file is the snapshot of what is shown."""
    exporter = dashboard.exporter
    exporter.button.clicks += 1
    dashboard.wait()
    assert exporter.download.visible and not exporter.button.disabled
    text = open(exporter.download.file, encoding="utf-8").read()
    assert "distviz snapshot: titanic" in text and "Exported" in dashboard.status


def test_choosing_another_dataset_revalidates_every_choice():
    """A regression dataset picked in the data widgets: the loop's algorithms, the metric, the
    feature and the group all follow, in one run."""
    dashboard = Dashboard(background=False, algorithms=["logistic_regression", "xgboost"])
    runs = []
    dashboard.loop.param.watch(lambda event: runs.append(event.new), "result")
    dashboard.data.dataset_name = "diabetes"
    assert dashboard.dataset.name == "diabetes" and len(runs) == 1
    assert dashboard.loop.algorithms == ["xgboost"]  # logistic regression cannot regress
    assert dashboard.algorithm_widget.value == ["xgboost"]
    assert dashboard.models.metric == "r2" and dashboard.data.target == "progression"
    rs = dashboard.resampler
    assert rs.feature in dashboard.dataset.features and rs.group in rs.param.group.objects
    assert dashboard.result.dataset is dashboard.dataset and dashboard.result.spec == rs.spec
    assert list(dashboard.leaderboard()["algorithm"]) == ["xgboost"]


def test_dashboard_drives_an_existing_chain():
    """A notebook's Resampler and ModelLoop, handed to the dashboard, are the dashboard's state:
    its slider is resampler.ratio, its leaderboard loop.result."""
    from distviz import Dataset, ModelLoop, Resampler
    rs = Resampler(dataset=Dataset(source="titanic"), feature="class", group="2nd")
    loop = ModelLoop(resampler=rs, algorithms=["logistic_regression"], n_jobs=1)
    rs.ratio = -0.5
    dashboard = Dashboard(resampler=rs, loop=loop, background=False)
    assert dashboard.resampler is rs and dashboard.loop is loop
    assert (rs.feature, rs.group, rs.ratio) == ("class", "2nd", -0.5)  # kept, not reset
    assert dashboard.slider.slider.value == -0.5
    assert _shown(dashboard).loc["logistic_regression", "now"] == pytest.approx(
        loop.result.result("logistic_regression").metrics["f1"], abs=5e-5)
    with param.edit_constant(dashboard.slider.slider):  # what releasing the handle sends
        dashboard.slider.slider.value_throttled = 1.0
    assert rs.ratio == 1.0 and loop.result.spec.ratio == 1.0
    assert _shown(dashboard).loc["logistic_regression", "now"] == pytest.approx(
        loop.result.result("logistic_regression").metrics["f1"], abs=5e-5)


def test_multiclass_roc_says_which_class_is_positive():
    """Three classes: the ROC is the positive class against the rest, and its title says so."""
    import sklearn.metrics as skm
    from distviz import Dataset, ModelLoop
    from distviz.loop import ResultCache
    from distviz.views import model_figures
    from distviz.views.style import algorithm_colors
    penguins = Dataset(source="penguins")
    run = ModelLoop(dataset=penguins, algorithms=["logistic_regression"], n_jobs=1,
                    cache=ResultCache()).run()
    title = model_figures.roc_title(penguins)
    assert f"(class {penguins.positive} vs the rest)" in title and len(penguins.classes) == 3
    lines = model_figures.roc_lines(run, algorithm_colors(["logistic_regression"]))
    now = lines["label"].index("logistic_regression (now)")
    fit = run.algorithms[0].first_fit
    fpr, tpr, _ = skm.roc_curve(penguins.y_test == penguins.positive_index,
                                fit.scores[:, penguins.positive_index])
    assert len(fpr) <= 200  # not thinned: the whole one-vs-rest curve
    np.testing.assert_allclose(lines["xs"][now], fpr)
    np.testing.assert_allclose(lines["ys"][now], tpr)


def test_a_view_failing_to_render_is_reported_and_the_run_still_finishes(monkeypatch):
    """A background dashboard without a page (a script): one view's render raising must not
    stop the other watchers of the same result, so the status line still says "Ran ..." and
    the failure is said, not left as "Training..." forever (a collected Panel root did that)."""
    from distviz.views.models_view import ModelsView
    said = []
    dashboard = Dashboard(algorithms=["logistic_regression"])
    dashboard.wait()
    monkeypatch.setattr(ModelsView, "render", lambda self, run, final: 1 / 0)
    monkeypatch.setattr(dashboard.status_view, "notify",
                        lambda message, level="error": said.append(message))
    dashboard.resampler.ratio = 1.0
    dashboard.wait(timeout=60)
    assert not dashboard.busy and dashboard.status.startswith("Ran ")
    assert said and "ZeroDivisionError" in said[0]
