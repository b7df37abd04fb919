"""The faster median imputer fits the medians scikit-learn's fits, bit for bit."""

import numpy as np
import pytest
from sklearn.impute import SimpleImputer

from distviz.imputer import MedianImputer


@pytest.mark.parametrize("case", range(40))
@pytest.mark.parametrize("keep_empty", [True, False])
def test_the_medians_are_scikit_learns(case, keep_empty):
    """Odd and even counts, ties, missing values, huge values, an all-missing column, one
    row (infinities are refused by both before the fit)."""
    rng = np.random.default_rng(case)
    n = int(rng.choice([1, 2, 3, 10, 101, 1_000, 20_000]))
    X = rng.normal(size=(n, 6)) * 10.0 ** rng.integers(-3, 4)
    X[:, 1] = np.round(X[:, 1])  # ties
    X[rng.random(X.shape) < rng.random()] = np.nan
    X[:, 2] = np.nan  # all missing
    if case % 3 == 0:
        X[rng.random(n) < 0.1, 3] = 1e30
        X[rng.random(n) < 0.1, 4] = -1e30
    for dtype in (np.float64, np.float32):
        data = X.astype(dtype)
        ours = MedianImputer(strategy="median", keep_empty_features=keep_empty).fit(data)
        theirs = SimpleImputer(strategy="median", keep_empty_features=keep_empty).fit(data)
        np.testing.assert_array_equal(ours.statistics_, theirs.statistics_)
        np.testing.assert_array_equal(ours.transform(data), theirs.transform(data))


def test_other_strategies_and_values_are_scikit_learns():
    X = np.array([[1.0, -1.0], [-1.0, 2.0], [3.0, -1.0], [-1.0, -1.0]])
    for params in ({"strategy": "mean"}, {"strategy": "median", "missing_values": -1.0}):
        np.testing.assert_array_equal(MedianImputer(**params).fit(X).statistics_,
                                      SimpleImputer(**params).fit(X).statistics_)
