"""Shift and model edge cases (issue 6, part 2) and what the engine does with the user's files.

The affected algorithm reports its error, the others still report, nothing hangs; the cache is
bounded, lives in one place, holds only JSON and ``.npz`` and can be cleared; the data file is
never written to.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time

import numpy as np
import pandas as pd
import pytest
from sklearn import metrics as skm

from distviz import models
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.results import FitResult
from distviz.shift import ShiftSpec, shift_training_set

import helpers_estimators

FAST = ["logistic_regression", "decision_tree"]


# ------------------------------------------------------------------------------ shifts
def test_ratio_minus_one_removes_the_group(titanic, fresh_cache):
    spec = ShiftSpec("sex", "female", -1.0)
    shift = shift_training_set(titanic, spec, random_state=0)
    n_female = int((titanic.group_labels("sex") == "female").sum())
    assert n_female > 0
    assert shift.groups_after["female"] == 0
    assert (titanic.group_labels("sex", shift.X) != "female").all()
    assert len(shift.X) == len(shift.y) == len(titanic.X_train) - n_female
    # The test set is frozen: the models are still scored on every test row, women included.
    run = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=fresh_cache).run(spec)
    for entry in run.algorithms:
        assert entry.ok, entry.error
        assert len(entry.first_fit.y_pred) == len(titanic.y_test)
        assert entry.metrics["f1"] == pytest.approx(
            skm.f1_score(titanic.y_test, entry.first_fit.y_pred))
        assert entry.first_fit.train_rows == len(shift.X)


def _tiny_group_dataset(train_rows):
    """160 ordinary rows plus one tiny group ``g = tiny`` of a single class (one rare category
    is kept as its own group), split so that the tiny group has ``train_rows`` training rows."""
    rng = np.random.default_rng(0)
    n = 160
    x = rng.normal(size=n + 3)
    label = np.where(x[:n] + rng.normal(scale=0.7, size=n) > 0, "yes", "no")
    frame = pd.DataFrame({"g": np.r_[rng.choice(["big_a", "big_b"], size=n), ["tiny"] * 3],
                          "x": x, "label": np.r_[label, ["yes"] * 3]})
    for seed in range(50):  # the split seed that leaves the wanted number of training rows
        ds = Dataset(source=frame, target="label", random_state=seed)
        table = ds.groups("g").set_index("group")
        if table.loc["tiny", "train_rows"] == train_rows:
            return ds
    raise AssertionError(f"no split leaves {train_rows} tiny rows in training")


@pytest.mark.parametrize("train_rows", [1, 2])
def test_smote_on_a_one_or_two_row_group(train_rows):
    ds = _tiny_group_dataset(train_rows)
    group = "tiny"
    spec = ShiftSpec("g", group, 2.0, "smote")
    shift = shift_training_set(ds, spec, random_state=0)
    assert shift.groups_after[group] == 3 * train_rows
    assert int(shift.synthetic.sum()) == 2 * train_rows
    new = shift.X[shift.synthetic]
    assert (new["g"] == group).all()
    assert np.isfinite(new["x"]).all()
    original = ds.X_train.loc[ds.group_labels("g") == group, "x"].to_numpy()
    if train_rows == 1:
        assert any("SMOTE needs at least 2 rows" in note for note in shift.notes)
        np.testing.assert_allclose(new["x"], original[0])  # duplicated, said so
    else:  # interpolated between the two rows: inside their range
        assert new["x"].between(original.min() - 1e-9, original.max() + 1e-9).all()
    # The class of the synthetic rows is the group's class.
    group_classes = set(ds.y_train[(ds.group_labels("g") == group).to_numpy()])
    assert set(shift.y[shift.synthetic]) == group_classes
    run = ModelLoop(dataset=ds, algorithms=FAST, n_jobs=1, cache=ResultCache()).run(spec)
    assert all(entry.ok for entry in run.algorithms), [e.error for e in run.algorithms]


def test_vanished_class_fails_xgboost_only():
    """Chinstrap penguins live only on Dream: removing Dream from training removes the class.
    XGBoost refuses labels {0, 2}; the other algorithms still score on the frozen test set."""
    penguins = Dataset(source="penguins")
    spec = ShiftSpec("island", "Dream", -1.0)
    shift = shift_training_set(penguins, spec, random_state=0)
    chinstrap = penguins.classes.index("Chinstrap")
    assert chinstrap in penguins.y_train and chinstrap not in shift.y
    loop = ModelLoop(dataset=penguins, algorithms=["xgboost", "random_forest",
                                                   "logistic_regression"],
                     n_jobs=2, cache=ResultCache())
    run = loop.run(spec)
    by_name = {entry.algorithm: entry for entry in run.algorithms}
    assert not by_name["xgboost"].ok
    assert "class" in by_name["xgboost"].error.lower()
    assert by_name["xgboost"].baseline is not None  # its baseline still fitted fine
    for name in ("random_forest", "logistic_regression"):
        entry = by_name[name]
        assert entry.ok, entry.error
        assert chinstrap not in entry.first_fit.y_pred  # it never saw the class
        assert entry.metrics["f1"] == pytest.approx(
            skm.f1_score(penguins.y_test, entry.first_fit.y_pred, average="macro"))
    # The CLI reports the same without failing.
    assert run.to_dict()["results"][0]["error"] == by_name["xgboost"].error


@pytest.fixture()
def misbehaving():
    models.register("test_raising", helpers_estimators.make_raising, task="classification",
                    replace=True)
    models.register("test_sleepy", helpers_estimators.make_sleepy, task="classification",
                    replace=True)
    yield
    for name in ("test_raising", "test_sleepy"):
        models.unregister(name, task="classification")


@pytest.mark.parametrize("n_jobs", [1, 2])
def test_raising_algorithm_reports_and_others_run(titanic, misbehaving, n_jobs):
    loop = ModelLoop(dataset=titanic, algorithms=["test_raising", *FAST], n_jobs=n_jobs,
                     cache=ResultCache())
    run = loop.run(ShiftSpec("sex", "female", 0.5))
    by_name = {entry.algorithm: entry for entry in run.algorithms}
    assert by_name["test_raising"].error == "RuntimeError: deliberate failure in fit"
    assert by_name["test_raising"].metrics is None
    for name in FAST:
        assert by_name[name].ok and by_name[name].metrics["f1"] > 0
    text = json.dumps(run.to_dict(), default=str)
    assert "deliberate failure in fit" in text
    assert run.best("shifted") in FAST


@pytest.mark.timeout(60)
def test_algorithm_past_its_time_budget_times_out(titanic, misbehaving):
    budget = 1.5
    loop = ModelLoop(dataset=titanic, algorithms=["test_sleepy", "logistic_regression"],
                     repeats=1, n_jobs=2, time_budget=budget, cache=ResultCache())
    loop.warm_up()
    started = time.perf_counter()
    run = loop.run(ShiftSpec("sex", "female", -0.5))
    elapsed = time.perf_counter() - started
    # Two sleepy fits (shifted and baseline) of 10 s each: without the budget this is >= 10 s.
    assert elapsed < budget * 2 + 5, elapsed
    by_name = {entry.algorithm: entry for entry in run.algorithms}
    assert by_name["test_sleepy"].error.startswith("TimeoutError")
    assert "time budget" in by_name["test_sleepy"].error
    assert by_name["logistic_regression"].ok
    # A timeout is transient: it is not cached, so a later run tries again.
    key = loop.cache_key(ShiftSpec("sex", "female", -0.5), models.get("test_sleepy",
                         "classification"), 0)
    assert loop.result_cache.get(key) is None
    # The stuck fits were interrupted in their workers, so the pool is free again at once
    # (without that, the next fits would queue ~10 s behind two sleeping workers).
    started = time.perf_counter()
    again = ModelLoop(dataset=titanic, algorithms=["logistic_regression", "decision_tree"],
                      n_jobs=2, cache=ResultCache()).run(ShiftSpec("sex", "female", 0.5))
    assert time.perf_counter() - started < 5
    assert all(entry.ok for entry in again.algorithms)


# ------------------------------------------------------------------------------ cache
def _fit(n):
    return FitResult("a", 0, "k", {"f1": 0.5}, np.zeros(n, dtype=np.int64), np.zeros((n, 2)),
                     0.1, n, n, None)


def test_cache_size_limit_evicts_least_recently_used():
    one = _fit(1000).nbytes
    cache = ResultCache(max_bytes=int(one * 3.5))
    for k in range(3):
        cache.put(f"k{k}", _fit(1000))
    assert cache.get("k0") is not None  # k0 becomes the most recently used
    cache.put("k3", _fit(1000))
    assert cache.nbytes <= cache.max_bytes
    assert len(cache) == 3 and cache.evictions == 1
    assert cache.get("k1") is None  # the least recently used went first
    assert all(cache.get(k) is not None for k in ("k0", "k2", "k3"))
    for k in range(4, 40):
        cache.put(f"k{k}", _fit(1000))
        assert cache.nbytes <= cache.max_bytes
    assert cache.evictions == 37


def test_loop_memory_stays_bounded_by_the_cache(titanic):
    cache = ResultCache(max_bytes=40_000)
    loop = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=cache)
    for ratio in (-0.5, 0.5, 1.0, 2.0):
        loop.run(ShiftSpec("sex", "female", ratio))
        assert cache.nbytes <= 40_000
    assert cache.evictions > 0


def test_disk_cache_is_json_and_npz_only_and_clears(titanic, tmp_path):
    folder = tmp_path / "cache"
    loop = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=ResultCache(folder))
    first = loop.run(ShiftSpec("sex", "female", 0.5))
    files = sorted(p.name for p in folder.iterdir())
    assert files and {os.path.splitext(f)[1] for f in files} == {".json", ".npz"}
    for path in folder.glob("*.json"):
        record = json.loads(path.read_text())
        assert record["algorithm"] in FAST
    for path in folder.glob("*.npz"):
        with np.load(path, allow_pickle=False) as stored:  # no object arrays hidden inside
            assert set(stored.files) <= {"y_pred", "scores"}
            for name in stored.files:
                assert stored[name].dtype != object
    # A fresh process-like cache on the same folder serves the same numbers from disk.
    again = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1,
                      cache=ResultCache(folder)).run(ShiftSpec("sex", "female", 0.5))
    assert again.computed == 0
    for a, b in zip(first.algorithms, again.algorithms):
        assert a.metrics == b.metrics
        np.testing.assert_array_equal(a.first_fit.y_pred, b.first_fit.y_pred)
    env = {**os.environ, "DISTVIZ_CACHE_DIR": str(folder)}
    info = subprocess.run([sys.executable, "-m", "distviz.cli", "cache", "info"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert info.returncode == 0 and str(folder) in info.stdout
    assert f"{len(list(folder.glob('*.json')))} cached results" in info.stdout
    clear = subprocess.run([sys.executable, "-m", "distviz.cli", "cache", "clear"],
                           capture_output=True, text=True, env=env, timeout=60)
    assert clear.returncode == 0, clear.stderr
    assert not list(folder.glob("*.json")) and not list(folder.glob("*.npz"))


def test_cli_run_writes_only_to_the_documented_cache_dir(tmp_path):
    folder = tmp_path / "where"
    data = tmp_path / "data.csv"
    Dataset(source="titanic").frame.to_csv(data, index=False)
    env = {**os.environ, "DISTVIZ_CACHE_DIR": str(folder), "HOME": str(tmp_path / "home")}
    proc = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", str(data),
                           "--target", "survived", "--feature", "sex", "--group", "female",
                           "--ratio", "1", "--algorithms", ",".join(FAST), "--repeats", "1"],
                          capture_output=True, text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert list(folder.glob("*.json"))
    # Nothing else appeared next to the data or in HOME.
    assert sorted(p.name for p in tmp_path.iterdir()) == ["data.csv", "where"]


# ------------------------------------------------------------------------------ data file
def test_users_data_file_is_never_written(tmp_path):
    frame = Dataset(source="titanic").frame
    data = tmp_path / "passengers.csv"
    frame.to_csv(data, index=False)
    old = os.stat(data).st_mtime_ns - 10**9  # set an mtime in the past so a rewrite shows
    os.utime(data, ns=(old, old))
    before = data.read_bytes()
    ds = Dataset(source=str(data), target="survived")
    loop = ModelLoop(dataset=ds, algorithms=FAST, n_jobs=1, cache=ResultCache(tmp_path / "c"))
    loop.run(ShiftSpec("sex", "female", 1.0, "smote", "smote"))
    loop.run(ShiftSpec("sex", "female", -1.0))
    proc = subprocess.run([sys.executable, "-m", "distviz.cli", "run", "--data", str(data),
                           "--target", "survived", "--ratio", "2", "--upsampler", "smote",
                           "--algorithms", ",".join(FAST), "--repeats", "1", "--no-cache"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert data.read_bytes() == before
    assert os.stat(data).st_mtime_ns == old
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c", "passengers.csv"]
