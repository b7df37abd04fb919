"""The statistics of a shift's effect (docs/noise.md): weighted metrics under the bootstrap
(:mod:`~distviz.stats.weighted`), the one interval of a mean over seeds
(:mod:`~distviz.stats.interval`), paired effects and levels (:mod:`~distviz.stats.effects`, with
the method and its references), many cells at once (:mod:`~distviz.stats.comparisons`), practical
calls against the smallest change that matters (:mod:`~distviz.stats.practical`) and the seeds a
run uses by default (:mod:`~distviz.stats.seeds`)."""

from .comparisons import ChanceFlags, adjusted_p_values, benjamini_hochberg, flagged_by_chance
from .effects import Effect, Level, ScoreBoard, paired_delta, verdict
from .interval import Interval, mean_interval
from .practical import (
    CALLS,
    MinEffect,
    PracticalCall,
    default_min_effect,
    judge,
    judge_all,
    parse_min_effect,
    practical_call,
    resolve_min_effect,
)
from .seeds import NO_INTERVAL_NOTE, default_repeats
from .weighted import AUC_BINS, bootstrap_weights, classification_scores, regression_scores

__all__ = ["AUC_BINS", "CALLS", "ChanceFlags", "Effect", "Interval", "Level", "MinEffect",
           "NO_INTERVAL_NOTE", "PracticalCall", "ScoreBoard", "adjusted_p_values",
           "benjamini_hochberg", "bootstrap_weights", "classification_scores",
           "default_min_effect", "default_repeats", "flagged_by_chance", "judge", "judge_all",
           "mean_interval", "paired_delta", "parse_min_effect", "practical_call",
           "regression_scores", "resolve_min_effect", "verdict"]
