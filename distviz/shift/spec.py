"""What a shift is: one feature's group, a ratio, how rows are added, and class balance.

A :class:`ShiftSpec` is normalised so that equal effects have equal keys (the cache relies on
it); :func:`rows_after` is the one statement of the ratio rule (docs/semantics.md).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field, replace

import numpy as np
import pandas as pd

from ..data import Dataset
from ..errors import ShiftError

UPSAMPLERS = ("random", "smote")
CLASS_BALANCES = ("none", "under", "over", "smote")
#: Largest up-sampling ratio unless a loop says otherwise: the group at most 4x.
MAX_RATIO = 3.0
#: The default grid of a sweep: down in steps of 0.2, the baseline, 1.5x to 4x.
DEFAULT_RATIOS = (-0.8, -0.6, -0.4, -0.2, 0.0, 0.5, 1.0, 2.0, 3.0)
#: The slider's grid, which a snapshot holds too: six down (0x to 0.8x the group), the
#: baseline, six up (1.25x to 4x); the sweep's grid among them.
RATIOS = tuple(sorted({-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0}
                      | set(DEFAULT_RATIOS)))


def rows_after(n_group: int, ratio: float) -> int:
    """A group of ``n_group`` training rows has ``round(n_group * (1 + ratio))`` after a shift."""
    return int(round(n_group * (1 + ratio)))


@dataclass(frozen=True)
class ShiftSpec:
    """What to do to the training set, normalised so that equal effects have equal keys."""

    feature: str | None = None
    group: str | None = None
    ratio: float = 0.0
    upsampler: str = "random"
    class_balance: str = "none"

    @property
    def is_baseline(self) -> bool:
        return self.ratio == 0 and self.class_balance == "none"

    def training_key(self) -> str:
        """Identity of the *training set* this spec produces (the cache uses it)."""
        if self.is_baseline:
            return "baseline"
        parts = [f"balance={self.class_balance}"]
        if self.ratio != 0:
            parts[:0] = [f"feature={self.feature}", f"group={self.group}",
                         f"ratio={self.ratio:.6g}"]
            if self.ratio > 0:
                parts.append(f"upsampler={self.upsampler}")
        return "|".join(parts)

    def at(self, ratio: float) -> "ShiftSpec":
        """The same feature, group, up-sampler and class balance at another ratio (-0.0 as 0)."""
        return replace(self, ratio=float(ratio) + 0.0)

    def baseline(self) -> "ShiftSpec":
        """The same feature and group, unshifted (docs/semantics.md, 5)."""
        return ShiftSpec(self.feature, self.group, 0.0, self.upsampler, "none")


@dataclass
class ShiftResult:
    """A shifted training set and what changed."""

    spec: ShiftSpec
    X: pd.DataFrame
    y: np.ndarray
    synthetic: np.ndarray
    groups_before: dict[str, int]
    groups_after: dict[str, int]
    notes: list[str] = field(default_factory=list)

    @property
    def train_rows_before(self) -> int:
        return int(sum(self.groups_before.values()))

    @property
    def train_rows_after(self) -> int:
        return len(self.X)

    def summary(self) -> dict:
        """The ``shift`` block of the JSON contract."""
        out = {k: v for k, v in asdict(self.spec).items()}
        out.update(train_rows_before=self.train_rows_before,
                   train_rows_after=self.train_rows_after,
                   groups={g: {"before": self.groups_before.get(g, 0),
                               "after": self.groups_after.get(g, 0)}
                           for g in dict.fromkeys([*self.groups_before, *self.groups_after])},
                   synthetic_rows=int(self.synthetic.sum()), notes=list(self.notes))
        return out


def validate_spec(dataset: Dataset, spec: ShiftSpec, *, max_ratio: float = MAX_RATIO) -> ShiftSpec:
    """Check a spec against the dataset; raise ShiftError saying what to change."""
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
    if spec.ratio != 0 and (spec.feature is None or spec.group is None):
        raise ShiftError("a non-zero ratio needs a feature and a group; pass --feature and "
                         "--group.")
    return spec
