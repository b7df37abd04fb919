"""The shifted training set: the group under- or over-sampled (duplicates or SMOTE), or every
group brought to its share of a mix, then classes balanced. Only the training set is ever
touched: the test set is frozen by the Dataset.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from imblearn.over_sampling import RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

from ..data import Dataset
from .mix import mix_counts
from .smote import smote_group, synthesize
from .spec import MAX_RATIO, ShiftResult, ShiftSpec, rows_after
from .validation import validate_spec


def shift_training_set(dataset: Dataset, spec: ShiftSpec, *, random_state: int = 0,
                       max_ratio: float = MAX_RATIO) -> ShiftResult:
    """Apply ``spec`` to the dataset's training set.

    Returns
    -------
    ShiftResult
        The shifted rows (original rows first, in order, then added rows), their labels, which
        rows are synthetic, each row's training row (``origin``, -1 when synthetic), and the
        rows per group of ``spec.feature`` before and after.
    """
    validate_spec(dataset, spec, max_ratio=max_ratio)
    X, y = dataset.X_train, dataset.y_train
    origin = np.arange(len(X))
    notes: list[str] = list(spec.notes)
    feature = spec.feature
    labels = dataset.group_labels(feature) if feature else None
    before = _counts(labels, dataset, feature)

    if spec.is_mix:
        X, y, origin, note = _apply_mix(dataset, spec, labels, random_state)
        notes += note
    elif spec.ratio != 0:
        in_group = (labels == spec.group).to_numpy()
        n_group = int(in_group.sum())
        n_target = rows_after(n_group, spec.ratio)
        if spec.ratio < 0:
            keep = _under_sample(in_group, n_target, random_state)
            X, y, origin = X.iloc[keep].reset_index(drop=True), y[keep], keep
        elif spec.upsampler == "random" or n_target == n_group:
            take = _over_sample_indices(in_group, n_target, random_state)
            X, y, origin = X.iloc[take].reset_index(drop=True), y[take], take
        else:
            new_X, new_y, note = smote_group(dataset, X[in_group], y[in_group],
                                              n_target - n_group, random_state)
            notes += note
            X = pd.concat([X, new_X], ignore_index=True)
            y = np.concatenate([y, new_y])
            origin = _with_synthetic(origin, len(new_y))

    if spec.class_balance != "none":
        X, y, origin, note = _balance_classes(dataset, X, y, origin, spec.class_balance,
                                              random_state)
        notes += note

    labels_after = dataset.group_labels(feature, X) if feature else None
    after = _counts(labels_after, dataset, feature, total=len(X))
    classes = (_class_counts(dataset, feature, labels, labels_after, y)
               if spec.group_classes == "balanced" else None)
    return ShiftResult(spec, X, y, origin < 0, before, after, notes, classes, origin)


def _with_synthetic(origin: np.ndarray, n_new: int) -> np.ndarray:
    """``origin`` followed by ``n_new`` synthetic rows (-1)."""
    return np.concatenate([origin, np.full(n_new, -1, dtype=origin.dtype)])


def _apply_mix(dataset: Dataset, spec: ShiftSpec, labels: pd.Series, random_state: int):
    """Every cell of the mix (a group, or a group's class) brought to its target rows:
    shrinking cells randomly down-sampled without replacement, growing ones up-sampled with
    duplicates or SMOTE (within the cell; :mod:`distviz.shift.mix` says the counts)."""
    counts = mix_counts(dataset, spec)
    X, y = dataset.X_train, dataset.y_train
    group_of = labels.to_numpy()
    cell_of = np.full(len(y), -1)
    for i, (group, code) in enumerate(counts.cells):
        in_cell = group_of == group if code is None else (group_of == group) & (y == code)
        cell_of[in_cell] = i
    targets = list(counts.cells.values())
    before = list(counts.cells_before.values())
    index = np.arange(len(y)).reshape(-1, 1)
    shrink = {i: t for i, (t, n) in enumerate(zip(targets, before)) if t < n}
    keep = np.arange(len(y))
    if shrink:
        sampler = RandomUnderSampler(sampling_strategy=shrink, random_state=random_state)
        sampler.fit_resample(index, cell_of)
        keep = np.sort(sampler.sample_indices_)
    grow = {i: t for i, (t, n) in enumerate(zip(targets, before)) if t > n}
    if not grow:
        return X.iloc[keep].reset_index(drop=True), y[keep], keep, []
    if spec.upsampler == "random":
        sampler = RandomOverSampler(sampling_strategy=grow, random_state=random_state)
        sampler.fit_resample(index, cell_of)
        take = np.concatenate([keep, sampler.sample_indices_[len(y):]])
        return X.iloc[take].reset_index(drop=True), y[take], take, []
    parts_X, parts_y, notes = [X.iloc[keep]], [y[keep]], []
    cells = list(counts.cells)
    for i, target in grow.items():
        in_cell = cell_of == i
        n_new = target - before[i]
        if cells[i][1] is None:  # a whole group: SMOTE within its classes (or with its target)
            new_X, new_y, note = smote_group(dataset, X[in_cell], y[in_cell], n_new,
                                              random_state)
        else:
            new_X, note = synthesize(dataset, X[in_cell], n_new, random_state)
            new_y = np.full(len(new_X), cells[i][1], dtype=y.dtype)
        notes += note
        parts_X.append(new_X)
        parts_y.append(new_y)
    added = sum(len(p) for p in parts_y[1:])
    return (pd.concat(parts_X, ignore_index=True), np.concatenate(parts_y),
            _with_synthetic(keep, added), notes)


def _class_counts(dataset: Dataset, feature: str, labels, labels_after, y_after) -> dict:
    """Per group, per class: training rows before and after (a balanced-classes mix)."""
    before = pd.crosstab(labels.to_numpy(), dataset.y_train)
    after = pd.crosstab(labels_after.to_numpy(), y_after)
    return {group: {dataset.classes[code]: {
                "before": int(before.at[group, code]) if group in before.index
                and code in before.columns else 0,
                "after": int(after.at[group, code]) if group in after.index
                and code in after.columns else 0}
            for code in range(len(dataset.classes))}
            for group in dataset.training_groups(feature)}


def _counts(labels, dataset, feature, total=None) -> dict[str, int]:
    """Rows per training group of ``feature`` (a group emptied by the shift shows 0)."""
    if labels is None:
        return {"all": int(len(dataset.X_train) if total is None else total)}
    counts = labels.value_counts()
    return {g: int(counts.get(g, 0)) for g in dataset.training_groups(feature)}


def _under_sample(in_group: np.ndarray, n_keep: int, random_state: int) -> np.ndarray:
    """Indices kept when the group is randomly reduced to ``n_keep`` rows, in original order."""
    if n_keep == 0:
        return np.flatnonzero(~in_group)
    sampler = RandomUnderSampler(sampling_strategy={1: n_keep}, random_state=random_state)
    sampler.fit_resample(np.arange(len(in_group)).reshape(-1, 1), in_group.astype(int))
    return np.sort(sampler.sample_indices_)


def _over_sample_indices(in_group: np.ndarray, n_target: int, random_state: int) -> np.ndarray:
    """All indices, then random duplicates of group rows until the group has ``n_target``."""
    sampler = RandomOverSampler(sampling_strategy={1: n_target}, random_state=random_state)
    sampler.fit_resample(np.arange(len(in_group)).reshape(-1, 1), in_group.astype(int))
    added = sampler.sample_indices_[len(in_group):]
    return np.concatenate([np.arange(len(in_group)), added])


def _balance_classes(dataset, X, y, origin, how, random_state):
    """Class balance after the feature shift: under, over (duplicates) or SMOTE; returns the
    rows, their labels, their origin and notes."""
    notes = []
    index = np.arange(len(y)).reshape(-1, 1)
    if how in ("under", "over"):
        sampler = (RandomUnderSampler if how == "under" else RandomOverSampler)(
            random_state=random_state)
        sampler.fit_resample(index, y)
        take = np.sort(sampler.sample_indices_) if how == "under" else sampler.sample_indices_
        return X.iloc[take].reset_index(drop=True), y[take], origin[take], notes
    classes, counts = np.unique(y, return_counts=True)
    parts_X, parts_y = [X], [y]
    for cls, n_cls in zip(classes, counts):
        if n_cls < counts.max():
            new_X, note = synthesize(dataset, X[y == cls], int(counts.max() - n_cls),
                                     random_state)
            notes += note
            parts_X.append(new_X)
            parts_y.append(np.full(len(new_X), cls, dtype=y.dtype))
    added = sum(len(p) for p in parts_y[1:])
    return (pd.concat(parts_X, ignore_index=True), np.concatenate(parts_y),
            _with_synthetic(origin, added), notes)
