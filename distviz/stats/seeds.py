"""How many seeds a run uses by default, and what a run with one seed says instead of an interval.

The settings policy (:mod:`distviz.loop.policy`) takes its seeds from :func:`default_repeats`;
the rule lives here, below the results and the loop, because a run's JSON states
:data:`NO_INTERVAL_NOTE` (:mod:`distviz.results`)."""

from __future__ import annotations

import math

from .interval import _t_quantile

SMALL_TRAINING_SET = 20_000
REPEATS_SMALL, REPEATS_LARGE = 5, 3


def default_repeats(n_train_rows: int) -> int:
    """Seeds per state that reach a useful interval by default: 5 up to 20,000 training rows,
    3 above (issue 12). The settings policy's seeds (distviz.loop.policy), on every surface.

    Two seeds are the least that estimate the seed part of the noise; with one, distviz reports
    the change without an interval (``ci95`` / ``significant`` absent, a ``note`` says so)."""
    return REPEATS_SMALL if int(n_train_rows) <= SMALL_TRAINING_SET else REPEATS_LARGE


NO_INTERVAL_NOTE = ("one seed: no interval. The noise from the algorithm's seed and the "
                    "resampling draw cannot be estimated from one seed, so ci95, significant "
                    "and verdict are left out; run with --repeats 2 or more (the default is "
                    "5 seeds up to 20,000 training rows, 3 above).")


def first_seeds(repeats: int) -> int:
    """The seeds an adaptive run fits first, of ``repeats`` at most: two fewer, at least two
    (5 -> 3, 3 -> 2); the rest only where :func:`more_seeds_matter` says they may change the
    call."""
    return max(2, int(repeats) - 2) if repeats > 2 else int(repeats)


def more_seeds_matter(effect, *, repeats: int, min_effect: float,
                      confidence: float = 0.95) -> bool:
    """Whether fitting the seeds up to ``repeats`` could change the practical call of
    ``effect`` (an :class:`~distviz.stats.Effect` from fewer seeds) against ``min_effect``.

    The call reads where 0 and +-``min_effect`` lie against the interval. More seeds shrink the
    seed part of the half-width, from ``h`` now to about ``h_all`` (the same seed spread over
    ``repeats`` seeds, :func:`~distviz.stats.mean_interval`'s degrees of freedom), and move the
    delta by the new seeds' share (sd ``s * sqrt((K - k) / (K k))`` for a seed spread ``s``).
    A boundary at a distance from the delta between ``h_all - move`` and ``h + move`` may cross
    the interval's end; none there: the call stands, and the interval of
    the ``k`` seeds fitted is reported as it is (wider, never narrower, than with more).
    Calibrated in ``benchmarks/bench_calibration.py`` (coverage, A/A rate and calls against
    every seed, the "Adaptive seeds" section)."""
    k = int(effect.n_seeds)
    if k >= repeats:
        return False
    if k < 2 or not math.isfinite(effect.se_seed) or not math.isfinite(effect.half_width):
        return True  # the seed part is unknown
    per_seed = effect.se_seed ** 2 * k  # the spread of one seed's delta
    var_seed = per_seed / repeats
    var = effect.se_test ** 2 + var_seed
    df = (repeats - 1) * (var / var_seed) ** 2 if var_seed > 0 else math.inf
    h_all = _t_quantile(0.5 + confidence / 2, df) * math.sqrt(var)
    move = math.sqrt(per_seed * (repeats - k) / (repeats * k))
    boundaries = (0.0,) + ((-min_effect, min_effect) if math.isfinite(min_effect) else ())
    return any(h_all - move < abs(b - effect.delta) < effect.half_width + move
               for b in boundaries)
