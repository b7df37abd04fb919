"""The one interval of a mean over seeds, for a delta (:func:`distviz.stats.effects.paired_delta`)
and a level (:meth:`distviz.stats.effects.ScoreBoard.level`) alike: the test-sample part from a
paired bootstrap of the test rows plus the seed part, a t quantile with Welch–Satterthwaite
degrees of freedom. The method and why: :mod:`distviz.stats.effects`."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

NAN = float("nan")


@dataclass(frozen=True)
class Interval:
    """The noise of a mean over seeds: ``se = sqrt(se_test**2 + se_seed**2)`` and the interval's
    half-width ``t(df) * se`` (see the module docstring); ``se_seed`` is NaN with one seed."""

    se: float
    se_test: float
    se_seed: float
    df: float
    half_width: float


def test_variance(replicates: np.ndarray) -> float:
    """The test-sample variance of a mean over seeds: the variance over bootstrap replicates
    (rows of ``replicates``, one column per seed) of the replicate's mean over seeds."""
    return float(np.var(replicates.mean(axis=1), ddof=1))


def mean_interval(per_seed: np.ndarray, replicates: np.ndarray, *, confidence: float,
                  single_seed_inflation: float = 2.0, seed_part: str = "sum") -> Interval:
    """The interval of ``mean(per_seed)``: the test-sample part from ``replicates`` (finite
    rows, at least two) plus the seed part ``s² / K``; a t quantile with Welch–Satterthwaite
    degrees of freedom (only the seed part is estimated from few values, K - 1 df).

    With one seed the seed part is unknown: the test-sample variance times
    ``single_seed_inflation`` stands in for it (``df`` infinite). ``seed_part="corrected"`` is
    the rejected alternative that subtracts the seed x test-row interaction (kept so the
    benchmark can measure it)."""
    k = len(per_seed)
    var_test = test_variance(replicates)
    if k >= 2:
        spread = float(np.var(per_seed, ddof=1))
        if seed_part == "corrected":
            # The part of the seed spread that is test-row noise, already in var_test.
            centred = replicates - replicates.mean(axis=0)
            spread = max(spread - float(np.var(centred, axis=1, ddof=1).mean())
                         * len(replicates) / (len(replicates) - 1), 0.0)
        var_seed = spread / k
        var = var_test + var_seed
        df = (k - 1) * (var / var_seed) ** 2 if var_seed > 0 else np.inf
        se_seed = float(np.sqrt(var_seed))
    else:
        var, df, se_seed = var_test * single_seed_inflation, np.inf, NAN
    se = float(np.sqrt(var))
    return Interval(se, float(np.sqrt(var_test)), se_seed, float(df),
                    float(_t_quantile(0.5 + confidence / 2, df) * se))


def _t_quantile(q: float, df: float) -> float:
    """Student t's quantile: scipy.stats.t.ppf's own ufunc, without its per-call checks (a
    sweep asks thousands of times; the same numbers, df = inf included)."""
    return float(special.stdtrit(df, q))
