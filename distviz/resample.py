"""Shift the training distribution of one feature's group (semantics 3) and balance classes (4).

imbalanced-learn does the sampling; distviz decides *which* rows. Only the training set is ever
touched: the test set is frozen by the Dataset.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

import numpy as np
import pandas as pd
import param
from imblearn.over_sampling import SMOTE, SMOTEN, SMOTENC, RandomOverSampler
from imblearn.under_sampling import RandomUnderSampler

from .data import Dataset
from .errors import ShiftError

UPSAMPLERS = ("random", "smote")
CLASS_BALANCES = ("none", "under", "over", "smote")
_MISSING_CODE = -1


@dataclass(frozen=True)
class ShiftSpec:
    """What to do to the training set, normalised so that equal effects have equal keys."""

    feature: str | None = None
    group: str | None = None
    ratio: float = 0.0
    upsampler: str = "random"
    class_balance: str = "none"

    @property
    def is_baseline(self) -> bool:
        return self.ratio == 0 and self.class_balance == "none"

    def training_key(self) -> str:
        """Identity of the *training set* this spec produces (the cache uses it)."""
        if self.is_baseline:
            return "baseline"
        parts = [f"balance={self.class_balance}"]
        if self.ratio != 0:
            parts[:0] = [f"feature={self.feature}", f"group={self.group}",
                         f"ratio={self.ratio:.6g}"]
            if self.ratio > 0:
                parts.append(f"upsampler={self.upsampler}")
        return "|".join(parts)

    def baseline(self) -> "ShiftSpec":
        """The same feature and group, unshifted (semantics 5)."""
        return ShiftSpec(self.feature, self.group, 0.0, self.upsampler, "none")


@dataclass
class ShiftResult:
    """A shifted training set and what changed."""

    spec: ShiftSpec
    X: pd.DataFrame
    y: np.ndarray
    synthetic: np.ndarray
    groups_before: dict[str, int]
    groups_after: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def train_rows_before(self) -> int:
        return int(sum(self.groups_before.values()))

    @property
    def train_rows_after(self) -> int:
        return len(self.X)

    def summary(self) -> dict:
        """The ``shift`` block of the JSON contract."""
        out = {k: v for k, v in asdict(self.spec).items()}
        out.update(train_rows_before=self.train_rows_before,
                   train_rows_after=self.train_rows_after,
                   groups={g: {"before": self.groups_before.get(g, 0),
                               "after": self.groups_after.get(g, 0)}
                           for g in dict.fromkeys([*self.groups_before, *self.groups_after])},
                   synthetic_rows=int(self.synthetic.sum()), notes=list(self.notes))
        return out


class Resampler(param.Parameterized):
    """Which group of which feature to shift, by how much and how.

    ``ratio`` r makes the chosen group's training rows ``round(n_g * (1 + r))``: r < 0 randomly
    down-samples without replacement, r > 0 up-samples by duplication (``random``) or by SMOTE
    within the group and the target class (``smote``), and r = 0 is the baseline training set.
    """

    feature = param.String(default=None, allow_None=True, doc="""
        The feature whose group is shifted.""")

    group = param.String(default=None, allow_None=True, doc="""
        The group of ``feature`` to shift (a category, a quantile bin or "missing").""")

    ratio = param.Number(default=0.0, bounds=(-1.0, None), softbounds=(-1.0, 3.0), doc="""
        -1 removes the group from training, 0 is the baseline, 1 doubles it, 3 quadruples it.""")

    max_ratio = param.Number(default=3.0, bounds=(0.0, 20.0), doc="""
        Largest allowed up-sampling ratio.""")

    upsampler = param.Selector(default="random", objects=list(UPSAMPLERS), doc="""
        How rows are added when ratio > 0: duplicates, or SMOTE (SMOTENC with categorical
        columns) interpolated between neighbours of the same group and target class.""")

    class_balance = param.Selector(default="none", objects=list(CLASS_BALANCES), doc="""
        Class re-balancing applied after the feature shift, on the training set only.""")

    def spec(self) -> ShiftSpec:
        return ShiftSpec(self.feature, self.group, float(self.ratio), self.upsampler,
                         self.class_balance)

    def apply(self, dataset: Dataset, *, random_state: int = 0) -> ShiftResult:
        return shift_training_set(dataset, self.spec(), random_state=random_state,
                                  max_ratio=self.max_ratio)


def validate_spec(dataset: Dataset, spec: ShiftSpec, *, max_ratio: float = 3.0) -> ShiftSpec:
    """Check a spec against the dataset; raise ShiftError saying what to change."""
    if not -1.0 <= spec.ratio <= max_ratio or np.isnan(spec.ratio):
        raise ShiftError(f"ratio {spec.ratio:g} is out of range; use a value from -1 "
                         f"(remove the group) to {max_ratio:g} ({max_ratio + 1:g}x the group).")
    if spec.upsampler not in UPSAMPLERS:
        raise ShiftError(f"unknown upsampler {spec.upsampler!r}; use one of: "
                         f"{', '.join(UPSAMPLERS)}.")
    if spec.class_balance not in CLASS_BALANCES:
        raise ShiftError(f"unknown class balance {spec.class_balance!r}; use one of: "
                         f"{', '.join(CLASS_BALANCES)}.")
    if spec.class_balance != "none" and not dataset.is_classification:
        raise ShiftError("class balance applies to classification only; "
                         "use --class-balance none for a regression target.")
    if spec.feature is not None:
        dataset.check_feature(spec.feature)
        if spec.group is not None:
            dataset.check_group(spec.feature, spec.group)
    if spec.ratio != 0 and (spec.feature is None or spec.group is None):
        raise ShiftError("a non-zero ratio needs a feature and a group; pass --feature and "
                         "--group.")
    return spec


def shift_training_set(dataset: Dataset, spec: ShiftSpec, *, random_state: int = 0,
                       max_ratio: float = 3.0) -> ShiftResult:
    """Apply ``spec`` to the dataset's training set.

    Returns
    -------
    ShiftResult
        The shifted rows (original rows first, in order, then added rows), their labels, which
        rows are synthetic, and the rows per group of ``spec.feature`` before and after.
    """
    validate_spec(dataset, spec, max_ratio=max_ratio)
    X, y = dataset.X_train, dataset.y_train
    synthetic = np.zeros(len(X), dtype=bool)
    notes: list[str] = []
    feature = spec.feature
    labels = dataset.group_labels(feature) if feature else None
    before = _counts(labels, dataset, feature)

    if spec.ratio != 0:
        in_group = (labels == spec.group).to_numpy()
        n_group = int(in_group.sum())
        n_target = int(round(n_group * (1 + spec.ratio)))
        if spec.ratio < 0:
            keep = _under_sample(in_group, n_target, random_state)
            X, y, synthetic = X.iloc[keep].reset_index(drop=True), y[keep], synthetic[keep]
        elif spec.upsampler == "random" or n_target == n_group:
            take = _over_sample_indices(in_group, n_target, random_state)
            X, y = X.iloc[take].reset_index(drop=True), y[take]
            synthetic = np.zeros(len(take), dtype=bool)
        else:
            new_X, new_y, note = _smote_group(dataset, X[in_group], y[in_group],
                                              n_target - n_group, random_state)
            notes += note
            X = pd.concat([X, new_X], ignore_index=True)
            y = np.concatenate([y, new_y])
            synthetic = np.concatenate([synthetic, np.ones(len(new_y), dtype=bool)])

    if spec.class_balance != "none":
        X, y, synthetic, note = _balance_classes(dataset, X, y, synthetic, spec.class_balance,
                                                 random_state)
        notes += note

    after = _counts(dataset.group_labels(feature, X) if feature else None, dataset, feature,
                    total=len(X))
    return ShiftResult(spec, X, y, synthetic, before, after, notes)


def _counts(labels, dataset, feature, total=None) -> dict[str, int]:
    """Rows per training group of ``feature`` (a group emptied by the shift shows 0)."""
    if labels is None:
        return {"all": int(len(dataset.X_train) if total is None else total)}
    table = dataset.groups(feature)
    counts = labels.value_counts()
    return {g: int(counts.get(g, 0)) for g in table.loc[table["train_rows"] > 0, "group"]}


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


def _allocate(counts: np.ndarray, total: int) -> np.ndarray:
    """Split ``total`` new rows across classes in proportion to ``counts`` (largest remainder)."""
    exact = counts / counts.sum() * total
    share = np.floor(exact).astype(int)
    share[np.argsort(-(exact - share), kind="stable")[: total - share.sum()]] += 1
    return share


def _smote_group(dataset, X_group, y_group, n_new, random_state):
    """``n_new`` synthetic rows for the group, within each target class (classification) or with
    the target interpolated as one more column (regression)."""
    notes = []
    if dataset.is_classification:
        classes, counts = np.unique(y_group, return_counts=True)
        parts_X, parts_y = [], []
        for cls, n_cls, k in zip(classes, counts, _allocate(counts, n_new)):
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


def _balance_classes(dataset, X, y, synthetic, how, random_state):
    """Class balance after the feature shift: under, over (duplicates) or SMOTE."""
    notes = []
    index = np.arange(len(y)).reshape(-1, 1)
    if how in ("under", "over"):
        sampler = (RandomUnderSampler if how == "under" else RandomOverSampler)(
            random_state=random_state)
        sampler.fit_resample(index, y)
        take = np.sort(sampler.sample_indices_) if how == "under" else sampler.sample_indices_
        return X.iloc[take].reset_index(drop=True), y[take], synthetic[take], notes
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
            np.concatenate([synthetic, np.ones(added, dtype=bool)]), notes)
