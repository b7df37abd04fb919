"""The dataset's rows coded once for the preprocessing (issue 28): numeric columns as floats,
categorical ones filled and coded as integers in the sorted order of their values. A shifted
training set is then a selection of coded rows (only synthetic SMOTE rows are coded anew), and
the preprocessing fitted on it (``models.make_preprocessor(kinds, coded=True)``) is integer
work that gives exactly the matrices the text preprocessing gives (tests/test_encoded_once.py).

The preprocessing itself is still fitted per training set: its medians, scales and one-hot
categories (which are rare) depend on the training rows, and the numbers must not change.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .. import models
from ..data import Dataset
from ..shift import ShiftResult
from .shared_matrix import for_workers


class CodedTable:
    """One dataset's training and test rows coded once (``train``, ``test``: float matrices,
    columns in ``dataset.kinds`` order)."""

    def __init__(self, dataset: Dataset):
        self.kinds = dict(dataset.kinds)
        frame = pd.concat([dataset.X_train, dataset.X_test], ignore_index=True)
        # scikit-learn's one-hot encoder sorts a text column's values: codes in that order.
        self.categories = {c: pd.Index(sorted(set(frame[c].fillna(models.MISSING_CATEGORY))))
                           for c, k in self.kinds.items() if k == "categorical"}
        coded = self.code(frame)
        self.train, self.test = coded[:len(dataset.X_train)], coded[len(dataset.X_train):]

    def code(self, frame: pd.DataFrame) -> np.ndarray | None:
        """``frame``'s rows coded; None when a categorical value is not one of the dataset's."""
        out = np.empty((len(frame), len(self.kinds)), dtype=np.float64)
        for j, (column, kind) in enumerate(self.kinds.items()):
            if kind == "numeric":
                out[:, j] = frame[column].to_numpy(dtype=np.float64)
                continue
            values = frame[column].fillna(models.MISSING_CATEGORY)
            codes = self.categories[column].get_indexer(values)
            if (codes < 0).any():
                return None
            out[:, j] = codes
        return out

    def rows(self, shifted: ShiftResult) -> np.ndarray | None:
        """The shifted training set coded: its original rows selected, its synthetic rows
        coded anew; None when it cannot be (no origin, or an unknown value)."""
        if shifted.origin is None:
            return None
        origin = np.asarray(shifted.origin)
        synthetic = origin < 0
        out = np.empty((len(origin), len(self.kinds)), dtype=np.float64)
        out[~synthetic] = self.train[origin[~synthetic]]
        if synthetic.any():
            new = self.code(shifted.X.iloc[np.flatnonzero(synthetic)])
            if new is None:
                return None
            out[synthetic] = new
        return out


class Prepared:
    """A shifted training set with its preprocessing fitted on all its rows, ready to transform
    the rows a fit uses: a fit under a training-row budget transforms its sample only, and the
    test matrix is made once.

    The parts of :func:`distviz.models.make_preprocessor`'s ``ColumnTransformer`` are fitted
    and applied one by one, as it would (its own ``fit`` transforms every row too). A row's
    transform does not depend on the other rows, so a sample's matrix is exactly those rows of
    the whole set's (tests/test_encoded_once.py)."""

    def __init__(self, preprocessor, train, test):
        self._parts = [(part, columns) for _, part, columns in preprocessor.transformers]
        for part, columns in self._parts:
            part.fit(_columns(train, columns))
        self._train, self._test = train, test
        self._test_matrix: np.ndarray | None = None
        self._test_shared = None  # the test matrix as the local workers receive it

    def transform(self, X) -> np.ndarray:
        """``X``'s rows preprocessed (the columns in the ``ColumnTransformer``'s order)."""
        return np.hstack([np.asarray(part.transform(_columns(X, columns)), dtype=np.float64)
                          for part, columns in self._parts])

    def train(self, rows: np.ndarray | None = None) -> np.ndarray:
        """The training matrix: every row, or only ``rows`` (positions in the shifted set)."""
        if rows is None:
            return self.transform(self._train)
        return self.transform(self._train.iloc[rows] if isinstance(self._train, pd.DataFrame)
                              else self._train[rows])

    @property
    def test(self) -> np.ndarray:
        """The frozen test set's matrix (made on first use, then kept)."""
        if self._test_matrix is None:
            self._test_matrix = self.transform(self._test)
        return self._test_matrix

    def test_for_workers(self):
        """:attr:`test` as the local pool's workers receive it: written once to a file they
        map when large (:func:`~distviz.loop.shared_matrix.for_workers`), else itself."""
        if self._test_shared is None:
            self._test_shared = for_workers(self.test)
        return self._test_shared


def _columns(X, columns):
    return X[columns] if isinstance(X, pd.DataFrame) else X[:, columns]


def prepare(dataset: Dataset, shifted: ShiftResult, table: CodedTable | None) -> Prepared:
    """``shifted`` with the preprocessing fitted on its rows: from the coded table when it can
    be, else from the text (the same numbers either way)."""
    coded = table.rows(shifted) if table is not None else None
    if coded is None:
        return Prepared(models.make_preprocessor(dataset.kinds), shifted.X, dataset.X_test)
    return Prepared(models.make_preprocessor(dataset.kinds, coded=True), coded, table.test)
