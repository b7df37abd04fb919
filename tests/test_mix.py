"""Semantics 12 (issue 29): a mix sets every group's share of the training set at once;
presets; the shares of a reference table; crossed groups; and the ratio left exactly as it was."""

import hashlib
import json
import re
import shlex
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import f1_score

from distviz.data import Dataset
from distviz.errors import DistvizError, ShiftError
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import (Resampler, ShiftSpec, largest_remainder, mix_spec, parse_shares,
                           shift_training_set, validate_spec)
from distviz.shift.mix import deployment_weights
from distviz.sweep import format_summary
from helpers import console_script
from test_cli_errors import assert_one_error_line, distviz

ROOT = Path(__file__).resolve().parents[1]
FAST = "logistic_regression,decision_tree"


@pytest.fixture(scope="module")
def diabetes():
    return Dataset(source="diabetes")


def _train_counts(dataset, feature) -> pd.Series:
    table = dataset.groups(feature)
    return table[table["train_rows"] > 0].set_index("group")["train_rows"]


def _row_hashes(frame: pd.DataFrame) -> pd.Series:
    return pd.util.hash_pandas_object(frame.reset_index(drop=True), index=False)


# ------------------------------------------------------------------ the counts
def test_largest_remainder_sums_exactly_and_breaks_ties_to_the_first():
    assert largest_remainder([1, 1, 1], 10).tolist() == [4, 3, 3]
    assert largest_remainder([0.5, 0.25, 0.25], 3).tolist() == [1, 1, 1]
    assert largest_remainder([0.2, 0.3, 0.5], 7).tolist() == [1, 2, 4]  # 1.4, 2.1, 3.5
    rng = np.random.default_rng(0)
    for _ in range(50):
        weights, total = rng.random(6), int(rng.integers(0, 5000))
        counts = largest_remainder(weights, total)
        assert counts.sum() == total
        assert np.all(np.abs(counts - weights / weights.sum() * total) < 1)


def _mixes(titanic, diabetes):
    age = titanic.training_groups("age")
    return {
        "titanic sex uniform": (titanic, "sex", "uniform"),
        "titanic sex 0.7/0.3": (titanic, "sex", {"female": 0.7, "male": 0.3}),
        "titanic age sqrt": (titanic, "age", "sqrt"),
        "titanic age by hand": (titanic, "age", dict(zip(age, [0.3, 0.1, 0.2, 0.1, 0.3]))),
        "diabetes bmi uniform": (diabetes, "bmi", "uniform"),
        "diabetes sex 0.25/0.75": (diabetes, "sex", {"1": 0.25, "2": 0.75}),
        "diabetes age sqrt": (diabetes, "age", "sqrt"),
    }


CASES = ["titanic sex uniform", "titanic sex 0.7/0.3", "titanic age sqrt", "titanic age by hand",
         "diabetes bmi uniform", "diabetes sex 0.25/0.75", "diabetes age sqrt"]


@pytest.mark.parametrize("upsampler", ["random", "smote"])
@pytest.mark.parametrize("case", CASES)
def test_shares_after_the_shift_are_the_asked_shares(titanic, diabetes, case, upsampler):
    dataset, feature, mix = _mixes(titanic, diabetes)[case]
    spec = mix_spec(dataset, feature, mix, upsampler=upsampler)
    asked = dict(mix) if isinstance(mix, dict) else spec.shares()
    result = shift_training_set(dataset, spec, random_state=4)
    n = len(dataset.X_train)
    assert len(result.X) == len(result.y) == n  # the training set keeps its size
    after = dataset.group_labels(feature, result.X).value_counts()  # counted from the rows
    for group, share in asked.items():
        assert abs(after.get(group, 0) - share * n) < 1, (group, after.get(group), share * n)
    assert after.sum() == n
    before = _train_counts(dataset, feature)
    grown = sum(max(int(after.get(g, 0)) - int(before[g]), 0) for g in before.index)
    # The rows that are not new are original training rows, never more of a group than it had.
    kept = result.X[~result.synthetic] if upsampler == "smote" else result.X
    assert _row_hashes(kept).isin(set(_row_hashes(dataset.X_train))).all()
    assert int(result.synthetic.sum()) == (grown if upsampler == "smote" else 0)
    if upsampler == "smote" and not dataset.is_classification:  # the target is interpolated
        for group in before.index:
            if after.get(group, 0) > before[group]:
                in_group = (dataset.group_labels(feature, result.X) == group).to_numpy()
                y_group = dataset.y_train[(dataset.group_labels(feature) == group).to_numpy()]
                new_y = result.y[in_group & result.synthetic]
                assert y_group.min() <= new_y.min() and new_y.max() <= y_group.max()


def test_keep_largest_keeps_the_largest_share_groups_rows(titanic):
    spec = mix_spec(titanic, "sex", {"female": 0.6, "male": 0.4}, keep="largest")
    result = shift_training_set(titanic, spec)
    n_female = int(_train_counts(titanic, "sex")["female"])
    total = round(n_female / 0.6)
    assert result.groups_after["female"] == n_female
    assert len(result.X) == total and abs(result.groups_after["male"] - 0.4 * total) < 1


# ------------------------------------------------------------------ presets
def test_presets_compute_the_documented_shares(titanic):
    counts = _train_counts(titanic, "age").astype(float)
    uniform = mix_spec(titanic, "age", "uniform").shares()
    assert uniform == pytest.approx({g: 1 / len(counts) for g in counts.index}, abs=1e-6)
    sqrt = mix_spec(titanic, "age", "sqrt").shares()
    expected = np.sqrt(counts) / np.sqrt(counts).sum()
    assert sqrt == pytest.approx(expected.to_dict(), abs=1e-6)
    original = mix_spec(titanic, "age", "original")
    assert original.training_key() == "baseline" and original.mix_name == "original"
    sex = _train_counts(titanic, "sex")
    same = mix_spec(titanic, "sex", (sex / sex.sum()).to_dict())
    assert same.training_key() == "baseline"  # shares equal to the original: the baseline


@pytest.mark.parametrize("upsampler", ["random", "smote"])
def test_balanced_classes_balances_every_group_and_keeps_its_size(titanic, upsampler):
    spec = mix_spec(titanic, "sex", "balanced-classes", upsampler=upsampler)
    result = shift_training_set(titanic, spec, random_state=2)
    before = pd.crosstab(titanic.group_labels("sex"), titanic.y_train)
    after = pd.crosstab(titanic.group_labels("sex", result.X), result.y)
    assert (after.sum(axis=1) == before.sum(axis=1)).all()  # every group keeps its rows
    assert (after.max(axis=1) - after.min(axis=1) <= 1).all()  # and its classes are equal
    assert (before.max(axis=1) - before.min(axis=1) > 10).all()  # which they were not
    summary = result.summary()["groups"]["female"]["classes"]
    assert {c: v["after"] for c, v in summary.items()} == after.loc["female"].rename(
        index=lambda code: titanic.classes[code]).to_dict()


# ------------------------------------------------------------------ match a reference table
def _reference(titanic) -> tuple[pd.DataFrame, dict]:
    """300 ages from the training rows of age's first bin, 100 from its last and 100 missing:
    binned with the training edges that is 0.6 / 0 / 0 / 0.2 / 0.2; the reference's own
    quartiles would cut it evenly."""
    labels = titanic.group_labels("age")
    groups = titanic.training_groups("age")
    rng = np.random.default_rng(5)
    first = titanic.X_train["age"][labels == groups[0]].to_numpy()
    last = titanic.X_train["age"][labels == groups[3]].to_numpy()
    ages = np.r_[rng.choice(first, 300), rng.choice(last, 100), np.full(100, np.nan)]
    frame = pd.DataFrame({"age": ages, "sex": rng.choice(["female", "male"], 500),
                          "fare": rng.random(500)})
    return frame, dict(zip(groups, [0.6, 0.0, 0.0, 0.2, 0.2]))


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_match_reproduces_a_reference_tables_shares(titanic, tmp_path, suffix):
    frame, expected = _reference(titanic)
    path = tmp_path / f"deployed.{suffix}"
    frame.to_csv(path, index=False) if suffix == "csv" else frame.to_parquet(path)
    spec = mix_spec(titanic, "age", "match", reference=path, upsampler="smote")
    assert spec.shares() == pytest.approx(expected, abs=1e-6)
    assert spec.mix_name == f"match deployed.{suffix}" and not spec.notes
    result = shift_training_set(titanic, spec)
    after = titanic.group_labels("age", result.X).value_counts()
    n = len(titanic.X_train)
    assert all(abs(after.get(g, 0) - s * n) < 1 for g, s in expected.items())


def test_match_reports_reference_groups_training_lacks(titanic):
    frame = pd.DataFrame({"sex": ["female"] * 6 + ["male"] * 3 + ["unknown"] * 2})
    spec = mix_spec(titanic, "sex", "match", reference=frame)
    assert spec.shares() == pytest.approx({"female": 6 / 9, "male": 3 / 9}, abs=1e-6)
    assert len(spec.notes) == 1 and "2 of 11 rows" in spec.notes[0]
    assert "unknown (2)" in spec.notes[0]
    assert spec.notes[0] in shift_training_set(titanic, spec).summary()["notes"]


# ------------------------------------------------------------------ crossed groups
def test_crossed_groups_are_labelled_from_both_features(titanic):
    for X in (titanic.X_train, titanic.X_test):
        labels = titanic.group_labels("sex,class", X)
        assert (labels == "sex=" + X["sex"] + " & class=" + X["class"]).all()
        labels = titanic.group_labels("age,sex", X)
        expected = "age=" + titanic.group_labels("age", X) + " & sex=" + X["sex"]
        assert (labels == expected).all()
    table = titanic.groups("age,sex")
    counts = titanic.group_labels("age,sex").value_counts()
    assert table.set_index("group")["train_rows"].to_dict() == counts.to_dict()
    # Ordered by the first feature's groups, then the second's within each.
    ages, sexes = titanic.groups("age")["group"], titanic.groups("sex")["group"]
    assert table["group"].tolist() == [f"age={a} & sex={s}" for a in ages for s in sexes]
    assert titanic.check_feature("sex, class") == "sex,class"
    assert titanic.check_group("sex,class", "class=1st & sex=female") == "sex=female & class=1st"


@pytest.mark.parametrize("upsampler", ["random", "smote"])
def test_a_ratio_shifts_a_crossed_group_only(titanic, upsampler):
    group = "sex=female & class=1st"
    result = shift_training_set(titanic, ShiftSpec("sex,class", group, 1.0, upsampler))
    before = _train_counts(titanic, "sex,class")
    assert result.groups_after[group] == 2 * before[group]
    assert {g: n for g, n in result.groups_after.items() if g != group} == \
        before.drop(group).to_dict()
    added = result.X.iloc[len(titanic.X_train):]
    assert (added["sex"] == "female").all() and (added["class"] == "1st").all()


def test_a_mix_of_crossed_groups_and_a_tiny_crossed_group_is_selectable(titanic):
    spec = mix_spec(titanic, "age,sex", "uniform", upsampler="smote")
    after = titanic.group_labels("age,sex", shift_training_set(titanic, spec).X).value_counts()
    n, groups = len(titanic.X_train), titanic.training_groups("age,sex")
    assert len(groups) == 10 and all(abs(after[g] - n / 10) < 1 for g in groups)
    rs = Resampler(dataset=titanic, feature="sex,class")
    assert "sex,class" in rs.param.feature.objects
    tiny = "sex=male & class=*"
    assert rs.param.group.objects[f"{tiny} (1 training rows)"] == tiny  # selectable, sized
    rs.param.update(group=tiny, ratio=3.0)
    assert rs.spec.group == tiny
    assert shift_training_set(titanic, rs.spec).groups_after[tiny] == 4


# ------------------------------------------------------------------ keys and the cache
def test_equal_mixes_share_cache_entries(titanic):
    keys = {mix_spec(titanic, "sex", m).training_key()
            for m in ("uniform", {"male": 0.5, "female": 0.5}, "female=0.5,male=0.5",
                      "male=0.5000001,female=0.4999999")}
    assert len(keys) == 1
    assert mix_spec(titanic, "sex", "female=0.6,male=0.4").training_key() not in keys
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], repeats=2, n_jobs=1,
                     cache=ResultCache())
    first = loop.run(mix_spec(titanic, "sex", {"female": 0.5, "male": 0.5}))
    again = loop.run(mix_spec(titanic, "sex", "uniform"))
    assert first.computed == 4 and again.computed == 0 and again.cached == 4
    assert again.algorithms[0].delta == first.algorithms[0].delta
    assert again.shift.summary()["mix_name"] == "uniform"  # each run says the mix it was asked
    assert loop.run(mix_spec(titanic, "sex", "original")).computed == 0  # the baseline's fits


# The ratio path measured on main before mixes existed (rows and key of each shifted training
# set, random_state 3): a mix must not move a single row of it.
RATIO_GOLDEN = [
    ("titanic", ("sex", "female", -0.5, "random", "none"), "7cb640e8e70286ba",
     "feature=sex|group=female|ratio=-0.5|balance=none"),
    ("titanic", ("sex", "female", 1.0, "smote", "none"), "3608e5eb680278d3",
     "feature=sex|group=female|ratio=1|balance=none|upsampler=smote"),
    ("titanic", ("sex", "female", 1.5, "random", "none"), "a8658b1c56e0c7ad",
     "feature=sex|group=female|ratio=1.5|balance=none|upsampler=random"),
    ("titanic", ("age", "Q4 [40, 71]", 2.0, "smote", "over"), "779aee2ff323bcdb",
     "feature=age|group=Q4 [40, 71]|ratio=2|balance=over|upsampler=smote"),
    ("titanic", ("class", "3rd", -1.0, "random", "smote"), "78114f5b32ecfc38",
     "feature=class|group=3rd|ratio=-1|balance=smote"),
    ("diabetes", ("bmi", "Q1 [18, 23]", 1.0, "smote", "none"), "3be642efbe1bcd1b",
     "feature=bmi|group=Q1 [18, 23]|ratio=1|balance=none|upsampler=smote"),
    ("diabetes", ("sex", "1", -0.4, "random", "none"), "b76fda74cd44bc51",
     "feature=sex|group=1|ratio=-0.4|balance=none"),
]


@pytest.mark.parametrize("name, fields, rows, key", RATIO_GOLDEN)
def test_the_single_group_ratio_is_unchanged(titanic, diabetes, name, fields, rows, key):
    dataset = titanic if name == "titanic" else diabetes
    spec = ShiftSpec(*fields)
    result = shift_training_set(dataset, spec, random_state=3)
    digest = hashlib.sha256()
    digest.update(_row_hashes(result.X).to_numpy().tobytes())
    digest.update(np.ascontiguousarray(result.y).tobytes())
    digest.update(np.ascontiguousarray(result.synthetic).tobytes())
    assert digest.hexdigest()[:16] == rows
    assert spec.training_key() == key
    assert list(result.summary()) == ["feature", "group", "ratio", "upsampler", "class_balance",
                                      "train_rows_before", "train_rows_after", "groups",
                                      "synthetic_rows", "notes"]


def test_a_shifted_test_set_weighs_each_group_as_the_mix_does(titanic):
    ratio = ShiftSpec("sex", "female", -0.5)
    labels = titanic.group_labels("sex", titanic.X_test).to_numpy()
    assert (deployment_weights(titanic, ratio) == np.where(labels == "female", 0.5, 1.0)).all()
    spec = mix_spec(titanic, "sex", "uniform")
    before = _train_counts(titanic, "sex")
    n = len(titanic.X_train)
    expected = np.array([n / 2 / before[g] for g in labels])
    assert deployment_weights(titanic, spec) == pytest.approx(expected)
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], repeats=2, n_jobs=1,
                     shifted_test=True, cache=ResultCache())
    result = loop.run(spec).algorithms[0]
    positive = titanic.positive_index
    f1 = np.mean([f1_score(titanic.y_test, f.y_pred, pos_label=positive,
                           sample_weight=expected) for f in result.fits])
    assert result.metrics_shifted_test["f1"] == pytest.approx(f1)


# ------------------------------------------------------------------ the Resampler
def test_the_resampler_publishes_a_mix_once_per_effective_change(titanic):
    rs = Resampler(dataset=titanic, feature="sex", group="female")
    specs = []
    rs.param.watch(lambda event: specs.append(event.new), "spec")
    rs.param.update(mode="mix", mix="uniform")
    rs.mix = {"female": 0.5, "male": 0.5}  # the same mix: no event
    assert len(specs) == 1 and specs[0] == mix_spec(titanic, "sex", "uniform")
    rs.mix = "female=0.6,male=0.4"
    assert len(specs) == 2 and rs.spec.shares() == pytest.approx({"female": 0.6, "male": 0.4})
    rs.feature = "age"  # shares of sex's groups do not fit age: the mix starts over
    assert rs.mix == "original" and rs.spec.training_key() == "baseline"
    rs.param.update(feature="sex", mix={"female": 0.3, "male": 0.7})  # both at once: kept
    assert rs.spec.shares() == pytest.approx({"female": 0.3, "male": 0.7})
    rs.mix = "sqrt"
    rs.feature = "age"  # a preset follows the new feature
    assert rs.spec == mix_spec(titanic, "age", "sqrt")
    rs.mode = "group"
    assert rs.spec.mix is None and rs.spec.feature == "age"
    with pytest.raises(ShiftError, match="sum to"):
        rs.param.update(mode="mix", mix="female=0.5,male=0.4", feature="sex")


# ------------------------------------------------------------------ bad input: one line each
def _engine_cases(titanic, diabetes, tmp_path):
    table = tmp_path / "nosex.csv"
    pd.DataFrame({"age": [1, 2, 3], "fare": [4, 5, 6]}).to_csv(table, index=False)
    return {
        "shares do not sum to 1": (lambda: mix_spec(titanic, "sex", "female=0.5,male=0.4"),
                                   "sum to 0.9"),
        "a negative share": (lambda: mix_spec(titanic, "sex", {"female": -0.5, "male": 1.5}),
                             "share of -0.5"),
        "an unknown group": (lambda: mix_spec(titanic, "sex", "female=0.5,robot=0.5"),
                             "unknown group 'robot'"),
        "a group left out": (lambda: mix_spec(titanic, "sex", "female=1"), "leaves out"),
        "more than max_ratio": (lambda: validate_spec(titanic, mix_spec(titanic, "class",
                                                                       "uniform"), max_ratio=3),
                                "rows of group '*'"),
        "a crossed group without training rows": (
            lambda: titanic.check_group("sex,class", "sex=female & class=*"),
            "no training rows"),
        "a crossed group without training rows, in a mix": (
            lambda: mix_spec(titanic, "sex,class", "sex=female & class=*=1"),
            "no training rows"),
        "a reference without the feature column": (
            lambda: mix_spec(titanic, "sex", "match", reference=table), "no column 'sex'"),
        "balanced classes on a regression target": (
            lambda: mix_spec(diabetes, "sex", "balanced-classes"), "classification only"),
        "a mix and a ratio": (lambda: validate_spec(titanic, ShiftSpec(
            "sex", ratio=1.0, mix={"female": 0.5, "male": 0.5})), "no ratio"),
        "an unknown preset": (lambda: mix_spec(titanic, "sex", "vibes"), "unknown mix preset"),
        "unreadable shares": (lambda: parse_shares("female=abc"), "could not read"),
        "match without a reference": (lambda: mix_spec(titanic, "sex", "match"),
                                      "needs a reference"),
    }


ENGINE_CASES = ["shares do not sum to 1", "a negative share", "an unknown group",
                "a group left out", "more than max_ratio", "a crossed group without training rows",
                "a crossed group without training rows, in a mix",
                "a reference without the feature column", "balanced classes on a regression target",
                "a mix and a ratio", "an unknown preset", "unreadable shares",
                "match without a reference"]


@pytest.mark.parametrize("case", ENGINE_CASES)
def test_every_bad_mix_is_one_shift_error(titanic, diabetes, tmp_path, case):
    make, words = _engine_cases(titanic, diabetes, tmp_path)[case]
    with pytest.raises(ShiftError) as raised:
        make()
    assert words in str(raised.value) and "\n" not in str(raised.value)


def test_more_than_max_ratio_says_which_group_and_the_most(titanic):
    with pytest.raises(ShiftError) as raised:
        validate_spec(titanic, mix_spec(titanic, "class", "uniform"), max_ratio=3)
    message = str(raised.value)
    # 984 / 4 = 246 rows asked of a group of 1; the most is 4 rows, a share of 0.004.
    assert "needs 246 rows of group '*'" in message and "the most is 4 rows" in message
    assert "share of at most 0.004" in message


CLI_CASES = {
    "shares do not sum to 1": (["--feature", "sex", "--mix", "female=0.5,male=0.4"], "sum to"),
    "a negative share": (["--feature", "sex", "--mix", "female=-0.5,male=1.5"], "-0.5"),
    "an unknown group": (["--feature", "sex", "--mix", "female=0.5,robot=0.5"], "'robot'"),
    "more than max_ratio": (["--feature", "class", "--mix", "uniform"], "the most is 4 rows"),
    "a crossed group without training rows": (
        ["--feature", "sex,class", "--group", "sex=female & class=*", "--ratio", "1"],
        "no training rows"),
    "a reference without the feature column": (["--feature", "class", "--match", "{nosex}"],
                                               "no column 'class'"),
    "balanced classes on a regression target": (
        ["--data", "diabetes", "--feature", "sex", "--mix", "balanced-classes"],
        "classification only"),
    "a mix and a ratio": (["--feature", "sex", "--mix", "uniform", "--ratio", "1"],
                          "one or the other"),
    "a mix and a reference": (["--feature", "sex", "--mix", "uniform", "--match", "{nosex}"],
                              "not both"),
    "an unknown preset": (["--feature", "sex", "--mix", "vibes"], "'vibes'"),
    "unreadable shares": (["--feature", "sex", "--mix", "female=abc"], "could not read"),
    "a crossed feature of one feature twice": (["--feature", "sex,sex"], "two different"),
}


@pytest.mark.parametrize("case", list(CLI_CASES))
def test_every_bad_mix_is_one_error_line(tmp_path, case):
    table = tmp_path / "nosex.csv"
    pd.DataFrame({"age": [1, 2, 3], "fare": [4, 5, 6]}).to_csv(table, index=False)
    args, words = CLI_CASES[case]
    args = [a.replace("{nosex}", str(table)) for a in args]
    if "--data" not in args:
        args = ["--data", "titanic", *args]
    line = assert_one_error_line(distviz("run", *args, "--algorithms", FAST, "--no-cache"))
    assert words in line, line


def test_sweep_mixes_takes_presets_only():
    line = assert_one_error_line(distviz("sweep", "--data", "titanic", "--features", "sex",
                                         "--mixes", "uniform,female=1", "--no-cache"))
    assert "--mixes takes comma-separated presets" in line


def test_an_engine_error_is_a_distviz_error():
    assert issubclass(ShiftError, DistvizError)  # what the CLI turns into one line


# ------------------------------------------------------------------ the README's lines
def readme_mix_lines() -> list[str]:
    """The README's command lines that use a mix, a reference table or crossed groups."""
    text = (ROOT / "README.md").read_text()
    lines = [" ".join(line.split("#")[0].split()) for block in
             re.findall(r"```bash\n(.*?)```", text, re.S) for line in block.splitlines()]
    return [line for line in lines if re.search(r"--mix|--match|--feature \S+,\S+", line)]


def _run_readme(line: str, folder: Path) -> str:
    program, *args = shlex.split(line)
    assert program == "distviz"
    proc = subprocess.run([console_script(), *args], cwd=folder,  # as a user types it
                          capture_output=True, text=True, timeout=900)
    assert proc.returncode == 0, proc.stderr[-2000:]
    return proc.stdout


def test_the_readme_shows_each_mix_line():
    assert readme_mix_lines() == [
        "distviz run --data titanic --feature sex --mix uniform",
        "distviz run --data titanic --feature age --match deployed.csv --upsampler smote --json",
        'distviz run --data titanic --feature sex,class --group "sex=female & class=1st" '
        "--ratio 1",
        "distviz sweep --data titanic --features sex,age --mixes uniform,sqrt --out mixes.csv"]


def test_readme_run_mix_uniform(titanic, tmp_path):
    out = _run_readme(readme_mix_lines()[0], tmp_path)
    half = len(titanic.X_train) // 2
    n = _train_counts(titanic, "sex")
    assert "mix of sex (uniform, keeping the training-set size" in out, out
    assert re.search(rf"female\s+{n['female']} ->\s+{half} rows", out), out
    assert re.search(rf"male\s+{n['male']} ->\s+{half} rows", out), out
    assert re.search(r"^xgboost .*(better|worse|within noise)", out, re.M), out
    # The same mix typed as shares is the same training set: every fit comes from the cache.
    again = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", "titanic",
                            "--feature", "sex", "--mix", "male=0.5,female=0.5", "--json"],
                           capture_output=True, text=True, timeout=900, check=True)
    assert json.loads(again.stdout)["fits"]["computed"] == 0


def test_readme_run_match_json(titanic, tmp_path):
    frame, expected = _reference(titanic)
    frame.to_csv(tmp_path / "deployed.csv", index=False)
    report = json.loads(_run_readme(readme_mix_lines()[1], tmp_path))
    shift = report["shift"]
    assert shift["mix"] == pytest.approx(expected, abs=1e-6)
    assert shift["mix_name"] == "match deployed.csv" and shift["upsampler"] == "smote"
    n = len(titanic.X_train)
    assert shift["train_rows_after"] == n
    counts = _train_counts(titanic, "age")
    for group, share in expected.items():
        assert shift["groups"][group]["before"] == counts[group]
        assert abs(shift["groups"][group]["after"] - share * n) < 1
    assert len(report["results"]) == 4


def test_readme_run_crossed_group(titanic, tmp_path):
    out = _run_readme(readme_mix_lines()[2], tmp_path)
    n = int(_train_counts(titanic, "sex,class")["sex=female & class=1st"])
    assert "sex,class = sex=female & class=1st, ratio +1" in out, out
    assert f"training rows {len(titanic.X_train)} -> {len(titanic.X_train) + n}" in out, out


def test_readme_sweep_mixes(titanic, tmp_path):
    out = _run_readme(readme_mix_lines()[3], tmp_path)
    table = pd.read_csv(tmp_path / "mixes.csv", keep_default_na=False)
    assert "2 features x 2 mixes x 4 algorithms" in out, out
    assert re.search(r"^sex\s+mix: uniform\s", out, re.M), out
    # Read back from the CSV (the ratios' empty mix is NaN there), the summary is the same.
    summary = format_summary(pd.read_csv(tmp_path / "mixes.csv"))
    assert summary.splitlines()[:12] == out.splitlines()[:12]
    assert set(table["mix"]) == {"uniform", "sqrt"}
    assert set(zip(table["feature"], table["group"], table["ratio"])) == {
        (f, f"mix: {m}", 0.0) for f in ("sex", "age") for m in ("uniform", "sqrt")}
    # The default four algorithms x their seeds: adaptive, the first 3 of 5 or all 5.
    per_algorithm = table.groupby(["feature", "mix", "algorithm"]).size()
    assert len(per_algorithm) == 2 * 2 * 4 and per_algorithm.isin([3, 5]).all()
    # A mix's rows are that mix's run: the same F1 as the loop gives it.
    result = ModelLoop(dataset=titanic, algorithms=["xgboost"]).run(
        mix_spec(titanic, "age", "sqrt")).algorithms[0]
    rows = table[(table["feature"] == "age") & (table["mix"] == "sqrt")
                 & (table["algorithm"] == "xgboost")].sort_values("seed")
    assert rows["f1"].to_numpy() == pytest.approx([f.metrics["f1"] for f in result.fits])
