"""Practical calls (issue 27, semantics 13): the five words read off the interval against the
smallest change that matters, equivalence = two one-sided tests (checked against SciPy), what a
run can detect and what would make min_effect detectable, the min_effect setting (never a cache
key, never a refit), and the calls on real data: titanic can't tell, a 40,000-row table with no
planted effect shows no change that matters."""

from __future__ import annotations

import json
import math
from types import SimpleNamespace

import numpy as np
import pytest
from scipy import stats
from test_cli_errors import distviz

from distviz.advise import advise
from distviz.data import Dataset
from distviz.errors import UsageError
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import Resampler, ShiftSpec
from distviz.stats import (
    CALLS,
    judge,
    paired_delta,
    parse_min_effect,
    practical_call,
    resolve_min_effect,
)
from distviz.synth import make_table
from distviz.tasks import LOWER_IS_BETTER

FAST = ["logistic_regression", "decision_tree"]


def expected_call(metric, low, high, m, *, beyond=True):
    """The five words from their definitions (docs/noise.md), written out once more; ``beyond``
    False: the change is within the noise whatever its own interval (a multiple-test verdict)."""
    excludes_zero = (low > 0 or high < 0) and beyond
    inside = -m < low and high < m
    if excludes_zero and inside:
        return "negligible"
    if excludes_zero:
        up = low > 0
        return "better" if up != (metric in LOWER_IS_BETTER) else "worse"
    return "equivalent" if inside else "inconclusive"


# ---------------------------------------------------------------------------- the five words
@pytest.mark.parametrize("low, high, f1, rmse", [
    (0.02, 0.05, "better", "worse"),          # excludes 0, reaches past +m
    (0.002, 0.015, "better", "worse"),        # excludes 0, not confined within +-m
    (-0.05, -0.02, "worse", "better"),        # lower RMSE is better
    (0.001, 0.009, "negligible", "negligible"),
    (-0.009, -0.001, "negligible", "negligible"),
    (-0.004, 0.006, "equivalent", "equivalent"),
    (-0.03, 0.005, "inconclusive", "inconclusive"),
    (-0.005, 0.03, "inconclusive", "inconclusive"),
    (-0.01, 0.005, "inconclusive", "inconclusive"),  # touching -m is not inside (strict)
    (0.0, 0.005, "equivalent", "equivalent"),        # touching 0 is not beyond the noise
])
def test_the_five_words_by_hand(low, high, f1, rmse):
    assert practical_call("f1", low, high, 0.01) == f1
    assert practical_call("rmse", low, high, 0.01) == rmse


def test_no_interval_no_call():
    assert practical_call("f1", float("nan"), 0.1, 0.01) is None
    assert practical_call("f1", -0.1, 0.1, float("nan")) is None


def _effect(delta, se, df, metric="f1"):
    half = stats.t.ppf(0.975, df) * se
    return SimpleNamespace(metric=metric, delta=delta, low=delta - half, high=delta + half,
                           se=se, se_test=se * 0.8, se_seed=se * 0.6, df=df, n_seeds=5,
                           half_width=half)


def test_equivalence_is_two_one_sided_tests_at_2_5_percent_each():
    """Equivalent / negligible exactly when both one-sided t-tests (H0: delta <= -m, H0: delta
    >= m) reject at 2.5 % (SciPy's t distribution), the interval including / excluding 0."""
    rng = np.random.default_rng(0)
    m, seen = 0.01, set()
    for _ in range(3000):
        delta, se, df = rng.normal(0, 0.01), rng.uniform(0.0005, 0.01), rng.choice([4, 12, np.inf])
        e = _effect(delta, se, df)
        p_low = stats.t.sf((delta + m) / se, df)    # H0: delta <= -m
        p_high = stats.t.cdf((delta - m) / se, df)  # H0: delta >= m
        tost = max(p_low, p_high) < 0.025
        call = practical_call("f1", e.low, e.high, m)
        seen.add(call)
        assert (call in ("equivalent", "negligible")) == tost, (delta, se, df, call)
        significant = stats.t.sf(abs(delta) / se, df) * 2 < 0.05
        assert (call in ("better", "worse", "negligible")) == significant
        assert call == expected_call("f1", e.low, e.high, m)
    assert seen == set(CALLS)


def test_detectable_is_the_half_width_of_the_interval():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 2, 600)
    arm = [(np.where(rng.random(600) < p, y, 1 - y), None) for p in (0.8, 0.81, 0.79, 0.8)]
    other = [(np.where(rng.random(600) < p, y, 1 - y), None) for p in (0.8, 0.8, 0.82, 0.8)]
    for metric, e in paired_delta(y, arm, other, task="classification",
                                        n_classes=2).items():
        call = judge(e, 0.01, test_rows=600)
        assert call.detectable == pytest.approx(stats.t.ppf(0.975, e.df) * e.se, rel=1e-9)
        assert call.detectable == pytest.approx((e.high - e.low) / 2, rel=1e-9)
        assert call.call == expected_call(metric, e.low, e.high, 0.01)


# ---------------------------------------------------------------------------- what would detect
def _arms(y, seeds, rng, seed_sd):
    """Per-seed predictions on every row, errors shared across seeds as a real model's are:
    the shifted arm re-draws 4 % of the baseline's rows (no change in expectation), and each
    seed flips its own 0.1 % of rows plus a share |N(0, seed_sd)| (the seed part)."""
    u, w, v = rng.random(len(y)), rng.random(len(y)), rng.random(len(y))
    base_wrong = u < 0.2
    shift_wrong = np.where(w < 0.04, v < 0.2, base_wrong)
    shifted, baseline = [], []
    for _ in range(seeds):
        for arm, wrong in ((shifted, shift_wrong), (baseline, base_wrong)):
            flips = rng.random(len(y)) < 0.001 + abs(rng.normal(0, seed_sd))
            arm.append((np.where(wrong ^ flips, 1 - y, y), None))
    return shifted, baseline


def _effect_on(y, shifted, baseline, rows):
    head = [(p[:rows], None) for p, _ in shifted], [(p[:rows], None) for p, _ in baseline]
    return paired_delta(y[:rows], *head, task="classification", n_classes=2,
                              metrics=["accuracy"])["accuracy"]


def test_test_rows_needed_make_min_effect_detectable():
    """Inconclusive on 500 rows with no seed part to speak of: on as many test rows (from the
    same population) as the call asks for, the half-width is about min_effect (8 replications;
    each estimate comes from 500 rows, so each is rough)."""
    m, ratios = 0.005, []
    for replication in range(8):
        rng = np.random.default_rng(replication)
        y = rng.integers(0, 2, 60_000)
        shifted, baseline = _arms(y, 5, rng, seed_sd=0.0)
        call = judge(_effect_on(y, shifted, baseline, 500), m, test_rows=500)
        assert call.call == "inconclusive" and call.limit == "test rows", call
        assert 500 < call.test_rows_needed < 60_000 and call.seeds_needed is None
        assert f"{call.test_rows_needed:,} test rows (now 500)" in call.needs()
        bigger = judge(_effect_on(y, shifted, baseline, call.test_rows_needed), m,
                       test_rows=call.test_rows_needed)
        ratios.append(bigger.detectable / m)
    assert 0.85 < np.median(ratios) < 1.15 and 0.6 < min(ratios) and max(ratios) < 1.4, ratios


def test_a_wide_seed_part_asks_for_seeds_not_test_rows():
    rng = np.random.default_rng(3)
    y = rng.integers(0, 2, 20_000)
    shifted, baseline = _arms(y, 3, rng, seed_sd=0.03)
    effect = _effect_on(y, shifted, baseline, 20_000)
    call = judge(effect, 0.01, test_rows=20_000)
    assert call.call == "inconclusive" and call.limit == "seeds", (call, effect)
    assert call.test_rows_needed is None and call.seeds_needed > 3
    assert "more seeds are needed, not more test rows" in call.needs()
    assert call.to_detect()["seeds"] == call.seeds_needed
    assert judge(effect, 0.5, test_rows=20_000).to_detect() is None  # inconclusive only


# ---------------------------------------------------------------------------- the setting
def test_defaults_and_overrides(titanic):
    defaults = resolve_min_effect(None, "classification")
    assert defaults == {m: 0.01 for m in ("f1", "precision", "recall", "specificity",
                                          "accuracy", "balanced_accuracy", "roc_auc")}
    y = np.random.default_rng(4).normal(100, 15, 500)
    regression = resolve_min_effect(None, "regression", y_test=y)
    assert regression["r2"] == 0.01
    assert regression["rmse"] == pytest.approx(0.01 * np.sqrt(np.mean((y - y.mean()) ** 2)))
    assert regression["mae"] == pytest.approx(0.01 * np.mean(np.abs(y - np.median(y))))
    assert resolve_min_effect(0.02, "classification")["f1"] == 0.02
    assert resolve_min_effect("0.03,roc_auc=0.005", "classification") == {
        **defaults, "f1": 0.03, "roc_auc": 0.005}
    assert resolve_min_effect({"rmse": 2.0}, "regression", y_test=y)["rmse"] == 2.0
    assert parse_min_effect((("f1", 0.02),)) == {"f1": 0.02}
    for bad in ("abc", "0", "-0.1", "f1=2", "f2=0.1", "0.1,0.2", "f1=", {"f1": "x"}, True):
        with pytest.raises(UsageError, match="min_effect"):
            parse_min_effect(bad)
    with pytest.raises(UsageError, match="does not report"):
        resolve_min_effect("rmse=0.5", "classification")
    with pytest.raises(UsageError, match="min_effect"):
        ModelLoop(dataset=titanic, min_effect="f1=-1")


def test_min_effect_rejudges_without_refitting_and_is_no_cache_key(titanic):
    cache = ResultCache()
    rs = Resampler(dataset=titanic, feature="sex", group="female", ratio=1.0)
    loop = ModelLoop(resampler=rs, algorithms=FAST, repeats=3, n_jobs=1, cache=cache)
    first, entries, request = loop.result, len(cache), loop.request
    # (shifted + baseline) x each algorithm's seeds (adaptive: the first 2 of 3, or all 3).
    assert first.min_effect["f1"] == 0.01 and entries == 2 * sum(a.n_seeds
                                                                 for a in first.algorithms)
    published = []
    loop.param.watch(lambda event: published.append(event.new), "result")
    loop.min_effect = {"f1": 0.9}
    run = loop.result
    assert published == [run] and run is not first
    assert loop.request == request and len(cache) == entries  # no new run, no new fit
    for a, before in zip(run.algorithms, first.algorithms):
        assert a.ci95 == before.ci95 and a.delta == before.delta  # the same intervals
        low, high = a.ci95["f1"]
        assert a.practical["f1"] == expected_call("f1", low, high, 0.9)
        assert a.practical["f1"] in ("equivalent", "negligible")
        assert a.practical["roc_auc"] == before.practical["roc_auc"]  # default kept
    assert run.to_dict()["interval"]["min_effect"]["f1"] == 0.9
    spec, algorithm = rs.spec, loop.resolved_algorithms()[0]
    other = loop.clone(min_effect=0.5)
    assert other.min_effect == 0.5 and other.cache_key(spec, algorithm, 0) \
        == loop.cache_key(spec, algorithm, 0)
    hash(tuple(sorted(loop.settings(portable=True).items())))  # still a hashable key
    assert other.run(spec).computed == 0


# ---------------------------------------------------------------------------- real data
def _check_calls(result, min_effect):
    """Every practical call and detectable of one run --json result, from its interval."""
    for metric, (low, high) in result["ci95"].items():
        m = min_effect[metric]
        assert result["practical"][metric] == expected_call(metric, low, high, m), metric
        # detectable is the half-width (F1 and friends are never clipped at +-1 here)
        assert result["detectable"][metric] == pytest.approx((high - low) / 2, rel=1e-9)
        needs = result["to_detect"][metric]
        assert (needs is not None) == (result["practical"][metric] == "inconclusive")


@pytest.fixture(scope="module")
def titanic_runs(tmp_path_factory):
    cache = tmp_path_factory.mktemp("practical-cache")
    common = ("run", "--data", "titanic", "--feature", "sex", "--group", "female",
              "--ratio", "1", "--algorithms", ",".join(FAST), "--repeats", 3,
              "--cache-dir", cache)
    default = distviz(*common, "--json")
    loose = distviz(*common, "--json", "--min-effect", "0.5,roc_auc=0.2")
    text = distviz(*common)
    for proc in (default, loose, text):
        assert proc.returncode == 0, proc.stderr[-2000:]
    return json.loads(default.stdout), json.loads(loose.stdout), text.stdout


def test_titanic_cannot_tell_where_the_interval_is_wider_than_min_effect(titanic_runs):
    out, _, _ = titanic_runs
    min_effect = out["interval"]["min_effect"]
    assert min_effect == {m: 0.01 for m in out["results"][0]["ci95"]}
    calls = []
    for result in out["results"]:
        _check_calls(result, min_effect)
        low, high = result["ci95"]["f1"]
        assert high - low > 2 * 0.01  # 329 test rows: F1's interval is wider than +-0.01
        assert result["practical"]["f1"] in ("inconclusive", "better", "worse")
        if low <= 0 <= high:
            assert result["practical"]["f1"] == "inconclusive"
            needs = result["to_detect"]["f1"]
            assert needs["limit"] in ("test rows", "seeds", "seeds and test rows")
            assert needs["test_rows"] is None or needs["test_rows"] > 329
        calls += result["practical"].values()
    assert "inconclusive" in calls


def test_a_looser_min_effect_changes_the_calls_not_the_fits(titanic_runs):
    out, loose, _ = titanic_runs
    assert loose["fits"]["computed"] == 0  # --min-effect is no cache key
    assert loose["interval"]["min_effect"]["f1"] == 0.5
    assert loose["interval"]["min_effect"]["roc_auc"] == 0.2
    assert loose["interval"]["min_effect"]["accuracy"] == 0.01
    for before, after in zip(out["results"], loose["results"]):
        assert after["ci95"] == before["ci95"] and after["delta"] == before["delta"]
        _check_calls(after, loose["interval"]["min_effect"])
        assert after["practical"]["f1"] in ("equivalent", "negligible")


def test_run_text_shows_the_practical_call(titanic_runs):
    out, _, text = titanic_runs
    assert "practical" in text and "detectable" in text
    for result in out["results"]:
        row = next(line for line in text.splitlines()
                   if line.startswith(result["algorithm"] + " "))
        assert result["practical"]["f1"] in row
    assert "smallest change that matters of 0.01" in text
    if any(r["practical"]["f1"] == "inconclusive" for r in out["results"]):
        assert "test rows (now 329)" in text or "more seeds" in text or "both are needed" in text


@pytest.mark.slow
def test_no_planted_effect_on_40000_rows_is_equivalent():
    """A generated 40,000-row table (10,000 test rows); cat_2 is a noise column (not one of the
    informative features), so halving or doubling any of its groups changes nothing that
    matters: most cells are equivalent, none is advised."""
    table = make_table(40_000, random_state=3)
    dataset = Dataset(source=table, target="target")
    assert len(dataset.y_test) == 10_000
    # The settings policy's (3 seeds, a 10,000-row budget per fit), as every surface uses.
    loop = ModelLoop(dataset=dataset, algorithms=["logistic_regression", "xgboost"],
                     cache=ResultCache())
    assert loop.repeats == 3
    result = advise(loop, features=["cat_2"])
    cells = result.cells
    assert len(cells) == 6 * 2 * 2
    for c in cells:
        # advise judges "beyond the noise" over all cells (Benjamini-Hochberg): a cell whose
        # own interval excludes 0 but that is within the noise among all is not a change.
        beyond = c.verdict_bh != "within noise"
        assert c.practical == expected_call("f1", *c.ci95, 0.01, beyond=beyond)
        assert c.min_effect == 0.01 and c.detectable == pytest.approx(
            (c.ci95[1] - c.ci95[0]) / 2, rel=1e-9)
    equivalent = [c for c in cells if c.practical == "equivalent"]
    assert len(equivalent) >= 0.6 * len(cells), [(c.algorithm, c.practical) for c in cells]
    # Nothing that matters changed, and the data show it for the stable model: no change
    # beyond +-min_effect anywhere (no cell better or worse).
    assert all(c.practical in ("equivalent", "negligible") for c in cells
               if c.algorithm == "logistic_regression")
    assert not any(c.practical in ("better", "worse") for c in cells)
    assert result.chance()["practical"]["equivalent"] == len(equivalent)
    assert result.to_dict()["interval"]["min_effect"]["f1"] == 0.01


# ---------------------------------------------------------------------------- sweep tables
def test_sweep_tables_carry_the_practical_columns(titanic):
    from distviz.sweep import Sweep, format_summary, summarize
    loop = ModelLoop(dataset=titanic, cache=ResultCache(), n_jobs=1, min_effect=0.05)
    sweep = Sweep(loop=loop, features=["sex"], ratios=[-0.5, 0, 1],
                  algorithms=["logistic_regression"], repeats=2)
    table = sweep.run()
    for m in ("f1", "roc_auc"):
        assert {f"practical_{m}", f"detectable_{m}", f"min_effect_{m}"} <= set(table.columns)
    assert (table["min_effect_f1"] == 0.05).all() and (table["min_effect_roc_auc"] == 0.01).all()
    for row in table.itertuples():
        assert row.practical_f1 == expected_call("f1", row.delta_low_f1, row.delta_high_f1,
                                                 0.05)
        assert row.detectable_f1 == pytest.approx((row.delta_high_f1 - row.delta_low_f1) / 2)
    summary = summarize(table)
    assert list(summary["practical"]) == list(table.drop_duplicates("ratio")["practical_f1"])
    assert (summary["min_effect"] == 0.05).all()
    text = format_summary(table)
    shifted = summary[summary["ratio"] != 0]
    counts = shifted["practical"].value_counts()
    assert "practical calls per cell (min_effect 0.05): " + ", ".join(
        f"{int(counts.get(w, 0))} {w}" for w in CALLS) in text
    assert not math.isnan(summary["detectable"].iloc[0])
