"""Shifts of the training set: what a shift is (spec: one group's ratio, or a mix of every
group's share), doing it (sampling, smote), a mix's counts and presets, and the reactive
:class:`Resampler` that declares it."""

from .mix import largest_remainder, mix_counts, parse_shares
from .presets import MATCH, PRESETS, match_shares, mix_spec, preset_shares
from .resampler import Resampler, describe_shift
from .sampling import shift_training_set
from .spec import (CLASS_BALANCES, DEFAULT_RATIOS, GROUP_CLASSES, KEEPS, MAX_RATIO, RATIOS,
                   UPSAMPLERS, ShiftResult, ShiftSpec, rows_after)
from .validation import validate_spec

__all__ = ["CLASS_BALANCES", "DEFAULT_RATIOS", "GROUP_CLASSES", "KEEPS", "MATCH", "MAX_RATIO",
           "PRESETS", "RATIOS", "UPSAMPLERS", "Resampler", "ShiftResult", "ShiftSpec",
           "describe_shift", "largest_remainder", "match_shares", "mix_counts", "mix_spec",
           "parse_shares", "preset_shares", "rows_after", "shift_training_set", "validate_spec"]
