"""``distviz advise`` and response curves (issue 14): the JSON contract, cells equal to
independent runs, Benjamini–Hochberg advice with sentences that match the numbers, a planted
effect found and a null feature left alone, skipped groups, shape labels, errors, Dask."""

from __future__ import annotations

import json
import math
import re

import numpy as np
import pytest
from scipy import stats
from test_cli_errors import assert_one_error_line, distviz

from distviz.advise import (
    SHAPES,
    Curve,
    advise,
    curve_shape,
    response_curve,
    sentence,
    skip_reason,
)
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.stats import ScoreBoard
from distviz.shift import ShiftSpec
from distviz.synth import make_table

FAST = ["logistic_regression", "decision_tree", "naive_bayes"]
VERDICTS = {"better", "worse", "within noise"}


# ------------------------------------------------------------------------------ the CLI
@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory):
    return tmp_path_factory.mktemp("advise-cache")


@pytest.fixture(scope="module")
def titanic_json(cache_dir):
    proc = distviz("advise", "--data", "titanic", "--features", "sex,class",
                   "--algorithms", ",".join(FAST), "--repeats", 3, "--json",
                   "--cache-dir", cache_dir, "--curves")
    assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(proc.stdout)


def test_json_keys_and_types(titanic_json):
    out = titanic_json
    for key in ("dataset", "metric", "cells", "advice", "skipped", "chance", "features",
                "ratios", "algorithms", "repeats", "fits", "interval"):
        assert key in out, key
    assert out["dataset"]["name"] == "titanic" and out["metric"] == "f1"
    assert out["ratios"] == [-0.5, 1.0] and out["repeats"] == 3
    assert out["features"] == ["sex", "class"] and out["algorithms"] == FAST
    # sex: 2 groups, class: 3 groups (the 1-row group "*" is skipped) x 2 ratios x 3 algorithms
    assert len(out["cells"]) == 5 * 2 * 3
    for cell in out["cells"]:
        assert isinstance(cell["feature"], str) and isinstance(cell["group"], str)
        assert isinstance(cell["ratio"], float) and cell["algorithm"] in FAST
        assert isinstance(cell["delta"], float)
        low, high = cell["ci95"]
        assert low <= cell["delta"] <= high
        assert cell["verdict"] in VERDICTS and cell["verdict_bh"] in VERDICTS
        assert isinstance(cell["group_delta"], float)
        if cell["group_ci95"] is not None:
            assert cell["group_ci95"][0] <= cell["group_delta"] <= cell["group_ci95"][1]
            assert cell["group_verdict"] in VERDICTS
        else:
            assert cell["group_note"]
        # Adaptive seeds: each cell's first 2 of 3 seeds, the third where it may change the call.
        assert cell["seeds"] in (2, 3) and cell["error"] is None
    chance = out["chance"]
    assert chance["cells"] == 30 and chance["expected_by_chance"] == pytest.approx(1.5)
    assert "flagged by chance" in chance["sentence"]
    # Each of the 10 shifted sets' seeds per algorithm, and the baseline's: per algorithm, as
    # many as its cells used at most (adaptive seeds: 2 first, the third where one needs it).
    baseline = sum(max(c["seeds"] for c in out["cells"] if c["algorithm"] == name)
                   for name in FAST)
    assert out["fits"]["total"] == baseline + sum(c["seeds"] for c in out["cells"])
    assert out["fits"]["total"] < (10 + 1) * 3 * 3  # fewer than every seed everywhere
    curves = out["curves"]
    assert len(curves) == 5 * 3
    for curve in curves:
        assert curve["shape"] in SHAPES and curve["reason"]
        assert [p["ratio"] for p in curve["points"]] == [-0.5, 0.0, 1.0]
        cell = next(c for c in out["cells"] if (c["feature"], c["group"], c["ratio"],
                    c["algorithm"]) == (curve["feature"], curve["group"], 1.0,
                                        curve["algorithm"]))
        assert curve["points"][2]["delta"] == pytest.approx(cell["delta"], abs=1e-12)
        assert curve["points"][2]["value"] == pytest.approx(cell["shifted"], abs=1e-12)


def test_too_small_groups_are_skipped_with_a_reason(titanic_json):
    skipped = titanic_json["skipped"]
    assert {(s["feature"], s["group"], s["ratio"]) for s in skipped} == {
        ("class", "*", -0.5), ("class", "*", 1.0)}
    assert all("1 training row" in s["reason"] for s in skipped)
    assert skip_reason(3, 0.1) is not None          # too few rows
    assert "changes none" in skip_reason(12, 0.02)  # round(12 * 1.02) == 12
    assert skip_reason(40, -0.5) is None


def test_every_cell_equals_an_independent_run(titanic_json, titanic):
    loop = ModelLoop(dataset=titanic, algorithms=FAST, repeats=3, cache=ResultCache())
    cells = titanic_json["cells"]
    by_spec = {}
    for cell in cells:
        by_spec.setdefault((cell["feature"], cell["group"], cell["ratio"]), []).append(cell)
    for (feature, group, ratio), group_cells in by_spec.items():
        run = loop.run(ShiftSpec(feature, group, ratio))
        for cell in group_cells:
            result = run.result(cell["algorithm"])
            assert cell["delta"] == pytest.approx(result.delta["f1"], abs=1e-12)
            assert cell["ci95"] == pytest.approx(result.ci95["f1"], abs=1e-12)
            assert cell["verdict"] == result.verdict["f1"]
            assert cell["p_value"] == pytest.approx(result.p_value["f1"], abs=1e-12)
            # The group's own metric: F1 on its test rows, averaged over seeds.
            shifted = run.group_metrics(cell["algorithm"]).set_index("group")
            base = run.group_metrics(cell["algorithm"], baseline=True).set_index("group")
            assert cell["group_delta"] == pytest.approx(
                shifted.loc[group, "f1"] - base.loc[group, "f1"], abs=1e-9)
            assert cell["test_rows"] == int(shifted.loc[group, "rows"])


def test_a_cell_equals_distviz_run_json(titanic_json):
    cell = next(c for c in titanic_json["cells"]
                if c["feature"] == "sex" and c["group"] == "female" and c["ratio"] == -0.5)
    proc = distviz("run", "--data", "titanic", "--feature", "sex", "--group", "female",
                   "--ratio", -0.5, "--algorithms", ",".join(FAST), "--repeats", 3, "--json",
                   "--no-cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    result = next(r for r in json.loads(proc.stdout)["results"]
                  if r["algorithm"] == cell["algorithm"])
    assert cell["delta"] == pytest.approx(result["delta"]["f1"], abs=1e-12)
    assert cell["ci95"] == pytest.approx(result["ci95"]["f1"], abs=1e-12)
    assert cell["verdict"] == result["verdict"]["f1"]
    # Both state the same settings: the seeds given, the policy's budget, every row.
    settings = titanic_json["settings"]
    assert settings == json.loads(proc.stdout)["settings"]
    assert settings["seeds"] == [0, 1, 2] and settings["given"] == ["repeats"]
    assert settings["train_rows_budget"] == 10_000 and settings["test_rows"] == 329


NUMBER = r"(\d+\.\d+)"
SENTENCE = re.compile(rf"^(halving|doubling) rows with (.+) = (.+) (raises|lowers) (\S+)'s F1 "
                      rf"by {NUMBER} \[{NUMBER}, {NUMBER}\]$")


def check_advice(out):
    """Advice = exactly the cells beyond the noise after BH (recomputed with SciPy) whose
    practical call is better / worse (never negligible), ranked by improvement, each sentence
    stating the cell's numbers."""
    cells = out["cells"]
    adjusted = stats.false_discovery_control([c["p_value"] for c in cells], method="bh")
    fdr = 0.05
    for cell, p in zip(cells, adjusted):
        assert cell["p_adjusted"] == pytest.approx(p, rel=1e-9)
        expected = "within noise" if p > fdr else ("better" if cell["delta"] > 0 else "worse")
        assert cell["verdict_bh"] == expected
    beyond = [c for c in cells if c["verdict_bh"] != "within noise"]
    assert len(beyond) == out["chance"]["beyond_noise_bh"]
    min_effect = out["interval"]["min_effect"][out["metric"]]
    for cell in beyond:  # beyond the noise: the interval excludes 0
        inside = -min_effect < cell["ci95"][0] and cell["ci95"][1] < min_effect
        assert cell["practical"] == ("negligible" if inside else cell["verdict_bh"]), cell
    for cell in cells:  # within the noise among all cells: no change claimed, even when one
        if cell["verdict_bh"] == "within noise" and cell["ci95"]:  # cell's interval excludes 0
            inside = -min_effect < cell["ci95"][0] and cell["ci95"][1] < min_effect
            assert cell["practical"] == ("equivalent" if inside else "inconclusive"), cell
    matters = [c for c in beyond if c["practical"] != "negligible"]
    advice = out["advice"]
    assert len(advice) == len(matters) == out["chance"]["advised"]
    assert out["chance"]["negligible_bh"] == len(beyond) - len(matters)
    assert {(a["feature"], a["group"], a["ratio"], a["algorithm"]) for a in advice} == {
        (c["feature"], c["group"], c["ratio"], c["algorithm"]) for c in matters}
    improvements = [a["improvement"] for a in advice]
    assert improvements == sorted(improvements, reverse=True)
    for a in advice:
        match = SENTENCE.match(a["sentence"])
        assert match, a["sentence"]
        verb, feature, group, direction, algorithm, size, low, high = match.groups()
        assert verb == ("halving" if a["ratio"] == -0.5 else "doubling")
        assert (feature, group, algorithm) == (a["feature"], a["group"], a["algorithm"])
        assert direction == ("raises" if a["delta"] > 0 else "lowers")
        lo, hi = a["ci95"] if a["delta"] > 0 else (-a["ci95"][1], -a["ci95"][0])
        assert float(size) == pytest.approx(abs(a["delta"]), abs=5e-4)
        assert float(low) == pytest.approx(lo, abs=5e-4)
        assert float(high) == pytest.approx(hi, abs=5e-4)


def test_titanic_advice_is_the_bh_cells_ranked(titanic_json):
    check_advice(titanic_json)


def test_rerun_resumes_from_the_cache_and_prints_a_table(cache_dir, titanic_json):
    proc = distviz("advise", "--data", "titanic", "--features", "sex,class",
                   "--algorithms", ",".join(FAST), "--repeats", 3, "--cache-dir", cache_dir,
                   "--curves")
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = proc.stdout
    assert "95% interval" in text and "group delta" in text
    assert "Advice (beyond the noise" in text and "flagged by chance" in text
    assert "class = * at ratio -0.5: only 1 training row" in text
    assert "Response curves:" in text
    assert f"{titanic_json['fits']['total']} fits (0 computed, " in text
    for a in titanic_json["advice"]:
        assert a["sentence"] in text


# ------------------------------------------------------------------------------ planted effect
def planted_table(n=3000, seed=0):
    """One group (batch = d, 40 % of rows) has pure-noise labels drawn at the base rate, so a
    model cannot isolate it by its share of positives and its rows blur every fit; "shuffle" is
    assigned at random and has nothing to do with the labels."""
    table = make_table(n, n_numeric=4, n_categorical=2, n_informative=3, imbalance=0.3,
                       missing=0, random_state=seed)
    rng = np.random.default_rng(seed + 100)
    table["batch"] = rng.choice(list("abcd"), size=n, p=[0.2, 0.2, 0.2, 0.4])
    table["shuffle"] = rng.choice(["x", "y", "z"], size=n)
    noisy = (table["batch"] == "d").to_numpy()
    table.loc[noisy, "target"] = (rng.random(noisy.sum()) < 0.3).astype(int)
    return table


@pytest.fixture(scope="module")
def planted():
    dataset = Dataset(source=planted_table(), target="target")
    loop = ModelLoop(dataset=dataset, algorithms=FAST, repeats=3, cache=ResultCache())
    return advise(loop, features=["batch", "shuffle"])


def test_a_planted_effect_is_found(planted):
    advice = planted.advice
    assert advice, "the noisy group's effect was not found"
    top = advice[0]
    assert (top.feature, top.group, top.ratio, top.verdict_bh) == ("batch", "d", -0.5, "better")
    doubled = [c for c in planted.cells if (c.feature, c.group, c.ratio) == ("batch", "d", 1.0)]
    assert any(c.verdict_bh == "worse" for c in doubled)
    assert not any(c.verdict_bh == "better" for c in doubled)
    assert all(c.group != "d" or c.ratio != -0.5 or c.verdict_bh != "worse"
               for c in planted.cells)
    check_advice(planted.to_dict())


def test_a_feature_unrelated_to_the_target_gives_no_advice(planted):
    null = [c for c in planted.cells if c.feature == "shuffle"]
    assert len(null) == 3 * 2 * 3
    assert not any(c.beyond_noise for c in null)
    assert sum(c.verdict != "within noise" for c in null) <= 2  # per cell, before BH


# ------------------------------------------------------------------------------ curves
def _board(error_rates: dict, n=3000, seeds=3):
    """Predictions of one algorithm at several ratios with a chosen error rate each."""
    rng = np.random.default_rng(7)
    y = rng.integers(0, 2, n)
    sets = {}
    for ratio, rate in error_rates.items():
        by_seed = {}
        for s in range(seeds):
            wrong = rng.random(n) < rate
            pred = np.where(wrong, 1 - y, y)
            by_seed[s] = (pred, np.eye(2)[pred])
        sets[("m", ratio)] = by_seed
    return ScoreBoard(y, sets, task="classification", n_classes=2, metrics=["accuracy"])


@pytest.mark.parametrize("rates, shape, best", [
    ({-0.5: 0.30, 0.0: 0.20, 1.0: 0.10}, "rising", 1.0),
    ({-0.5: 0.10, 0.0: 0.20, 1.0: 0.30}, "falling", -0.5),
    ({-0.5: 0.30, 0.0: 0.10, 1.0: 0.30}, "peaked", 0.0),
    ({-0.5: 0.20, 0.0: 0.20, 1.0: 0.20}, "flat", None),
    ({-0.5: 0.10, 0.0: 0.30, 1.0: 0.10}, "irregular", None),
])
def test_shape_labels_on_constructed_curves(rates, shape, best):
    curve = curve_shape(_board(rates), "m", list(rates), "accuracy")
    assert isinstance(curve, Curve) and curve.shape == shape, curve.reason
    if best is not None:
        assert curve.best_ratio == best
    assert [p.ratio for p in curve.points] == sorted(rates)
    zero = next(p for p in curve.points if p.ratio == 0)
    assert zero.delta == 0.0
    for p in curve.points:
        assert p.low <= p.value <= p.high
        assert p.value == pytest.approx(1 - rates[p.ratio], abs=0.03)


def test_response_curve_on_titanic(titanic):
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression", "decision_tree"],
                     repeats=3, cache=ResultCache())
    curves = response_curve(loop, "sex", "female", [-0.5, 1.0])
    assert list(curves) == ["logistic_regression", "decision_tree"]
    run = loop.run(ShiftSpec("sex", "female", 1.0))
    for name, curve in curves.items():
        assert curve.shape in SHAPES
        assert [p.ratio for p in curve.points] == [-0.5, 0.0, 1.0]
        point = curve.points[-1]
        assert point.delta == pytest.approx(run.result(name).delta["f1"], abs=1e-12)
        assert [point.delta_low, point.delta_high] == pytest.approx(run.result(name).ci95["f1"])
        assert point.value == pytest.approx(run.result(name).metrics["f1"], abs=1e-12)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize("args, needle", [
    (["--features", "nope"], "unknown feature"),
    (["--ratios", "0"], "baseline"),
    (["--ratios", "-0.5,5"], "out of range"),
    (["--ratios", "half"], "comma-separated numbers"),
    (["--features", "sex", "--top", "2"], "either --features or --top"),
    (["--top", "0"], "--top must be at least 1"),
    (["--scheduler", "nowhere"], "--scheduler"),
    (["--repeats", "0"], "--repeats"),
    (["--min-rows", "0"], "--min-rows"),
])
def test_bad_input_is_one_error_line(args, needle):
    line = assert_one_error_line(distviz("advise", "--data", "titanic", "--algorithms",
                                         "logistic_regression", *args))
    assert needle in line


def test_sentence_wording():
    from distviz.advise import Cell, action
    cell = Cell("batch", "d", -0.5, "logistic_regression", "f1", 100, 50, 20, delta=0.058,
                ci95=[0.036, 0.081])
    assert sentence(cell) == ("halving rows with batch = d raises logistic_regression's F1 by "
                              "0.058 [0.036, 0.081]")
    cell.delta, cell.ci95 = -0.03, [-0.05, -0.01]
    assert sentence(cell).endswith("lowers logistic_regression's F1 by 0.030 [0.010, 0.050]")
    assert action("a", "b", -1.0) == "removing rows with a = b"
    assert action("a", "b", 0.5) == "adding 50% more rows with a = b"
    assert action("a", "b", -0.3) == "cutting rows with a = b by 30%"
    assert not math.isnan(cell.improvement)


# ------------------------------------------------------------------------------ dask
@pytest.mark.dask
@pytest.mark.timeout(300)
def test_dask_local_cluster_gives_the_local_cells(titanic):
    def run(scheduler):
        loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression", "naive_bayes"],
                         repeats=2, cache=ResultCache())
        return advise(loop, features=["sex"], ratios=[-0.5], scheduler=scheduler)
    local, remote = run(None), run("local")
    assert remote.backend == "dask (local)" and remote.computed == remote.fits == 3 * 2 * 2
    assert [c.to_dict() for c in local.cells] == [c.to_dict() for c in remote.cells]
