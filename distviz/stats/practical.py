"""Practical calls: did a change matter, did nothing that matters change, or can the data not
tell? And what could this run detect? (docs/semantics.md, 13; docs/noise.md)

"Within noise" means two different things: a narrow interval around 0 (nothing that matters
changed, and the data show it) and a wide one (a change ten times larger could hide in it).
Against a stated smallest change that matters, ``min_effect`` (per metric), every delta's 95 %
interval ``[low, high]`` (:func:`distviz.stats.paired_delta`) gets one of five words:

==============  =======================  ================================================
call            the interval ...         meaning
==============  =======================  ================================================
better / worse  excludes 0, reaches      a real change, possibly one that matters
                past +-min_effect        (direction-aware: lower RMSE / MAE is better)
negligible      excludes 0, inside       a real change, but smaller than min_effect
                +-min_effect
equivalent      includes 0, inside       no change that matters, and the data show it
                +-min_effect
inconclusive    includes 0, reaches      the data cannot tell
                past +-min_effect
==============  =======================  ================================================

"Inside" is strict: ``-min_effect < low`` and ``high < min_effect``. Equivalence is the two
one-sided tests of Schuirmann (1987) read off the interval the user sees: the 95 % two-sided
interval lies inside ``(-m, m)`` exactly when both one-sided tests (H0: delta <= -m and H0:
delta >= m) reject at 2.5 % each, i.e. at 97.5 % one-sided confidence per side; the combined
test's size is at most 2.5 %, stricter than the usual 5 % TOST (which reads a 90 % interval).
``[-m, m]`` is the region of practical equivalence of Benavoli et al. (2017).

``detectable`` is the interval's half-width ``t * se``: a change at least that large would be
called beyond the noise by this run (one exactly that large, about half the time). When a call
is ``inconclusive``, :func:`judge` says roughly what would make ``min_effect`` detectable: the
test-sample part of the variance scales with 1 / test rows, the seed part does not, so either
about ``test_rows_needed`` test rows (the seed part kept), or, when the seed part alone is too
wide, more seeds (about ``seeds_needed``, the test rows kept) instead, or both when each part
alone is too wide.

References
----------
Schuirmann, D. J. (1987). A comparison of the two one-sided tests procedure and the power
approach for assessing the equivalence of average bioavailability. J. Pharmacokinetics and
Biopharmaceutics 15(6).
Benavoli, A., Corani, G., Demšar, J. & Zaffalon, M. (2017). Time for a change: a tutorial for
comparing multiple classifiers through Bayesian analysis. JMLR 18(77).
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, replace

import numpy as np
import param

from ..errors import UsageError
from ..tasks import (
    CLASSIFICATION_METRICS,
    LOWER_IS_BETTER,
    REGRESSION_METRICS,
    headline_metric,
    is_better,
    metric_names,
)

CALLS = ("better", "worse", "negligible", "equivalent", "inconclusive")
#: The default smallest change that matters for every metric bounded by 1 (all classification
#: metrics and R²): one point, e.g. F1 0.80 -> 0.81.
BOUNDED_MIN_EFFECT = 0.01
#: RMSE and MAE carry the target's units: their default is this share of the error a constant
#: prediction makes on the test set (the target's standard deviation for RMSE, its mean
#: absolute deviation from the median for MAE).
ERROR_SHARE = 0.01
ALL_METRICS = CLASSIFICATION_METRICS + REGRESSION_METRICS
_EXAMPLE = "e.g. --min-effect 0.02 or --min-effect f1=0.02,roc_auc=0.005"


# ---------------------------------------------------------------------------- min_effect
def constant_error(metric: str, y_true) -> float:
    """The RMSE (``"rmse"``) or MAE (``"mae"``) of the best constant prediction of ``y_true``:
    the scale a regression error is measured against."""
    y = np.asarray(y_true, dtype=float).ravel()
    if metric == "rmse":
        return float(np.std(y))
    return float(np.mean(np.abs(y - np.median(y))))


def default_min_effect(task: str, y_test=None) -> dict[str, float]:
    """The default smallest change that matters per metric of ``task`` (docs/noise.md).

    0.01 for every classification metric and R²; for RMSE and MAE, 1 % of the error a constant
    prediction makes on the test set ``y_test`` (NaN without it; 0.01 for a constant target).
    """
    out = {}
    for metric in metric_names(task):
        if metric not in LOWER_IS_BETTER:
            out[metric] = BOUNDED_MIN_EFFECT
        elif y_test is None:
            out[metric] = float("nan")
        else:
            scale = constant_error(metric, y_test)
            out[metric] = ERROR_SHARE * (scale if scale > 0 else 1.0)
    return out


def parse_min_effect(value) -> dict[str | None, float]:
    """A ``min_effect`` setting as ``{metric: value}``; the key None is the headline metric.

    ``value`` is None (the defaults), a number (the headline metric), a mapping metric ->
    number, pairs, or the command line's text: ``"0.02"``, ``"f1=0.02,roc_auc=0.005"`` or
    ``"0.02,roc_auc=0.005"``. A mistake is a :class:`UsageError` saying what to pass."""
    if value is None:
        return {}
    if isinstance(value, str):
        items = [_split(part) for part in value.split(",") if part.strip()]
        if not items:
            raise UsageError(f"min_effect (--min-effect) is empty; give a number, {_EXAMPLE}.")
    elif isinstance(value, numbers.Real) and not isinstance(value, bool):
        items = [(None, value)]
    elif isinstance(value, Mapping):
        items = list(value.items())
    elif isinstance(value, Iterable) and not isinstance(value, bytes):
        items = list(value)
        if not all(isinstance(i, tuple) and len(i) == 2 for i in items):
            raise UsageError(f"min_effect takes a number or metric -> number pairs, {_EXAMPLE}.")
    else:
        raise UsageError(f"min_effect takes a number or metric=number pairs, got {value!r}; "
                         f"{_EXAMPLE}.")
    out: dict[str | None, float] = {}
    for name, number in items:
        metric = _metric(name)
        if metric in out:
            label = metric or "the headline metric"
            raise UsageError(f"min_effect gives {label} twice; give each metric once, "
                             f"{_EXAMPLE}.")
        out[metric] = _positive(metric, number)
    return out


def _split(part: str) -> tuple[str | None, str]:
    name, sep, number = part.partition("=")
    return (name, number) if sep else (None, name)


def _metric(name) -> str | None:
    if name is None:
        return None
    metric = str(name).strip().lower().replace("-", "_")
    if metric not in ALL_METRICS:
        raise UsageError(f"min_effect names {str(name).strip()!r}, which is not a metric; use "
                         f"one of {', '.join(ALL_METRICS)}, {_EXAMPLE}.")
    return metric


def _positive(metric: str | None, number) -> float:
    label = f"min_effect for {metric}" if metric else "min_effect"
    try:
        value = float(number)
    except (TypeError, ValueError):
        raise UsageError(f"{label} must be a positive number, got {str(number).strip()!r}; "
                         f"{_EXAMPLE}.") from None
    if not math.isfinite(value) or value <= 0:
        raise UsageError(f"{label} must be a positive number, got {value:g}; {_EXAMPLE}.")
    if metric not in LOWER_IS_BETTER and metric is not None and value > 1:
        raise UsageError(f"{label} is {value:g}, but {metric} changes by at most 1; give a "
                         "value in (0, 1], e.g. 0.02.")
    return value


def resolve_min_effect(value, task: str, *, y_test=None) -> dict[str, float]:
    """The smallest change that matters for every metric of ``task``: the defaults
    (:func:`default_min_effect`) overridden by the setting ``value`` (see
    :func:`parse_min_effect`; a bare number is the headline metric's). A metric the task does
    not report, or a headline number above 1 for a bounded metric, is a UsageError."""
    out = default_min_effect(task, y_test)
    for metric, number in parse_min_effect(value).items():
        if metric is None:
            metric = headline_metric(task)
            _positive(metric, number)
        if metric not in out:
            raise UsageError(f"min_effect names {metric}, which a {task} task does not report; "
                             f"use one of {', '.join(out)}.")
        out[metric] = float(number)
    return out


class MinEffect(param.Parameter):
    """A ``min_effect`` setting: None (the defaults), a number (the headline metric), a mapping
    metric -> number or the command line's text; checked when set (:func:`parse_min_effect`)."""

    def _validate_value(self, value, allow_None):
        super()._validate_value(value, allow_None)
        parse_min_effect(value)


# ---------------------------------------------------------------------------- the call
def practical_call(metric: str, low: float, high: float, min_effect: float, *,
                   beyond: bool | None = None) -> str | None:
    """One of :data:`CALLS` for the interval ``[low, high]`` of a change of ``metric`` against
    ``min_effect``; None when the interval or ``min_effect`` is unknown (NaN). ``beyond``: whether
    the change is beyond the noise, when a test over many changes decided it (default: the
    interval excludes 0)."""
    if not all(math.isfinite(x) for x in (low, high, min_effect)):
        return None
    inside = -min_effect < low and high < min_effect
    if beyond is None:
        beyond = low > 0 or high < 0
    if beyond:
        if inside:
            return "negligible"
        return "better" if is_better(metric, low if low > 0 else high) else "worse"
    return "equivalent" if inside else "inconclusive"


@dataclass(frozen=True)
class PracticalCall:
    """One delta judged against the smallest change that matters.

    Attributes
    ----------
    metric : str
    call : str or None
        One of :data:`CALLS`; None without an interval.
    min_effect : float
        The smallest change that matters it was judged against.
    detectable : float
        The interval's half-width: the smallest change this run calls beyond the noise.
    test_rows, seeds : int
        What the interval was computed from.
    test_rows_needed : int or None
        ``inconclusive`` only: roughly the test rows that bring ``detectable`` down to
        ``min_effect`` (the seed part kept); the current count when it is already there.
    seeds_needed : int or None
        ``inconclusive`` only, when the seed part alone is wider than ``min_effect``: roughly
        the seeds that bring ``detectable`` to ``min_effect`` at these test rows. When the
        test part alone is too wide as well, both are given, each part taking half of the
        allowed variance.
    limit : str or None
        ``inconclusive`` only: what stands in the way: ``"test rows"``, ``"seeds"``,
        ``"seeds and test rows"``, or ``"none"`` (``min_effect`` is detectable already; the
        change itself lies near it).
    """

    metric: str
    call: str | None
    min_effect: float
    detectable: float
    test_rows: int
    seeds: int
    test_rows_needed: int | None = None
    seeds_needed: int | None = None
    limit: str | None = None

    def to_detect(self) -> dict | None:
        """What would make ``min_effect`` detectable (the JSON's ``to_detect``), for an
        ``inconclusive`` call; None otherwise."""
        if self.call != "inconclusive":
            return None
        return {"test_rows": self.test_rows_needed, "seeds": self.seeds_needed,
                "limit": self.limit, "sentence": self.needs()}

    def needs(self) -> str:
        """One line: what would make ``min_effect`` detectable (inconclusive calls)."""
        m, now = _num(self.min_effect), _num(self.detectable)
        if self.limit == "none":
            return (f"a change of {m} is detectable here (+-{now}); this one lies close to "
                    "it: more data would settle it")
        if self.limit == "test rows":
            return (f"about {self.test_rows_needed:,} test rows (now {self.test_rows:,}) would "
                    f"make a change of {m} detectable (now +-{now})")
        if self.limit == "seeds":
            return (f"the seed part alone is wider than {m}: more seeds are needed, not more "
                    f"test rows (about {self.seeds_needed}, now {self.seeds})")
        return (f"the seed part and the test part are each wider than {m}: both are needed, "
                f"e.g. about {self.seeds_needed} seeds (now {self.seeds}) and "
                f"{self.test_rows_needed:,} test rows (now {self.test_rows:,})")

    def to_dict(self) -> dict:
        return asdict(self)


def _num(x: float) -> str:
    return f"{x:.3g}" if math.isfinite(x) else "?"


def judge(effect, min_effect: float, *, test_rows: int) -> PracticalCall:
    """The practical call of one :class:`distviz.stats.Effect` against ``min_effect``, with
    what the run can detect and, when inconclusive, what would make ``min_effect`` detectable.

    Roughly: the interval's half-width is ``t * sqrt(var_test + var_seed)``; ``var_test`` (the
    test sample's part) scales with 1 / test rows, ``var_seed = s^2 / seeds`` does not. Both
    are solved for ``t * sqrt(...) = min_effect`` with the current ``t``."""
    low, high = float(effect.low), float(effect.high)
    half = float(getattr(effect, "half_width", float("nan")))
    if not math.isfinite(half):
        half = (high - low) / 2
    seeds, rows = int(effect.n_seeds), int(test_rows)
    call = practical_call(effect.metric, low, high, float(min_effect))
    if call is None:
        return PracticalCall(effect.metric, None, float(min_effect), float("nan"), rows, seeds)
    judged = PracticalCall(effect.metric, call, float(min_effect), half, rows, seeds)
    if call != "inconclusive":
        return judged
    return _needed(judged, effect)


def _needed(judged: PracticalCall, effect) -> PracticalCall:
    m, half, rows, seeds = judged.min_effect, judged.detectable, judged.test_rows, judged.seeds
    if half <= m:
        return replace(judged, test_rows_needed=rows, limit="none")
    se = float(effect.se)
    var_test = float(effect.se_test) ** 2
    var_seed = max(se ** 2 - var_test, 0.0)  # with one seed: what the inflation stands for
    target = (m * se / half) ** 2            # the variance whose half-width is min_effect
    if var_seed < target:
        needed = math.ceil(rows * var_test / (target - var_seed))
        return replace(judged, test_rows_needed=max(needed, rows), limit="test rows")
    if var_test < target:
        needed = math.ceil(max(seeds, 1) * var_seed / (target - var_test))
        return replace(judged, seeds_needed=max(needed, seeds + 1), limit="seeds")
    # Each part too wide on its own: give each half of the target variance.
    return replace(judged, limit="seeds and test rows",
                   test_rows_needed=max(math.ceil(rows * var_test / (target / 2)), rows),
                   seeds_needed=max(math.ceil(max(seeds, 1) * var_seed / (target / 2)),
                                    seeds + 1))


def judge_all(effects: Mapping, min_effect: Mapping[str, float], *,
              test_rows: int) -> dict[str, PracticalCall]:
    """:func:`judge` for every metric of ``effects`` (metric -> Effect) with a ``min_effect``."""
    return {m: judge(e, min_effect[m], test_rows=test_rows) for m, e in effects.items()
            if m in min_effect}
