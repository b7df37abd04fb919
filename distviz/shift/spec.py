"""What a shift is: one feature's group and a ratio, or a mix of every group's share; how rows
are added; and class balance.

A :class:`ShiftSpec` is normalised so that equal effects have equal keys (the cache relies on
it); :func:`rows_after` is the one statement of the ratio rule, :mod:`distviz.shift.mix` the
one statement of a mix's counts (docs/semantics.md, 3 and 12).

A mix is an optional field of the same spec rather than a sibling type: every caller (the
loop, sweep, advise, preview, views) keeps reading ``feature / ratio / at() / baseline() /
training_key()`` from one class, and a mix is the ratio's generalisation, not another thing.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import numpy as np
import pandas as pd


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


#: What a mix keeps: the training set's size, or the rows of the group with the largest share.
KEEPS = ("total", "largest")
#: The classes within every group of a mix: as they are, or balanced (the balanced-classes preset).
GROUP_CLASSES = ("as-is", "balanced")
#: A mix's shares are rounded to this many decimals in its key (equal mixes, equal keys).
SHARE_DECIMALS = 6

Mix = tuple[tuple[str, float], ...]


def normalise_mix(mix) -> Mix:
    """A mix (a dict or pairs of group and share) as its key: sorted by group, shares rounded
    to :data:`SHARE_DECIMALS` decimals (-0.0 as 0)."""
    pairs = mix.items() if isinstance(mix, dict) else mix
    return tuple(sorted((str(g), round(float(s), SHARE_DECIMALS) + 0.0) for g, s in pairs))


def rows_after(n_group: int, ratio: float) -> int:
    """A group of ``n_group`` training rows has ``round(n_group * (1 + ratio))`` after a shift."""
    return int(round(n_group * (1 + ratio)))


@dataclass(frozen=True)
class ShiftSpec:
    """What to do to the training set, normalised so that equal effects have equal keys.

    One group: ``group`` and ``ratio`` (docs/semantics.md, 3). A mix: ``mix``, the target
    share of every training group of ``feature`` (a dict is accepted and stored as sorted,
    rounded pairs; ``group`` is then None and ``ratio`` 0), ``keep`` (``total``: the training
    set keeps its size; ``largest``: the group with the largest share keeps its rows) and
    ``group_classes`` (``balanced``: within every group the classes are balanced). Build a mix
    from a preset or shares with :func:`distviz.shift.presets.mix_spec`, which also turns a mix
    that changes nothing into the baseline. ``mix_name`` (how the mix was made: a preset,
    ``match FILE``) and ``notes`` are told to the user and are not part of the key.
    """

    feature: str | None = None
    group: str | None = None
    ratio: float = 0.0
    upsampler: str = "random"
    class_balance: str = "none"
    mix: Mix | None = None
    keep: str = "total"
    group_classes: str = "as-is"
    mix_name: str | None = field(default=None, compare=False)
    notes: tuple[str, ...] = field(default=(), compare=False)

    def __post_init__(self):
        if self.mix is not None:  # a mix names every group: no group of its own
            object.__setattr__(self, "mix", normalise_mix(self.mix))
            object.__setattr__(self, "group", None)

    @property
    def is_mix(self) -> bool:
        return self.mix is not None

    @property
    def is_baseline(self) -> bool:
        return self.mix is None and self.ratio == 0 and self.class_balance == "none"

    def training_key(self) -> str:
        """Identity of the *training set* this spec produces (the cache uses it)."""
        if self.is_baseline:
            return "baseline"
        parts = [f"balance={self.class_balance}"]
        if self.mix is not None:
            shares = json.dumps([list(pair) for pair in self.mix], separators=(",", ":"))
            parts[:0] = [f"feature={self.feature}", f"mix={shares}"]
            parts += [f"keep={self.keep}"] if self.keep != "total" else []
            parts += ["classes=balanced"] if self.group_classes != "as-is" else []
            parts.append(f"upsampler={self.upsampler}")
        elif self.ratio != 0:
            parts[:0] = [f"feature={self.feature}", f"group={self.group}",
                         f"ratio={self.ratio:.6g}"]
            if self.ratio > 0:
                parts.append(f"upsampler={self.upsampler}")
        return "|".join(parts)

    def shares(self) -> dict[str, float]:
        """A mix's target shares, normalised to sum to 1 ({} for a one-group shift)."""
        total = sum(s for _, s in self.mix or ())
        return {g: s / total for g, s in self.mix} if self.mix and total > 0 else {}

    def at(self, ratio: float) -> "ShiftSpec":
        """The same feature, group, up-sampler and class balance at another ratio (-0.0 as 0).
        A mix has no ratio: its spec at a non-zero ratio is refused by :func:`validate_spec`."""
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
    #: A balanced-classes mix: per group, per class, the rows before and after.
    classes: dict[str, dict[str, dict[str, int]]] | None = None
    #: Per row, its row of the dataset's training set (-1 for a synthetic row): the loop
    #: selects the rows of a matrix encoded once instead of encoding them again.
    origin: np.ndarray | None = None

    @property
    def train_rows_before(self) -> int:
        return int(sum(self.groups_before.values()))

    @property
    def train_rows_after(self) -> int:
        return len(self.X)

    def summary(self) -> dict:
        """The ``shift`` block of the JSON contract; a mix adds ``mix`` (the target share of
        every group), ``mix_name``, ``mix_keep`` and ``group_classes``."""
        spec = self.spec
        out = {"feature": spec.feature, "group": spec.group, "ratio": spec.ratio,
               "upsampler": spec.upsampler, "class_balance": spec.class_balance}
        if spec.is_mix or spec.mix_name:  # a mix that changes nothing is the baseline
            shares = spec.shares() or {g: n / self.train_rows_before
                                       for g, n in self.groups_before.items()}
            out.update(mix={g: round(shares[g], SHARE_DECIMALS)
                            for g in self.groups_before if g in shares},
                       mix_name=spec.mix_name, mix_keep=spec.keep,
                       group_classes=spec.group_classes)
        out.update(train_rows_before=self.train_rows_before,
                   train_rows_after=self.train_rows_after,
                   groups={g: {"before": self.groups_before.get(g, 0),
                               "after": self.groups_after.get(g, 0)}
                           for g in dict.fromkeys([*self.groups_before, *self.groups_after])},
                   synthetic_rows=int(self.synthetic.sum()), notes=list(self.notes))
        if self.classes is not None:
            for group, counts in self.classes.items():
                out["groups"][group]["classes"] = counts
        return out
