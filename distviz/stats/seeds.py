"""How many seeds a run uses by default, and what a run with one seed says instead of an interval.

The settings policy (:mod:`distviz.loop.policy`) takes its seeds from :func:`default_repeats`;
the rule lives here, below the results and the loop, because a run's JSON states
:data:`NO_INTERVAL_NOTE` (:mod:`distviz.results`)."""

from __future__ import annotations

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
