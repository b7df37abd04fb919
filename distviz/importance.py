"""Which features matter: Gini, permutation and SHAP importance on the baseline training set."""

from __future__ import annotations

import threading
import warnings
from collections import OrderedDict
from typing import NamedTuple

import numpy as np
import pandas as pd
from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor
from sklearn.inspection import permutation_importance
from sklearn.pipeline import Pipeline

from .data import Dataset
from .data.sampling import sample_rows
from .errors import UsageError
from .models import make_preprocessor
from .runner import at_low_priority

METHODS = ("gini", "permutation", "shap")


class CacheInfo(NamedTuple):
    hits: int
    misses: int
    maxsize: int
    currsize: int


class Rankings:
    """The last ``maxsize`` rankings computed in this process (least recently used dropped
    first): a server that opens many datasets keeps a few, not all. One computation per key:
    sessions opening the same dataset at once wait for the first."""

    def __init__(self, maxsize: int = 8):
        self.maxsize = maxsize
        self._tables: OrderedDict[tuple, pd.DataFrame] = OrderedDict()
        self._computing: dict[tuple, threading.Lock] = {}
        self._lock = threading.Lock()
        self._hits = self._misses = 0

    def get(self, key: tuple, compute) -> pd.DataFrame:
        """A copy of the table of ``key``, computed by ``compute()`` unless it is kept."""
        table = self._lookup(key)
        if table is not None:
            return table
        with self._lock:
            key_lock = self._computing.setdefault(key, threading.Lock())
        with key_lock:
            table = self._lookup(key)  # computed while this one waited
            if table is not None:
                return table
            try:
                table = compute()
            except BaseException:
                with self._lock:
                    self._computing.pop(key, None)
                raise
            with self._lock:
                self._misses += 1
                self._tables[key] = table
                while len(self._tables) > self.maxsize:
                    self._tables.popitem(last=False)
                self._computing.pop(key, None)
            return table.copy()

    def _lookup(self, key: tuple) -> pd.DataFrame | None:
        with self._lock:
            table = self._tables.get(key)
            if table is None:
                return None
            self._tables.move_to_end(key)
            self._hits += 1
            return table.copy()

    def cache_info(self) -> CacheInfo:
        with self._lock:
            return CacheInfo(self._hits, self._misses, self.maxsize, len(self._tables))

    def clear(self) -> None:
        with self._lock:
            self._tables.clear()
            self._hits = self._misses = 0


#: The process-wide rankings (a ranking is seconds of work; every view of a dataset asks).
RANKINGS = Rankings()


def _sample(dataset: Dataset, n_rows: int, random_state: int):
    """A seeded (stratified) sample of the training set, at most ``n_rows``."""
    labels = dataset.y_train if dataset.is_classification else None
    keep = sample_rows(len(dataset.X_train), n_rows, labels=labels, random_state=random_state)
    return dataset.X_train.iloc[keep], dataset.y_train[keep]


def _original_columns(prep, features: list[str]) -> np.ndarray:
    """For every preprocessed column, the index of the original feature it came from
    (one-hot columns are named "<feature>_<value>"; the longest matching feature owns it)."""
    owners = []
    for name in prep.get_feature_names_out():
        matches = [f for f in features if name == f or name.startswith(f"{f}_")]
        owners.append(features.index(max(matches, key=len)))
    return np.asarray(owners)


def _aggregate(values: np.ndarray, owners: np.ndarray, n_features: int) -> np.ndarray:
    return np.bincount(owners, weights=values, minlength=n_features)


def rank_features(dataset: Dataset, *, method: str | list[str] = "all",
                  n_estimators: int = 100, max_rows: int = 20_000,
                  permutation_rows: int = 2_000, n_repeats: int = 5, shap_rows: int = 1_000,
                  random_state: int = 0, low_priority: bool = False) -> pd.DataFrame:
    """Rank the dataset's features by one or more importance methods.

    Parameters
    ----------
    dataset : Dataset
        Importance is computed on its baseline training set (never the test set).
    method : {"all", "gini", "permutation", "shap"} or list of them
        ``gini``: impurity importance of a random forest; ``permutation``: drop in score when
        one *original* column is shuffled (on a seeded sample); ``shap``: mean |SHAP| of an
        XGBoost model (TreeExplainer, on a sample). One-hot columns are summed back to their
        original feature.
    max_rows, permutation_rows, shap_rows : int
        Sample sizes that keep ranking to seconds on large tables.
    low_priority : bool
        Compute in a separate process at the lowest CPU priority
        (:func:`distviz.runner.at_low_priority`): the dashboard's full ranking, which must not
        slow the user's first moves. Same table.

    Returns
    -------
    pandas.DataFrame
        One row per feature: ``feature``, ``kind``, then for each method its normalised
        importance (sums to 1) and ``rank_<method>`` (1 = most important); sorted by the first
        method's rank.
    """
    methods = list(METHODS) if method == "all" else [method] if isinstance(method, str) \
        else list(method)
    unknown = [m for m in methods if m not in METHODS]
    if unknown:
        raise UsageError(f"unknown ranking method {unknown[0]!r}; use one of: "
                         f"{', '.join(METHODS)} or all.")
    key = (dataset.fingerprint, tuple(methods), n_estimators, max_rows, permutation_rows,
           n_repeats, shap_rows, random_state)

    def compute():
        X, y = _sample(dataset, max_rows, random_state)
        args = (X, y, dataset.kinds, dataset.is_classification, methods, n_estimators,
                permutation_rows, n_repeats, shap_rows, random_state)
        return at_low_priority(_rank, *args) if low_priority else _rank(*args)
    return RANKINGS.get(key, compute)


def _rank(X, y, kinds, classification, methods, n_estimators, permutation_rows, n_repeats,
          shap_rows, random_state) -> pd.DataFrame:
    """The ranking table from a sample of the training set (what may run in another process)."""
    features = list(X.columns)
    table = pd.DataFrame({"feature": features, "kind": [kinds[f] for f in features]})
    prep = make_preprocessor(kinds)
    X_encoded = prep.fit_transform(X)
    owners = _original_columns(prep, features)

    if "gini" in methods or "permutation" in methods:
        forest_class = RandomForestClassifier if classification else RandomForestRegressor
        # Leaves of a few rows keep the forest (and permutation scoring) fast on large samples.
        forest = forest_class(n_estimators=n_estimators, min_samples_leaf=3, n_jobs=-1,
                              random_state=random_state).fit(X_encoded, y)
        if "gini" in methods:
            table["gini"] = _aggregate(forest.feature_importances_, owners, len(features))
        if "permutation" in methods:
            pipeline = Pipeline([("prep", prep), ("model", forest)])
            rows = np.random.default_rng(random_state).permutation(len(X))[:permutation_rows]
            X_p, y_p = X.iloc[rows], y[rows]
            result = permutation_importance(pipeline, X_p, y_p, n_repeats=n_repeats,
                                            random_state=random_state, n_jobs=1)
            table["permutation"] = np.clip(result.importances_mean, 0, None)
    if "shap" in methods:
        table["shap"] = _shap_importance(classification, X_encoded, y, owners, len(features),
                                         shap_rows, random_state)

    for m in methods:
        total = table[m].sum()
        table[m] = table[m] / total if total > 0 else 0.0
        table[f"rank_{m}"] = table[m].rank(ascending=False, method="first").astype(int)
    return table.sort_values(f"rank_{methods[0]}").reset_index(drop=True)


def _shap_importance(classification, X_encoded, y, owners, n_features, shap_rows,
                     random_state) -> np.ndarray:
    import shap
    from xgboost import XGBClassifier, XGBRegressor

    model_class = XGBClassifier if classification else XGBRegressor
    model = model_class(n_estimators=200, max_depth=6, learning_rate=0.1, tree_method="hist",
                        n_jobs=2, random_state=random_state, verbosity=0).fit(X_encoded, y)
    rows = np.random.default_rng(random_state).permutation(len(X_encoded))[:shap_rows]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        values = shap.TreeExplainer(model).shap_values(X_encoded[rows])
    values = np.abs(np.asarray(values))
    # Binary/regression: (rows, columns); multi-class: (rows, columns, classes).
    per_column = values.mean(axis=0)
    if per_column.ndim > 1:
        per_column = per_column.mean(axis=-1)
    return _aggregate(per_column, owners, n_features)


def top_features(dataset: Dataset, k: int, *, method: str = "gini",
                 random_state: int = 0) -> list[str]:
    """The ``k`` most important features by ``method``."""
    table = rank_features(dataset, method=method, random_state=random_state)
    return table["feature"].head(k).tolist()


def choose_features(dataset: Dataset, features=None, *, top: int = 3, method: str = "gini",
                    random_state: int = 0, first=()) -> list[str]:
    """The features a sweep, advise, an export or a view uses: the one rule.

    ``features`` as given (each checked against the dataset, duplicates dropped), else the
    ``top`` features: ``first`` (those the dataset has, in order), then the highest-ranked
    others by ``method``."""
    if features is not None:
        if not features:
            raise UsageError("no feature given; name at least one, e.g. --features sex.")
        for feature in features:
            dataset.check_feature(feature)
        return list(dict.fromkeys(features))
    if top < 1:
        raise UsageError(f"--top must be at least 1, got {top}.")
    chosen = [f for f in dict.fromkeys(first) if f in dataset.features][:top]
    if len(chosen) < top:
        ranked = top_features(dataset, min(top + len(chosen), len(dataset.features)),
                              method=method, random_state=random_state)
        chosen += [f for f in ranked if f not in chosen][:top - len(chosen)]
    return chosen
