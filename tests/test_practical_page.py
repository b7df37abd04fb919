"""Issue 27, the page half (server-side, no browser): the leaderboard's ``practical`` column is
the practical call of the interval it shows, against the loop's smallest change that matters;
the sidebar's input sets ``loop.min_effect`` and re-judges the shown run, the map, the response
curves' points and the Sweep tab's points with no fit; the map tells equivalent (grey) from
inconclusive (hatched white), the points fill pale grey / white as the leaderboard does."""

from __future__ import annotations

import html
import math

import holoviews as hv
import numpy as np
import pandas as pd
import pytest

from distviz.advise import Advice, Cell, rejudge, response_curve
from distviz.loop import ResultCache
from distviz.shift import ShiftSpec
from distviz.stats import CALLS, practical_call
from distviz.sweep import summarize
from distviz.views import plots
from distviz.views.advise_plots import cell_frame, colour_of
from distviz.views.app import Dashboard
from distviz.views.leaderboard_table import PRACTICAL_CSS
from distviz.views.model_figures import change_caption
from distviz.views.models_view import best_model
from distviz.views.practical_marks import CALL_FILL, marks
from distviz.views.response_view import ResponseCurvesView
from distviz.views.style import EQUIVALENT, INCONCLUSIVE, INCONCLUSIVE_HATCH

FAST = ["naive_bayes", "logistic_regression"]


def expected(a, metric: str, m: float) -> str:
    """The call of ``a``'s shown interval, by the engine's rule (stats.practical_call)."""
    low, high = a.ci95[metric]
    return practical_call(metric, low, high, m)


@pytest.fixture(scope="module")
def dashboard():
    board = Dashboard(background=False, algorithms=FAST, repeats=3)
    board.loop.cache = ResultCache()
    board.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    board.wait()
    return board


def test_the_leaderboard_shows_the_call_of_its_interval(dashboard):
    run = dashboard.result
    board = dashboard.leaderboard().set_index("algorithm")
    assert run.min_effect["f1"] == 0.01 == dashboard.min_effect.input.value  # the default
    for a in run.algorithms:
        row = board.loc[a.algorithm]
        call = expected(a, "f1", 0.01)
        assert row["practical"] == call == a.practical["f1"] and call in CALLS
        low, high = a.ci95["f1"]
        assert row["interval"] == f"[{low:+.3f}, {high:+.3f}]"
        assert row["detectable"] == pytest.approx(a.detectable["f1"], abs=1e-4)
    # Titanic's 329 test rows: logistic regression's interval holds 0 and reaches past 0.01.
    low, high = run.result("logistic_regression").ci95["f1"]
    assert low < 0 < high and (low < -0.01 or high > 0.01)
    assert board.loc["logistic_regression", "practical"] == "inconclusive"
    # Each title states the change and its call; the best-model line the lead's call.
    for a in run.algorithms:
        title = dashboard.models.shown_model(a.algorithm)["title"]
        assert title.split("\n")[1] == f"Δ {a.delta['f1']:+.3f}: {a.practical['f1']}", title
    best, second, lead = run.lead("f1")
    line = dashboard.models.best_line.object
    word = practical_call("f1", lead.low, lead.high, 0.01)
    assert word.split()[0] in line or (word in ("better", "worse") and "may matter" in line)
    assert "smallest change that matters 0.01" in dashboard.models.legend.object


def test_the_baseline_has_no_call():
    run_like = type("Run", (), {"at_baseline": True})()
    assert change_caption(run_like, None, "f1") == "\nthe baseline"


def test_a_new_min_effect_rejudges_the_shown_run_without_a_fit(dashboard):
    loop = dashboard.loop
    run, request = dashboard.result, loop.request
    fits = {a.algorithm: a.fits for a in run.algorithms}
    dashboard.min_effect.input.value = 0.5
    dashboard.wait()
    assert loop.min_effect == {"f1": 0.5}
    assert loop.request == request  # no new run was asked for
    shown = dashboard.result
    assert {a.algorithm: a.fits for a in shown.algorithms} == fits  # the same fits
    board = dashboard.leaderboard().set_index("algorithm")
    for a in shown.algorithms:
        assert board.loc[a.algorithm, "practical"] == expected(a, "f1", 0.5)
        assert board.loc[a.algorithm, "interval"] == plots.leaderboard(run, "f1").set_index(
            "algorithm").loc[a.algorithm, "interval"]  # the same interval, judged again
    assert set(board["practical"]) <= {"equivalent", "negligible"}, board["practical"]
    assert "smallest change that matters 0.5" in dashboard.models.legend.object
    assert best_model(shown, "f1") == dashboard.models.best_line.object.split(" — ")[0]
    # Emptied: back to the default, shown in the input.
    dashboard.min_effect.input.value = None
    dashboard.wait()
    assert loop.min_effect is None and dashboard.min_effect.input.value == 0.01
    assert loop.request == request
    board = dashboard.leaderboard().set_index("algorithm")
    assert all(board.loc[a.algorithm, "practical"] == expected(a, "f1", 0.01)
               for a in shown.algorithms)


def test_a_min_effect_the_metric_cannot_take_is_a_notification(dashboard):
    loop = dashboard.loop
    dashboard.min_effect.input.value = 2.0  # F1 changes by at most 1
    assert loop.min_effect is None
    assert "at most 1" in dashboard.status and "min_effect" in dashboard.status
    assert dashboard.min_effect.input.value == 0.01  # the value in force again


def test_the_input_follows_the_leaderboards_metric(dashboard):
    loop = dashboard.loop
    dashboard.models.metric = "roc_auc"
    dashboard.min_effect.input.value = 0.002
    assert loop.min_effect == {"roc_auc": 0.002}
    board = dashboard.leaderboard().set_index("algorithm")
    for a in dashboard.result.algorithms:
        assert board.loc[a.algorithm, "practical"] == expected(a, "roc_auc", 0.002)
    dashboard.models.metric = "f1"
    assert dashboard.min_effect.input.value == 0.01  # F1 keeps its default
    dashboard.min_effect.input.value = None
    dashboard.models.metric = "roc_auc"
    dashboard.min_effect.input.value = None
    assert loop.min_effect is None
    dashboard.models.metric = "f1"


# ------------------------------------------------------------------------------ the map
def _cell(ratio, algorithm, low, high, verdict_bh, practical):
    delta = (low + high) / 2
    return Cell("batch", "d", ratio, algorithm, "f1", 100, 50, 20, delta=delta,
                ci95=[low, high], p_value=0.01, verdict=verdict_bh, verdict_bh=verdict_bh,
                practical=practical, detectable=(high - low) / 2, min_effect=0.01,
                to_detect={"test_rows": 999} if practical == "inconclusive" else None)


CELLS = [_cell(-0.5, "a", 0.02, 0.05, "better", "better"),
         _cell(-0.5, "b", -0.004, 0.003, "within noise", "equivalent"),
         _cell(1.0, "a", -0.03, 0.02, "within noise", "inconclusive"),
         _cell(1.0, "b", 0.001, 0.004, "within noise", "equivalent")]  # not beyond after BH


def test_the_map_tells_equivalent_from_inconclusive():
    frame = cell_frame(CELLS, [("batch", "d")], ["a", "b"], [-0.5, 1.0]).set_index(
        ["ratio", "algorithm"])
    for c in CELLS:
        row = frame.loc[(c.ratio, c.algorithm)]
        assert row["practical"] == c.practical
        assert row["detectable"] == pytest.approx(c.detectable)
    assert colour_of(frame.loc[(-0.5, "b"), "shade"], "done", "equivalent") == EQUIVALENT
    assert colour_of(frame.loc[(1.0, "a"), "shade"], "done", "inconclusive") == INCONCLUSIVE
    assert frame.loc[(1.0, "a"), "hatch"] == INCONCLUSIVE_HATCH
    assert frame.loc[(-0.5, "b"), "hatch"].strip() == ""
    assert frame.loc[(-0.5, "a"), "hatch"].strip() == ""  # beyond the noise: its colour
    assert math.isfinite(frame.loc[(-0.5, "a"), "shade"])
    assert EQUIVALENT != INCONCLUSIVE


def test_rejudging_the_map_changes_calls_not_intervals():
    advice = Advice(None, "f1", ["batch"], [-0.5, 1.0], ["a", "b"], 3, 0.05,
                    [Cell(**c.to_dict()) for c in CELLS], [], min_effect={"f1": 0.01})
    loose = rejudge(advice, {"f1": 0.06})
    assert [c.practical for c in loose.cells] == ["negligible", "equivalent", "equivalent",
                                                  "equivalent"]
    for before, after in zip(advice.cells, loose.cells):
        assert after.ci95 == before.ci95 and after.verdict_bh == before.verdict_bh
        low, high = before.ci95
        call = practical_call("f1", low, high, 0.06)
        if not after.beyond_noise and call in ("better", "worse", "negligible"):
            call = "equivalent"  # inside +-0.06, and within the noise after BH
        assert after.practical == call and after.min_effect == 0.06
    assert [c.practical for c in advice.cells] == [c.practical for c in CELLS]  # unchanged
    # What the run can detect stays; what would make the new min_effect detectable needs the
    # interval's test / seed split, which a cell does not keep (rejudge's docstring).
    assert [c.detectable for c in loose.cells] == [c.detectable for c in CELLS]
    assert all(c.to_detect is None for c in loose.cells)
    assert not loose.advice  # a negligible change is never advised
    assert [c.algorithm for c in advice.advice] == ["a"]
    assert rejudge(advice, {"f1": 0.01}) is advice
    tight = rejudge(advice, {"f1": 0.001})
    assert [c.practical for c in tight.cells] == ["better", "inconclusive", "inconclusive",
                                                  "inconclusive"]


def test_the_shown_map_follows_min_effect_without_recomputing(dashboard):
    view = dashboard.advise
    view.top = 1
    dashboard.open_tab("Where data helps")  # inline: the map is computed here
    run = view.advise_run
    assert not run.running and run.advice is not None
    computed, key = run.advice, run.computed_for
    dashboard.min_effect.input.value = 0.5
    dashboard.wait()
    assert run.advice is computed and run.computed_for == key  # nothing recomputed
    frame = view.frame.set_index(["row", "ratio", "algorithm"])
    done = [c for c in computed.cells if c.ci95 is not None]
    assert done
    for c in done:
        call = practical_call("f1", *c.ci95, 0.5)
        if not c.beyond_noise and call in ("better", "worse", "negligible"):
            call = "equivalent"
        assert frame.loc[(f"{c.feature} = {c.group}", c.ratio, c.algorithm), "practical"] == call
    assert "no change over 0.5" in view.legend.object
    counts = {w: sum(1 for c in done if frame.loc[(f"{c.feature} = {c.group}", c.ratio,
                                                   c.algorithm), "practical"] == w)
              for w in ("equivalent", "inconclusive")}
    said = html.unescape(view.sentences.object)
    assert "practical calls per cell (min_effect 0.5): " in said and \
        f"{counts['equivalent']} equivalent, {counts['inconclusive']} inconclusive" in said, said
    typical = float(np.median([c.detectable for c in computed.cells if c.detectable is not None]))
    assert f"detect a change of about ±{typical:.3f}" in view.legend.object
    dashboard.min_effect.input.value = None
    dashboard.wait()
    frame = view.frame.set_index(["row", "ratio", "algorithm"])
    assert [frame.loc[(f"{c.feature} = {c.group}", c.ratio, c.algorithm), "practical"]
            for c in done] == [c.practical for c in done]
    dashboard.open_tab("Models")


# ------------------------------------------------------------- the curves and the sweep tab
def drawn_points(overlay) -> pd.DataFrame:
    """The points of a curves plot as drawn: one row per (algorithm, ratio), with the call
    shown, the change's interval text and the fill."""
    return pd.concat([e.data for e in overlay if type(e) is hv.Scatter], ignore_index=True)


def test_the_calls_are_filled_as_the_leaderboard_colours_them():
    assert CALL_FILL["equivalent"] == EQUIVALENT and CALL_FILL["inconclusive"] == INCONCLUSIVE
    for word in ("better", "worse"):
        assert CALL_FILL[word] in PRACTICAL_CSS[word]
    assert set(CALL_FILL) == set(CALLS) and len(set(CALL_FILL.values())) == len(CALLS)
    # better / worse also point up / down (a green or red curve's own points are circles);
    # a point without a call (the baseline) is a small dot of the curve's colour.
    drawn = marks(["better", "worse", "equivalent", None], "#2ca02c")
    assert drawn["marker"] == ["triangle", "inverted_triangle", "circle", "circle"]
    assert drawn["fill"] == [CALL_FILL["better"], CALL_FILL["worse"], EQUIVALENT, "#2ca02c"]
    assert drawn["call"][-1] == "" and drawn["size"][-1] < drawn["size"][0]


def _curve_calls(curves, m):
    return {(name, p.ratio): practical_call(c.metric, p.delta_low, p.delta_high, m) or ""
            if p.ratio != 0 else "" for name, c in curves.items() for p in c.points}


def test_the_curves_points_state_their_call_and_follow_min_effect(dashboard):
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    dashboard.wait()
    dashboard.advise.top = 1
    dashboard.open_tab("Where data helps")  # inline: the map and the curves are drawn here
    view, loop = dashboard.advise.curves, dashboard.loop
    shown = drawn_points(view.plot.object)
    ratios = sorted(set(shown["ratio"]) - {0.0})
    assert -0.5 in ratios
    # The engine's curves of the same group (every fit cached: nothing is trained here).
    fits = len(loop.cache)
    curves = response_curve(loop.clone(), "sex", "female", ratios)
    assert len(loop.cache) == fits
    want = _curve_calls(curves, 0.01)
    got = dict(zip(zip(shown["algorithm"], shown["ratio"]), shown["call"]))
    assert got == want and "inconclusive" in got.values()  # titanic: 329 test rows
    intervals = dict(zip(zip(shown["algorithm"], shown["ratio"]), shown["interval"]))
    for name, c in curves.items():
        for p in c.points:
            if p.ratio != 0:
                assert intervals[(name, p.ratio)] == f"[{p.delta_low:+.4f}, {p.delta_high:+.4f}]"
    assert list(shown["fill"][shown["call"] == "inconclusive"].unique()) == [INCONCLUSIVE]
    assert "Points by practical call at 0.01 (F1," in view.legend.object
    # The curves follow min_effect themselves (not only when the map redraws them).
    alone = ResponseCurvesView(loop=loop)
    alone.show(ShiftSpec("sex", "female", -0.5))
    assert drawn_points(alone.plot.object)["call"].tolist() == shown["call"].tolist()
    request = loop.request
    dashboard.min_effect.input.value = 0.5
    dashboard.wait()
    assert loop.request == request and len(loop.cache) == fits  # judged again, not refitted
    assert drawn_points(alone.plot.object)["call"].tolist() == \
        drawn_points(view.plot.object)["call"].tolist()
    again = drawn_points(view.plot.object)
    assert dict(zip(zip(again["algorithm"], again["ratio"]), again["call"])) == \
        _curve_calls(curves, 0.5)
    assert list(again["interval"]) == list(shown["interval"])  # the same intervals
    assert set(again["call"]) <= {"", "equivalent", "negligible"}
    assert "Points by practical call at 0.5 (F1," in view.legend.object
    dashboard.min_effect.input.value = None
    dashboard.wait()
    assert list(drawn_points(view.plot.object)["call"]) == list(shown["call"])
    dashboard.open_tab("Models")


def _sweep_calls(summary, m):
    """Each shifted cell's call by the engine's rule, beyond the noise as BH decided."""
    return [practical_call(r.metric, r.ci_low, r.ci_high, m, beyond=bool(r.significant_bh))
            or "" if r.ratio != 0 else "" for r in summary.itertuples()]


def test_the_sweep_points_state_their_call_and_follow_min_effect(dashboard):
    view, loop = dashboard.sweep, dashboard.loop
    view.param.update(top=1, repeats=2)
    dashboard.open_tab("Sweep")
    view.param.trigger("run_sweep")
    view.wait(timeout=300)
    table, request, fits = view.table, loop.request, len(loop.cache)
    assert table is not None and loop.error is None
    summary = summarize(table, "f1")

    def shown():
        points = drawn_points(view.curves()[0])
        return dict(zip(zip(points["algorithm"], points["ratio"]), points["call"]))

    def expected(m):
        return dict(zip(zip(summary["algorithm"], summary["ratio"]), _sweep_calls(summary, m)))

    assert shown() == expected(0.01) and "inconclusive" in shown().values()
    # BH over the sweep's cells decides "beyond the noise": no call contradicts it.
    beyond = dict(zip(zip(summary["algorithm"], summary["ratio"]), summary["significant_bh"]))
    assert all(beyond[k] for k, call in shown().items()
               if call in ("better", "worse", "negligible"))
    legend = html.unescape(view.legend.object)
    assert "Points by practical call at 0.01 (F1," in legend
    assert "after BH over the sweep's cells" in legend
    counts = pd.Series([c for c in expected(0.01).values() if c]).value_counts()
    assert f"{counts.get('inconclusive', 0)} inconclusive" in legend
    view.show = "change vs baseline"  # the change's curves carry the same calls
    assert shown() == expected(0.01)
    dashboard.min_effect.input.value = 0.5
    dashboard.wait()
    assert view.table is table and loop.request == request and len(loop.cache) == fits
    assert shown() == expected(0.5)
    assert set(shown().values()) <= {"", "equivalent", "negligible"}
    assert "Points by practical call at 0.5 (F1," in html.unescape(view.legend.object)
    dashboard.min_effect.input.value = None
    dashboard.wait()
    assert shown() == expected(0.01)
    view.show = "metric"
    dashboard.open_tab("Models")


def test_a_regression_page_sets_the_metric_shown():
    board = Dashboard(data="diabetes", background=False, algorithms=["ridge", "knn"],
                      repeats=3)
    board.loop.cache = ResultCache()
    board.resampler.ratio = -0.5
    board.wait()
    y_test = board.dataset.y_test
    assert board.min_effect.input.value == 0.01  # R²'s default
    board.models.metric = "rmse"  # 1 % of a constant prediction's error, in the target's units
    assert board.min_effect.input.value == pytest.approx(0.01 * float(np.std(y_test)))
    board.min_effect.input.value = 5.0  # above 1 is fine for an error in the target's units
    assert board.loop.min_effect == {"rmse": 5.0}
    shown = board.leaderboard().set_index("algorithm")
    for a in board.result.algorithms:
        assert shown.loc[a.algorithm, "practical"] == expected(a, "rmse", 5.0)
    board.models.metric = "r2"
    assert board.min_effect.input.value == 0.01


def test_another_dataset_keeps_only_the_min_effect_that_still_means_something():
    """F1's 0.05 stays for another classification table; a regression table (no F1) and
    RMSE's value (the old target's units) go back to the defaults, and the new run works."""
    board = Dashboard(background=False, algorithms=["logistic_regression", "naive_bayes"],
                      repeats=2)
    board.wait()
    board.min_effect.input.value = 0.05
    board.models.metric = "roc_auc"
    board.min_effect.input.value = 0.02
    assert board.loop.min_effect == {"f1": 0.05, "roc_auc": 0.02}
    board.data.dataset_name = "breast_cancer"
    board.wait()
    assert board.loop.min_effect == {"f1": 0.05, "roc_auc": 0.02}
    assert board.result.dataset.name == "breast_cancer" and board.loop.error is None
    board.data.dataset_name = "diabetes"
    board.wait()
    assert board.loop.error is None and board.result.dataset.name == "diabetes"
    assert board.loop.min_effect is None and board.min_effect.input.value == 0.01
    board.models.metric = "rmse"
    board.min_effect.input.value = 3.0
    board.data.dataset_name = "titanic"
    board.wait()
    assert board.loop.error is None and board.loop.min_effect is None
