"""The algorithm registry: a name -> an estimator factory, per task, extensible by the user."""

from __future__ import annotations

import functools

from dataclasses import dataclass, field
from typing import Callable

from sklearn.base import BaseEstimator
from sklearn.compose import ColumnTransformer, TransformedTargetRegressor
from sklearn.ensemble import (HistGradientBoostingClassifier, HistGradientBoostingRegressor,
                              RandomForestClassifier, RandomForestRegressor)
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression, Ridge
from sklearn.naive_bayes import GaussianNB
from sklearn.neighbors import KNeighborsClassifier, KNeighborsRegressor
from sklearn.neural_network import MLPClassifier, MLPRegressor
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import OneHotEncoder, StandardScaler
from sklearn.svm import SVC, SVR
from sklearn.tree import DecisionTreeClassifier

from .errors import UsageError
from .imputer import MedianImputer
from .tasks import TASKS

DEFAULT_ALGORITHMS = ("xgboost", "mlp", "random_forest", "svm")


@dataclass(frozen=True)
class Algorithm:
    """One entry of the registry.

    Parameters
    ----------
    name : str
        Registry name, e.g. ``"xgboost"``.
    task : {"classification", "regression"}
    factory : callable
        ``factory(random_state) -> estimator``; the estimator sees preprocessed numeric arrays.
    max_train_rows : int or None
        Training-row budget: above it the loop fits on a stratified sample and says so
        (e.g. an RBF SVM is cubic in rows). ``None`` means no budget.
    cost : float
        Rough relative fit cost, used to schedule long fits first before any timing is known.
    max_test_rows : int or None
        Test-row budget of a slow predictor (classification): above it each fit scores a
        seeded, stratified sample of the test set, the interval counts that many test rows,
        and the output says so (``test_rows_used``). ``None`` scores every test row.
    weighted_duplicates : bool
        Fitting unique rows with integer sample weights equals fitting the duplicated rows
        (scikit-learn's sample-weight equivalence, checked for every algorithm that says so by
        tests/test_sample_weights.py): the loop then fits a random up-sample's repeated rows as
        weights (:func:`distviz.loop.weights.duplicates_as_weights`). False fits the duplicates.
    """

    name: str
    task: str
    factory: Callable[[int], BaseEstimator] = field(compare=False)
    max_train_rows: int | None = None
    cost: float = 1.0
    label: str = ""
    max_test_rows: int | None = None
    weighted_duplicates: bool = False

    def make(self, random_state: int) -> BaseEstimator:
        return self.factory(random_state)

    def signature(self) -> str:
        """The estimator's parameters as text: part of every cache key."""
        return self._signature

    @functools.cached_property
    def _signature(self) -> str:  # once per registration: every fit's cache key needs it
        params = self.make(0).get_params(deep=True)
        return repr(sorted((k, repr(v)) for k, v in params.items() if k != "random_state"))


_REGISTRY: dict[tuple[str, str], Algorithm] = {}


def register(name: str, factory: Callable[[int], BaseEstimator], *, task: str,
             max_train_rows: int | None = None, cost: float = 1.0, label: str | None = None,
             max_test_rows: int | None = None, weighted_duplicates: bool = False,
             replace: bool = False) -> Algorithm:
    """Add an algorithm to the registry.

    Examples
    --------
    >>> from sklearn.ensemble import ExtraTreesClassifier
    >>> register("extra_trees", lambda seed: ExtraTreesClassifier(random_state=seed),
    ...          task="classification", replace=True).name
    'extra_trees'
    """
    if task not in TASKS:
        raise UsageError(f"unknown task {task!r}; use one of {', '.join(TASKS)}.")
    if (task, name) in _REGISTRY and not replace:
        raise UsageError(f"algorithm {name!r} is already registered for {task}; "
                         "pass replace=True to override it.")
    if max_test_rows is not None and task != "classification":
        raise UsageError(f"a test-row budget is for classification only ({name!r} is for "
                         f"{task}); leave max_test_rows unset.")
    algorithm = Algorithm(name, task, factory, max_train_rows, cost, label or name,
                          max_test_rows, weighted_duplicates)
    _REGISTRY[(task, name)] = algorithm
    return algorithm


def unregister(name: str, *, task: str) -> None:
    """Remove a registered algorithm (a no-op when it is not registered)."""
    _REGISTRY.pop((task, name), None)


def available(task: str) -> list[str]:
    """Registered algorithm names for ``task``, in registration order."""
    return [name for (t, name) in _REGISTRY if t == task]


def get(name: str, task: str) -> Algorithm:
    try:
        return _REGISTRY[(task, name)]
    except KeyError:
        raise UsageError(f"unknown algorithm {name!r} for {task}; choose from: "
                         f"{', '.join(available(task))}.") from None


def resolve(names, task: str) -> list[Algorithm]:
    """Algorithms for a list (or comma-separated string) of names; unknown names are an error."""
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    names = list(dict.fromkeys(names))
    if not names:
        raise UsageError("no algorithm chosen; name at least one, e.g. --algorithms xgboost.")
    return [get(name, task) for name in names]


PLUGINS_ENV = "DISTVIZ_PLUGINS"


def load_plugins(modules: str | None = None) -> list[str]:
    """Import the modules that register a user's own algorithms (``register`` at import), so a
    served dashboard, a worker or the command line offers them: ``modules`` is a
    comma-separated list of importable module names, default ``$DISTVIZ_PLUGINS``.

    Returns the names imported; a module that does not import is one UsageError line."""
    import importlib
    import os
    text = os.environ.get(PLUGINS_ENV, "") if modules is None else modules
    names = [name.strip() for name in text.split(",") if name.strip()]
    for name in names:
        try:
            importlib.import_module(name)
        except Exception as exc:  # noqa: BLE001 - any failure of the user's module, said once
            raise UsageError(f"cannot import the algorithm plugin {name!r} "
                             f"({type(exc).__name__}: {exc}); check {PLUGINS_ENV} and that "
                             "the module is on PYTHONPATH.") from None
    return names


def default_algorithms(task: str) -> list[str]:
    return [name for name in DEFAULT_ALGORITHMS if (task, name) in _REGISTRY]


#: What the categorical preprocessing fills a missing value with (a category of its own).
MISSING_CATEGORY = "missing"


def make_preprocessor(kinds: dict[str, str], *, coded: bool = False) -> ColumnTransformer:
    """Numeric: median-impute and scale. Categorical: one-hot, unknown and rare values ignored.

    ``coded``: the same preprocessing for a matrix whose columns are ``kinds``' in order, each
    categorical one already filled and coded as integers in the sorted order of its values
    (:class:`distviz.loop.encoding.CodedTable`): the one-hot encoder then gives exactly the
    columns it gives the text, with integer work instead of string work."""
    names = list(kinds)
    numeric = [c for c, k in kinds.items() if k == "numeric"]
    categorical = [c for c, k in kinds.items() if k == "categorical"]
    if coded:
        numeric = [names.index(c) for c in numeric]
        categorical = [names.index(c) for c in categorical]
    transformers = []
    if numeric:
        # The coded path (distviz's own loop) takes the faster fit of the same medians; the
        # text path stays plain scikit-learn, the reference tests/test_encoded_once.py checks.
        imputer = MedianImputer if coded else SimpleImputer
        transformers.append(("numeric", make_pipeline(
            imputer(strategy="median", keep_empty_features=True), StandardScaler()),
            numeric))
    if categorical:
        one_hot = OneHotEncoder(handle_unknown="infrequent_if_exist", max_categories=30,
                                sparse_output=False)
        transformers.append(("categorical", one_hot if coded else make_pipeline(
            SimpleImputer(strategy="constant", fill_value=MISSING_CATEGORY,
                          keep_empty_features=True), one_hot), categorical))
    return ColumnTransformer(transformers, verbose_feature_names_out=False)


def make_full_pipeline(algorithm: Algorithm, kinds: dict[str, str], random_state: int) -> Pipeline:
    """Preprocessing and estimator in one scikit-learn pipeline (what the loop fits)."""
    return Pipeline([("prep", make_preprocessor(kinds)),
                     ("model", algorithm.make(random_state))])


def _xgb_classifier(seed):
    from xgboost import XGBClassifier
    return XGBClassifier(n_estimators=200, max_depth=6, learning_rate=0.1, tree_method="hist",
                         n_jobs=1, random_state=seed, verbosity=0)


def _xgb_regressor(seed):
    from xgboost import XGBRegressor
    return XGBRegressor(n_estimators=200, max_depth=6, learning_rate=0.1, tree_method="hist",
                        n_jobs=1, random_state=seed, verbosity=0)


def _scaled_target(regressor):
    """Neural nets and SVR fit far better when the target is standardised too."""
    return TransformedTargetRegressor(regressor=regressor, transformer=StandardScaler())


# weighted_duplicates only where tests/test_sample_weights.py finds the fits equal: elsewhere the
# rows, not their weights, are counted (the forest's bootstrap, the MLP's mini-batches, the SVM's
# gamma="scale", XGBoost's quantile sketch, min_samples_leaf, GaussianNB's var_smoothing).
_MLP = dict(hidden_layer_sizes=(64, 32), early_stopping=True, max_iter=200, n_iter_no_change=10)

register("xgboost", _xgb_classifier, task="classification", cost=1.0, label="XGBoost")
register("mlp", lambda s: MLPClassifier(random_state=s, **_MLP), task="classification",
         cost=4.0, label="MLP")
register("random_forest", lambda s: RandomForestClassifier(n_estimators=100, n_jobs=1,
                                                           random_state=s),
         task="classification", cost=4.0, label="Random forest")
register("svm", lambda s: SVC(kernel="rbf", C=1.0, gamma="scale", random_state=s),
         task="classification", max_train_rows=5_000, cost=3.0, label="SVM (RBF)",
         max_test_rows=5_000)
register("logistic_regression", lambda s: LogisticRegression(max_iter=1000, random_state=s),
         task="classification", cost=0.5, label="Logistic regression", weighted_duplicates=True)
register("knn", lambda s: KNeighborsClassifier(n_neighbors=15), task="classification",
         max_train_rows=20_000, cost=1.0, label="k nearest neighbours")
register("hist_gradient_boosting", lambda s: HistGradientBoostingClassifier(random_state=s),
         task="classification", cost=1.5, label="Hist gradient boosting")
register("decision_tree", lambda s: DecisionTreeClassifier(min_samples_leaf=5, random_state=s),
         task="classification", cost=0.3, label="Decision tree")
register("naive_bayes", lambda s: GaussianNB(), task="classification", cost=0.1,
         label="Naive Bayes")

register("xgboost", _xgb_regressor, task="regression", cost=1.0, label="XGBoost")
register("mlp", lambda s: _scaled_target(MLPRegressor(random_state=s, **_MLP)),
         task="regression", cost=4.0, label="MLP")
register("random_forest", lambda s: RandomForestRegressor(n_estimators=100, n_jobs=1,
                                                          random_state=s),
         task="regression", cost=4.0, label="Random forest")
register("svm", lambda s: _scaled_target(SVR(kernel="rbf", C=1.0, gamma="scale")),
         task="regression", max_train_rows=5_000, cost=3.0, label="SVR (RBF)")
register("ridge", lambda s: Ridge(alpha=1.0), task="regression", cost=0.1, label="Ridge",
         weighted_duplicates=True)
register("knn", lambda s: KNeighborsRegressor(n_neighbors=15), task="regression",
         max_train_rows=20_000, cost=1.0, label="k nearest neighbours")
register("hist_gradient_boosting", lambda s: HistGradientBoostingRegressor(random_state=s),
         task="regression", cost=1.5, label="Hist gradient boosting")
