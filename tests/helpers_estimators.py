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
    """Waits in ``fit`` while the file ``hold`` exists, then predicts the majority class: a test
    holds fits in flight for exactly as long as it needs, in whichever process or dask worker
    they run, instead of hoping they are slow.

    The hold file may narrow what waits (JSON): ``{"rows": [n, ...]}`` only fits on a training
    set of those sizes, ``{"seeds": [s, ...]}`` only fits with those seeds, ``{"limit": k}`` only the first k such fits to arrive (the others pass),
    so a test can hold one particular fit and leave the other worker free. Each fit that waits
    appends a line to ``hold + ".reached"``. An open gate costs ``seconds``."""

    def __init__(self, hold="", seconds=0.0, random_state=None):
        self.hold = hold
        self.seconds = seconds
        self.random_state = random_state

    def fit(self, X, y):
        import os
        rule = _hold_rule(self.hold) if self.hold else None
        if rule is not None and len(y) in rule.get("rows", [len(y)]) \
                and self.random_state in rule.get("seeds", [self.random_state]):
            marker, me = self.hold + ".reached", f"{os.getpid()}-{id(self)}"
            with open(marker, "a") as arrivals:
                arrivals.write(me + "\n")
            with open(marker) as arrivals:
                position = arrivals.read().split().index(me) + 1
            while position <= rule.get("limit", position) and os.path.exists(self.hold):
                time.sleep(0.05)
        else:
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


def _hold_rule(path):
    """The shut gate's rule (a dict, empty: every fit waits), or None when it is open."""
    import json
    try:
        text = open(path).read().strip()
    except OSError:
        return None
    return json.loads(text) if text else {}
