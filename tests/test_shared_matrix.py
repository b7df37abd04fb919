"""The large test matrix the local workers read from one file: the same numbers as a copy,
only for the local pool, and the file gone with its last handle."""

import gc
import os
import pickle

import numpy as np

from distviz import synth
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache, shared_matrix
from distviz.loop.executor import FitExecutor
from distviz.loop.shared_matrix import SharedMatrix
from distviz.shift import ShiftSpec


def test_a_shared_matrix_unpickles_as_a_read_only_map_of_its_file():
    array = np.random.default_rng(0).normal(size=(1_000, 7))
    shared = SharedMatrix(array)
    path = shared.path
    mapped = pickle.loads(pickle.dumps(shared))
    assert isinstance(mapped, np.memmap) and not mapped.flags.writeable
    np.testing.assert_array_equal(mapped, array)
    assert len(pickle.dumps(shared)) < 200  # its name, not its numbers
    del shared, mapped
    gc.collect()
    assert not os.path.exists(path)


def test_a_local_worker_receives_the_map():
    array = np.arange(12.0).reshape(4, 3)
    shared = SharedMatrix(array)
    executor = FitExecutor()
    received = executor.pool(2).submit(_what_arrived, shared).result()
    assert received == ("memmap", array.sum())


def _what_arrived(matrix):
    return type(matrix).__name__, float(matrix.sum())


def test_fits_on_a_shared_test_matrix_give_the_numbers_of_copied_ones(monkeypatch):
    """Every test matrix shared (the threshold at 0): the pool's fits equal the inline ones,
    prediction by prediction; a dask worker (not the local pool) gets the array itself."""
    ds = Dataset(source=synth.make_table(2_000, random_state=5), target=synth.TARGET)
    spec = ShiftSpec("cat_1", ds.default_group("cat_1"), 1.0)
    runs = {}
    for n_jobs, threshold in ((1, 2**62), (2, 0)):
        monkeypatch.setattr(shared_matrix, "MIN_BYTES", threshold)
        loop = ModelLoop(dataset=ds, algorithms=["xgboost", "mlp", "random_forest"],
                         repeats=2, cache=ResultCache(), n_jobs=n_jobs)
        runs[n_jobs] = loop.run(spec)
        assert runs[n_jobs].computed == 2 * 2 * 3
    files = list(shared_matrix._folder.glob("*.npy"))
    assert files, "no test matrix was shared"
    for a, b in zip(runs[1].algorithms, runs[2].algorithms):
        assert a.error is None and b.error is None
        assert (a.metrics, a.baseline, a.ci95) == (b.metrics, b.baseline, b.ci95)
        for f, g in zip(a.fits + a.baseline_fits, b.fits + b.baseline_fits):
            np.testing.assert_array_equal(f.y_pred, g.y_pred)
            np.testing.assert_array_equal(f.scores, g.scores)
    job = _a_job(loop, ds, spec)
    (_, _, _, _, X_test, _), _ = job.arguments(local_pool=False)
    assert type(X_test) is np.ndarray
    (_, _, _, _, X_test, _), _ = job.arguments(local_pool=True)
    assert isinstance(X_test, SharedMatrix)


def _a_job(loop, ds, spec):
    from distviz.loop.jobs import FitJob
    from distviz import models
    return FitJob(loop._sets, ds, spec, 0, models.get("xgboost", ds.task_name), "key", None, 4.0)
