"""Shifts of the training set: what a shift is (spec), doing it (sampling, smote), and the
reactive :class:`Resampler` that declares it."""

from .resampler import Resampler, describe_shift
from .sampling import shift_training_set
from .spec import (CLASS_BALANCES, DEFAULT_RATIOS, MAX_RATIO, RATIOS, UPSAMPLERS, ShiftResult,
                   ShiftSpec, rows_after, validate_spec)

__all__ = ["CLASS_BALANCES", "DEFAULT_RATIOS", "MAX_RATIO", "RATIOS", "UPSAMPLERS", "Resampler",
           "ShiftResult", "ShiftSpec", "describe_shift", "rows_after", "shift_training_set",
           "validate_spec"]
