"""The test rows a set of predictions shares: a fit under a test-row budget (issue 28) scored a
seeded sample of the test set (``test_rows``, sorted indices; None for every row), so fits
compared or bootstrapped together are first cut to the rows all of them scored."""

from __future__ import annotations

from dataclasses import replace

import numpy as np


def on_common_rows(y_test: np.ndarray, fits: list) -> tuple:
    """The test rows every fit in ``fits`` scored and each fit's predictions on them:
    (rows or None for every row, ``y_test`` on them, the fits restricted to them). Fits under
    one test-row budget share its seeded sample; a fit that scored every row is cut to it."""
    sampled = [f.test_rows for f in fits if f is not None and f.test_rows is not None]
    if not sampled:
        return None, y_test, list(fits)
    rows = sampled[0]
    for other in sampled[1:]:
        rows = np.intersect1d(rows, other, assume_unique=True)

    def cut(fit):
        if fit is None or fit.y_pred is None or np.array_equal(fit.test_rows, rows):
            return fit
        at = rows if fit.test_rows is None else np.searchsorted(fit.test_rows, rows)
        return replace(fit, y_pred=fit.y_pred[at],
                       scores=None if fit.scores is None else fit.scores[at], test_rows=rows,
                       _roc={})
    return rows, np.asarray(y_test)[rows], [cut(f) for f in fits]


def on_common_rows_sets(y_test: np.ndarray, sets: dict) -> tuple:
    """``sets`` ({label: {seed: fit}}, a ScoreBoard's) on the test rows every fit scored, and
    ``y_test`` on them: a ScoreBoard weighs every set with the same bootstrap of test rows."""
    keys = [(label, seed) for label, by_seed in sets.items() for seed in by_seed]
    _, y_true, fits = on_common_rows(y_test, [sets[label][seed] for label, seed in keys])
    out: dict = {label: {} for label in sets}
    for (label, seed), fit in zip(keys, fits):
        out[label][seed] = fit
    return y_true, out
