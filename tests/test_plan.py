"""One Plan of grid cells for a sweep, advise and the dashboard's map: which groups are shifted
at which ratios, what is left out and why, the distinct training sets and fits it costs, and
that the fits advise and a sweep report are the plan's."""

from __future__ import annotations

import pytest

from distviz.advise import advise
from distviz.errors import ShiftError, UsageError
from distviz.importance import top_features
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec
from distviz.sweep import Plan, Sweep


@pytest.fixture()
def loop(titanic):
    return ModelLoop(dataset=titanic, algorithms=["logistic_regression", "naive_bayes"],
                     repeats=2, n_jobs=1, cache=ResultCache())


def test_a_sweep_plan_shifts_one_group_per_feature_at_every_ratio(titanic):
    plan = Plan.build(titanic, ["sex", "class"], [-0.5, 0.0, 1.0], groups={"class": "1st"},
                      upsampler="smote")
    assert [(f, g) for f, g, _ in plan] == [("sex", titanic.default_group("sex")),
                                           ("class", "1st")]
    assert plan[1].specs == [ShiftSpec("class", "1st", r, "smote", "none")
                             for r in (-0.5, 0.0, 1.0)]
    assert plan.skipped == [] and len(plan) == 2 and len(plan.specs) == 6
    # Distinct training sets: the five shifted ones and one baseline (both ratio-0 specs).
    assert len(plan.states()) == 5 and plan.fits(seeds=3, algorithms=2) == 5 * 3 * 2
    with pytest.raises(ShiftError):  # a bad group fails before any fit
        Plan.build(titanic, ["class"], [0.5], groups={"class": "4th"})


def test_an_advice_plan_shifts_every_group_and_says_what_it_leaves_out(titanic, loop):
    plan = Plan.for_advice(loop, features=["class", "sex"], ratios=[1.0, -0.5, 1.0])
    assert plan.features == ["class", "sex"] and plan.ratios == [-0.5, 1.0]
    table = titanic.groups("class")
    shifted = [g for g, n in zip(table["group"], table["train_rows"]) if n >= 10]
    assert [g for f, g, _ in plan if f == "class"] == shifted
    assert {(s.group, s.ratio) for s in plan.skipped} == {("*", -0.5), ("*", 1.0)}
    assert all(s.reason.startswith("only 1 training row") for s in plan.skipped)
    # A ratio that changes none of a group's rows is left out, the other ratios kept.
    tiny = Plan.build(titanic, ["sex"], [0.0001, 1.0], min_rows=10)
    assert {s.ratio for s in tiny.skipped} == {0.0001}
    assert all("changes none" in s.reason for s in tiny.skipped)
    assert all([spec.ratio for spec in specs] == [1.0] for _, _, specs in tiny)
    with pytest.raises(UsageError, match="ratio 0 is the baseline"):
        Plan.for_advice(loop, features=["sex"], ratios=[0.0, 1.0])


def test_the_features_come_from_the_one_rule(titanic, loop):
    ranked = top_features(titanic, 3)
    assert Plan.for_advice(loop, top=2).features == ranked[:2]
    # The map keeps the dashboard's ranking (or current feature) first.
    assert Plan.for_advice(loop, top=2, first=[ranked[2]]).features == [ranked[2], ranked[0]]
    assert Sweep(dataset=titanic, top=2).resolved_features() == ranked[:2]


def test_advise_and_a_sweep_fit_exactly_their_plan(titanic, loop):
    plan = Plan.for_advice(loop, features=["sex"])
    seen = []
    result = advise(loop, features=["sex"], progress=lambda done, total, fit: seen.append(total))
    assert result.fits == plan.fits(len(loop.seeds), 2) == (4 + 1) * 2 * 2
    assert result.computed == result.fits and set(seen) == {result.fits}
    assert [(c.feature, c.group, c.ratio) for c in result.cells][::2] == [
        (spec.feature, spec.group, spec.ratio) for spec in plan.specs]
    assert [s.to_dict() for s in result.skipped] == [s.to_dict() for s in plan.skipped]
    # The sweep's baseline is one of advise's training sets: all of it is cached now.
    sweep = Sweep(dataset=titanic, loop=loop, features=["sex"], ratios=[0.0, 1.0],
                  groups={"sex": plan[0].group}, algorithms=list(loop.algorithms))
    sweep.run()
    assert sweep.stats.fits == sweep.plan().fits(2, 2) and sweep.stats.computed == 0
