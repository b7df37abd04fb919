"""Checking a shift against a dataset: one line per bad input (a ratio's range, the
up-sampler, the class balance, the feature and group; a mix through :func:`check_mix`). Its own
module, above spec.py and mix.py, so the spec does not import the mix that imports it."""

from __future__ import annotations

import numpy as np

from ..data import Dataset
from ..errors import ShiftError
from .mix import check_mix
from .spec import CLASS_BALANCES, MAX_RATIO, UPSAMPLERS, ShiftSpec


def validate_spec(dataset: Dataset, spec: ShiftSpec, *, max_ratio: float = MAX_RATIO) -> ShiftSpec:
    """Check a spec against the dataset; raise ShiftError saying what to change (one line per
    bad input; a mix is checked by :func:`distviz.shift.mix.check_mix`)."""
    if spec.is_mix:
        check_mix(dataset, spec, max_ratio=max_ratio)
    if not -1.0 <= spec.ratio <= max_ratio or np.isnan(spec.ratio):
        raise ShiftError(f"ratio {spec.ratio:g} is out of range; use a value from -1 "
                         f"(remove the group) to {max_ratio:g} ({max_ratio + 1:g}x the group).")
    if spec.upsampler not in UPSAMPLERS:
        raise ShiftError(f"unknown upsampler {spec.upsampler!r}; use one of: "
                         f"{', '.join(UPSAMPLERS)}.")
    if spec.class_balance not in CLASS_BALANCES:
        raise ShiftError(f"unknown class balance {spec.class_balance!r}; use one of: "
                         f"{', '.join(CLASS_BALANCES)}.")
    if spec.class_balance != "none" and not dataset.is_classification:
        raise ShiftError("class balance applies to classification only; "
                         "use --class-balance none for a regression target.")
    if spec.feature is not None:
        dataset.check_feature(spec.feature)
        if spec.group is not None:
            dataset.check_group(spec.feature, spec.group)
    if not spec.is_mix and (spec.keep != "total" or spec.group_classes != "as-is"):
        raise ShiftError("keep and group_classes apply to a mix; give a mix (--mix) or leave "
                         "them at their defaults.")
    if spec.ratio != 0 and (spec.feature is None or spec.group is None):
        raise ShiftError("a non-zero ratio needs a feature and a group; pass --feature and "
                         "--group.")
    return spec
