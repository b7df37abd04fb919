"""One seeded sample of rows, stratified by the target when it can be: the one helper used
wherever distviz takes fewer rows than it has (large files, training-row budgets, importance)."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split


def sample_rows(n_rows: int, size: int, *, labels=None, random_state: int = 0) -> np.ndarray:
    """Sorted indices of ``size`` of ``n_rows`` rows, seeded.

    Stratified by ``labels`` when given; a class too rare to stratify falls back to a plain
    random sample (scikit-learn refuses to stratify it). All rows when ``size >= n_rows``.
    """
    rows = np.arange(n_rows)
    if size >= n_rows:
        return rows
    try:
        keep, _ = train_test_split(rows, train_size=size, random_state=random_state,
                                   stratify=labels)
    except ValueError:  # a class too rare to stratify: plain random sample
        keep, _ = train_test_split(rows, train_size=size, random_state=random_state)
    return np.sort(keep)
