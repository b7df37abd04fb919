"""Encoded once (issue 28): the loop codes a dataset's rows once and makes a shifted training
set a selection of them (SMOTE rows coded anew); the preprocessing fitted on it must give
exactly the matrices, predictions and metrics of scikit-learn's preprocessing fitted on the
shifted table's text, for every kind of shift."""

import numpy as np
import pandas as pd
import pytest

from distviz import models
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.loop.encoding import CodedTable, prepare
from distviz.metrics import score_classification
from distviz.shift import ShiftSpec, mix_spec, shift_training_set


def _wide_table(n_rows: int = 1500, seed: int = 0) -> Dataset:
    """Missing numbers and categories, a 45-value column (more than the encoder's 30: its rare
    values become one 'infrequent' column, decided by the training rows' counts), a value
    literally called 'missing' beside real missing values, a rare positive class."""
    rng = np.random.default_rng(seed)
    city = rng.choice([f"city-{i:02d}" for i in range(45)], n_rows,
                      p=np.r_[np.full(15, 0.05), np.full(30, 0.25 / 30)])
    job = rng.choice(["clerk", "nurse", "missing", "pilot", "zz-rare"], n_rows,
                     p=[0.4, 0.3, 0.15, 0.14, 0.01]).astype(object)
    job[rng.random(n_rows) < 0.08] = np.nan
    age = rng.normal(40, 12, n_rows)
    age[rng.random(n_rows) < 0.05] = np.nan
    income = rng.lognormal(10, 1, n_rows)
    target = (0.03 * np.nan_to_num(age, nan=40) + (job == "pilot") + rng.normal(0, 1, n_rows)
              > 2.4).astype(int)
    frame = pd.DataFrame({"age": age, "city": city, "job": job, "income": income,
                          "sex": rng.choice(["f", "m"], n_rows), "target": target})
    return Dataset(source=frame, target="target")


@pytest.fixture(scope="module")
def wide():
    return _wide_table()


def _specs(ds: Dataset, feature: str) -> list[ShiftSpec]:
    group = ds.default_group(feature)
    return [ShiftSpec(), ShiftSpec(feature, group, -0.5), ShiftSpec(feature, group, -1.0),
            ShiftSpec(feature, group, 1.0), ShiftSpec(feature, group, 2.0, "smote"),
            ShiftSpec(feature, group, -0.3, class_balance="smote"),
            ShiftSpec(feature, group, 0.5, class_balance="under"),
            ShiftSpec(class_balance="over"),
            mix_spec(ds, feature, _tilted(ds, feature)),
            mix_spec(ds, feature, _tilted(ds, feature), upsampler="smote")]


def _tilted(ds: Dataset, feature: str) -> dict[str, float]:
    """A mix that grows every other group and shrinks the rest."""
    table = ds.groups(feature)
    table = table[table["train_rows"] > 0]
    shares = {g: n * (1.4 if i % 2 else 0.7) for i, (g, n) in
              enumerate(zip(table["group"], table["train_rows"]))}
    return {g: v / sum(shares.values()) for g, v in shares.items()}


def _text_matrices(ds: Dataset, shifted):
    """scikit-learn's preprocessing fitted on the shifted table itself (the reference)."""
    prep = models.make_preprocessor(ds.kinds)
    return prep.fit_transform(shifted.X), prep.transform(ds.X_test)


@pytest.mark.parametrize("source, feature", [("titanic", "sex"), ("wide", "city"),
                                             ("wide", "job")])
def test_coded_rows_give_the_text_preprocessing_exactly(source, feature, wide, titanic):
    ds = wide if source == "wide" else titanic
    table = CodedTable(ds)
    for spec in _specs(ds, feature):
        for seed in (0, 3):
            shifted = shift_training_set(ds, spec, random_state=seed)
            assert table.rows(shifted) is not None  # the coded path is the one taken
            prepared = prepare(ds, shifted, table)
            X_train, X_test = prepared.train(), prepared.test
            expected_train, expected_test = _text_matrices(ds, shifted)
            np.testing.assert_array_equal(X_train, expected_train, err_msg=str(spec))
            np.testing.assert_array_equal(X_test, expected_test, err_msg=str(spec))


def test_origin_names_each_shifted_row(wide):
    """A shifted row is its training row (or synthetic): the selection is the shifted table."""
    spec = ShiftSpec("city", wide.default_group("city"), 1.5, "smote", class_balance="over")
    shifted = shift_training_set(wide, spec, random_state=1)
    kept = shifted.origin >= 0
    assert (shifted.synthetic == ~kept).all() and shifted.synthetic.any()
    pd.testing.assert_frame_equal(shifted.X[kept].reset_index(drop=True),
                                  wide.X_train.iloc[shifted.origin[kept]].reset_index(drop=True))
    np.testing.assert_array_equal(shifted.y[kept], wide.y_train[shifted.origin[kept]])


def test_the_loop_scores_what_a_text_pipeline_scores(wide):
    """End to end: every fit's predictions and metrics equal scikit-learn's pipeline fitted on
    the shifted table (preprocessing and estimator), scored independently."""
    spec = ShiftSpec("city", wide.default_group("city"), 1.0, "smote")
    loop = ModelLoop(dataset=wide, algorithms=["logistic_regression", "random_forest"],
                     repeats=2, cache=ResultCache(), n_jobs=1)
    run = loop.run(spec)
    for result in run.algorithms:
        for fit in result.fits:
            shifted = shift_training_set(wide, spec, random_state=fit.seed)
            pipe = models.make_full_pipeline(models.get(result.algorithm, wide.task_name),
                                             wide.kinds, fit.seed)
            pipe.fit(shifted.X, shifted.y)
            y_pred = pipe.predict(wide.X_test)
            np.testing.assert_array_equal(fit.y_pred, y_pred)
            np.testing.assert_array_equal(fit.scores, pipe.predict_proba(wide.X_test))
            assert fit.metrics == score_classification(
                wide.y_test, y_pred, pipe.predict_proba(wide.X_test), n_classes=2,
                positive=wide.positive_index)


def test_an_unknown_value_falls_back_to_the_text(wide):
    """A synthetic row whose value the dataset never had cannot be coded: the text
    preprocessing is used, with the same numbers."""
    shifted = shift_training_set(wide, ShiftSpec("job", "pilot", 1.0, "smote"), random_state=0)
    shifted.X.loc[np.flatnonzero(shifted.synthetic)[0], "job"] = "astronaut"
    table = CodedTable(wide)
    assert table.rows(shifted) is None
    prepared = prepare(wide, shifted, table)
    X_train, X_test = prepared.train(), prepared.test
    expected_train, expected_test = _text_matrices(wide, shifted)
    np.testing.assert_array_equal(X_train, expected_train)
    np.testing.assert_array_equal(X_test, expected_test)


@pytest.mark.parametrize("coded", [True, False])
def test_a_budget_sample_is_exactly_those_rows_of_the_whole_matrix(wide, coded):
    """A fit under a training-row budget transforms only its sample (the preprocessing still
    fitted on every shifted row): the same numbers as the rows of the whole set's matrix, on
    the coded path and on the text one."""
    spec = ShiftSpec("city", wide.default_group("city"), 1.0, "smote")
    shifted = shift_training_set(wide, spec, random_state=2)
    prepared = prepare(wide, shifted, CodedTable(wide) if coded else None)
    whole, expected_test = _text_matrices(wide, shifted)
    rows = np.sort(np.random.default_rng(0).choice(len(shifted.y), 300, replace=False))
    np.testing.assert_array_equal(prepared.train(rows), whole[rows])
    np.testing.assert_array_equal(prepared.train(), whole)
    np.testing.assert_array_equal(prepared.test, expected_test)


def test_a_budgeted_loop_scores_a_pipeline_fitted_on_its_sample(wide):
    """End to end under a budget: the preprocessing fitted on every shifted row, the estimator
    on the budget's stratified sample, scored on the test set; as scikit-learn computes it."""
    from distviz.data.sampling import sample_rows
    spec = ShiftSpec("city", wide.default_group("city"), 1.0)
    loop = ModelLoop(dataset=wide, algorithms=["logistic_regression"], repeats=2,
                     cache=ResultCache(), n_jobs=1, max_train_rows=400)
    run = loop.run(spec)
    for fit in run.algorithms[0].fits:
        shifted = shift_training_set(wide, spec, random_state=fit.seed)
        rows = sample_rows(len(shifted.y), 400, random_state=fit.seed, labels=shifted.y)
        prep = models.make_preprocessor(wide.kinds).fit(shifted.X)
        model = models.get("logistic_regression", wide.task_name).make(fit.seed)
        model.fit(prep.transform(shifted.X)[rows], shifted.y[rows])
        assert fit.train_rows_used == 400
        np.testing.assert_array_equal(fit.y_pred, model.predict(prep.transform(wide.X_test)))
