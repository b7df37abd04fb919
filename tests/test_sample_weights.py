"""Duplicates as sample weights (issue 28): an algorithm that says its weighted fit equals the
duplicated fit (``weighted_duplicates``) gets a random up-sample's repeated rows as integer
weights; the numbers must be the duplicated fit's, on real data and by scikit-learn's own
check. Every other algorithm still fits the duplicates."""

import numpy as np
import pytest
from sklearn.utils.estimator_checks import check_sample_weight_equivalence_on_dense_data

from distviz import models
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.loop.encoding import CodedTable, prepare
from distviz.loop.fit import fit_and_score
from distviz.loop.jobs import FitJob, TrainingSets
from distviz.loop.weights import duplicates_as_weights
from distviz.shift import ShiftSpec, shift_training_set

#: A real up-sample per task: the group's rows drawn again at random (duplicates).
UP = {"classification": ("titanic", ShiftSpec("sex", "female", 2.0)),
      "regression": ("diabetes", ShiftSpec("sex", "2", 2.0))}

WEIGHTED = [(task, name) for task in UP for name in models.available(task)
            if models.get(name, task).weighted_duplicates]


@pytest.fixture(scope="module")
def upsampled():
    out = {}
    for task, (source, spec) in UP.items():
        ds = Dataset(source=source)
        spec = ShiftSpec(spec.feature, ds.check_group(spec.feature, spec.group), spec.ratio)
        shifted = shift_training_set(ds, spec, random_state=3)
        out[task] = ds, spec, shifted, prepare(ds, shifted, CodedTable(ds))
    return out


def test_weights_count_every_drawn_row_once_per_draw():
    """Random origins with repeats and synthetic rows, all rows or a sample of positions: the
    kept positions repeated by their weights are the same multiset of training rows, synthetic
    rows stay one each, and a set without repeats is returned untouched (no weights)."""
    rng = np.random.default_rng(0)
    for _ in range(50):
        n = int(rng.integers(5, 200))
        origin = rng.integers(-1, max(2, n // 3), n)
        rows = None if rng.random() < 0.5 else np.sort(rng.choice(n, n // 2, replace=False))
        kept, weights = duplicates_as_weights(origin, rows)
        positions = np.arange(n) if rows is None else rows
        if weights is None:
            assert kept is rows
            real = origin[positions][origin[positions] >= 0]
            assert len(np.unique(real)) == len(real)
            continue
        assert np.all(np.diff(kept) > 0) and np.isin(kept, positions).all()
        assert weights.sum() == len(positions)
        np.testing.assert_array_equal(np.sort(np.repeat(origin[kept], weights.astype(int))),
                                      np.sort(origin[positions]))
        assert np.all(weights[origin[kept] < 0] == 1)
        real = origin[kept][origin[kept] >= 0]
        assert len(np.unique(real)) == len(real)
    assert duplicates_as_weights(np.arange(6), None) == (None, None)


def test_some_algorithm_of_each_task_fits_weights():
    assert {task for task, _ in WEIGHTED} == set(UP)


@pytest.mark.parametrize("task,name", WEIGHTED)
def test_scikit_learns_own_equivalence_check(task, name):
    """scikit-learn's check: integer weights (zeros too) equal removed or repeated rows."""
    check_sample_weight_equivalence_on_dense_data(name, models.get(name, task).make(0))


@pytest.mark.parametrize("task,name", WEIGHTED)
def test_a_weighted_fit_scores_what_the_duplicated_fit_scores(upsampled, task, name):
    """On a real random up-sample, the loop's weighted fit (unique rows and their counts) gives
    the duplicated fit's predictions and, within 1e-9, its scores and metrics."""
    ds, spec, shifted, prepared = upsampled[task]
    job = FitJob(TrainingSets(), ds, spec, 3, models.get(name, task), "key", None, 10.0)
    args, kwargs = job.arguments()
    weights = kwargs["sample_weight"]
    assert weights is not None and weights.sum() == len(shifted.y) > len(weights)
    assert len(args[2]) == len(weights) < len(shifted.y)
    weighted = fit_and_score(*args, **kwargs)
    duplicated = fit_and_score(models.get(name, task), 3, prepared.train(), shifted.y,
                               prepared.test, ds.y_test, task=task, n_classes=len(ds.classes),
                               positive=ds.positive_index)
    assert weighted["error"] is None and duplicated["error"] is None
    np.testing.assert_allclose(weighted["y_pred"], duplicated["y_pred"], rtol=1e-9)
    if task == "classification":
        np.testing.assert_array_equal(weighted["y_pred"], duplicated["y_pred"])
        np.testing.assert_allclose(weighted["scores"], duplicated["scores"], rtol=0, atol=1e-9)
    assert weighted["metrics"] == pytest.approx(duplicated["metrics"], rel=1e-9, abs=1e-12)


@pytest.mark.parametrize("name", ["xgboost", "mlp", "random_forest", "svm"])
def test_the_default_algorithms_fit_the_duplicates(upsampled, name):
    """Their weighted fits differ from the duplicated ones: they get every duplicated row."""
    ds, spec, shifted, _ = upsampled["classification"]
    job = FitJob(TrainingSets(), ds, spec, 3, models.get(name, ds.task_name), "key", None, 10.0)
    args, kwargs = job.arguments()
    assert kwargs["sample_weight"] is None and len(args[2]) == len(shifted.y)


def test_the_loop_reports_the_duplicated_row_count(upsampled):
    """Weights change how the rows are passed, not what the output says was trained on."""
    ds, spec, shifted, _ = upsampled["classification"]
    loop = ModelLoop(dataset=ds, algorithms=["logistic_regression"], repeats=1,
                     cache=ResultCache(), n_jobs=1)
    fit = loop.run(spec).algorithms[0].fits[0]
    assert fit.error is None
    assert fit.train_rows == fit.train_rows_used == len(
        shift_training_set(ds, spec, random_state=fit.seed).y)
