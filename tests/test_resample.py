"""Semantics 1-4: split first, groups, ratio, SMOTE within group and class, class balance."""

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from distviz.data import Dataset
from distviz.errors import ShiftError
from distviz.shift import ShiftSpec, shift_training_set


def _cli_json(*args):
    out = subprocess.run([sys.executable, "-m", "distviz.cli", *args, "--json", "--n-jobs", "1"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def test_groups_of_numeric_and_categorical(titanic):
    sex = titanic.groups("sex")
    assert set(sex["group"]) == {"male", "female"}
    assert sex["train_rows"].sum() == len(titanic.X_train)
    age = titanic.groups("age")
    bins = [g for g in age["group"] if g.startswith("Q")]
    assert len(bins) == 4 and "missing" in set(age["group"])
    # Bins are labelled with their training range and cover every training value.
    assert bins[0].startswith("Q1 [0.17,")
    labels = titanic.group_labels("age")
    assert labels[titanic.X_train["age"].isna()].eq("missing").all()
    assert set(labels) == set(age["group"][age["train_rows"] > 0])


def test_down_sampling_via_cli_keeps_everything_else(titanic):
    report = _cli_json("run", "--data", "titanic", "--feature", "sex", "--group", "female",
                       "--ratio", "-0.5", "--algorithms", "logistic_regression")
    groups = report["shift"]["groups"]
    n_female = int((titanic.group_labels("sex") == "female").sum())
    assert groups["female"] == {"before": n_female, "after": round(n_female * 0.5)}
    assert groups["male"]["before"] == groups["male"]["after"]
    assert report["shift"]["train_rows_after"] == len(titanic.X_train) - n_female + round(
        n_female * 0.5)
    assert report["dataset"]["test_rows"] == len(titanic.X_test)
    cm = report["results"][0]["confusion_matrix"]["counts"]
    assert sum(map(sum, cm)) == len(titanic.X_test)


def test_down_sampled_rows_are_a_subset_and_test_set_untouched(titanic):
    test_before = titanic.X_test.copy()
    result = shift_training_set(titanic, ShiftSpec("sex", "female", -0.5), random_state=3)
    kept = result.X
    # Only female rows were removed; every kept row is an original training row.
    original = pd.util.hash_pandas_object(titanic.X_train, index=False).value_counts()
    shifted = pd.util.hash_pandas_object(kept, index=False).value_counts()
    assert (shifted <= original.reindex(shifted.index)).all()
    assert (titanic.group_labels("sex", kept) == "male").sum() == (
        titanic.group_labels("sex") == "male").sum()
    pd.testing.assert_frame_equal(titanic.X_test, test_before)
    assert not result.synthetic.any()


@pytest.mark.parametrize("ratio", [-1.0, -0.8, -0.25, 0.5, 1.0, 3.0])
@pytest.mark.parametrize("upsampler", ["random", "smote"])
def test_group_count_follows_the_ratio(titanic, ratio, upsampler):
    group = titanic.groups("age")["group"].iloc[3]
    n = int((titanic.group_labels("age") == group).sum())
    result = shift_training_set(titanic, ShiftSpec("age", group, ratio, upsampler))
    assert result.groups_after[group] == round(n * (1 + ratio))
    others = {g: c for g, c in result.groups_before.items() if g != group}
    assert {g: result.groups_after[g] for g in others} == others


def test_smote_doubles_the_group_with_valid_rows(titanic):
    result = shift_training_set(titanic, ShiftSpec("sex", "female", 1.0, "smote"), random_state=0)
    female = titanic.group_labels("sex") == "female"
    n_female = int(female.sum())
    assert result.groups_after["female"] == 2 * n_female
    synthetic = result.X[result.synthetic]
    labels = result.y[result.synthetic]
    assert len(synthetic) == n_female
    # Every category is one the data already has; every synthetic row stays in its group.
    assert set(synthetic["class"]) <= set(titanic.X_train["class"])
    assert (synthetic["sex"] == "female").all()
    # Labels are real classes, in the group's class proportions (within one row).
    group_y = titanic.y_train[female.to_numpy()]
    for cls in np.unique(group_y):
        assert abs((labels == cls).sum() - (group_y == cls).sum()) <= 1
    # Numbers lie inside the range of the group's rows of the same class.
    for cls in np.unique(labels):
        ages = titanic.X_train.loc[female.to_numpy() & (titanic.y_train == cls), "age"]
        new_ages = synthetic.loc[labels == cls, "age"].dropna()
        assert new_ages.between(ages.min(), ages.max()).all()


def test_smote_on_a_numeric_bin_stays_in_the_bin(titanic):
    group = titanic.groups("age")["group"].iloc[1]
    result = shift_training_set(titanic, ShiftSpec("age", group, 2.0, "smote"), random_state=1)
    assert (titanic.group_labels("age", result.X[result.synthetic]) == group).all()


def test_smote_regression_interpolates_the_target():
    diabetes = Dataset(source="diabetes")
    group = diabetes.groups("age")["group"].iloc[0]
    in_group = (diabetes.group_labels("age") == group).to_numpy()
    result = shift_training_set(diabetes, ShiftSpec("age", group, 1.0, "smote"))
    new_y = result.y[result.synthetic]
    assert len(new_y) == in_group.sum()
    assert new_y.min() >= diabetes.y_train[in_group].min()
    assert new_y.max() <= diabetes.y_train[in_group].max()
    assert len(np.unique(new_y)) > len(new_y) // 2  # interpolated, not copied


def test_ratio_zero_is_exactly_the_baseline(titanic):
    result = shift_training_set(titanic, ShiftSpec("sex", "female", 0.0, "smote"))
    pd.testing.assert_frame_equal(result.X, titanic.X_train)
    np.testing.assert_array_equal(result.y, titanic.y_train)
    assert ShiftSpec("sex", "female", 0.0).training_key() == ShiftSpec().training_key()


@pytest.mark.parametrize("balance", ["under", "over", "smote"])
def test_class_balance_equalises_classes(titanic, balance):
    result = shift_training_set(titanic, ShiftSpec("sex", "female", -0.5, class_balance=balance))
    counts = np.bincount(result.y)
    assert counts.min() == counts.max()


def test_bad_specs_are_shift_errors(titanic):
    with pytest.raises(ShiftError, match="unknown feature"):
        shift_training_set(titanic, ShiftSpec("nope", "x", 0.5))
    with pytest.raises(ShiftError, match="unknown group"):
        shift_training_set(titanic, ShiftSpec("sex", "robot", 0.5))
    with pytest.raises(ShiftError, match="out of range"):
        shift_training_set(titanic, ShiftSpec("sex", "female", 3.5))
    with pytest.raises(ShiftError, match="out of range"):
        shift_training_set(titanic, ShiftSpec("sex", "female", -1.5))
