"""The model loop: every chosen algorithm x seed, on the baseline and on a shifted training set.

Results are cached (semantics 9), fits run in parallel in a reusable process pool (so a GIL-bound
fit such as an MLP never stalls the caller, e.g. a Panel server), one algorithm failing never
stops the others (semantics 10), and every summary carries its delta to the baseline with a 95 %
interval when there are repeats (semantics 5-6).
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import signal
import threading
import time
import warnings
from collections import OrderedDict
from concurrent.futures import FIRST_COMPLETED, Future, wait
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import param
from sklearn.model_selection import train_test_split

from . import evaluate, models
from .data import Dataset
from .errors import UsageError
from .resample import ShiftResult, ShiftSpec, shift_training_set, validate_spec

ProgressCallback = Callable[[int, int, "FitResult"], None]


# ---------------------------------------------------------------------------- one fit
@dataclass
class FitResult:
    """One algorithm fitted with one seed on one training set, scored on the frozen test set."""

    algorithm: str
    seed: int
    training_key: str
    metrics: dict[str, float] | None
    y_pred: np.ndarray | None
    scores: np.ndarray | None
    fit_seconds: float
    train_rows: int
    train_rows_used: int
    budget: int | None
    error: str | None = None
    from_cache: bool = False

    @property
    def nbytes(self) -> int:
        arrays = (a for a in (self.y_pred, self.scores) if a is not None)
        return 1024 + sum(a.nbytes for a in arrays)

    def to_record(self) -> dict:
        """JSON-safe fields (arrays are stored beside it)."""
        return {k: getattr(self, k) for k in (
            "algorithm", "seed", "training_key", "metrics", "fit_seconds", "train_rows",
            "train_rows_used", "budget", "error")}


def _class_scores(estimator, X, n_classes: int) -> np.ndarray:
    """Per-class scores in the dataset's class order, for every class even if unseen in training."""
    if hasattr(estimator, "predict_proba"):
        return _in_class_order(estimator, estimator.predict_proba(X), n_classes)
    return _in_class_order(estimator, _squash(estimator.decision_function(X)), n_classes)


def _squash(decision: np.ndarray) -> np.ndarray:
    """An SVC without Platt scaling: its decision function squashed into [0, 1] per class."""
    if decision.ndim == 1:
        positive = 1.0 / (1.0 + np.exp(-decision))
        return np.column_stack([1 - positive, positive])
    shifted = np.exp(decision - decision.max(axis=1, keepdims=True))
    return shifted / shifted.sum(axis=1, keepdims=True)


def _in_class_order(estimator, raw: np.ndarray, n_classes: int) -> np.ndarray:
    present = np.asarray(getattr(estimator, "classes_", np.arange(n_classes))).astype(int)
    scores = np.zeros((len(raw), n_classes))
    scores[:, present] = raw
    return scores


# Estimators whose own ``predict`` is the argmax of their ``predict_proba`` (scikit-learn's
# forests and MLP, XGBoost), so one pass over the test set gives both.
_ARGMAX_OF_PROBA = {"RandomForestClassifier", "ExtraTreesClassifier", "MLPClassifier",
                    "XGBClassifier"}


def _predict_classes(estimator, X, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class codes and per-class scores, with one pass over ``X`` when ``predict`` is a
    function of the scores (the labels are exactly ``estimator.predict(X)``; a test checks it).

    Predicting twice is what made a 5,000-row SVM cost 85 s on 250,000 test rows."""
    name = type(estimator).__name__
    classes = np.asarray(getattr(estimator, "classes_", []))
    if name in _ARGMAX_OF_PROBA and classes.ndim == 1 and len(classes) > 1:
        raw = estimator.predict_proba(X)
        y_pred = classes.take(np.argmax(raw, axis=1))
    elif name == "SVC" and len(classes) == 2 and not estimator.probability:
        decision = estimator.decision_function(X)
        # scikit-learn: a binary SVC predicts classes_[1] where decision > 0 (libsvm computes
        # both from the same values); an exact 0 is left to predict itself.
        y_pred = classes.take((decision > 0).astype(np.intp))
        ties = decision == 0
        if ties.any():
            y_pred[ties] = estimator.predict(X[ties])
        raw = _squash(decision)
    else:
        return (np.asarray(estimator.predict(X)).astype(np.int64),
                _class_scores(estimator, X, n_classes))
    return np.asarray(y_pred).astype(np.int64), _in_class_order(estimator, raw, n_classes)


def fit_and_score(algorithm: models.Algorithm, seed: int, X_train: np.ndarray,
                  y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, *,
                  task: str, n_classes: int = 0, positive: int | None = None,
                  time_limit: float | None = None) -> dict:
    """Fit one estimator and score it. Runs in a worker process; never raises.

    ``time_limit`` seconds (POSIX, main thread: a worker) interrupts the fit with a transient
    TimeoutError, so a stuck fit frees its worker for the fits queued behind it.
    """
    from threadpoolctl import threadpool_limits

    start = time.perf_counter()
    alarm = (time_limit and hasattr(signal, "setitimer")
             and threading.current_thread() is threading.main_thread())
    if alarm:
        previous = signal.signal(signal.SIGALRM, _raise_fit_timeout)
        signal.setitimer(signal.ITIMER_REAL, time_limit)
    try:
        with threadpool_limits(1), warnings.catch_warnings():
            # Convergence chatter from a short MLP budget is expected, not news.
            warnings.simplefilter("ignore")
            estimator = algorithm.make(seed)
            estimator.fit(X_train, y_train)
            if task == "classification":
                y_pred, scores = _predict_classes(estimator, X_test, n_classes)
                metrics = evaluate.score_classification(y_test, y_pred, scores,
                                                        n_classes=n_classes, positive=positive)
            else:
                y_pred = np.asarray(estimator.predict(X_test), dtype=float).ravel()
                scores = None
                if not np.isfinite(y_pred).all():
                    raise ValueError("the model predicted non-finite values")
                metrics = evaluate.score_regression(y_test, y_pred)
    except _FitTimeout:
        return {"error": f"TimeoutError: exceeded the time budget of {time_limit:g} s; raise "
                         "time_budget or use fewer rows",
                "fit_seconds": time.perf_counter() - start, "transient": True}
    except Exception as exc:  # one algorithm failing must not stop the others
        message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
        return {"error": f"{type(exc).__name__}: {message}"[:300],
                "fit_seconds": time.perf_counter() - start}
    finally:
        if alarm:
            signal.setitimer(signal.ITIMER_REAL, 0)
            signal.signal(signal.SIGALRM, previous)
    return {"metrics": metrics, "y_pred": y_pred, "scores": scores, "error": None,
            "fit_seconds": time.perf_counter() - start}


class _FitTimeout(BaseException):
    """Raised by SIGALRM inside a fit (a BaseException so estimators cannot swallow it)."""


def _raise_fit_timeout(signum, frame):
    raise _FitTimeout()


def _warm_worker() -> int:
    """Import the heavy libraries once in a worker so the first real fit is not slowed."""
    import sklearn.ensemble  # noqa: F401
    import sklearn.neural_network  # noqa: F401
    import sklearn.svm  # noqa: F401
    import xgboost  # noqa: F401
    return os.getpid()


_EXECUTOR_LOCK = threading.Lock()


def get_executor(n_jobs: int):
    """The shared, reusable process pool (one per process, shared by all sessions)."""
    from joblib.externals.loky import get_reusable_executor
    with _EXECUTOR_LOCK:
        return get_reusable_executor(max_workers=n_jobs, timeout=600, reuse=True)


# ---------------------------------------------------------------------------- cache
class ResultCache:
    """Fit results keyed by (dataset fingerprint, training set, algorithm and its parameters,
    seed, budget): an LRU in memory with a size limit, optionally persisted to a folder as JSON
    and ``.npz`` (never pickle)."""

    def __init__(self, directory: str | os.PathLike | None = None, *,
                 max_bytes: int = 512 * 2**20, max_entries: int = 50_000):
        self.directory = Path(directory) if directory else None
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._entries: OrderedDict[str, FitResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = 0
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(*parts) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()
                              ).hexdigest()[:32]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def get(self, key: str) -> FitResult | None:
        with self._lock:
            result = self._entries.get(key)
            if result is not None:
                self._entries.move_to_end(key)
        if result is None and self.directory:
            result = self._read(key)
            if result is not None:
                self._remember(key, result)
        with self._lock:
            if result is None:
                self.misses += 1
            else:
                self.hits += 1
        return replace(result, from_cache=True) if result is not None else None

    def put(self, key: str, result: FitResult) -> None:
        result = replace(result, from_cache=False)
        self._remember(key, result)
        if self.directory:
            self._write(key, result)

    def clear(self, *, disk: bool = True) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._bytes = 0
        if disk and self.directory and self.directory.exists():
            for path in self.directory.glob("*.json"):
                path.unlink(missing_ok=True)
                path.with_suffix(".npz").unlink(missing_ok=True)
                count += 1
        return count

    def _remember(self, key: str, result: FitResult) -> None:
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key).nbytes
            self._entries[key] = result
            self._bytes += result.nbytes
            while self._entries and (self._bytes > self.max_bytes
                                     or len(self._entries) > self.max_entries):
                _, old = self._entries.popitem(last=False)
                self._bytes -= old.nbytes
                self.evictions += 1

    def _write(self, key: str, result: FitResult) -> None:
        arrays = {k: v for k, v in (("y_pred", result.y_pred), ("scores", result.scores))
                  if v is not None}
        tmp = self.directory / f".{key}.{os.getpid()}.{threading.get_ident()}"
        if arrays:
            np.savez(tmp.with_suffix(".npz"), **arrays)
            os.replace(tmp.with_suffix(".npz"), self.directory / f"{key}.npz")
        tmp.with_suffix(".json").write_text(json.dumps(result.to_record()))
        os.replace(tmp.with_suffix(".json"), self.directory / f"{key}.json")

    def _read(self, key: str) -> FitResult | None:
        path = self.directory / f"{key}.json"
        try:
            record = json.loads(path.read_text())
            arrays = {}
            if path.with_suffix(".npz").exists():
                with np.load(path.with_suffix(".npz"), allow_pickle=False) as stored:
                    arrays = {k: stored[k] for k in stored.files}
        except (OSError, ValueError):
            return None  # a missing or damaged entry is simply recomputed
        return FitResult(**record, y_pred=arrays.get("y_pred"), scores=arrays.get("scores"))


def default_cache_dir() -> Path:
    """Where the on-disk cache lives: $DISTVIZ_CACHE_DIR, else ~/.cache/distviz."""
    return Path(os.environ.get("DISTVIZ_CACHE_DIR") or Path.home() / ".cache" / "distviz")


_SHARED_CACHE = ResultCache()


def shared_cache() -> ResultCache:
    """The in-memory cache shared by every ModelLoop of this process unless given its own."""
    return _SHARED_CACHE


# ---------------------------------------------------------------------------- summaries
@dataclass
class AlgorithmResult:
    """One algorithm's shifted and baseline results, averaged over seeds."""

    algorithm: str
    metrics: dict[str, float] | None
    baseline: dict[str, float] | None
    delta: dict[str, float] | None
    ci95: dict[str, list[float]] | None
    significant: dict[str, bool | None] | None
    fits: list[FitResult]
    baseline_fits: list[FitResult]
    error: str | None = None
    metrics_shifted_test: dict[str, float] | None = None
    baseline_shifted_test: dict[str, float] | None = None

    @property
    def ok(self) -> bool:
        return self.error is None and self.metrics is not None

    @property
    def first_fit(self) -> FitResult | None:
        return next((f for f in self.fits if f.error is None), None)

    @property
    def first_baseline_fit(self) -> FitResult | None:
        return next((f for f in self.baseline_fits if f.error is None), None)

    @property
    def fit_seconds(self) -> float:
        return float(np.mean([f.fit_seconds for f in self.fits])) if self.fits else 0.0

    @property
    def from_cache(self) -> bool:
        return bool(self.fits) and all(f.from_cache for f in self.fits + self.baseline_fits)

    @property
    def train_rows_used(self) -> int:
        return self.fits[0].train_rows_used if self.fits else 0

    @property
    def budget_applied(self) -> bool:
        return any(f.train_rows_used < f.train_rows for f in self.fits)


@dataclass
class RunResult:
    """Everything one run of the loop produced: the JSON contract and what the views need."""

    dataset: Dataset
    shift: ShiftResult
    metric: str
    algorithms: list[AlgorithmResult]
    repeats: int
    seconds: float = 0.0
    computed: int = 0
    cached: int = 0

    @property
    def spec(self) -> ShiftSpec:
        return self.shift.spec

    def result(self, algorithm: str) -> AlgorithmResult:
        return next(a for a in self.algorithms if a.algorithm == algorithm)

    def best(self, which: str = "shifted") -> str | None:
        """The best algorithm by the headline metric, at baseline or after the shift."""
        attr = "metrics" if which == "shifted" else "baseline"
        scored = [(getattr(a, attr)[self.metric], a.algorithm) for a in self.algorithms
                  if a.error is None and getattr(a, attr)
                  and not math.isnan(getattr(a, attr)[self.metric])]
        if not scored:
            return None
        sign = -1 if self.metric in evaluate.LOWER_IS_BETTER else 1
        return max(scored, key=lambda s: sign * s[0])[1]  # ties: the first listed wins

    def confusion(self, algorithm: str, *, baseline: bool = False) -> np.ndarray | None:
        """Confusion-matrix counts of the first repeat (rows: true, columns: predicted)."""
        result = self.result(algorithm)
        fit = result.first_baseline_fit if baseline else result.first_fit
        if fit is None or not self.dataset.is_classification:
            return None
        return evaluate.confusion(self.dataset.y_test, fit.y_pred, len(self.dataset.classes))

    def roc(self, algorithm: str, *, baseline: bool = False) -> pd.DataFrame | None:
        result = self.result(algorithm)
        fit = result.first_baseline_fit if baseline else result.first_fit
        if fit is None or fit.scores is None:
            return None
        return evaluate.roc_points(self.dataset.y_test, fit.scores,
                                   positive=self.dataset.positive_index)

    def group_metrics(self, algorithm: str, *, baseline: bool = False) -> pd.DataFrame | None:
        """Per-group metrics of the shifted feature on the test set, averaged over repeats."""
        if self.spec.feature is None:
            return None
        result = self.result(algorithm)
        fits = [f for f in (result.baseline_fits if baseline else result.fits) if f.error is None]
        if not fits:
            return None
        ds = self.dataset
        labels = ds.group_labels(self.spec.feature, ds.X_test).to_numpy()
        tables = [evaluate.group_metrics(ds.y_test, f.y_pred, labels, task=ds.task_name,
                                         positive=ds.positive_index,
                                         n_classes=len(ds.classes)) for f in fits]
        order = [g for g in ds.groups(self.spec.feature)["group"] if g in set(labels)]
        table = pd.concat(tables).groupby("group", sort=False).mean(numeric_only=True)
        table = table.reindex(order).reset_index()
        table["rows"] = table["rows"].astype(int)
        return table

    def to_dict(self) -> dict:
        """The ``distviz run --json`` object (design.md, command line contract)."""
        results = []
        for a in self.algorithms:
            entry = {"algorithm": a.algorithm, "metrics": a.metrics, "baseline": a.baseline,
                     "delta": a.delta}
            if self.repeats > 1:
                entry["ci95"] = a.ci95
                entry["significant"] = a.significant
            if self.dataset.is_classification:
                counts = self.confusion(a.algorithm)
                entry["confusion_matrix"] = None if counts is None else {
                    "labels": list(self.dataset.classes), "counts": counts.tolist()}
            if a.metrics_shifted_test is not None:
                entry["metrics_shifted_test"] = a.metrics_shifted_test
                entry["baseline_shifted_test"] = a.baseline_shifted_test
            groups = self.group_metrics(a.algorithm)
            if groups is not None:
                entry["groups"] = _records(groups)
            entry.update(fit_seconds=round(a.fit_seconds, 4), train_rows_used=a.train_rows_used,
                         budget_applied=a.budget_applied, error=a.error)
            results.append(entry)
        return {"dataset": self.dataset.summary(), "shift": self.shift.summary(),
                "repeats": self.repeats, "results": results,
                "best": {"metric": self.metric, "baseline": self.best("baseline"),
                         "shifted": self.best("shifted")}}


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict("records")]


def _mean_metrics(fits: list[FitResult]) -> dict[str, float] | None:
    good = [f.metrics for f in fits if f.error is None and f.metrics]
    if not good:
        return None
    return {k: float(np.mean([m[k] for m in good])) for k in good[0]}


# ---------------------------------------------------------------------------- scheduling
_IN_FLIGHT: dict[str, Future] = {}  # cache key -> its fit running in the pool (any loop)
_IN_FLIGHT_LOCK = threading.Lock()
_FIT_COSTS: dict[tuple[str, str], float] = {}  # (dataset fingerprint, algorithm) -> seconds
_ACTIVITY = threading.Condition()
_FOREGROUND_RUNS = 0  # runs of this process computing fits right now


def _forget_in_flight(key: str, future: Future) -> None:
    with _IN_FLIGHT_LOCK:
        if _IN_FLIGHT.get(key) is future:
            del _IN_FLIGHT[key]


def _remember_cost(fingerprint: str, fit: FitResult) -> None:
    """The latest measured fit seconds per dataset and algorithm (to schedule long fits first)."""
    if not fit.from_cache and fit.error is None:
        _FIT_COSTS[(fingerprint, fit.algorithm)] = fit.fit_seconds


class _foreground:
    """Counts the runs computing fits; background prefetches submit only when there are none."""

    def __init__(self, active: bool):
        self.active = active

    def __enter__(self):
        global _FOREGROUND_RUNS
        if self.active:
            with _ACTIVITY:
                _FOREGROUND_RUNS += 1

    def __exit__(self, *exc):
        global _FOREGROUND_RUNS
        if self.active:
            with _ACTIVITY:
                _FOREGROUND_RUNS -= 1
                _ACTIVITY.notify_all()


class Prefetch:
    """A background prefetch started by :meth:`ModelLoop.prefetch` (``background=True``)."""

    def __init__(self, loop: "ModelLoop", states, algorithms, progress=None):
        self.loop, self.states, self.algorithms = loop, states, algorithms
        self._cancelled = threading.Event()
        self.error: str | None = None
        self._thread = threading.Thread(target=self._work, args=(progress,), daemon=True,
                                        name="distviz-prefetch")
        self._thread.start()

    def _work(self, progress) -> None:
        try:
            self.loop._fit_all(self.states, self.algorithms, progress, background=self)
        except Exception as exc:  # noqa: BLE001 - a prefetch is only ever a head start
            self.error = f"{type(exc).__name__}: {exc}"

    @property
    def cancelled(self) -> bool:
        return self._cancelled.is_set()

    def may_submit(self) -> bool:
        """True when no foreground run is computing and the prefetch is not cancelled."""
        return not self.cancelled and not _FOREGROUND_RUNS

    def wait_turn(self) -> bool:
        """Block while a foreground run computes; False once cancelled."""
        with _ACTIVITY:
            while _FOREGROUND_RUNS and not self.cancelled:
                _ACTIVITY.wait(0.1)
        return not self.cancelled

    def cancel(self) -> None:
        """Submit nothing more (fits already in a worker finish and are cached)."""
        self._cancelled.set()
        with _ACTIVITY:
            _ACTIVITY.notify_all()

    def done(self) -> bool:
        return not self._thread.is_alive()

    def wait(self, timeout: float | None = None) -> bool:
        self._thread.join(timeout)
        return self.done()


# ---------------------------------------------------------------------------- the loop
class ModelLoop(param.Parameterized):
    """Fit and score the chosen algorithms on a shifted training set and on the baseline.

    Examples
    --------
    >>> loop = ModelLoop(dataset=Dataset(source="titanic"), algorithms=["xgboost"])
    >>> result = loop.run(ShiftSpec("sex", "female", -0.5))
    >>> result.result("xgboost").delta["f1"]  # doctest: +SKIP
    """

    dataset = param.ClassSelector(class_=Dataset, doc="The dataset (its test set is frozen).")

    algorithms = param.List(default=list(models.DEFAULT_ALGORITHMS), item_type=str, doc="""
        Registry names of the algorithms to compare.""")

    repeats = param.Integer(default=1, bounds=(1, 50), softbounds=(1, 10), doc="""
        Seeds per state; with more than one, every delta gets a 95 % interval.""")

    random_state = param.Integer(default=0, doc="""
        First seed; repeat k uses random_state + k for resampling and for the models.""")

    n_jobs = param.Integer(default=min(2, os.cpu_count() or 1), bounds=(1, None), doc="""
        Parallel fits (worker processes). 1 fits inline in this process.""")

    max_train_rows = param.Integer(default=None, allow_None=True, bounds=(100, None), doc="""
        A training-row budget for every algorithm (an interactive cap for very large data).""")

    lift_budgets = param.Boolean(default=False, doc="""
        Fit every algorithm on all training rows, ignoring training-row budgets.""")

    time_budget = param.Number(default=None, allow_None=True, bounds=(0.1, None), doc="""
        Seconds one fit may run (parallel mode) before it is reported as an error.""")

    shifted_test = param.Boolean(default=False, doc="""
        Also score on the test set shifted the same way (the group's test rows weighted by
        1 + ratio): "what if deployment shifts too".""")

    max_ratio = param.Number(default=3.0, bounds=(0.0, 20.0), doc="Largest up-sampling ratio.")

    cache = param.ClassSelector(class_=ResultCache, default=None, allow_None=True, doc="""
        Result cache; None uses the process-wide shared in-memory cache.""")

    def __init__(self, **params):
        super().__init__(**params)
        self._prepared: OrderedDict[tuple, tuple] = OrderedDict()
        self._prepared_lock = threading.Lock()

    @property
    def result_cache(self) -> ResultCache:
        return self.cache if self.cache is not None else shared_cache()

    @property
    def seeds(self) -> list[int]:
        return [self.random_state + k for k in range(self.repeats)]

    def resolved_algorithms(self) -> list[models.Algorithm]:
        if self.dataset is None:
            raise UsageError("the model loop has no dataset; set ModelLoop.dataset first.")
        return models.resolve(self.algorithms, self.dataset.task_name)

    def budget_for(self, algorithm: models.Algorithm) -> int | None:
        if self.lift_budgets:
            return None
        budgets = [b for b in (algorithm.max_train_rows, self.max_train_rows) if b]
        return min(budgets) if budgets else None

    def cache_key(self, spec: ShiftSpec, algorithm: models.Algorithm, seed: int) -> str:
        return ResultCache.key(self.dataset.fingerprint, spec.training_key(), algorithm.task,
                               algorithm.name, algorithm.signature(), seed,
                               self.budget_for(algorithm))

    # -- training sets ---------------------------------------------------------------
    def _remember(self, key, make):
        """A small per-loop LRU of shifted training sets and their matrices."""
        with self._prepared_lock:
            if key in self._prepared:
                self._prepared.move_to_end(key)
                return self._prepared[key]
        value = make()
        with self._prepared_lock:
            self._prepared[key] = value
            while len(self._prepared) > 12:
                self._prepared.popitem(last=False)
        return value

    def shift_result(self, spec: ShiftSpec, seed: int) -> ShiftResult:
        """The shifted training set for ``seed`` (cached per loop)."""
        key = ("shift", self.dataset.fingerprint, spec.training_key(), seed, spec.feature,
               spec.group)
        return self._remember(key, lambda: shift_training_set(
            self.dataset, spec, random_state=seed, max_ratio=self.max_ratio))

    def matrices(self, spec: ShiftSpec, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """Preprocessed train/test matrices: preprocessing is fitted once per training set and
        shared by every algorithm (what each pipeline would compute on its own)."""
        key = ("matrices", self.dataset.fingerprint, spec.training_key(), seed)

        def make():
            prep = models.make_preprocessor(self.dataset.kinds)
            X_train = prep.fit_transform(self.shift_result(spec, seed).X)
            return (np.asarray(X_train, dtype=np.float64),
                    np.asarray(prep.transform(self.dataset.X_test), dtype=np.float64))
        return self._remember(key, make)

    def _payload(self, algorithm, seed, shift, X_train, X_test):
        budget = self.budget_for(algorithm)
        y_train = shift.y
        rows = np.arange(len(y_train))
        if budget and len(rows) > budget:
            stratify = y_train if self.dataset.is_classification else None
            try:
                rows, _ = train_test_split(rows, train_size=budget, random_state=seed,
                                           stratify=stratify)
            except ValueError:  # a class too rare to stratify: plain random sample
                rows, _ = train_test_split(rows, train_size=budget, random_state=seed)
            rows = np.sort(rows)
        ds = self.dataset
        kwargs = dict(task=ds.task_name, n_classes=len(ds.classes), positive=ds.positive_index)
        return (algorithm, seed, X_train[rows], y_train[rows], X_test, ds.y_test), kwargs, \
            len(rows), budget

    # -- running ---------------------------------------------------------------------
    def run(self, spec: ShiftSpec | None = None, *, progress: ProgressCallback | None = None,
            with_baseline: bool = True) -> RunResult:
        """Fit (or fetch from the cache) every algorithm x seed for ``spec`` and the baseline.

        Parameters
        ----------
        spec : ShiftSpec, optional
            The shift; default the baseline itself.
        progress : callable, optional
            ``progress(done, total, fit_result)`` after each fit, cached or computed, in the
            calling thread, as soon as that fit is known.
        """
        started = time.perf_counter()
        spec = spec or ShiftSpec()
        validate_spec(self.dataset, spec, max_ratio=self.max_ratio)
        algorithms = self.resolved_algorithms()
        states = [spec] + ([spec.baseline()] if with_baseline and not spec.is_baseline else [])
        fits = self._fit_all(states, algorithms, progress)
        shift = self.shift_result(spec, self.seeds[0])
        summaries = [self.summarize(a.name, spec, fits) for a in algorithms]
        computed = sum(1 for f in fits.values() if not f.from_cache)
        return RunResult(self.dataset, shift, self.dataset.headline_metric, summaries,
                         self.repeats, time.perf_counter() - started, computed,
                         len(fits) - computed)

    def prefetch(self, specs, *, progress: ProgressCallback | None = None,
                 background: bool = False) -> "Prefetch | None":
        """Fill the cache for several specs (and their baselines) in one go.

        Every uncached fit of every spec is scheduled at once, so the workers never idle between
        specs (a sweep calls this before reading its grid back with :meth:`run`).

        Parameters
        ----------
        specs : iterable of ShiftSpec
        progress : callable, optional
            As in :meth:`run`, over the distinct fits of all specs.
        background : bool
            Return at once and fit at low priority in a background thread: at most ``n_jobs``
            fits in flight, none submitted while a :meth:`run` of this process is computing
            (so a user's request never queues behind prefetched fits), and a fit a ``run`` needs
            while it is in flight is shared, not repeated. E.g. the slider positions next to
            the current one, once the user stops.

        Returns
        -------
        Prefetch or None
            With ``background=True``, a handle with ``cancel()``, ``wait()`` and ``done()``.
        """
        states = OrderedDict()
        for spec in specs:
            validate_spec(self.dataset, spec, max_ratio=self.max_ratio)
            for state in (spec, spec.baseline()):
                states.setdefault(state.training_key(), state)
        algorithms = self.resolved_algorithms()
        if not background:
            self._fit_all(list(states.values()), algorithms, progress)
            return None
        return Prefetch(self, list(states.values()), algorithms, progress)

    def _fit_all(self, states, algorithms, progress, *,
                 background: "Prefetch | None" = None) -> dict[tuple, FitResult]:
        cache = self.result_cache
        jobs, fits = [], {}
        for state in states:
            for seed in self.seeds:
                for algorithm in algorithms:
                    key = self.cache_key(state, algorithm, seed)
                    hit = cache.get(key)
                    if hit is not None:
                        fits[(state.training_key(), algorithm.name, seed)] = hit
                    else:
                        jobs.append((state, seed, algorithm, key))
        total = len(fits) + len(jobs)
        done = 0
        for fit in list(fits.values()):
            done += 1
            if progress:
                progress(done, total, fit)
        jobs = self._schedule(jobs)

        def finish(job, outcome, rows_used, budget, shift):
            nonlocal done
            state, seed, algorithm, key = job
            fit = FitResult(algorithm.name, seed, state.training_key(), outcome.get("metrics"),
                            outcome.get("y_pred"), outcome.get("scores"),
                            float(outcome["fit_seconds"]), shift.train_rows_after, rows_used,
                            budget, outcome.get("error"))
            if fit.error is None or not outcome.get("transient"):
                cache.put(key, fit)
                _remember_cost(self.dataset.fingerprint, fit)
            fits[(state.training_key(), algorithm.name, seed)] = fit
            done += 1
            if progress:
                progress(done, total, fit)

        if not jobs:
            return fits
        with _foreground(background is None):
            if self.n_jobs == 1 or len(jobs) <= 1:
                for job in jobs:
                    if background is not None and not background.wait_turn():
                        break
                    state, seed, algorithm, _ = job
                    shift = self.shift_result(state, seed)
                    X_train, X_test = self.matrices(state, seed)
                    args, kwargs, rows_used, budget = self._payload(algorithm, seed, shift,
                                                                    X_train, X_test)
                    finish(job, fit_and_score(*args, **kwargs), rows_used, budget, shift)
                return fits
            self._fit_parallel(jobs, finish, background)
        return fits

    def _schedule(self, jobs: list) -> list:
        """Longest fits first (shortest makespan), except the cheapest algorithm's fits (its
        baseline and shifted fits, every seed), which go first so that a first complete
        result shows at once; grouped by training set, so each one is shifted and
        preprocessed once. Costs are the fit seconds measured on this dataset once known,
        else the registry's rough ``cost``."""
        if len(jobs) <= 1:
            return jobs
        fingerprint = self.dataset.fingerprint
        measured = {a.name: _FIT_COSTS.get((fingerprint, a.name)) for _, _, a, _ in jobs}
        known = all(v is not None for v in measured.values())

        def cost(job):
            return measured[job[2].name] if known else job[2].cost
        order = {}
        for state, seed, _, _ in jobs:
            order.setdefault((state.training_key(), seed), len(order))
        jobs = sorted(jobs, key=lambda j: (order[(j[0].training_key(), j[1])], -cost(j)))
        cheapest = jobs[min(range(len(jobs)), key=lambda i: (cost(jobs[i]), i))][2].name
        return ([j for j in jobs if j[2].name == cheapest]
                + [j for j in jobs if j[2].name != cheapest])

    def _fit_parallel(self, jobs, finish, background) -> None:
        """Submit fits to the shared pool as workers free up (a few queued ahead), share fits
        already in flight for the same cache key, collect results as they come."""
        executor = get_executor(self.n_jobs)
        ahead = self.n_jobs if background is not None else 2 * self.n_jobs
        queue = list(jobs)
        pending: dict[Future, tuple] = {}
        started_at: dict[Future, float] = {}
        while queue or pending:
            while queue and len(pending) < ahead and (
                    background is None or background.may_submit()):
                job = queue.pop(0)
                future, extra = self._submit(executor, job)
                pending[future] = (job,) + extra
            if background is not None and background.cancelled and not pending:
                return
            if not pending:
                time.sleep(0.05)  # a background prefetch waiting for the foreground to finish
                continue
            finished, _ = wait(pending, timeout=0.05, return_when=FIRST_COMPLETED)
            for future in finished:
                job, rows_used, budget, shift, owned = pending.pop(future)
                try:
                    outcome = future.result()
                except Exception as exc:  # a worker died (e.g. out of memory)
                    outcome = {"error": f"{type(exc).__name__}: {exc}"[:300],
                               "fit_seconds": 0.0, "transient": True}
                finish(job, outcome, rows_used, budget, shift)
                if owned:  # only now: the result is cached, so no run misses it in between
                    _forget_in_flight(job[3], future)
            if self.time_budget:
                now = time.perf_counter()
                for future in list(pending):
                    if future.running():
                        started_at.setdefault(future, now)
                        # Backstop for fits the worker's alarm cannot interrupt (one long C
                        # call). loky marks a call "running" once it is queued for a worker,
                        # possibly behind another fit, hence the slack.
                        if now - started_at[future] > 2 * self.time_budget + 2:
                            job, rows_used, budget, shift, owned = pending.pop(future)
                            if owned:
                                _forget_in_flight(job[3], future)
                            finish(job, {"error": f"TimeoutError: exceeded the time budget of "
                                                  f"{self.time_budget:g} s; raise "
                                                  "time_budget or use fewer rows",
                                         "fit_seconds": now - started_at[future],
                                         "transient": True}, rows_used, budget, shift)

    def _submit(self, executor, job) -> tuple[Future, tuple]:
        """One fit to the pool, or the same fit another run already has in flight."""
        state, seed, algorithm, key = job
        shift = self.shift_result(state, seed)
        budget = self.budget_for(algorithm)
        with _IN_FLIGHT_LOCK:
            shared = _IN_FLIGHT.get(key)
        if shared is not None:
            rows = len(shift.y)
            return shared, ((min(rows, budget) if budget else rows), budget, shift, False)
        X_train, X_test = self.matrices(state, seed)
        args, kwargs, rows_used, budget = self._payload(algorithm, seed, shift, X_train, X_test)
        if self.time_budget:
            kwargs["time_limit"] = self.time_budget
        future = executor.submit(fit_and_score, *args, **kwargs)
        with _IN_FLIGHT_LOCK:
            _IN_FLIGHT[key] = future
        return future, (rows_used, budget, shift, True)

    def summarize(self, name: str, spec: ShiftSpec, fits: dict) -> AlgorithmResult:
        """One algorithm's summary from fits keyed by (training key, algorithm, seed)."""
        base_spec = spec.baseline()
        shifted = [fits[(spec.training_key(), name, s)] for s in self.seeds
                   if (spec.training_key(), name, s) in fits]
        baseline = [fits[(base_spec.training_key(), name, s)] for s in self.seeds
                    if (base_spec.training_key(), name, s) in fits]
        errors = [f.error for f in shifted + baseline if f.error]
        metrics, base = _mean_metrics(shifted), _mean_metrics(baseline)
        delta = ci95 = significant = None
        if metrics and base:
            pairs = [(f.metrics, b.metrics) for f, b in zip(shifted, baseline)
                     if f.error is None and b.error is None]
            delta, ci95, significant = {}, {}, {}
            for metric in metrics:
                mean, low, high = evaluate.mean_ci([m[metric] - b[metric] for m, b in pairs])
                delta[metric] = mean
                ci95[metric] = [low, high]
                significant[metric] = evaluate.is_significant(low, high)
            if self.repeats < 2:
                ci95 = significant = None
        result = AlgorithmResult(name, metrics, base, delta, ci95, significant, shifted,
                                 baseline, errors[0] if errors else None)
        if self.shifted_test and spec.feature and spec.ratio != 0:
            weights = self._test_weights(spec)
            result.metrics_shifted_test = self._weighted(shifted, weights)
            result.baseline_shifted_test = self._weighted(baseline, weights)
        return result

    def _test_weights(self, spec: ShiftSpec) -> np.ndarray:
        labels = self.dataset.group_labels(spec.feature, self.dataset.X_test).to_numpy()
        return np.where(labels == spec.group, 1.0 + spec.ratio, 1.0)

    def _weighted(self, fits, weights) -> dict[str, float] | None:
        ds, scored = self.dataset, []
        for f in fits:
            if f.error is not None:
                continue
            if ds.is_classification:
                scored.append(evaluate.score_classification(
                    ds.y_test, f.y_pred, f.scores, n_classes=len(ds.classes),
                    positive=ds.positive_index, sample_weight=weights))
            else:
                scored.append(evaluate.score_regression(ds.y_test, f.y_pred,
                                                        sample_weight=weights))
        if not scored:
            return None
        return {k: float(np.mean([s[k] for s in scored])) for k in scored[0]}

    def warm_up(self) -> None:
        """Start the worker processes and import the model libraries in them, in advance."""
        if self.n_jobs > 1:
            executor = get_executor(self.n_jobs)
            for future in [executor.submit(_warm_worker) for _ in range(self.n_jobs)]:
                future.result()
