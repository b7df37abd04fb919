"""Judging effects: practical calls against the smallest change that matters, and what a run
can detect (:mod:`distviz.stats.practical`)."""

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

__all__ = ["CALLS", "MinEffect", "PracticalCall", "default_min_effect", "judge", "judge_all",
           "parse_min_effect", "practical_call", "resolve_min_effect"]
