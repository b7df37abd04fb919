"""One fit, worker side: fit an estimator on a training matrix and score it on the frozen test
set. Runs in a worker process (or a Dask worker); never raises.
"""

from __future__ import annotations

import os
import signal
import threading
import time
import warnings

import numpy as np

from .. import models
from ..metrics import score_classification, score_regression


def class_scores(estimator, X, n_classes: int) -> np.ndarray:
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


def predict_classes(estimator, X, n_classes: int) -> tuple[np.ndarray, np.ndarray]:
    """Predicted class codes and per-class scores, with one pass over ``X`` when ``predict`` is a
    function of the scores (the labels are exactly ``estimator.predict(X)``; a test checks it).

    Predicting twice is what made a 5,000-row SVM cost 85 s on 250,000 test rows."""
    name = type(estimator).__name__
    classes = np.asarray(getattr(estimator, "classes_", []))
    if name in _ARGMAX_OF_PROBA and classes.ndim == 1 and len(classes) > 1:
        raw = estimator.predict_proba(X)
        y_pred = classes.take(np.argmax(raw, axis=1))
    elif name == "SVC" and len(classes) == 2 and not hasattr(estimator, "predict_proba"):
        # Not ``estimator.probability``: scikit-learn 1.8 sets it to the truthy "deprecated".
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
                class_scores(estimator, X, n_classes))
    return np.asarray(y_pred).astype(np.int64), _in_class_order(estimator, raw, n_classes)


def fit_and_score(algorithm: models.Algorithm, seed: int, X_train: np.ndarray,
                  y_train: np.ndarray, X_test: np.ndarray, y_test: np.ndarray, *,
                  task: str, n_classes: int = 0, positive: int | None = None,
                  time_limit: float | None = None, sample_weight=None) -> dict:
    """Fit one estimator and score it. Runs in a worker process; never raises.

    ``sample_weight``: integer weights of the training rows, in place of their duplicates
    (only for an algorithm whose weighted fit equals the duplicated one).

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
            estimator.fit(X_train, y_train, **({} if sample_weight is None
                                               else {"sample_weight": sample_weight}))
            if task == "classification":
                y_pred, scores = predict_classes(estimator, X_test, n_classes)
                metrics = score_classification(y_test, y_pred, scores,
                                                        n_classes=n_classes, positive=positive)
            else:
                y_pred = np.asarray(estimator.predict(X_test), dtype=float).ravel()
                scores = None
                if not np.isfinite(y_pred).all():
                    raise ValueError("the model predicted non-finite values")
                metrics = score_regression(y_test, y_pred)
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


def warm_worker() -> int:
    """Import the heavy libraries once in a worker so the first real fit is not slowed."""
    import sklearn.ensemble  # noqa: F401
    import sklearn.neural_network  # noqa: F401
    import sklearn.svm  # noqa: F401
    import xgboost  # noqa: F401
    return os.getpid()
