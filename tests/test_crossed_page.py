"""Crossed groups picked on the page without a browser: "crossed with" beside the feature makes
the resampler's feature the crossed one (``sex,class``), the group choice offers the crossed
groups with their training rows, and a crossed group's ratio or a mix on the crossed feature
gives the leaderboard ``distviz run --feature sex,class ... --json`` prints; bad input is one
notification and changes nothing."""

import subprocess
import sys

import pytest

from distviz.views.app import Dashboard
from helpers import assert_leaderboard_is_the_cli

FAST = ["xgboost", "logistic_regression"]
GROUP = "sex=female & class=3rd"


@pytest.fixture(scope="module")
def dashboard():
    board = Dashboard(background=False, algorithms=FAST, repeats=1)  # one seed: quick moves
    yield board.wait()


def _cross(dashboard, feature="sex", crossed="class", mode="group"):
    """A known start (one-group mode, the baseline, no cross), then the page's two choices."""
    dashboard.mix.mode.value = "group"
    dashboard.features.crossed.value = "none"
    dashboard.resampler.param.update(feature=feature, ratio=0.0, mix="original")
    dashboard.features.crossed.value = crossed
    if mode == "mix":
        dashboard.mix.presets["original"].clicks += 1
    return dashboard.wait()


def _crossed_counts(dataset, first, second) -> dict[str, int]:
    """Training rows per crossed group, counted from the training set's own columns."""
    X = dataset.X_train
    counts = X.groupby([X[first].astype(str), X[second].astype(str)], observed=True).size()
    return {f"{first}={a} & {second}={b}": int(n) for (a, b), n in counts.items() if n}


def _assert_leaderboard_is_the_cli(dashboard, *how):
    return assert_leaderboard_is_the_cli(dashboard, *how, shift_keys=("feature", "groups"))


def test_crossing_offers_every_crossed_group_with_its_training_rows(dashboard):
    _cross(dashboard)
    rs = dashboard.resampler
    assert rs.feature == "sex,class" and dashboard.result.spec.feature == "sex,class"
    assert dashboard.feature_widget.value == "sex"
    assert dashboard.features.crossed.options == ["none", "class", "age"]
    counts = _crossed_counts(dashboard.dataset, "sex", "class")
    offered = dashboard.group_widget.options
    assert set(offered.values()) == set(counts)
    assert {label: group for label, group in offered.items()} == {
        f"{g} ({n:,} training rows)": g for g, n in counts.items()}
    # The one-row crossed group stays selectable and says its size; one without training
    # rows (no woman travelled in class '*') is not offered.
    assert "sex=male & class=* (1 training rows)" in offered
    assert "sex=female & class=*" not in offered.values()


def test_a_crossed_group_and_a_ratio_equal_the_cli(dashboard):
    _cross(dashboard)
    dashboard.group_widget.value = GROUP
    dashboard.resampler.ratio = 1.0
    dashboard.wait()
    rows = _crossed_counts(dashboard.dataset, "sex", "class")[GROUP]
    assert dashboard.result.shift.groups_after[GROUP] == 2 * rows
    assert dashboard.shift_label.startswith(f"Shift {GROUP}: {2 * rows} rows (")
    assert dashboard.shift_label.endswith(", 2x")
    assert "sex=female &amp; class=3rd, shift +1" in dashboard.models.best_line.object
    assert "sex,class =" not in dashboard.models.best_line.object
    report = _assert_leaderboard_is_the_cli(dashboard, "--group", GROUP, "--ratio", "1")
    assert report["shift"]["groups"][GROUP] == {"before": rows, "after": 2 * rows}


def test_the_distributions_and_per_group_tabs_show_the_crossed_groups(dashboard):
    _cross(dashboard)
    dashboard.group_widget.value = GROUP
    dashboard.resampler.ratio = -0.5
    dashboard.wait()
    counts = _crossed_counts(dashboard.dataset, "sex", "class")
    dashboard.open_tab("Distributions")
    dashboard.wait()
    after = dashboard.distributions.rows_after()
    assert after.to_dict() == {**counts, GROUP: round(counts[GROUP] / 2)}
    dashboard.open_tab("Per group")
    dashboard.wait()
    table = dashboard.groups.table.value
    test_labels = dashboard.dataset.group_labels("sex,class", dashboard.dataset.X_test)
    assert set(table["group"]) == set(test_labels)
    assert table.set_index("group")["rows"].to_dict() == test_labels.value_counts().to_dict()
    assert dashboard.loop.error is None
    dashboard.open_tab("Models")


def test_none_goes_back_to_the_plain_feature(dashboard):
    _cross(dashboard)
    dashboard.features.crossed.value = "none"
    dashboard.wait()
    rs = dashboard.resampler
    assert rs.feature == "sex" and dashboard.result.spec.feature == "sex"
    assert set(dashboard.group_widget.options.values()) == {"female", "male"}


def test_a_new_main_feature_keeps_the_cross_unless_it_is_the_crossing_feature(dashboard):
    _cross(dashboard)
    dashboard.feature_widget.value = "age"  # crossed with class still
    dashboard.wait()
    assert dashboard.resampler.feature == "age,class"
    assert dashboard.features.crossed.value == "class"
    assert "age" not in dashboard.features.crossed.options
    dashboard.feature_widget.value = "class"  # not crossed with itself: the cross goes
    dashboard.wait()
    assert dashboard.resampler.feature == "class"
    assert dashboard.features.crossed.value == "none"
    assert dashboard.features.crossed.options == ["none", "sex", "age"]


def test_a_uniform_mix_of_crossed_groups_equals_the_cli(dashboard):
    _cross(dashboard, crossed="age", mode="mix")
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    ds = dashboard.dataset
    # Every pair of a sex and an age bin (the plain feature's own groups) that has rows.
    pairs = ("sex=" + ds.X_train["sex"].astype(str) + " & age=" + ds.group_labels("age"))
    spec = dashboard.result.spec
    assert spec.feature == "sex,age" and spec.mix_name == "uniform"
    assert set(dashboard.mix.inputs) == set(pairs) and len(set(pairs)) == 10
    assert spec.shares() == pytest.approx({g: 0.1 for g in set(pairs)})
    assert dashboard.shift_label.startswith("Mix of sex,age in force: uniform (sex=male & age=")
    _assert_leaderboard_is_the_cli(dashboard, "--mix", "uniform")


def test_a_mix_the_crossed_groups_cannot_take_is_the_cli_line_once(dashboard, notified):
    # sex x class holds a one-row group (a man in class '*'): uniform would need 141 of it.
    _cross(dashboard, mode="mix")
    state = (dashboard.resampler.mix, dashboard.loop.request, dashboard.result)
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    cli = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", "titanic",
                          "--feature", "sex,class", "--mix", "uniform"],
                         capture_output=True, text=True)
    assert cli.returncode == 2
    assert notified == [(cli.stderr.strip().removeprefix("error: "), "error")]
    assert (dashboard.resampler.mix, dashboard.loop.request, dashboard.result) == state


def test_crossing_in_mix_mode_with_a_mix_it_cannot_take_notifies_once(dashboard, notified):
    _cross(dashboard, crossed="none", mode="mix")
    dashboard.mix.presets["uniform"].clicks += 1
    dashboard.wait()
    state = (dashboard.resampler.feature, dashboard.loop.request, dashboard.result)
    dashboard.features.crossed.value = "class"
    dashboard.wait()
    assert len(notified) == 1 and "\n" not in notified[0][0], notified
    assert "uniform mix cannot apply to sex,class" in notified[0][0]
    assert (dashboard.resampler.feature, dashboard.loop.request, dashboard.result) == state
    assert dashboard.features.crossed.value == "none" and dashboard.loop.error is None
