"""Semantics 5-10: baseline and deltas, metrics = scikit-learn's, registry, cache, determinism."""

import json
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn import metrics as skm

from distviz import models
from distviz.data import Dataset
from distviz.data import catalog
from distviz.errors import UsageError
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec

FAST = ["xgboost", "logistic_regression", "decision_tree"]


def test_every_metric_equals_scikit_learn(titanic, fresh_cache):
    """Each seed's metrics and confusion counts are scikit-learn's; the reported metrics and
    matrix are their means over the seeds (the policy's five on titanic)."""
    loop = ModelLoop(dataset=titanic, algorithms=FAST + ["svm"], n_jobs=1, cache=fresh_cache)
    run = loop.run(ShiftSpec("sex", "female", -0.5))
    y = titanic.y_test
    assert run.repeats == 5
    for entry in run.algorithms:
        per_seed, matrices = [], []
        for fit in entry.fits:
            pred, scores = fit.y_pred, fit.scores
            expected = {
                "f1": skm.f1_score(y, pred, pos_label=1),
                "precision": skm.precision_score(y, pred, pos_label=1, zero_division=0),
                "recall": skm.recall_score(y, pred, pos_label=1),
                "specificity": skm.recall_score(y, pred, pos_label=0),
                "accuracy": skm.accuracy_score(y, pred),
                "balanced_accuracy": skm.balanced_accuracy_score(y, pred),
                "roc_auc": skm.roc_auc_score(y, scores[:, 1]),
            }
            assert fit.metrics == pytest.approx(expected, abs=1e-12)
            per_seed.append(expected)
            matrices.append(skm.confusion_matrix(y, pred))
        # Adaptive seeds: the first 3 of the policy's 5, all 5 where more may change the call;
        # the baseline's numbers over the same seeds.
        seeds = loop.seeds_for(run.spec, models.get(entry.algorithm, "classification"))
        assert [f.seed for f in entry.fits] == seeds and seeds in ([0, 1, 2], [0, 1, 2, 3, 4])
        assert [f.seed for f in entry.baseline_fits] == seeds
        assert entry.metrics == pytest.approx(
            {m: np.mean([e[m] for e in per_seed]) for m in per_seed[0]}, abs=1e-12)
        counts = run.confusion(entry.algorithm)
        np.testing.assert_allclose(counts, np.mean(matrices, axis=0))
        for shown, expected in zip(run.confusion_per_seed(entry.algorithm), matrices):
            np.testing.assert_array_equal(shown, expected)
        assert counts.sum() == pytest.approx(len(titanic.X_test))
        base = [skm.f1_score(y, f.y_pred) for f in entry.baseline_fits]
        assert entry.baseline["f1"] == pytest.approx(np.mean(base))
        assert entry.delta["f1"] == pytest.approx(entry.metrics["f1"] - entry.baseline["f1"])


def test_multiclass_metrics_are_macro():
    penguins = Dataset(source="penguins")
    loop = ModelLoop(dataset=penguins, algorithms=["logistic_regression"], n_jobs=1,
                     cache=ResultCache())
    entry = loop.run().algorithms[0]
    fit = entry.first_fit
    y = penguins.y_test
    assert entry.metrics["f1"] == pytest.approx(skm.f1_score(y, fit.y_pred, average="macro"))
    assert entry.metrics["roc_auc"] == pytest.approx(
        skm.roc_auc_score(y, fit.scores, multi_class="ovr"))
    assert fit.scores.sum(axis=1) == pytest.approx(np.ones(len(y)))


def test_regression_metrics_equal_scikit_learn():
    diabetes = Dataset(source="diabetes")
    loop = ModelLoop(dataset=diabetes, algorithms=["ridge", "xgboost"], repeats=1, n_jobs=1,
                     cache=ResultCache())
    run = loop.run(ShiftSpec("age", diabetes.default_group("age"), 1.0, "smote"))
    for entry in run.algorithms:
        pred, y = entry.first_fit.y_pred, diabetes.y_test
        assert entry.metrics == pytest.approx({
            "r2": skm.r2_score(y, pred), "rmse": skm.root_mean_squared_error(y, pred),
            "mae": skm.mean_absolute_error(y, pred)}, abs=1e-9)
    assert run.to_dict()["best"]["metric"] == "r2"
    assert "confusion_matrix" not in run.to_dict()["results"][0]


def test_per_group_metrics_match_a_direct_computation(titanic, fresh_cache):
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], repeats=1, n_jobs=1,
                     cache=fresh_cache)
    run = loop.run(ShiftSpec("sex", "female", 1.0))
    table = run.group_metrics("logistic_regression").set_index("group")
    pred = run.algorithms[0].first_fit.y_pred
    female = (titanic.group_labels("sex", titanic.X_test) == "female").to_numpy()
    y = titanic.y_test
    assert table.loc["female", "rows"] == female.sum()
    assert table.loc["female", "f1"] == pytest.approx(skm.f1_score(y[female], pred[female]))
    assert table.loc["female", "tpr"] == pytest.approx(
        skm.recall_score(y[female], pred[female]))
    assert table.loc["female", "selection_rate"] == pytest.approx(pred[female].mean())
    negatives = female & (y == 0)
    assert table.loc["female", "fpr"] == pytest.approx(pred[negatives].mean())


def _bundled_of(task):
    return [name for name, entry in catalog().items() if entry.task == task
            and entry.origin and "data/" not in str(entry.origin)]


@pytest.mark.parametrize("task", ["classification", "regression"])
def test_every_registered_algorithm_fits_every_bundled_dataset(task):
    names = _bundled_of(task)
    assert len(names) >= 2
    for name in names:
        dataset = Dataset(source=name)
        assert dataset.task_name == task
        loop = ModelLoop(dataset=dataset, algorithms=models.available(task), repeats=1,
                         n_jobs=2, cache=ResultCache())
        run = loop.run()
        for entry in run.algorithms:
            assert entry.error is None, (name, entry.algorithm, entry.error)
            metric = dataset.headline_metric
            # Better than chance / than predicting the mean on every bundled dataset.
            assert entry.metrics[metric] > (0.3 if task == "classification" else 0.0), \
                (name, entry.algorithm, entry.metrics)


def test_repeats_give_intervals_and_zero_shift_is_zero(titanic, fresh_cache):
    # Every seed (adaptive seeds off): the interval of the 3 seeds asked for.
    loop = ModelLoop(dataset=titanic, algorithms=["xgboost"], repeats=3, n_jobs=1,
                     cache=fresh_cache, adaptive_seeds=False)
    run = loop.run(ShiftSpec("sex", "female", 0.0))
    entry = run.algorithms[0]
    assert entry.delta["f1"] == 0 and entry.ci95["f1"] == [0, 0]
    assert entry.significant["f1"] is False
    run = loop.run(ShiftSpec("sex", "female", -0.9))
    entry = run.algorithms[0]
    low, high = entry.ci95["f1"]
    assert low <= entry.delta["f1"] <= high
    assert len(entry.fits) == 3 and len({f.seed for f in entry.fits}) == 3
    assert entry.significant["f1"] == (low > 0 or high < 0)
    # The interval is distviz.stats's (seed, resampling draw and test sample), with its verdict.
    effect = entry.effects["f1"]
    assert entry.ci95["f1"] == [effect.low, effect.high] and entry.n_seeds == 3
    assert entry.p_value["f1"] == effect.p_value and entry.verdict["f1"] == effect.verdict
    assert entry.significant["f1"] == (entry.p_value["f1"] < 0.05)
    assert effect.se_test > 0 and entry.seed_part_known


def test_a_results_intervals_and_calls_have_one_source(titanic, fresh_cache):
    """ci95, significant, p_value, verdict, practical and detectable are read from ``effects``
    and ``practical_calls``: the JSON shows exactly those, and another Effect changes them all."""
    from dataclasses import fields, replace
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], repeats=3, n_jobs=1,
                     cache=fresh_cache)
    run = loop.run(ShiftSpec("sex", "female", -0.5))
    entry = run.algorithms[0]
    stored = {f.name for f in fields(type(entry))}
    assert {"effects", "practical_calls"} <= stored
    assert not stored & {"ci95", "significant", "p_value", "verdict", "practical", "detectable"}
    out = run.to_dict()["results"][0]
    for metric, e in entry.effects.items():
        call = entry.practical_calls[metric]
        assert out["ci95"][metric] == [e.low, e.high] and out["p_value"][metric] == e.p_value
        assert out["significant"][metric] is e.significant
        assert out["verdict"][metric] == e.verdict
        assert out["practical"][metric] == call.call
        assert out["detectable"][metric] == call.detectable == pytest.approx(e.half_width)
    flipped = {m: replace(e, low=-1.0, high=1.0, significant=False, verdict="within noise")
               for m, e in entry.effects.items()}
    moved = replace(entry, effects=flipped)
    assert moved.ci95["f1"] == [-1.0, 1.0] and moved.verdict["f1"] == "within noise"
    assert moved.significant["f1"] is False and entry.ci95["f1"] != [-1.0, 1.0]
    assert replace(entry, effects=None).ci95 is None
    assert replace(entry, practical_calls=None).practical is None


def test_delta_is_the_mean_over_seeds_of_scikit_learns_differences(titanic, fresh_cache):
    loop = ModelLoop(dataset=titanic, algorithms=["xgboost"], repeats=3, n_jobs=1,
                     cache=fresh_cache)
    entry = loop.run(ShiftSpec("class", titanic.default_group("class"), 1.0)).algorithms[0]
    y = titanic.y_test
    expected = np.mean([skm.f1_score(y, f.y_pred) - skm.f1_score(y, b.y_pred)
                        for f, b in zip(entry.fits, entry.baseline_fits)])
    assert entry.delta["f1"] == pytest.approx(expected, abs=1e-12)
    low, high = entry.ci95["f1"]
    assert low <= entry.delta["f1"] <= high


def test_a_deterministic_model_on_a_deterministic_shift_gets_a_nonzero_interval(
        titanic, fresh_cache):
    """Removing a whole group (r = -1) draws nothing, and logistic regression ignores its
    seed: every seed gives the same predictions, yet the test sample is still a sample."""
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], repeats=3, n_jobs=1,
                     cache=fresh_cache)
    entry = loop.run(ShiftSpec("class", "2nd", -1.0)).algorithms[0]
    for fits in (entry.fits, entry.baseline_fits):
        for fit in fits[1:]:
            np.testing.assert_array_equal(fit.scores, fits[0].scores)
    assert entry.delta["accuracy"] != 0
    for metric in ("f1", "accuracy", "roc_auc"):
        low, high = entry.ci95[metric]
        assert high - low > 0, metric
        assert entry.effects[metric].se_seed == 0 and entry.effects[metric].se_test > 0


def test_one_seed_has_no_interval_and_says_so(titanic, fresh_cache):
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], repeats=1, n_jobs=1,
                     cache=fresh_cache)
    entry = loop.run(ShiftSpec("sex", "female", -0.5)).algorithms[0]
    assert entry.delta["f1"] == pytest.approx(entry.metrics["f1"] - entry.baseline["f1"])
    assert entry.ci95 is None and entry.significant is None and entry.verdict is None
    assert not entry.seed_part_known and "no interval" in entry.note


def test_summarize_is_fast_enough_for_every_slider_move(titanic):
    """4 algorithms x 5 seeds on titanic: the first summary computes the bootstrap, a repeat
    (a partial result, a revisited state) is memoised."""
    import time
    loop = ModelLoop(dataset=titanic, algorithms=FAST + ["logistic_regression"], repeats=5,
                     n_jobs=2, cache=ResultCache())
    spec = ShiftSpec("sex", "female", 0.5)
    run = loop.run(spec)
    fits = {(f.training_key, f.algorithm, f.seed): f
            for a in run.algorithms for f in a.fits + a.baseline_fits}
    fresh = loop.clone()
    started = time.perf_counter()
    first = [fresh.summarize(a.algorithm, spec, fits) for a in run.algorithms]
    cold = time.perf_counter() - started
    started = time.perf_counter()
    again = [fresh.summarize(a.algorithm, spec, fits) for a in run.algorithms]
    warm = time.perf_counter() - started
    assert [a.ci95 for a in first] == [a.ci95 for a in again] == [a.ci95 for a in run.algorithms]
    assert cold < 1.0 and warm < 0.05, (cold, warm)


def test_budget_is_reported_and_can_be_lifted(titanic, fresh_cache):
    loop = ModelLoop(dataset=titanic, algorithms=["svm"], n_jobs=1, cache=fresh_cache,
                     max_train_rows=300)
    entry = loop.run().algorithms[0]
    assert entry.budget_applied and entry.train_rows_used == 300
    loop.lift_budgets = True
    entry = loop.run().algorithms[0]
    assert not entry.budget_applied and entry.train_rows_used == len(titanic.X_train)


def test_cache_hits_and_disk_persistence(titanic, tmp_path):
    cache = ResultCache(tmp_path)
    loop = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=cache)
    first = loop.run(ShiftSpec("class", "1st", 0.5))
    # (shifted + baseline) x each algorithm's seeds (adaptive: 3 or the policy's 5).
    fits = 2 * sum(a.n_seeds for a in first.algorithms)
    assert len(FAST) * 2 * 3 <= fits <= len(FAST) * 2 * loop.repeats
    assert first.computed == fits and first.cached == 0
    again = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=ResultCache(tmp_path))
    second = again.run(ShiftSpec("class", "1st", 0.5))
    assert second.computed == 0 and second.cached == fits
    assert json.dumps(first.to_dict()["results"][0]["metrics"]) == json.dumps(
        second.to_dict()["results"][0]["metrics"])
    assert {p.suffix for p in tmp_path.iterdir()} <= {".json", ".npz"}


def test_progress_reports_every_fit(titanic, fresh_cache):
    seen = []
    loop = ModelLoop(dataset=titanic, algorithms=FAST, repeats=2, n_jobs=2, cache=fresh_cache)
    loop.run(ShiftSpec("sex", "male", -0.3), progress=lambda d, t, f: seen.append((d, t)))
    assert [d for d, _ in seen] == list(range(1, 13)) and {t for _, t in seen} == {12}


def test_unknown_algorithm_is_a_usage_error(titanic):
    with pytest.raises(UsageError, match="unknown algorithm 'nope'"):
        ModelLoop(dataset=titanic, algorithms=["nope"]).run()


def test_user_registered_algorithm_runs_in_parallel(titanic, fresh_cache):
    from sklearn.ensemble import ExtraTreesClassifier
    models.register("extra_trees_test", lambda s: ExtraTreesClassifier(50, random_state=s),
                    task="classification", replace=True)
    loop = ModelLoop(dataset=titanic, algorithms=["extra_trees_test", "xgboost"], n_jobs=2,
                     cache=fresh_cache)
    assert all(e.ok for e in loop.run().algorithms)


def _run_json(*extra):
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", "titanic",
                          "--feature", "class", "--group", "2nd", "--ratio", "1.5",
                          "--upsampler", "smote", "--algorithms", "xgboost,mlp,random_forest",
                          "--repeats", "2", "--json", "--no-cache", *extra],
                         capture_output=True, text=True, check=True)
    report = json.loads(out.stdout)
    for entry in report["results"]:
        entry.pop("fit_seconds")  # wall-clock time is the only thing allowed to differ
    return report


def test_same_seed_same_json_with_one_or_two_jobs():
    serial = _run_json("--n-jobs", "1")
    assert serial == _run_json("--n-jobs", "1")
    assert serial == _run_json("--n-jobs", "2")
    assert serial != _run_json("--n-jobs", "2", "--seed", "7")


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", "titanic",
                           "--feature", "sex", "--group", "female", "--ratio", "-0.5",
                           "--algorithms", "logistic_regression,decision_tree", "--no-cache",
                           *args], capture_output=True, text=True, check=True).stdout


def test_run_defaults_to_enough_seeds_for_an_interval():
    from distviz.stats import default_repeats
    assert default_repeats(984) == 5 and default_repeats(20_000) == 5
    assert default_repeats(20_001) == 3
    report = json.loads(_cli("--json"))
    assert report["repeats"] == 5 and "note" not in report
    assert report["interval"]["confidence"] == 0.95
    assert report["settings"]["first_seeds"] == 3  # adaptive: 3 first, 5 where they matter
    for entry in report["results"]:
        assert entry["seeds"] in (3, 5) and entry["seed_part_known"] is True
        for key in ("ci95", "significant", "p_value", "verdict"):
            assert set(entry[key]) == set(entry["metrics"]), key
        for metric, (low, high) in entry["ci95"].items():
            assert entry["significant"][metric] == (low > 0 or high < 0)
            assert entry["verdict"][metric] in {"better", "worse", "within noise"}
            assert low <= entry["delta"][metric] <= high
    text = _cli()
    assert re.search(r"\((3|5|3-5) seeds; the interval counts", text) and "test sample" in text
    assert any(v in text for v in ("within noise", "better", "worse"))


def test_one_repeat_still_works_and_says_it_has_no_interval():
    report = json.loads(_cli("--json", "--repeats", "1"))
    assert report["repeats"] == 1 and "no interval" in report["note"]
    assert report["interval"] is None
    for entry in report["results"]:
        assert "ci95" not in entry and "significant" not in entry
        assert entry["delta"]["f1"] is not None and entry["seed_part_known"] is False
    text = _cli("--repeats", "1")
    assert "no interval" in text and "note: one seed: no interval" in text


def test_run_json_matches_the_contract():
    report = _run_json("--n-jobs", "2")
    assert set(report) >= {"dataset", "shift", "results", "best"}
    for key, value in {"name": "titanic", "rows": 1313, "task": "classification",
                       "target": "survived", "classes": ["0", "1"], "positive_class": "1",
                       "train_rows": 984, "test_rows": 329}.items():
        assert report["dataset"][key] == value
    assert set(report["shift"]) >= {"feature", "group", "ratio", "upsampler", "class_balance",
                                    "train_rows_before", "train_rows_after", "groups"}
    entry = report["results"][0]
    assert set(entry) >= {"algorithm", "metrics", "baseline", "delta", "ci95",
                          "confusion_matrix", "train_rows_used", "error"}
    assert set(entry) >= {"significant", "p_value", "verdict", "seeds", "seed_part_known"}
    assert set(entry["significant"]) == set(entry["metrics"])
    assert set(entry["metrics"]) == {"f1", "precision", "recall", "specificity", "accuracy",
                                     "balanced_accuracy", "roc_auc"}
    assert report["best"]["metric"] == "f1"
    assert report["best"]["shifted"] in {e["algorithm"] for e in report["results"]}
