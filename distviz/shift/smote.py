"""SMOTE rows for a group: imbalanced-learn's SMOTE, SMOTENC or SMOTEN interpolates; distviz
decides which rows are neighbours (same group, same target class; for regression the target is
interpolated too)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC

from .mix import largest_remainder

_MISSING_CODE = -1


def smote_group(dataset, X_group, y_group, n_new, random_state):
    """``n_new`` synthetic rows for the group, within each target class (classification) or with
    the target interpolated as one more column (regression)."""
    notes = []
    if dataset.is_classification:
        classes, counts = np.unique(y_group, return_counts=True)
        parts_X, parts_y = [], []
        for cls, n_cls, k in zip(classes, counts, largest_remainder(counts, n_new)):
            if k == 0:
                continue
            rows = X_group[y_group == cls]
            new_X, note = synthesize(dataset, rows, k, random_state)
            notes += note
            parts_X.append(new_X)
            parts_y.append(np.full(k, cls, dtype=y_group.dtype))
        return pd.concat(parts_X, ignore_index=True), np.concatenate(parts_y), notes
    target = "__target__"
    rows = X_group.assign(**{target: y_group})
    new_X, notes = synthesize(dataset, rows, n_new, random_state,
                              kinds={**dataset.kinds, target: "numeric"})
    return new_X.drop(columns=target), new_X[target].to_numpy(dtype=float), notes


def synthesize(dataset, rows: pd.DataFrame, n_new: int, random_state: int, kinds=None):
    """``n_new`` SMOTE rows interpolated between neighbours among ``rows`` (SMOTENC with
    categorical columns, SMOTEN when all are categorical). One row alone cannot be
    interpolated: it is duplicated, and a note says so."""
    kinds = kinds or dataset.kinds
    columns = list(rows.columns)
    if len(rows) < 2:
        dup = rows.iloc[np.zeros(n_new, dtype=int)].reset_index(drop=True)
        return dup, [f"SMOTE needs at least 2 rows of a class in the group; duplicated the "
                     f"single row {n_new} times instead."]
    encoded, decoders = _encode(rows, kinds)
    categorical = [i for i, c in enumerate(columns) if kinds[c] == "categorical"]
    k_neighbors = min(5, len(rows) - 1)
    target_counts = {1: len(rows) + n_new}
    if len(categorical) == len(columns):
        sampler = SMOTEN(sampling_strategy=target_counts, k_neighbors=k_neighbors,
                         random_state=random_state)
    elif categorical:
        sampler = SMOTENC(categorical_features=categorical, sampling_strategy=target_counts,
                          k_neighbors=k_neighbors, random_state=random_state)
    else:
        sampler = SMOTE(sampling_strategy=target_counts, k_neighbors=k_neighbors,
                        random_state=random_state)
    # One dummy row of another class: imblearn needs two classes; neighbours come from class 1.
    fit_X = np.vstack([encoded, encoded[:1]])
    fit_y = np.r_[np.ones(len(rows), dtype=int), 0]
    resampled_X, _ = sampler.fit_resample(fit_X, fit_y)
    return _decode(resampled_X[len(fit_X):], columns, decoders), []


def _encode(rows: pd.DataFrame, kinds):
    """Numbers for imblearn: categories become integer codes, missing numbers the median."""
    encoded = np.empty((len(rows), rows.shape[1]), dtype=float)
    decoders = []
    for j, column in enumerate(rows.columns):
        values = rows[column]
        if kinds[column] == "categorical":
            codes, uniques = pd.factorize(values, use_na_sentinel=True)
            encoded[:, j] = np.where(codes < 0, _MISSING_CODE, codes)
            decoders.append(("categorical", np.asarray(uniques, dtype=object)))
        else:
            numbers = values.to_numpy(dtype=float)
            all_missing = np.isnan(numbers).all()
            fill = 0.0 if all_missing else float(np.nanmedian(numbers))
            encoded[:, j] = np.where(np.isnan(numbers), fill, numbers)
            present = numbers[~np.isnan(numbers)]
            integral = bool(len(present)) and bool(np.all(present == np.round(present)))
            decoders.append(("numeric", all_missing, integral))
    return encoded, decoders


def _decode(values: np.ndarray, columns, decoders) -> pd.DataFrame:
    out = {}
    for j, (column, decoder) in enumerate(zip(columns, decoders)):
        if decoder[0] == "categorical":
            codes = np.round(values[:, j]).astype(int)
            out[column] = pd.Series([decoder[1][c] if c >= 0 else np.nan for c in codes],
                                    dtype=object)
        else:
            _, all_missing, integral = decoder
            col = values[:, j].astype(float)
            if all_missing:
                col = np.full(len(col), np.nan)
            elif integral:  # counts and years stay whole numbers
                col = np.round(col)
            out[column] = col
    return pd.DataFrame(out)
