"""The instant preview (distviz/preview.py): the estimate's arithmetic, and that it reads the
cache only (nothing is fitted), from the nearest trained ratios of the same group."""

from __future__ import annotations

import pytest

from distviz.loop import ModelLoop, ResultCache
from distviz.preview import KnownPoint, estimate, is_trained, known_points, preview, trained_ratios
from distviz.shift import ShiftSpec

SLIDER = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]


# ------------------------------------------------------------------------------ arithmetic
def test_between_the_baseline_and_a_trained_ratio():
    e = estimate([KnownPoint(1.0, 0.08, 0.06, 0.10, baseline=0.70)], 0.5, algorithm="m")
    assert (e.method, e.sources) == ("interpolated", (0.0, 1.0))
    assert e.delta == pytest.approx(0.04)
    # The noise does not shrink towards the baseline: the trained neighbour's half-width.
    assert (e.low, e.high) == pytest.approx((0.02, 0.06))
    assert e.verdict == "better" and e.value == pytest.approx(0.74)


def test_between_two_trained_ratios_both_are_interpolated():
    points = [KnownPoint(-1.0, -0.10, -0.14, -0.06), KnownPoint(-0.5, -0.02, -0.05, 0.01)]
    e = estimate(points, -0.8)
    assert e.sources == (-1.0, -0.5) and e.method == "interpolated"
    assert e.delta == pytest.approx(-0.10 + 0.4 * 0.08)
    half = 0.04 + 0.4 * (0.03 - 0.04)
    assert (e.low, e.high) == pytest.approx((e.delta - half, e.delta + half))
    assert e.verdict == "worse"


def test_beyond_the_trained_ratios_the_nearest_one_stands():
    points = [KnownPoint(-0.5, 0.01, -0.02, 0.04), KnownPoint(1.0, 0.03, 0.00, 0.06)]
    e = estimate(points, 3.0)
    assert (e.method, e.sources, e.delta) == ("nearest", (1.0,), 0.03)
    assert e.verdict == "within noise"  # its band [0.00, 0.06] touches 0


def test_no_estimate_without_a_shifted_neighbour_on_that_side_or_at_a_trained_ratio():
    assert estimate([KnownPoint(-0.5, 0.01, -0.02, 0.04)], 1.0) is None
    assert estimate([], 0.5) is None
    assert estimate([KnownPoint(1.0, 0.03, 0.0, 0.06)], 1.0) is None


def test_lower_is_better_metrics_and_points_without_an_interval():
    e = estimate([KnownPoint(1.0, -0.5, -0.7, -0.3)], 0.5, metric="rmse")
    assert e.delta == pytest.approx(-0.25) and e.verdict == "better"  # RMSE fell
    e = estimate([KnownPoint(1.0, 0.05)], 0.5)  # one seed: no interval, no verdict
    assert e.low is None and e.high is None and e.verdict == "within noise"


# ------------------------------------------------------------------------------ the cache
@pytest.fixture(scope="module")
def trained(titanic):
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression", "naive_bayes"],
                     repeats=2, n_jobs=1, cache=ResultCache())
    loop.prefetch([ShiftSpec("sex", "female", r) for r in (-0.5, 1.0)])
    return loop


def test_preview_reads_the_nearest_trained_ratios_and_fits_nothing(trained):
    cache = trained.result_cache
    before = len(cache)
    spec = ShiftSpec("sex", "female", 0.5)
    assert trained_ratios(trained, spec, SLIDER) == [-0.5, 0.0, 1.0]
    found = preview(trained, spec, SLIDER)
    assert len(cache) == before and not is_trained(trained, spec)  # nothing was fitted
    assert list(found) == ["logistic_regression", "naive_bayes"]
    run = trained.run(ShiftSpec("sex", "female", 1.0))
    for name, e in found.items():
        assert (e.method, e.sources) == ("interpolated", (0.0, 1.0))
        one = run.result(name)
        assert e.delta == pytest.approx(0.5 * one.delta["f1"], abs=1e-12)
        half = (one.ci95["f1"][1] - one.ci95["f1"][0]) / 2
        assert e.high - e.low == pytest.approx(2 * half, abs=1e-12)
        assert e.value == pytest.approx(one.baseline["f1"] + e.delta, abs=1e-12)
    # Beyond the trained ratios on the left: -0.5 stands for -1.
    left = preview(trained, ShiftSpec("sex", "female", -1.0), SLIDER)
    assert all(e.sources == (-0.5,) and e.method == "nearest" for e in left.values())


def test_only_the_nearest_trained_neighbour_on_each_side_is_read(trained):
    algorithm = trained.resolved_algorithms()[0]
    points = known_points(trained, ShiftSpec("sex", "female", 2.0), algorithm, SLIDER)
    assert [p.ratio for p in points] == [0.0, 1.0]  # -0.5 lies beyond the baseline


def test_no_preview_for_a_trained_state_an_untrained_baseline_or_class_balance(trained, titanic):
    assert preview(trained, ShiftSpec("sex", "female", 1.0), SLIDER) == {}
    assert preview(trained, ShiftSpec("sex", "female", 0.5, class_balance="over"),
                   SLIDER) == {}
    fresh = trained.clone(cache=ResultCache())
    assert preview(fresh, ShiftSpec("sex", "female", 0.5), SLIDER) == {}
