"""Misbehaving estimators for the edge-case tests, defined at module level so the loop's worker
processes can unpickle them (loky passes the test process's sys.path to its workers)."""

import time

import numpy as np
from sklearn.base import BaseEstimator, ClassifierMixin


class RaisingClassifier(ClassifierMixin, BaseEstimator):
    """Fails in ``fit``, like a library bug or a bad hyper-parameter would."""

    def __init__(self, random_state=None):
        self.random_state = random_state

    def fit(self, X, y):
        raise RuntimeError("deliberate failure in fit")

    def predict(self, X):  # pragma: no cover - never reached
        raise AssertionError("predict after a failed fit")


class SleepyClassifier(ClassifierMixin, BaseEstimator):
    """Takes ``seconds`` to fit, then predicts the majority class."""

    def __init__(self, seconds=10.0, random_state=None):
        self.seconds = seconds
        self.random_state = random_state

    def fit(self, X, y):
        time.sleep(self.seconds)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)

    def predict_proba(self, X):
        proba = np.zeros((len(X), len(self.classes_)))
        proba[:, list(self.classes_).index(self.majority_)] = 1.0
        return proba


def make_raising(seed):
    return RaisingClassifier(random_state=seed)


def make_sleepy(seed):
    return SleepyClassifier(seconds=10.0, random_state=seed)


def make_sleepy_short(seed):
    return SleepyClassifier(seconds=3.0, random_state=seed)


class GatedClassifier(ClassifierMixin, BaseEstimator):
    """Waits in ``fit`` while the file ``hold`` exists (having written ``hold + ".reached"``),
    then predicts the majority class: a test holds fits in flight for exactly as long as it
    needs, in whichever process or dask worker they run, instead of hoping they are slow."""

    def __init__(self, hold="", random_state=None):
        self.hold = hold
        self.random_state = random_state

    def fit(self, X, y):
        import os
        if self.hold and os.path.exists(self.hold):
            with open(self.hold + ".reached", "a") as marker:
                marker.write(f"{os.getpid()}\n")
            while os.path.exists(self.hold):
                time.sleep(0.05)
        self.classes_, counts = np.unique(y, return_counts=True)
        self.majority_ = self.classes_[np.argmax(counts)]
        return self

    def predict(self, X):
        return np.full(len(X), self.majority_)

    def predict_proba(self, X):
        proba = np.zeros((len(X), len(self.classes_)))
        proba[:, list(self.classes_).index(self.majority_)] = 1.0
        return proba
