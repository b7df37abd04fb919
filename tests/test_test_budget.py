"""Test-row budgets (issue 28): a slow predictor's fits score a seeded, stratified sample of a
large test set, the same rows for every seed and state; its metrics are scikit-learn's on those
rows, its interval counts those rows (the bootstrap resamples them), and the output says so."""

import numpy as np
import pytest
from sklearn import metrics as skm
from sklearn.linear_model import LogisticRegression

from distviz import models, synth
from distviz.data import Dataset
from distviz.errors import UsageError
from distviz.loop import ModelLoop, ResultCache
from distviz.loop.policy import describe
from distviz.shift import ShiftSpec, shift_training_set
from distviz.stats import paired_delta

BUDGET = 200


@pytest.fixture(scope="module")
def budgeted():
    """logistic_regression's estimator under a test-row budget, beside the plain one."""
    models.register("budgeted_lr", lambda s: LogisticRegression(max_iter=1000, random_state=s),
                    task="classification", max_test_rows=BUDGET, replace=True)
    yield "budgeted_lr"
    models.unregister("budgeted_lr", task="classification")


@pytest.fixture(scope="module")
def ds():
    table = synth.make_table(2400, n_numeric=4, n_categorical=3, random_state=3)
    return Dataset(source=table, target=synth.TARGET)


@pytest.fixture(scope="module")
def run(ds, budgeted):
    feature = next(c for c, k in ds.kinds.items() if k == "categorical")
    loop = ModelLoop(dataset=ds, algorithms=[budgeted, "logistic_regression"], repeats=3,
                     cache=ResultCache(), n_jobs=1)
    return loop, loop.run(ShiftSpec(feature, ds.default_group(feature), -0.5))


def test_a_budgeted_fit_scores_one_stratified_sample_with_sklearns_metrics(ds, run, budgeted):
    loop, result = run
    fits = result.result(budgeted).fits + result.result(budgeted).baseline_fits
    rows = fits[0].test_rows
    assert len(rows) == BUDGET < len(ds.y_test) and np.all(np.diff(rows) > 0)
    assert all(np.array_equal(f.test_rows, rows) and len(f.y_pred) == BUDGET for f in fits)
    share = np.mean(ds.y_test == ds.positive_index)
    assert abs(np.sum(ds.y_test[rows] == ds.positive_index) - share * BUDGET) <= 1
    for fit in result.result(budgeted).fits:
        shifted = shift_training_set(ds, result.spec, random_state=fit.seed)
        pipe = models.make_full_pipeline(models.get(budgeted, ds.task_name), ds.kinds, fit.seed)
        pipe.fit(shifted.X, shifted.y)
        y_true, y_pred = ds.y_test[rows], pipe.predict(ds.X_test.iloc[rows])
        np.testing.assert_array_equal(fit.y_pred, y_pred)
        assert fit.metrics["f1"] == skm.f1_score(y_true, y_pred, pos_label=ds.positive_index)
        assert fit.metrics["roc_auc"] == skm.roc_auc_score(
            y_true == ds.positive_index,
            pipe.predict_proba(ds.X_test.iloc[rows])[:, ds.positive_index])
    # The same estimator scoring every row predicts the same on the sampled ones.
    for full, sampled in zip(result.result("logistic_regression").fits,
                             result.result(budgeted).fits):
        assert full.test_rows is None and len(full.y_pred) == len(ds.y_test)
        np.testing.assert_array_equal(full.y_pred[rows], sampled.y_pred)


def test_the_interval_counts_the_sampled_rows(ds, run, budgeted):
    _, result = run
    algorithm = result.result(budgeted)
    rows = algorithm.fits[0].test_rows
    expected = paired_delta(ds.y_test[rows], algorithm.fits, algorithm.baseline_fits,
                            task=ds.task_name, n_classes=2, positive=ds.positive_index)
    assert algorithm.ci95["f1"] == [expected["f1"].low, expected["f1"].high]
    assert algorithm.practical_calls["f1"].test_rows == BUDGET
    assert result.result("logistic_regression").practical_calls["f1"].test_rows == len(ds.y_test)


def test_comparisons_across_algorithms_use_the_rows_both_scored(ds, run, budgeted):
    _, result = run
    # The same estimator on the common rows: exactly no difference.
    assert result.compare(budgeted, "logistic_regression", "f1").delta == 0
    assert result.confusion(budgeted).sum() == BUDGET
    assert result.group_metrics(budgeted)["rows"].sum() == BUDGET


def test_the_output_states_the_test_rows(ds, run, budgeted):
    loop, result = run
    entries = {e["algorithm"]: e for e in result.to_dict()["results"]}
    assert entries[budgeted]["test_rows_used"] == BUDGET
    assert entries["logistic_regression"]["test_rows_used"] == len(ds.y_test)
    settings = loop.stated_settings()
    assert settings["algorithm_test_rows"] == {budgeted: BUDGET, "logistic_regression": None}
    assert settings["test_rows"] == len(ds.y_test)  # the contract's field keeps its meaning
    assert f"{budgeted} a sample of {BUDGET}" in describe(settings)


def test_lifting_the_budgets_scores_every_test_row(ds, run, budgeted):
    loop, result = run
    lifted = loop.clone(lift_budgets=True)
    spec = result.spec
    algorithm = models.get(budgeted, ds.task_name)
    assert lifted.cache_key(spec, algorithm, 0) != loop.cache_key(spec, algorithm, 0)
    fits = lifted.run(spec).result(budgeted).fits
    assert all(f.test_rows is None and len(f.y_pred) == len(ds.y_test) for f in fits)
    assert lifted.stated_settings()["algorithm_test_rows"][budgeted] is None


def test_the_disk_cache_keeps_the_sampled_rows(run, budgeted, tmp_path):
    _, result = run
    fit = result.result(budgeted).fits[0]
    ResultCache(tmp_path).put("k", fit)
    back = ResultCache(tmp_path).get("k")
    np.testing.assert_array_equal(back.test_rows, fit.test_rows)
    np.testing.assert_array_equal(back.y_pred, fit.y_pred)


def test_a_test_row_budget_is_for_classification_only():
    with pytest.raises(UsageError, match="classification only"):
        models.register("budgeted_ridge", lambda s: None, task="regression",
                        max_test_rows=100)
    assert models.get("svm", "classification").max_test_rows == 5_000


def test_a_sweep_and_a_response_curve_take_a_budgeted_algorithm(ds, run, budgeted):
    """Their score boards weigh every set with one bootstrap: on the rows all fits scored."""
    from distviz.advise.curves import response_curve
    from distviz.sweep import Sweep

    loop, result = run
    spec = result.spec
    table = Sweep(loop=loop, features=[spec.feature], groups={spec.feature: spec.group},
                  ratios=[-0.5], algorithms=list(loop.algorithms)).run()
    cell = table[(table["algorithm"] == budgeted) & (table["ratio"] == -0.5)]
    # One row per seed the cell used (adaptive: the first 2 of 3, or all 3).
    assert len(cell) == len(result.result(budgeted).fits) in (2, 3)
    assert cell["value_low_f1"].notna().all()
    curves = response_curve(loop, spec.feature, spec.group, [-0.5, 1.0])
    assert set(curves) == {budgeted, "logistic_regression"}
