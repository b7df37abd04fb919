"""A random up-sample's duplicated rows as integer sample weights, for the algorithms whose
weighted fit equals the duplicated fit (``Algorithm.weighted_duplicates``)."""

from __future__ import annotations

import numpy as np


def duplicates_as_weights(origin: np.ndarray | None,
                          rows: np.ndarray | None) -> tuple[np.ndarray | None, np.ndarray | None]:
    """The positions to fit and their integer weights, for a fit on ``rows`` (positions in the
    shifted training set; None: every row) whose ``origin`` gives each position's row of the
    dataset's training set (-1: synthetic, never merged).

    Every training row drawn more than once keeps its first position, weighted by how often it
    was drawn. Returns ``(rows, None)`` unchanged when no row repeats, so such a fit is the
    unweighted one exactly.

    Examples
    --------
    >>> duplicates_as_weights(np.array([0, 1, 2, 1, 1, -1, -1]), None)
    (array([0, 1, 2, 5, 6]), array([1., 3., 1., 1., 1.]))
    """
    if origin is None:
        return rows, None
    positions = np.arange(len(origin)) if rows is None else np.asarray(rows)
    of_rows = origin[positions]
    real = of_rows >= 0
    _, first, counts = np.unique(of_rows[real], return_index=True, return_counts=True)
    if len(first) == real.sum():  # no training row repeats
        return rows, None
    kept = np.concatenate([positions[real][first], positions[~real]])
    weights = np.concatenate([counts, np.ones((~real).sum(), dtype=counts.dtype)])
    order = np.argsort(kept, kind="stable")  # the shifted set's order: its original rows first
    return kept[order], weights[order].astype(np.float64)
