"""The Dataset: a validated table, its feature groups and a frozen stratified split."""

from __future__ import annotations

import copy
import hashlib

import numpy as np
import pandas as pd
import param
from sklearn.model_selection import train_test_split

from ..errors import DatasetError, ShiftError
from ..tasks import headline_metric
from .bins import format_edge, quantile_bins
from .catalog import load as load_source
from .cleaning import as_kind
from .crossed import (crossed_label, crossed_labels, crossed_name, crossed_parts,
                      typed_crossed_group)
from .sampling import sample_rows

MISSING = "missing"
#: The grouping rule's version: part of the fingerprint, so no cached result made under another
#: rule (the same label, other rows) is ever read back.
GROUPING = 2
#: A default group holds at least this share of the training rows when the feature has one.
MIN_GROUP_SHARE = 0.10
OTHER = "other"


class Dataset(param.Parameterized):
    """A tabular dataset ready for the model loop.

    Loads a source (a bundled dataset's name, a CSV/Parquet path or a DataFrame), validates it,
    detects the task and feature kinds, defines the groups of each feature and takes a stratified
    hold-out test set *before anything else* (docs/semantics.md, 1). The test set never changes afterwards.

    Examples
    --------
    >>> ds = Dataset(source="titanic")
    >>> ds.groups("sex")["group"].tolist()
    ['male', 'female']
    """

    source = param.Parameter(default="titanic", doc="""
        A bundled dataset's name, a path to a CSV or Parquet file, or a pandas DataFrame.""")

    target = param.String(default=None, allow_None=True, doc="""
        The column to predict. Defaults to the bundled dataset's target; required for a file.""")

    task = param.Selector(default="auto", objects=["auto", "classification", "regression"], doc="""
        The learning task; "auto" detects it from the target column.""")

    test_size = param.Number(default=0.25, bounds=(0.05, 0.5), doc="""
        Share of the rows held out (stratified for classification) as the frozen test set.""")

    random_state = param.Integer(default=0, doc="""
        Seed of the train/test split.""")

    n_bins = param.Integer(default=4, bounds=(2, 10), doc="""
        Number of quantile bins that define the groups of a numeric feature.""")

    positive_class = param.String(default=None, allow_None=True, doc="""
        The class whose F1, recall and ROC curve are reported (binary: default the second class,
        e.g. "1" or "True", else the minority class; multi-class: the minority class).""")

    max_rows = param.Integer(default=None, allow_None=True, bounds=(100, None), doc="""
        Use a seeded sample of at most this many rows (stratified by the target for
        classification), taken before the split, so a very large file stays interactive. The
        notes say when it applies; None uses every row.""")

    data_dir = param.Parameter(default=None, precedence=-1, doc="""
        Folder of user datasets listed beside the bundled ones (default: the repo's data/).""")

    name = param.String(default="", constant=True, precedence=-1, doc="Name shown to the user.")

    version = param.Integer(default=0, precedence=-1, doc="""
        Incremented each time the dataset (re)loads, so that what depends on it can follow.""")

    def __init__(self, **params):
        super().__init__(**params)
        self._load()

    @param.depends("source", "target", "task", "test_size", "random_state", "n_bins",
                   "positive_class", "max_rows", watch=True)
    def _reload(self):
        self._load()

    def _load(self) -> None:
        """Load, validate and split; on failure raise DatasetError and keep the previous state."""
        prepared = load_source(self.source, target=self.target, task=self.task,
                                 data_dir=self.data_dir)
        frame = prepared.frame
        notes = list(prepared.notes)
        self.sampled_from = None
        if self.max_rows is not None and len(frame) > self.max_rows:
            frame = self._sample(frame, prepared)
            self.sampled_from = len(prepared.frame)
            notes.append(f"Using a sample of {len(frame):,} of {len(prepared.frame):,} rows "
                         f"({'stratified by the target, ' if prepared.task == 'classification' else ''}"
                         f"seed {self.random_state}) to stay interactive; set max_rows=None "
                         "to use every row.")
        target = frame[prepared.target]
        features = list(prepared.features)
        X = frame[features].copy()
        for column, kind in prepared.kinds.items():
            # One representation per kind: float64 numbers, object strings with NaN for missing.
            X[column] = (X[column].astype("float64") if kind == "numeric"
                         else X[column].astype(object).where(X[column].notna(), np.nan))
        if prepared.task == "classification":
            labels = target.astype(str)
            classes = sorted(labels.unique(), key=_class_sort_key)
            codes = pd.Categorical(labels, categories=classes).codes.astype(np.int64)
            positive = choose_positive(classes, codes, self.positive_class)
            stratify = codes
        else:
            classes, positive, stratify = [], None, None
            codes = target.astype("float64").to_numpy()
        try:
            train_idx, test_idx = train_test_split(
                np.arange(len(frame)), test_size=self.test_size, random_state=self.random_state,
                stratify=stratify)
        except ValueError as exc:
            raise DatasetError(
                f"{prepared.name} cannot be split into train and test sets ({exc}); "
                "add rows or use a larger test size.") from None
        train_idx, test_idx = np.sort(train_idx), np.sort(test_idx)

        with param.edit_constant(self):
            self.name = prepared.name
        self.prepared = prepared
        self.frame = frame
        self.target_name = prepared.target
        self.task_name = prepared.task
        self.features = features
        self.kinds = dict(prepared.kinds)
        self.notes = notes
        self.classes = classes
        self.positive = positive
        self.X_train = X.iloc[train_idx].reset_index(drop=True)
        self.X_test = X.iloc[test_idx].reset_index(drop=True)
        self.y_train = codes[train_idx]
        self.y_test = codes[test_idx]
        self._group_specs: dict[str, tuple] = {}
        self._group_cache: dict[tuple, object] = {}  # labels and tables: the split is frozen
        self.fingerprint = self._fingerprint(X, codes)
        self.version += 1

    def __getstate__(self):
        # A copy sent to another process (a Dask worker) takes the data, not the watchers of
        # this process's objects (a Resampler following reloads, with its loop's locks).
        state = super().__getstate__()
        private = copy.copy(state["_param__private"])
        private.watchers, private.dynamic_watchers = {}, {}
        return {**state, "_param__private": private}

    def _sample(self, frame: pd.DataFrame, prepared) -> pd.DataFrame:
        """``max_rows`` rows of ``frame`` (original order), every class keeping >= 2 rows."""
        labels = (frame[prepared.target].astype(str).to_numpy()
                  if prepared.task == "classification" else None)
        keep = sample_rows(len(frame), self.max_rows, labels=labels,
                           random_state=self.random_state)
        if labels is not None:  # a rare class must still split into train and test
            kept = pd.Series(labels[keep]).value_counts()
            for label in pd.unique(labels):
                short = 2 - int(kept.get(label, 0))
                if short > 0:
                    extra = np.setdiff1d(np.flatnonzero(labels == label), keep)[:short]
                    keep = np.concatenate([keep, extra])
        return frame.iloc[np.sort(keep)].reset_index(drop=True)

    # ------------------------------------------------------------------ basics
    @property
    def is_classification(self) -> bool:
        return self.task_name == "classification"

    @property
    def positive_index(self) -> int | None:
        """Index of the positive class in ``classes`` (None for regression)."""
        return self.classes.index(self.positive) if self.is_classification else None

    @property
    def headline_metric(self) -> str:
        return headline_metric(self.task_name)

    def _fingerprint(self, X: pd.DataFrame, y: np.ndarray) -> str:
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(X, index=False).to_numpy().tobytes())
        digest.update(np.ascontiguousarray(y).tobytes())
        digest.update(repr((list(X.columns), self.kinds, self.task_name, self.classes,
                            self.positive, self.test_size, self.random_state,
                            self.n_bins, GROUPING)).encode())
        return digest.hexdigest()[:16]

    def summary(self) -> dict:
        """The ``dataset`` block of the JSON contract."""
        out = {"name": self.name, "rows": len(self.frame), "task": self.task_name,
               "target": self.target_name}
        if self.is_classification:
            out.update(classes=list(self.classes), positive_class=self.positive)
        out.update(train_rows=len(self.X_train), test_rows=len(self.X_test),
                   features=list(self.features), notes=list(self.notes))
        if self.sampled_from is not None:
            out["sampled_from_rows"] = self.sampled_from
        return out

    # ------------------------------------------------------------------ groups
    def check_feature(self, feature: str) -> str:
        """``feature`` if it is a feature or two crossed ones (``"sex,class"``, returned in
        its canonical spelling); else a ShiftError naming the features."""
        if feature in self.features:
            return feature
        parts = crossed_parts(feature, self.features)
        if parts is None:
            raise ShiftError(
                f"unknown feature {feature!r}; choose one of: {', '.join(self.features)} "
                "(or two of them joined by a comma, to cross their groups).")
        return crossed_name(*parts)

    def is_crossed(self, feature: str) -> bool:
        """Whether ``feature`` names two crossed features (docs/semantics.md, 12)."""
        return feature not in self.features and crossed_parts(feature, self.features) is not None

    def _group_spec(self, feature: str) -> tuple:
        """How rows of ``feature`` map to groups, learnt from the training set only."""
        if feature in self._group_specs:
            return self._group_specs[feature]
        parts = crossed_parts(feature, self.features)
        if parts is not None:  # each part keeps its own groups, learnt as for one feature
            self._group_specs[feature] = ("crossed", *parts)
            return self._group_specs[feature]
        values = self.X_train[self.check_feature(feature)]
        present = values.dropna()
        if self.kinds[feature] == "numeric":
            distinct = np.unique(present.to_numpy())
            if len(distinct) <= self.n_bins:
                spec = ("values", [float(v) for v in distinct])
            else:
                spec = ("bins", quantile_bins(present.to_numpy(), self.n_bins))
        else:
            counts = present.value_counts()
            rare_limit = max(5, 0.01 * len(values))
            rare = set(counts.index[counts < rare_limit])
            if len(rare) < 2:  # pooling a single category into "other" only renames it
                rare = set()
            other = OTHER if OTHER not in counts.index else f"{OTHER} (pooled)"
            spec = ("categories", rare, other)
        self._group_specs[feature] = spec
        return spec

    def group_labels(self, feature: str, X: pd.DataFrame | None = None) -> pd.Series:
        """The group label of every row of ``X`` (default: the training set) for ``feature``."""
        for name, frozen in (("train", self.X_train), ("test", self.X_test)):
            if X is None and name == "train" or X is frozen:
                key = ("labels", name, feature)
                if key not in self._group_cache:
                    self._group_cache[key] = self._labels(feature, frozen)
                return self._group_cache[key].copy(deep=False)
        return self._labels(feature, X)

    def labels_of(self, feature: str, frame: pd.DataFrame, *, name: str = "the table") -> pd.Series:
        """The group of ``feature`` of every row of another table (e.g. a reference table
        from where a model is deployed), by the groups learnt on this training set: numeric
        values binned with its edges, categories pooled as it pools them, missing values
        ``missing``. A table without the feature's column(s) is a ShiftError."""
        feature = self.check_feature(feature)
        columns = list(self._group_spec(feature)[1:]) if self.is_crossed(feature) else [feature]
        absent = [c for c in columns if c not in frame.columns]
        if absent:
            raise ShiftError(f"{name} has no column {absent[0]!r} (feature {feature!r}); give a "
                             "table with that column, named as in the training data.")
        values = pd.DataFrame({c: as_kind(frame[c].reset_index(drop=True), self.kinds[c])
                               for c in columns})
        return self._labels(feature, values)

    def _labels(self, feature: str, X: pd.DataFrame) -> pd.Series:
        spec = self._group_spec(feature)
        if spec[0] == "crossed":
            first, second = spec[1], spec[2]
            return crossed_labels(first, second, self._labels(first, X),
                                  self._labels(second, X))
        values = X[feature]
        if spec[0] == "bins":
            out = spec[1].label(values)
        elif spec[0] == "values":  # one call per distinct value, not per row
            names = {v: format_edge(v) for v in pd.unique(values.dropna())}
            out = values.map(names).astype(object)
        else:
            rare, other = spec[1], spec[2]
            out = values.astype(object)
            if rare:
                out = out.where(~values.isin(list(rare)), other)
        return out.where(values.notna(), MISSING).astype(str)

    def groups(self, feature: str) -> pd.DataFrame:
        """Groups of ``feature``: label, training rows, test rows and training share, in order.

        Bins (with the values that are groups of their own, e.g. `= 0`) and numeric values
        come in ascending order, categories by training count
        (largest first); the pooled ``other`` and ``missing`` groups come last.
        """
        key = ("groups", feature)
        if key not in self._group_cache:
            self._group_cache[key] = self._groups(feature)
        return self._group_cache[key].copy(deep=False)

    def _groups(self, feature: str) -> pd.DataFrame:
        train_counts = self.group_labels(feature).value_counts()
        test_counts = self.group_labels(feature, self.X_test).value_counts()
        spec = self._group_spec(feature)
        if spec[0] == "crossed":  # the first feature's order, then the second's within it
            first, second = (self.groups(f)["group"] for f in spec[1:])
            order = [crossed_label(spec[1], a, spec[2], b) for a in first for b in second]
        elif spec[0] == "bins":
            order = spec[1].order
        elif spec[0] == "values":
            order = [format_edge(v) for v in spec[1]]
        else:
            order = [g for g in train_counts.index if g not in (spec[2], MISSING)]
            order.append(spec[2])
        if spec[0] != "crossed":
            order.append(MISSING)
        order += [g for g in test_counts.index if g not in order]  # unseen only in test
        rows = [(g, int(train_counts.get(g, 0)), int(test_counts.get(g, 0))) for g in order]
        table = pd.DataFrame([r for r in rows if r[1] or r[2]],
                             columns=["group", "train_rows", "test_rows"])
        table["train_share"] = table["train_rows"] / len(self.X_train)
        return table

    def training_groups(self, feature: str) -> list[str]:
        """The groups of ``feature`` with training rows (the ones a shift can take), in order."""
        table = self.groups(feature)
        return table.loc[table["train_rows"] > 0, "group"].tolist()

    def check_group(self, feature: str, group: str) -> str:
        """``group`` if ``feature`` has training rows in it (a crossed group may be typed
        with its parts in either order: returned as labelled); else a ShiftError."""
        known = self.training_groups(feature)
        if group in known:
            return group
        spec = self._group_spec(self.check_feature(feature))
        if spec[0] == "crossed":
            sizes = self.groups(feature).set_index("group")["train_rows"]
            label = typed_crossed_group(group, spec[1], spec[2], {g: int(sizes[g]) for g in known},
                                        lambda f: set(self.groups(f)["group"]))
            if label is not None:
                return label
        raise ShiftError(f"unknown group {group!r} of feature {feature!r}; choose one of: "
                         f"{', '.join(known)}.")

    def default_group(self, feature: str, *, min_share: float = MIN_GROUP_SHARE) -> str:
        """The group shifted when none is named: one that holds a real share of the training
        set, so that a shift of it can matter (a 1 % group moves a few dozen rows and every
        move reads "within noise"). Besides the majority (largest) group: the smallest group
        with at least ``min_share`` of the training rows, else the largest group; the only
        group when there is no other. Ties go to the group listed first (docs/semantics.md,
        Defaults)."""
        table = self.groups(feature)
        table = table[table["train_rows"] > 0]
        majority = table["train_rows"].idxmax()
        others = table.drop(index=majority)
        if others.empty:
            return str(table.loc[majority, "group"])
        large = others[others["train_share"] >= min_share]
        chosen = large["train_rows"].idxmin() if len(large) else others["train_rows"].idxmax()
        return str(others.loc[chosen, "group"])


def choose_positive(classes: list[str], codes: np.ndarray, given: str | None) -> str:
    """The positive class: the one given, else the second of a 0/1-like pair, else the rarest."""
    if given is not None:
        if given not in classes:
            raise DatasetError(f"positive class {given!r} is not a class of the target; "
                               f"choose one of {', '.join(classes)}.")
        return given
    if len(classes) == 2 and set(c.lower() for c in classes) in (
            {"0", "1"}, {"false", "true"}, {"no", "yes"}, {"-1", "1"}):
        return classes[1]
    counts = np.bincount(codes, minlength=len(classes))
    return classes[int(np.argmin(counts))]


def _class_sort_key(label: str):
    """Sort class labels numerically when they are numbers, else alphabetically."""
    try:
        return (0, float(label), label)
    except ValueError:
        return (1, 0.0, label)
