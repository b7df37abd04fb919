"""The "Where data helps" tab and the instant preview, server-side (no browser): the map is
exactly ``advise``'s, cheapest algorithms first, reusing the slider's fits; only changes beyond
the noise are coloured; a click moves the slider; the curves are ``response_curve``'s; the
preview shows an estimate for an untrained ratio and goes when the retrain lands."""

from __future__ import annotations

import math

import holoviews as hv
import numpy as np
import pytest

from distviz.advise import Cell, Skipped, advise, response_curve
from distviz.advise import AdviseRun
from distviz.loop import ResultCache
from distviz.preview import Estimate
from distviz.shift import ShiftSpec
from distviz.views.advise_plots import (
    PALETTE,
    STEPS,
    TONES,
    WITHIN_NOISE,
    cell_frame,
    heatmap,
    legend_html,
    shade,
)
from distviz.views.advise_view import advice_beside
from distviz.views.app import Dashboard
from distviz.views.preview_view import preview_html
from distviz.views.workarounds import is_shown

FAST = ["naive_bayes", "logistic_regression"]
TAB = "Where data helps"


@pytest.fixture(scope="module")
def dashboard():
    board = Dashboard(background=False, algorithms=FAST, repeats=2)
    board.loop.cache = ResultCache()  # what is reused is this module's own fits
    board.advise.top = 2
    board.resampler.ratio = -0.5  # a slider move before the map: its fits are reused
    board.wait()
    board.open_tab(TAB)  # inline (no background): the map is computed here
    return board


def test_the_map_is_advise_over_the_top_features(dashboard):
    view = dashboard.advise
    computed = view.advise_run  # the map's computation, which the view watches
    assert not computed.running and computed.advice is not None
    assert computed.advice.features == view.features() == ["sex", "class"]
    expected = advise(dashboard.loop.clone(), features=["sex", "class"])
    assert [c.to_dict() for c in computed.advice.cells] == [c.to_dict() for c in expected.cells]
    assert [c.to_dict() for c in computed.advice.advice] == [c.to_dict()
                                                             for c in expected.advice]
    done, total = computed.progress
    assert done == total == expected.fits
    assert "Map done" in view.status.object


def test_the_map_reuses_the_slider_fits(dashboard):
    advice = dashboard.advise.advise_run.advice
    # The move to -0.5 fitted sex = female at -0.5 and the baseline: 2 states x 2 seeds x 2.
    assert advice.fits - advice.computed >= 2 * 2 * 2
    assert f"{advice.fits - advice.computed} reused from the cache" in \
        dashboard.advise.status.object


def test_cheapest_algorithms_first(dashboard):
    from distviz.loop import FitExecutor
    executor = FitExecutor()  # has measured nothing yet
    loop = dashboard.loop.clone(algorithms=["random_forest", "xgboost", "logistic_regression"],
                                executor=executor)
    assert AdviseRun.cheapest_first(loop) == ["logistic_regression", "xgboost",
                                              "random_forest"]  # registry costs
    measured = {"random_forest": 0.1, "xgboost": 0.3, "logistic_regression": 0.2}
    for name, seconds in measured.items():
        executor.remember_cost(loop.dataset.fingerprint, name, seconds)
    assert AdviseRun.cheapest_first(loop) == ["random_forest", "logistic_regression",
                                              "xgboost"]  # measured on this dataset


def test_a_click_on_a_cell_moves_the_slider_there(dashboard):
    view = dashboard.advise
    assert set(view.taps) == {-0.5, 1.0}
    view.taps[1.0].event(x="naive_bayes", y="class = 2nd")
    dashboard.wait()
    assert dashboard.resampler.spec == ShiftSpec("class", "2nd", 1.0)
    assert dashboard.slider.slider.value == 1.0 and dashboard.result.spec.group == "2nd"
    assert "class = 2nd" in dashboard.shift_label
    # The map outlines the slider's cells: that group at that ratio, every algorithm.
    outlined = [(ratio, cell.row, cell.algorithm) for ratio, layer in view.outlines.items()
                for cell in layer[()].data.itertuples() if cell.current == 1.0]
    assert sorted(outlined) == sorted((1.0, "class = 2nd", a) for a in FAST)
    view.taps[-0.5].event(x=None, y=None)  # a click beside the cells changes nothing
    assert dashboard.resampler.spec == ShiftSpec("class", "2nd", 1.0)


def test_the_curves_are_response_curve_of_the_slider_group(dashboard):
    dashboard.resampler.param.update(feature="sex", group="female", ratio=-0.5)
    dashboard.wait()
    dashboard.open_tab("Models")
    dashboard.open_tab(TAB)  # shown again with the current group
    view = dashboard.advise
    text = view.curves.text.object
    assert "Trained ratios of sex = female:" in text and "-0.5" in text and "+1" in text
    expected = response_curve(dashboard.loop.clone(), "sex", "female", [-0.5, 1.0])
    overlay = view.curves.plot.object
    curves = [e for e in overlay if type(e) is hv.Curve]  # hv.Area is a Curve too
    assert [c.label for c in curves] == [f"{n}: {c.shape}" + (
        f" at {c.best_ratio:+g}" if c.shape == "peaked" else "") for n, c in expected.items()]
    for curve, (name, want) in zip(curves, expected.items()):
        assert list(curve.data["ratio"]) == [-0.5, 0.0, 1.0]
        np.testing.assert_allclose(curve.data["value"], [p.value for p in want.points])


def test_training_every_ratio_of_the_group_fills_its_curve(dashboard):
    from distviz.shift.spec import DEFAULT_RATIOS
    view = dashboard.advise
    assert view.curves.spec.feature == "sex" and view.curves.spec.group == "female"
    view.curves.param.trigger("train")  # the button; inline here (no background session)
    curves = [e for e in view.curves.plot.object if type(e) is hv.Curve]
    wanted = sorted(set(DEFAULT_RATIOS) | {-0.5, 1.0})
    for curve in curves:
        assert sorted(curve.data["ratio"]) == wanted
    assert all(f"{r:+g}" in view.curves.text.object for r in wanted if r)


def test_changing_the_algorithms_restarts_the_map_when_shown(dashboard):
    computed = dashboard.advise.advise_run
    key = computed.computed_for
    dashboard.loop.algorithms = ["logistic_regression"]
    dashboard.wait()  # the tab is visible: the new result shows it, with a new map
    computed.wait()
    assert computed.computed_for != key and computed.advice.algorithms == ["logistic_regression"]
    assert {c.algorithm for c in computed.advice.cells} == {"logistic_regression"}
    dashboard.loop.algorithms = FAST
    dashboard.wait()
    computed.wait()
    assert computed.computed_for == key  # same plan again
    assert computed.advice.computed == 0  # its fits all cached


# ------------------------------------------------------------------------------ colours
def _cell(ratio, algorithm, delta, verdict_bh, metric="f1", **extra):
    return Cell("batch", "d", ratio, algorithm, metric, 100, 50, 20, delta=delta,
                ci95=[delta - 0.01, delta + 0.01], p_value=0.01, verdict=verdict_bh,
                verdict_bh=verdict_bh, **extra)


def test_only_changes_beyond_the_noise_are_coloured():
    cells = [_cell(-0.5, "a", 0.03, "better"), _cell(-0.5, "b", -0.004, "worse"),
             _cell(1.0, "a", 0.2, "within noise"), Cell("batch", "d", 1.0, "b", "f1", 100, 200,
                                                          20, error="ValueError: boom")]
    rows = [("batch", "d"), ("batch", "e")]
    frame = cell_frame(cells, rows, ["a", "b"], [-0.5, 1.0],
                       [Skipped("batch", "e", 1.0, 4, "only 4 training rows")]).set_index(
        ["row", "ratio", "algorithm"])
    assert frame.loc[("batch = d", -0.5, "a"), "shade"] == shade(0.03) == 2.5
    assert frame.loc[("batch = d", -0.5, "b"), "shade"] == shade(-0.004) == -0.5
    assert math.isnan(frame.loc[("batch = d", 1.0, "a"), "shade"])  # large but within noise
    assert frame.loc[("batch = d", 1.0, "a"), "text"] == "+0.200"
    assert frame.loc[("batch = d", 1.0, "b"), "state"] == "error"
    assert frame.loc[("batch = e", 1.0, "a"), "state"] == "skipped"
    assert frame.loc[("batch = e", -0.5, "a"), "state"] == "pending"
    assert frame.loc[("batch = e", -0.5, "a"), "opacity"] == 0.0
    # Drawn: the colour mapper paints NaN (within the noise, no call) grey and never white;
    # its scale is the palette's steps (one unit each), then equivalent and inconclusive.
    figure = hv.render(heatmap(frame.reset_index(), -0.5, metric="f1"))
    glyph = next(r for r in figure.renderers if "tone" in r.data_source.data)
    mapper = glyph.glyph.fill_color.transform
    assert mapper.nan_color == WITHIN_NOISE and list(mapper.palette) == TONES
    assert TONES[:len(PALETTE)] == PALETTE
    assert "#ffffff" not in PALETTE and WITHIN_NOISE not in PALETTE
    assert (mapper.low, mapper.high) == (-(len(STEPS) + 1), len(STEPS) + 3)
    assert "within the noise" in legend_html()


def test_lower_is_better_metrics_colour_a_fall_green():
    frame = cell_frame([_cell(1.0, "a", -0.3, "better", metric="rmse")], [("batch", "d")],
                       ["a"], [1.0])
    assert frame["shade"].iloc[0] > 0


# ------------------------------------------------------------------------------ the preview
def test_the_preview_shows_before_the_retrain_and_goes_when_it_lands(dashboard):
    dashboard.resampler.param.update(feature="class", group="3rd", ratio=-0.5)
    dashboard.wait()
    shown = []
    dashboard.preview.param.watch(lambda e: shown.append((dashboard.loop.running,
                                                           dict(e.new))), "estimates")
    dashboard.resampler.ratio = 0.5  # untrained; -0.5, 0 and +1 are trained (the map)
    dashboard.wait()
    assert shown, "no estimate was shown"
    running, estimates = shown[0]
    assert running and set(estimates) == set(FAST)  # shown while the retrain ran
    for estimate in estimates.values():
        assert isinstance(estimate, Estimate) and estimate.sources == (0.0, 1.0)
    assert shown[-1] == (False, {}) and not is_shown(dashboard.preview.pane)  # replaced
    # A trained ratio shows no estimate at all.
    shown.clear()
    dashboard.resampler.ratio = 1.0
    dashboard.wait()
    assert shown == [] and not is_shown(dashboard.preview.pane)


def test_the_preview_says_it_is_an_estimate():
    estimate = Estimate("xgboost", "f1", 0.5, 0.031, 0.011, 0.051, 0.75, "better",
                        "interpolated", (0.0, 1.0))
    text = preview_html({"xgboost": estimate}, ShiftSpec("sex", "<b>x</b>", 0.5))
    assert text.startswith("<b>Estimate (not yet trained)</b>")
    assert "F1 ≈ 0.750" in text and "Δ ≈ +0.031" in text and "likely better" in text
    assert "interpolated between ratios 0 and +1" in text
    assert "&lt;b&gt;x&lt;/b&gt;" in text  # a group name is escaped


def test_the_advice_goes_under_maps_too_wide_to_leave_room_for_it(dashboard):
    # 2 ratios x 2 algorithms leave room in a 1500 px window; with the 4 default algorithms
    # the maps fill it and the advice goes under them (not past the window's edge).
    assert advice_beside(2, 2) and not advice_beside(2, 4) and not advice_beside(3, 2)
    area = dashboard.advise.map_area
    assert len(area.objects) == 1 and dashboard.advise.sentences in area.objects[0].objects
