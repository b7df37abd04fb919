"""The one row sampler draws exactly the rows scikit-learn's stratified split keeps."""

import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from distviz.data.sampling import sample_rows


def sklearn_keep(n, size, labels, seed):
    rows = np.arange(n)
    try:
        keep, _ = train_test_split(rows, train_size=size, random_state=seed, stratify=labels)
    except ValueError:
        keep, _ = train_test_split(rows, train_size=size, random_state=seed)
    return np.sort(keep)


@pytest.mark.parametrize("case", range(60))
def test_a_sample_is_the_rows_train_test_split_keeps(case):
    """Random sizes, seeds and class mixes: balanced, rare (a 2-row class), many classes,
    text labels, a class of one row (the plain fallback) and sizes at the edges."""
    rng = np.random.default_rng(case)
    n = int(rng.integers(5, 5_000))
    n_classes = int(rng.integers(1, 8))
    weights = rng.dirichlet(np.ones(n_classes) * (0.3 if case % 3 == 0 else 3))
    labels = rng.choice(n_classes, size=n, p=weights)
    if case % 4 == 1:
        labels[:2] = n_classes  # a rare class of two rows
    if case % 7 == 2:
        labels[0] = n_classes + 1  # one row of its own: too rare, plain sample
    if case % 5 == 3:
        labels = np.array([f"class {v}" for v in labels])
    size = int(rng.choice([1, n_classes, n // 2, n - n_classes, n - 1, rng.integers(1, n)]))
    size = max(1, min(size, n - 1))
    seed = int(rng.integers(0, 2**31 - 1))
    np.testing.assert_array_equal(sample_rows(n, size, labels=labels, random_state=seed),
                                  sklearn_keep(n, size, labels, seed))


def test_a_plain_sample_and_all_rows():
    np.testing.assert_array_equal(sample_rows(100, 30, random_state=4), sklearn_keep(100, 30, None, 4))
    np.testing.assert_array_equal(sample_rows(10, 10), np.arange(10))
