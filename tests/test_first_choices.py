"""The first choices distviz makes for a user (issue 25.2, docs/semantics.md "Defaults"): the
suggested target is what a user would pick, "auto" looks at the chosen target, the default
group holds a real share of the training rows, and the leaderboard claims an order (a rank
change, the best tick) only beyond the noise. Every table is generated, seeded
(tests/generated_tables.py)."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from distviz.data import Dataset, load, suggest_target
from distviz.errors import DatasetError
from generated_tables import census_like, diamonds_like, insurance_like


# ------------------------------------------------------------------------------ target
@pytest.mark.parametrize("make, where, line", [
    (census_like, 0, "income: a usual target name, two values"),
    (diamonds_like, 6, "price: a usual target name (y is a measurement beside x, z)"),
    (insurance_like, 6, "charges: the last column"),
])
def test_the_suggested_target_is_the_one_a_user_would_pick(make, where, line):
    frame = make()
    suggestion = suggest_target(frame)
    assert suggestion.column == frame.columns[where]
    assert suggestion.line == line


@pytest.mark.parametrize("columns, expected, reason", [
    # A usual target name wins wherever it is; the more specific name on a tie of names.
    (["Outcome", "age", "city"], "Outcome", "a usual target name"),
    (["id", "label", "size", "target"], "target", "a usual target name, the last column"),
    # A name holding a usual target word beats the last column.
    (["LotArea", "SalePrice", "YearBuilt"], "SalePrice",
     "its name holds 'price', a usual target name"),
    # x and y alone: y, the last column (its name is a coordinate's, and it counts for nothing).
    (["x", "y"], "y", "the last column"),
    # One y beside columns that are not one-letter names is a target name.
    (["x1", "x2", "y"], "y", "a usual target name, the last column"),
    # An identifier is never suggested, even last: the last column that can be a target.
    (["size", "colour", "order_id"], "colour", "the last usable column, 3 values"),
])
def test_suggestion_rules(columns, expected, reason):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({c: rng.normal(size=60).round(3) for c in columns})
    if "colour" in columns:
        frame["colour"] = rng.choice(["red", "blue", "green"], 60)
    if "order_id" in columns:
        frame["order_id"] = [f"A{i:03d}" for i in rng.permutation(60)]
    suggestion = suggest_target(frame)
    assert (suggestion.column, suggestion.reason) == (expected, reason)


def test_nothing_looks_like_a_target_then_the_last_column():
    frame = pd.DataFrame({"a": [1.0] * 30, "note": [f"free text number {i}" for i in range(30)]})
    assert suggest_target(frame).line == "note: the last column (no column looks like a target)"
    with pytest.raises(DatasetError, match="no columns"):
        suggest_target(pd.DataFrame())


# ------------------------------------------------------------------------------ task
def test_auto_looks_at_the_chosen_target_not_the_bundled_default():
    # titanic's listed task (classification) describes `survived`; `age` is a number with
    # 75 values: regression.
    assert load("titanic").task == "classification"
    age = Dataset(source="titanic", target="age")
    assert age.task_name == "regression" and age.headline_metric == "r2"
    assert age.y_train.dtype == np.float64 and len(np.unique(age.y_train)) > 30
    # Every bundled dataset's listed task is what "auto" detects on its own target.
    from distviz.data import BUNDLED
    for name, entry in BUNDLED.items():
        assert load(name).task == entry.task, name


def test_an_explicit_classification_of_a_many_valued_number_is_refused():
    with pytest.raises(DatasetError) as info:
        load("titanic", target="age", task="classification")
    message = str(info.value)
    assert "\n" not in message
    assert "'age'" in message and "75 different values" in message and "regression" in message
    # A number with few values may be classes when the user says so, and so may its text.
    frame = census_like(400).assign(workclass=lambda f: f["education_num"])
    assert load(frame, target="workclass", task="classification").task == "classification"


def test_a_sidecar_task_applies_to_its_own_target_only(tmp_path):
    frame = census_like(400)
    frame.to_csv(tmp_path / "census.csv", index=False)
    (tmp_path / "census.json").write_text('{"target": "income", "task": "classification"}')
    assert load("census", data_dir=tmp_path).task == "classification"
    assert load("census", data_dir=tmp_path, target="hours_per_week").task == "regression"


def distviz(*args, cache):
    env = {**os.environ, "DISTVIZ_CACHE_DIR": str(cache)}
    return subprocess.run([sys.executable, "-m", "distviz.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def test_cli_run_on_a_numeric_target_is_regression_and_refuses_classification(tmp_path):
    proc = distviz("run", "--data", "titanic", "--target", "age", "--feature", "sex",
                   "--ratio", "-0.5", "--algorithms", "ridge", "--repeats", "2", "--json",
                   cache=tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = json.loads(proc.stdout)
    assert out["dataset"]["task"] == "regression" and out["best"]["metric"] == "r2"
    assert set(out["results"][0]["metrics"]) == {"r2", "rmse", "mae"}
    refused = distviz("run", "--data", "titanic", "--target", "age", "--task",
                      "classification", "--algorithms", "ridge", cache=tmp_path)
    assert refused.returncode == 2 and "Traceback" not in refused.stderr
    lines = refused.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "'age'" in lines[0], lines


# ------------------------------------------------------------------------------ default group
def expected_default(groups: pd.DataFrame) -> str:
    """docs/semantics.md's rule, written out independently: besides the majority group, the
    smallest group with at least 10 % of the training rows, else the largest; else the only
    group."""
    groups = groups[groups["train_rows"] > 0]
    total = groups["train_rows"].sum()
    others = groups.drop(index=groups["train_rows"].idxmax())
    if others.empty:
        return groups["group"].iloc[0]
    large = others[others["train_rows"] >= 0.10 * total]
    if len(large):
        return large.loc[large["train_rows"].idxmin(), "group"]
    return others.loc[others["train_rows"].idxmax(), "group"]


def test_the_default_group_holds_a_real_share_of_the_training_rows():
    ds = Dataset(source=census_like(), target="income")
    groups = ds.groups("marital_status").set_index("group")
    # The 1.3 % group exists, has more than the old rule's 30 rows, and stays selectable.
    assert 0.010 < groups.loc["Married-spouse-absent", "train_share"] < 0.016
    assert groups.loc["Married-spouse-absent", "train_rows"] > 30
    assert "Married-spouse-absent" in ds.training_groups("marital_status")
    chosen = ds.default_group("marital_status")
    assert chosen == "Divorced" == expected_default(groups.reset_index())
    assert groups.loc[chosen, "train_share"] >= 0.10
    for feature in ds.features:
        assert ds.default_group(feature) == expected_default(ds.groups(feature)), feature


def test_without_a_tenth_the_default_is_the_largest_after_the_majority():
    rng = np.random.default_rng(0)
    n_rows = 2000
    # One group of 93 %, six of about 1 %: none but the majority holds 10 %.
    kind = rng.choice(["main", *[f"rare-{i}" for i in range(6)]], n_rows,
                      p=[0.93, 0.02, 0.015, 0.012, 0.01, 0.008, 0.005])
    frame = pd.DataFrame({"kind": kind, "x": rng.normal(size=n_rows),
                          "flag": rng.choice(["a", "b"], n_rows)})
    frame["label"] = np.where(frame["x"] + rng.normal(size=n_rows) > 0, "yes", "no")
    ds = Dataset(source=frame, target="label")
    sizes = ds.groups("kind").set_index("group")["train_rows"]
    assert sizes.idxmax() == "main" and (sizes.drop("main") < 0.1 * len(ds.X_train)).all()
    assert ds.default_group("kind") == sizes.drop("main").idxmax() == "rare-0"
    # Smaller groups stay selectable.
    assert set(ds.training_groups("kind")) == set(sizes.index)


def test_cli_run_opens_on_the_group_with_a_real_share(tmp_path):
    path = tmp_path / "census.csv"
    census_like().to_csv(path, index=False)
    proc = distviz("run", "--data", path, "--target", "income", "--feature", "marital_status",
                   "--algorithms", "logistic_regression", "--repeats", "1", "--json",
                   cache=tmp_path / "cache")
    assert proc.returncode == 0, proc.stderr[-2000:]
    shift = json.loads(proc.stdout)["shift"]
    assert shift["group"] == "Divorced"
    groups = shift["groups"]
    assert groups["Divorced"]["before"] >= 0.10 * shift["train_rows_before"]
    assert 0 < groups["Married-spouse-absent"]["before"] < 0.016 * shift["train_rows_before"]


# ------------------------------------------------------------------------------ leaderboard
def _fake_fit(ds, spec, name, seed, errors, draw):
    """A FitResult whose predictions miss ``errors`` positive test rows (the first ``errors``
    of an order seeded by ``draw``), with its metrics from scikit-learn via distviz.metrics."""
    from distviz.metrics import score_classification
    from distviz.results import FitResult
    y_pred = ds.y_test.copy()
    # Wrong on positives only: F1 then falls with every error, so the order is the counts'.
    positives = np.flatnonzero(ds.y_test == ds.positive_index)
    wrong = np.random.default_rng(draw).permutation(positives)[:errors]
    y_pred[wrong] = 1 - y_pred[wrong]
    scores = np.eye(2)[y_pred]
    metrics = score_classification(ds.y_test, y_pred, scores, n_classes=2,
                                   positive=ds.positive_index)
    return FitResult(name, seed, spec.training_key(), metrics, y_pred, scores, 0.01,
                     len(ds.X_train), len(ds.X_train), None)


def _fake_run(ds, errors: dict):
    """A RunResult at sex = female +3 of algorithms that miss ``errors[name] = (at the
    baseline, shifted)`` positive test rows (one more on odd seeds), five seeds, each algorithm,
    seed and state wrong on its own rows; summarised as the loop summarises its fits."""
    from distviz.loop.summary import EffectsMemo, summarize
    from distviz.results import RunResult
    from distviz.shift import ShiftSpec, shift_training_set
    spec = ShiftSpec("sex", "female", 3.0)
    seeds = list(range(5))
    fits = {}
    for index, (name, counts) in enumerate(errors.items()):
        for stage, (state, count) in enumerate(zip((spec.baseline(), spec), counts)):
            for seed in seeds:
                fits[(state.training_key(), name, seed)] = _fake_fit(
                    ds, state, name, seed, count + seed % 2, draw=[index, stage, seed])
    memo = EffectsMemo()
    summaries = [summarize(ds, seeds, name, spec, fits, effects=memo) for name in errors]
    return RunResult(ds, shift_training_set(ds, spec), "f1", summaries, len(seeds))


def test_rank_change_and_best_tick_only_beyond_the_noise(titanic):
    from distviz.views.models_view import best_model
    from distviz.views.plots import leaderboard
    # Within the noise: "a" and "b" swap places by two of the test set's positive rows.
    close = _fake_run(titanic, {"a": (30, 32), "b": (31, 30), "c": (60, 61)})
    board = leaderboard(close, "f1").set_index("algorithm")
    plain = board["baseline"].rank(ascending=False) - board["now"].rank(ascending=False)
    assert plain.loc["a"] == -1 and plain.loc["b"] == 1  # the means did swap
    assert board["rank_change"].tolist() == [0, 0, 0]
    assert not board["best"].any()
    assert best_model(close, "f1").startswith("**No clear best now:**")
    # Beyond the noise both before and after: the overtake is shown, and the leader ticked.
    far = _fake_run(titanic, {"a": (5, 80), "b": (75, 8), "c": (95, 96)})
    board = leaderboard(far, "f1").set_index("algorithm")
    assert board["rank_change"].to_dict() == {"a": -1, "b": 1, "c": 0}
    assert board["best"].to_dict() == {"a": False, "b": True, "c": False}
    assert best_model(far, "f1").startswith("**Best now: b**")
    # A partial run says how many of the chosen algorithms are in; one alone is "first in".
    assert best_model(far, "f1", 4).endswith("(3 of 4 algorithms in)")
    assert best_model(far, "f1", 3) == best_model(far, "f1")
    alone = _fake_run(titanic, {"a": (30, 32)})
    assert best_model(alone, "f1", 3) == "**First in: a** (1 of 3 algorithms in)"
    assert best_model(alone, "f1", 1) == "**a is the only model compared**"
    # The page colours a shown rank change by its sign (green up, red down).
    from distviz.views.leaderboard_table import cell_css
    from distviz.views.style import BETTER, WORSE
    table = leaderboard(far, "f1")
    styles = {row["algorithm"]: cell_css(row, "rank_change")
              for _, row in table.iterrows()}
    assert BETTER in styles["b"] and WORSE in styles["a"] and "color" not in styles["c"]
    # Each comparison is the paired one, checked against the metrics scikit-learn gave.
    effect = far.compare("b", "a", "f1")
    assert effect.significant and effect.delta == pytest.approx(
        np.mean([fb.metrics["f1"] - fa.metrics["f1"] for fb, fa in
                 zip(far.result("b").fits, far.result("a").fits)]))


def test_titanic_plus_three_shows_no_rank_change_within_the_noise(titanic, tmp_path):
    """The issue's case: at sex = female +3, xgboost and random_forest swap by 0.007 F1,
    within the noise; the page showed -1 and +1 beside "No clear best now"."""
    from distviz.loop import ModelLoop, ResultCache
    from distviz.shift import Resampler, ShiftSpec
    from distviz.views.plots import leaderboard
    loop = ModelLoop(resampler=Resampler(dataset=titanic), repeats=5,
                     algorithms=["xgboost", "random_forest"], cache=ResultCache())
    run = loop.run(ShiftSpec("sex", "female", 3.0))
    board = leaderboard(run, "f1").set_index("algorithm")
    swapped = np.sign(board["baseline"]["xgboost"] - board["baseline"]["random_forest"]) != \
        np.sign(board["now"]["xgboost"] - board["now"]["random_forest"])
    assert swapped, board  # the plain ranks move
    assert not run.lead("f1")[2].significant
    assert board["rank_change"].tolist() == [0, 0] and not board["best"].any()


def test_the_command_line_claims_a_best_model_only_beyond_the_noise(tmp_path):
    """`distviz run` said "best now: random_forest" for a lead inside the noise (titanic
    sex = female +3); its text and JSON now say whether each leader is ahead beyond the noise,
    and the lead is the mean over seeds of the two models' F1 differences."""
    args = [sys.executable, "-m", "distviz.cli", "run", "--data", "titanic", "--feature", "sex",
            "--group", "female", "--ratio", "3", "--repeats", "5",
            "--algorithms", "xgboost,random_forest", "--cache-dir", str(tmp_path)]
    out = json.loads(subprocess.run(args + ["--json"], capture_output=True, text=True,
                                    check=True).stdout)
    text = subprocess.run(args, capture_output=True, text=True, check=True).stdout
    by_name = {r["algorithm"]: r for r in out["results"]}
    for stage, key in (("shifted", "metrics_per_seed"), ("baseline", "baseline_per_seed")):
        lead = out["best"]["lead"][stage]
        assert lead["leader"] == out["best"][stage]
        first, second = by_name[lead["leader"]][key], by_name[lead["runner_up"]][key]
        assert lead["delta"] == pytest.approx(
            np.mean([a["f1"] - b["f1"] for a, b in zip(first, second)]), abs=1e-6)
        low, high = lead["ci95"]
        assert lead["clear"] == (low > 0 or high < 0) == (lead["verdict"] != "within noise")
        line = next(line for line in text.splitlines()
                    if line.startswith("best at baseline:" if stage == "baseline"
                                       else "best now:"))
        if lead["clear"]:
            assert line.endswith("beyond the noise") and lead["leader"] in line, line
        else:
            assert "no clear best" in line and "beyond" not in line, line
    # The case: xgboost and random_forest within the noise of each other at +3.
    assert not out["best"]["lead"]["shifted"]["clear"]
