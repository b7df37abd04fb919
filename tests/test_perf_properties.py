"""Performance properties stated as counts and equalities (timed figures live in benchmarks/)."""

import numpy as np
import pandas as pd
from distviz import synth
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.models import default_algorithms
from distviz.shift import ShiftSpec


def test_a_cached_rerun_fits_nothing_and_gives_the_same_numbers(titanic, fresh_cache):
    """Its speed (0.0001x the cold run) is measured by benchmarks/bench_loop.py; here, what
    makes it fast: not one fit is computed again, and the numbers are the cold run's."""
    loop = ModelLoop(dataset=titanic, algorithms=default_algorithms("classification"),
                     repeats=1, cache=fresh_cache, n_jobs=2)
    spec = ShiftSpec("sex", "female", -0.5)
    cold = loop.run(spec)
    cached = loop.run(spec)
    fits = 2 * len(loop.algorithms)  # shifted and baseline
    assert (cold.computed, cold.cached) == (fits, 0)
    assert (cached.computed, cached.cached) == (0, fits)
    for c, w in zip(cold.algorithms, cached.algorithms):
        assert c.error is None and (c.metrics, c.baseline) == (w.metrics, w.baseline)


def _fits(result):
    return {(f.algorithm, f.training_key, f.seed): f
            for a in result.algorithms for f in a.fits + a.baseline_fits}


def test_one_or_two_jobs_give_identical_results():
    """Same seeds, same numbers, whether fits run inline or in worker processes (including
    a training-row budget sample and a SMOTE-up-sampled group; tests/test_loop.py checks the
    JSON of a random up-sampling on titanic the same way)."""
    ds = Dataset(source=synth.make_table(2_500, random_state=11), target=synth.TARGET)
    spec = ShiftSpec("cat_1", ds.default_group("cat_1"), 1.0, upsampler="smote")
    runs = {}
    for n_jobs in (1, 2):
        loop = ModelLoop(dataset=ds, algorithms=["xgboost", "mlp", "svm"], repeats=2,
                         max_train_rows=1_500, cache=ResultCache(), n_jobs=n_jobs)
        runs[n_jobs] = loop.run(spec)
        assert runs[n_jobs].computed == 2 * 2 * 3
    serial, parallel = runs[1], runs[2]
    for a, b in zip(serial.algorithms, parallel.algorithms):
        assert a.error is None and b.error is None
        assert a.budget_applied and a.train_rows_used == 1_500
        assert (a.metrics, a.baseline, a.delta, a.ci95) == (b.metrics, b.baseline, b.delta,
                                                              b.ci95)
    fits_1, fits_2 = _fits(serial), _fits(parallel)
    assert fits_1.keys() == fits_2.keys()
    for key, fit in fits_1.items():
        np.testing.assert_array_equal(fit.y_pred, fits_2[key].y_pred)
        np.testing.assert_array_equal(fit.scores, fits_2[key].scores)
    # and the seed matters: another seed gives other predictions
    other = ModelLoop(dataset=ds, algorithms=["xgboost"], random_state=5, max_train_rows=1_500,
                      cache=ResultCache(), n_jobs=2).run(spec)
    assert not np.array_equal(other.result("xgboost").first_fit.scores,
                              serial.result("xgboost").first_fit.scores)


def test_one_pass_predictions_equal_predict_and_scores():
    """The loop takes labels and scores from one pass over the test set where ``predict`` is
    a function of the scores: they must be exactly what ``predict`` and the scores give."""
    from distviz import models
    from distviz.loop.fit import class_scores, predict_classes

    for source, names in (("titanic", models.DEFAULT_ALGORITHMS),
                          ("penguins", models.DEFAULT_ALGORITHMS)):
        ds = Dataset(source=source)
        prep = models.make_preprocessor(ds.kinds)
        X_train, X_test = prep.fit_transform(ds.X_train), prep.transform(ds.X_test)
        for name in names:
            estimator = models.get(name, ds.task_name).make(3).fit(X_train, ds.y_train)
            y_pred, scores = predict_classes(estimator, X_test, len(ds.classes))
            np.testing.assert_array_equal(y_pred, estimator.predict(X_test).astype(np.int64))
            np.testing.assert_array_equal(scores, class_scores(estimator, X_test,
                                                                len(ds.classes)))
            assert y_pred.dtype == np.int64 and scores.shape == (len(X_test), len(ds.classes))


def _numbers(result):
    return [(a.algorithm, a.metrics, a.baseline, a.error) for a in result.algorithms]


def test_prefetch_fills_the_cache_with_the_numbers_run_computes(titanic):
    """A prefetch of several specs schedules their fits together; afterwards every run is
    served from the cache and equals what a plain one-process loop computes."""
    specs = [ShiftSpec("sex", "female", r) for r in (-0.5, 0.5)] + \
        [ShiftSpec("class", titanic.default_group("class"), -0.8)]
    names = ["xgboost", "logistic_regression"]
    loop = ModelLoop(dataset=titanic, algorithms=names, repeats=2, cache=ResultCache(),
                     n_jobs=2)
    seen = []
    assert loop.prefetch(specs, progress=lambda d, t, f: seen.append((d, t))) is None
    distinct = (len(specs) + 1) * 2 * len(names)  # one shared baseline
    assert [d for d, _ in seen] == list(range(1, distinct + 1))
    assert {t for _, t in seen} == {distinct}
    reference = ModelLoop(dataset=titanic, algorithms=names, repeats=2, cache=ResultCache(),
                          n_jobs=1)
    for spec in specs:
        cached = loop.run(spec)
        assert (cached.computed, cached.cached) == (0, 2 * 2 * len(names))
        assert _numbers(cached) == _numbers(reference.run(spec))


def test_background_prefetch_yields_to_a_run_and_computes_the_same_numbers(titanic):
    names = ["xgboost", "logistic_regression"]
    loop = ModelLoop(dataset=titanic, algorithms=names, cache=ResultCache(), n_jobs=2)
    neighbours = [ShiftSpec("sex", "female", r) for r in (-0.6, -0.4, 0.25, 1.0)]
    handle = loop.prefetch(neighbours, background=True)
    wanted = ShiftSpec("sex", "female", -0.4)
    now = loop.run(wanted)  # the user's request while the prefetch is running
    assert handle.wait(120) and handle.error is None
    assert all(loop.run(s).computed == 0 for s in neighbours)
    reference = ModelLoop(dataset=titanic, algorithms=names, cache=ResultCache(), n_jobs=1)
    assert _numbers(now) == _numbers(reference.run(wanted))
    assert _numbers(loop.run(neighbours[-1])) == _numbers(reference.run(neighbours[-1]))
    # a cancelled prefetch submits nothing more
    stopped = loop.prefetch([ShiftSpec("sex", "female", 3.0)], background=True)
    stopped.cancel()
    assert stopped.wait(60)


def test_max_rows_takes_a_stratified_seeded_sample_before_the_split():
    table = synth.make_table(6_000, imbalance=0.1, random_state=4)
    full = Dataset(source=table, target=synth.TARGET)
    assert full.sampled_from is None and "sampled_from_rows" not in full.summary()
    sampled = Dataset(source=table, target=synth.TARGET, max_rows=1_000)
    again = Dataset(source=table, target=synth.TARGET, max_rows=1_000)
    assert len(sampled.X_train) + len(sampled.X_test) == 1_000
    assert sampled.summary()["sampled_from_rows"] == 6_000 and sampled.summary()["rows"] == 1_000
    assert any("sample of 1,000 of 6,000 rows" in n for n in sampled.notes)
    positives = np.concatenate([sampled.y_train, sampled.y_test]).mean()
    assert positives == table[synth.TARGET].mean()  # stratified: the class share is kept
    assert sampled.fingerprint == again.fingerprint != full.fingerprint
    # every sampled row is a row of the table, unchanged
    rows = pd.concat([sampled.X_train, sampled.X_test])
    merged = rows.merge(full.frame[full.features], how="left", indicator=True)
    assert (merged["_merge"] == "both").all()


def test_max_rows_keeps_two_rows_of_a_rare_class():
    table = synth.make_table(3_000, random_state=2)
    table[synth.TARGET] = table[synth.TARGET].astype(str)
    table.loc[:2, synth.TARGET] = "rare"  # 3 of 3,000 rows
    ds = Dataset(source=table, target=synth.TARGET, max_rows=300)
    codes = np.concatenate([ds.y_train, ds.y_test])
    assert (codes == ds.classes.index("rare")).sum() >= 2


def test_cached_group_labels_are_equal_and_safe_to_modify(titanic):
    first = titanic.group_labels("age")
    first.iloc[0] = "changed"
    again = titanic.group_labels("age")
    assert again.iloc[0] != "changed"
    table = titanic.groups("age")
    table.loc[0, "train_rows"] = -1
    assert (titanic.groups("age")["train_rows"] > 0).all()
    assert titanic.group_labels("age", titanic.X_test).equals(
        titanic.group_labels("age", titanic.X_test.copy()))


def test_the_svm_predicts_its_test_rows_once(monkeypatch):
    """A binary SVC without Platt scaling: labels and scores from one decision function over the
    test set, never a second pass through ``predict`` (it was half an SVM fit's time)."""
    from sklearn.svm import SVC

    from distviz import models
    from distviz.loop.fit import predict_classes

    ds = Dataset(source="titanic")
    prep = models.make_preprocessor(ds.kinds)
    X_train, X_test = prep.fit_transform(ds.X_train), prep.transform(ds.X_test)
    estimator = models.get("svm", ds.task_name).make(0).fit(X_train, ds.y_train)
    expected = estimator.predict(X_test).astype(np.int64)
    calls = []
    monkeypatch.setattr(SVC, "predict", lambda self, X: calls.append(len(X)))
    y_pred, _ = predict_classes(estimator, X_test, len(ds.classes))
    assert calls == [] and np.array_equal(y_pred, expected)


def test_a_budget_sample_is_drawn_once_for_every_fit_that_uses_it(monkeypatch):
    """A stratified draw over 750,000 rows takes 0.2 s (bench_million's profile): the algorithms
    of one (training set, seed) share one training-row sample, and every seed shares one
    test-row sample; what each fit receives is the draw it would make on its own."""
    from distviz.data.sampling import sample_rows
    from distviz.loop import jobs

    ds = Dataset(source=synth.make_table(3_000, random_state=3), target=synth.TARGET)
    drawn = []

    def counted(n, size, **kwargs):
        drawn.append((n, size, kwargs["random_state"]))
        return sample_rows(n, size, **kwargs)
    monkeypatch.setattr(jobs, "sample_rows", counted)
    spec = ShiftSpec("cat_1", ds.default_group("cat_1"), -0.5)
    loop = ModelLoop(dataset=ds, algorithms=["xgboost", "mlp", "random_forest"], repeats=2,
                     max_train_rows=1_000, cache=ResultCache(), n_jobs=1)
    sets = loop._sets
    made = []
    real_arguments = jobs.FitJob.arguments

    def arguments(job):
        args, kwargs = real_arguments(job)
        made.append((job, args))
        return args, kwargs
    monkeypatch.setattr(jobs.FitJob, "arguments", arguments)
    run = loop.run(spec)
    assert run.computed == 2 * 2 * 3 and all(a.train_rows_used == 1_000 for a in run.algorithms)
    # One draw per (training set, seed): baseline and shifted, 2 seeds; not one per fit.
    assert len(drawn) == 4 and len(set(drawn)) == 4
    for job, (_, seed, X_train, y_train, X_test, y_test) in made:
        shifted = sets.shift(ds, job.state, seed, max_ratio=job.max_ratio)
        own = sample_rows(len(shifted.y), 1_000, random_state=seed, labels=shifted.y)
        np.testing.assert_array_equal(y_train, shifted.y[own])
        assert len(X_train) == 1_000 and len(X_test) == len(ds.y_test)
    # A test-row budget: one sample for every seed and state.
    own = jobs.test_sample(ds, 300)
    drawn.clear()
    for seed in (0, 1):
        for state in (spec, ShiftSpec("cat_1", ds.default_group("cat_1"), 0.0)):
            rows = jobs.FitJob(sets, ds, state, seed, loop.algorithms[0], "k", None, 1.0,
                               test_budget=300).test_rows
            np.testing.assert_array_equal(rows, own)
    assert len(drawn) == 1
