"""Performance properties stated as ratios and equalities (timed figures live in benchmarks/)."""

import time

import numpy as np
from distviz import synth
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.models import default_algorithms
from distviz.resample import ShiftSpec


def test_cached_rerun_is_at_least_20x_faster_than_cold(titanic, fresh_cache):
    loop = ModelLoop(dataset=titanic, algorithms=default_algorithms("classification"),
                     cache=fresh_cache, n_jobs=2)
    loop.warm_up()  # pool start-up is not part of either measurement
    spec = ShiftSpec("sex", "female", -0.5)

    start = time.perf_counter()
    cold = loop.run(spec)
    cold_seconds = time.perf_counter() - start

    start = time.perf_counter()
    cached = loop.run(spec)
    cached_seconds = time.perf_counter() - start

    fits = 2 * len(loop.algorithms)  # shifted and baseline
    assert (cold.computed, cold.cached) == (fits, 0)
    assert (cached.computed, cached.cached) == (0, fits)
    for c, w in zip(cold.algorithms, cached.algorithms):
        assert c.error is None and (c.metrics, c.baseline) == (w.metrics, w.baseline)
    assert cold_seconds >= 20 * cached_seconds, (cold_seconds, cached_seconds)


def _fits(result):
    return {(f.algorithm, f.training_key, f.seed): f
            for a in result.algorithms for f in a.fits + a.baseline_fits}


def test_one_or_two_jobs_give_identical_results():
    """Same seeds, same numbers, whether fits run inline or in worker processes (including
    a training-row budget sample and a SMOTE-up-sampled group; tests/test_loop.py checks the
    JSON of a random up-sampling on titanic the same way)."""
    ds = Dataset(source=synth.make_table(2_500, random_state=11), target=synth.TARGET)
    spec = ShiftSpec("cat_1", ds.smallest_group("cat_1"), 1.0, upsampler="smote")
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
