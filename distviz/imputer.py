"""scikit-learn's median imputer with a faster fit for float matrices: NumPy's ``nanmedian``
(a partition per column) in place of a masked array's median (a sort of every column). Same
medians, bit for bit (tests/test_imputer.py). The fit is on the served process's path before
every fit of a new training set: at 1,000,000 rows, 750,000 rows of it.
"""

from __future__ import annotations

import warnings

import numpy as np
from sklearn.impute import SimpleImputer


class MedianImputer(SimpleImputer):
    """``SimpleImputer(strategy="median")`` (its parameters, its transform); a float matrix
    whose missing values are NaN takes its medians from ``np.nanmedian``."""

    def _dense_fit(self, X, strategy, missing_values, fill_value):
        if strategy != "median" or X.dtype.kind != "f" or not _is_nan(missing_values):
            return super()._dense_fit(X, strategy, missing_values, fill_value)
        missing = np.isnan(X)
        super()._fit_indicator(missing)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)  # an all-missing column
            median = np.nanmedian(X, axis=0)
        median[missing.all(axis=0)] = 0 if self.keep_empty_features else np.nan
        return median


def _is_nan(value) -> bool:
    return isinstance(value, float) and np.isnan(value)
