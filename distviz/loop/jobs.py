"""The fits of a run before they run: the shifted, preprocessed training sets they share
(:class:`TrainingSets`), one fit (:class:`FitJob`) and the order they are scheduled in
(:func:`schedule`)."""

from __future__ import annotations

import threading
from collections import OrderedDict

import numpy as np

from .. import models
from ..data import Dataset
from ..data.sampling import sample_rows
from ..results import FitResult
from ..shift import ShiftResult, ShiftSpec, shift_training_set
from .encoding import CodedTable, Prepared, prepare
from .weights import duplicates_as_weights


class TrainingSets:
    """A small LRU of shifted training sets and their preprocessed matrices: the algorithms of
    one (training set, seed) share one shift and one preprocessing pass (what each pipeline
    would compute on its own)."""

    def __init__(self, size: int = 12, samples: int = 64):
        self.size, self.samples = size, samples
        self._entries: OrderedDict[tuple, object] = OrderedDict()
        # Row samples apart (small index arrays): they must not push matrices out.
        self._samples: OrderedDict[tuple, object] = OrderedDict()
        self._lock = threading.Lock()
        self._coded: tuple = (None, None)  # (dataset fingerprint, its CodedTable)

    def _remember(self, key, make, *, samples: bool = False):
        store, size = (self._samples, self.samples) if samples else (self._entries, self.size)
        with self._lock:
            if key in store:
                store.move_to_end(key)
                return store[key]
        value = make()
        if samples and value is not None:
            value.flags.writeable = False  # shared by every fit that uses it
        with self._lock:
            store[key] = value
            while len(store) > size:
                store.popitem(last=False)
        return value

    def shift(self, dataset: Dataset, spec: ShiftSpec, seed: int, *,
              max_ratio: float) -> ShiftResult:
        """The shifted training set for ``seed``."""
        key = ("shift", dataset.fingerprint, spec.training_key(), seed, spec.feature, spec.group,
               spec.mix_name, spec.notes)  # the spec a result reports
        return self._remember(key, lambda: shift_training_set(
            dataset, spec, random_state=seed, max_ratio=max_ratio))

    def coded(self, dataset: Dataset) -> CodedTable:
        """The dataset's rows coded once (:class:`~distviz.loop.encoding.CodedTable`)."""
        with self._lock:  # kept beside the LRU: every shift of the dataset selects from it
            fingerprint, table = self._coded
        if fingerprint != dataset.fingerprint:
            table = CodedTable(dataset)
            with self._lock:
                self._coded = (dataset.fingerprint, table)
        return table

    def budget_rows(self, dataset: Dataset, spec: ShiftSpec, seed: int, budget: int | None, *,
                    max_ratio: float) -> np.ndarray | None:
        """The rows of the shifted training set for ``seed`` a fit under ``budget`` trains on:
        all (None), or a seeded sample (stratified for classification), drawn once for every
        algorithm with that budget (at 1,000,000 rows each draw is over 750,000)."""
        y = self.shift(dataset, spec, seed, max_ratio=max_ratio).y
        if not (budget and len(y) > budget):
            return None
        key = ("rows", dataset.fingerprint, spec.training_key(), seed, budget)
        return self._remember(key, lambda: sample_rows(
            len(y), budget, random_state=seed,
            labels=y if dataset.is_classification else None), samples=True)

    def test_rows(self, dataset: Dataset, budget: int | None) -> np.ndarray | None:
        """:func:`test_sample`, drawn once per dataset and budget."""
        return self._remember(("test", dataset.fingerprint, budget),
                              lambda: test_sample(dataset, budget), samples=True)

    def prepared(self, dataset: Dataset, spec: ShiftSpec, seed: int, *,
                 max_ratio: float) -> Prepared:
        """The shifted training set with its preprocessing fitted on it (a selection of the
        dataset's coded rows: :func:`~distviz.loop.encoding.prepare`), ready to transform the
        rows each fit uses."""
        key = ("prepared", dataset.fingerprint, spec.training_key(), seed)
        return self._remember(key, lambda: prepare(
            dataset, self.shift(dataset, spec, seed, max_ratio=max_ratio), self.coded(dataset)))


class FitJob:
    """One fit not in the cache: an algorithm on a (training set, seed), within its budget.
    Its matrices are built only when it is submitted (a superseded run never builds them)."""

    def __init__(self, sets: TrainingSets, dataset: Dataset, state: ShiftSpec, seed: int,
                 algorithm: models.Algorithm, key: str, budget: int | None, max_ratio: float,
                 test_budget: int | None = None):
        self.sets, self.dataset, self.state, self.seed = sets, dataset, state, seed
        self.algorithm, self.key, self.budget, self.max_ratio = algorithm, key, budget, max_ratio
        self.test_budget = test_budget

    def shifted(self) -> ShiftResult:
        return self.sets.shift(self.dataset, self.state, self.seed, max_ratio=self.max_ratio)

    def rows(self) -> np.ndarray | None:
        """The training rows the fit uses: all (None), or a seeded (stratified) sample of the
        budget."""
        return self.sets.budget_rows(self.dataset, self.state, self.seed, self.budget,
                                     max_ratio=self.max_ratio)

    @property
    def test_rows(self) -> np.ndarray | None:
        """The test rows the fit scores: all (None), or under its test-row budget one seeded,
        stratified sample, the same for every seed and state (so deltas stay paired)."""
        return self.sets.test_rows(self.dataset, self.test_budget)

    def arguments(self, *, local_pool: bool = False) -> tuple[tuple, dict]:
        """``fit_and_score``'s arguments: the algorithm, seed and matrices. ``local_pool``: for
        this machine's worker processes, which may read a large test matrix from one file
        (:mod:`~distviz.loop.shared_matrix`)."""
        ds, shifted = self.dataset, self.shifted()
        prepared = self.sets.prepared(ds, self.state, self.seed, max_ratio=self.max_ratio)
        rows, weights = self.rows(), None
        if self.algorithm.weighted_duplicates:
            rows, weights = duplicates_as_weights(shifted.origin, rows)
        test_rows, y_train = self.test_rows, shifted.y
        X_train = prepared.train(rows)  # only the budget's rows are transformed
        X_test, y_test = prepared.test, ds.y_test
        if rows is not None:
            y_train = y_train[rows]
        if test_rows is not None:
            X_test, y_test = X_test[test_rows], y_test[test_rows]
        elif local_pool:
            X_test = prepared.test_for_workers()
        return ((self.algorithm, self.seed, X_train, y_train, X_test, y_test),
                dict(task=ds.task_name, n_classes=len(ds.classes), positive=ds.positive_index,
                     sample_weight=weights))

    def result(self, outcome: dict) -> FitResult:
        """The fit's result from ``fit_and_score``'s outcome."""
        rows = self.shifted().train_rows_after
        used = min(rows, self.budget) if self.budget else rows
        return FitResult(self.algorithm.name, self.seed, self.state.training_key(),
                         outcome.get("metrics"), outcome.get("y_pred"), outcome.get("scores"),
                         float(outcome["fit_seconds"]), rows, used, self.budget,
                         outcome.get("error"), test_rows=self.test_rows)


#: The seed of every test-row budget's sample (one sample per dataset and budget).
TEST_SAMPLE_SEED = 0


def test_sample(dataset: Dataset, budget: int | None) -> np.ndarray | None:
    """``budget`` of the dataset's test rows (sorted; seeded, stratified for classification),
    or None when the test set is not larger."""
    n_test = len(dataset.y_test)
    if not budget or n_test <= budget:
        return None
    return sample_rows(n_test, budget, random_state=TEST_SAMPLE_SEED,
                       labels=dataset.y_test if dataset.is_classification else None)


def schedule(jobs: list[FitJob], cost, *, seeds: list[int], progressive: bool) -> list[FitJob]:
    """Longest fits first (shortest makespan), except the cheapest algorithm's fits (its
    baseline and shifted fits, every seed; when progressive, seed by seed), which go first so
    that a first complete result shows at once; grouped by training set, so each is shifted
    and preprocessed once. ``cost(name)``: seconds measured on this dataset, else None (then
    every algorithm's registry ``cost`` is used)."""
    if len(jobs) <= 1:
        return jobs
    measured = {job.algorithm.name: cost(job.algorithm.name) for job in jobs}
    known = all(v is not None for v in measured.values())

    def seconds(job):
        return measured[job.algorithm.name] if known else job.algorithm.cost
    order = {}
    for job in jobs:
        order.setdefault((job.state.training_key(), job.seed), len(order))
    jobs = sorted(jobs, key=lambda j: (order[(j.state.training_key(), j.seed)], -seconds(j)))
    cheapest = jobs[min(range(len(jobs)), key=lambda i: (seconds(jobs[i]), i))].algorithm.name
    # Progressive: every algorithm's first seed pair (the cheapest's first), then the
    # second, ...; otherwise the cheapest algorithm's every fit first.
    rank = {seed: i for i, seed in enumerate(seeds)} if progressive else {}
    return sorted(jobs, key=lambda j: (rank.get(j.seed, 0), j.algorithm.name != cheapest))
