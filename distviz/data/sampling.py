"""One seeded sample of rows, stratified by the target when it can be: the one helper used
wherever distviz takes fewer rows than it has (large files, training-row budgets, importance)."""

from __future__ import annotations

import numpy as np
from sklearn.model_selection import train_test_split
from sklearn.utils.extmath import _approximate_mode


def sample_rows(n_rows: int, size: int, *, labels=None, random_state: int = 0) -> np.ndarray:
    """Sorted indices of ``size`` of ``n_rows`` rows, seeded.

    Stratified by ``labels`` when given; a class too rare to stratify falls back to a plain
    random sample (scikit-learn refuses to stratify it). All rows when ``size >= n_rows``.
    The rows are those ``train_test_split(..., train_size=size, stratify=labels)`` keeps
    (tests/test_sampling.py).
    """
    rows = np.arange(n_rows)
    if size >= n_rows:
        return rows
    if labels is not None:
        try:
            return _stratified_keep(n_rows, size, np.asarray(labels), random_state)
        except ValueError:  # a class too rare to stratify: plain random sample
            pass
    keep, _ = train_test_split(rows, train_size=size, random_state=random_state)
    return np.sort(keep)


def _stratified_keep(n_rows: int, size: int, labels: np.ndarray, seed: int) -> np.ndarray:
    """The kept part of scikit-learn's stratified split, drawn as it draws it
    (``StratifiedShuffleSplit._iter_indices``) without building the other part: scikit-learn
    collects the rows left over in a Python list (740,000 of 750,000 at 1,000,000 rows)."""
    classes, codes, counts = np.unique(labels, return_inverse=True, return_counts=True)
    n_other = n_rows - size
    if counts.min() < 2 or size < len(classes) or n_other < len(classes):
        raise ValueError("a class too rare to stratify")
    by_class = np.split(np.argsort(codes, kind="stable"), np.cumsum(counts)[:-1])
    rng = np.random.RandomState(seed)
    n_kept = _approximate_mode(counts, size, rng)
    _approximate_mode(counts - n_kept, n_other, rng)  # the draws scikit-learn makes next
    kept = [rows.take(rng.permutation(count), mode="clip")[:n]
            for rows, count, n in zip(by_class, counts, n_kept)]
    return np.sort(np.concatenate(kept))
