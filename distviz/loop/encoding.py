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


def preprocess(dataset: Dataset, shifted: ShiftResult,
               table: CodedTable | None) -> tuple[np.ndarray, np.ndarray]:
    """Training and test matrices, the preprocessing fitted on ``shifted``'s rows: from the
    coded table when it can be, else from the text (the same numbers either way)."""
    coded = table.rows(shifted) if table is not None else None
    if coded is None:
        prep = models.make_preprocessor(dataset.kinds)
        X_train, X_test = prep.fit_transform(shifted.X), prep.transform(dataset.X_test)
    else:
        prep = models.make_preprocessor(dataset.kinds, coded=True)
        X_train, X_test = prep.fit_transform(coded), prep.transform(table.test)
    return np.asarray(X_train, dtype=np.float64), np.asarray(X_test, dtype=np.float64)
