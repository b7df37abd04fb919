"""A grid of shifts: features x groups x ratios -> ShiftSpecs, and the cells left out with why.

A sweep shifts one group per feature at every ratio (ratio 0, the baseline, is a row of its
table); advise, and the dashboard's map, shift every group of each feature at non-zero ratios
and leave out, with the reason, a group too small to shift honestly or a ratio that changes
none of its rows. Both are a :class:`Plan`, built and validated before any fit runs.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import NamedTuple

from ..errors import UsageError
from ..importance import choose_features
from ..shift.spec import MAX_RATIO, ShiftSpec, rows_after
from ..shift.validation import validate_spec

DEFAULT_ADVISE_RATIOS = (-0.5, 1.0)
#: advise shifts a group only with at least this many training rows (else it is skipped).
MIN_SHIFT_ROWS = 10


@dataclass
class Skipped:
    """A (feature, group, ratio) that was not shifted, and why."""

    feature: str
    group: str
    ratio: float
    train_rows: int
    reason: str

    def to_dict(self) -> dict:
        return asdict(self)


class PlannedGroup(NamedTuple):
    """One group of one feature and its shifts, one per ratio (in ratio order)."""

    feature: str
    group: str
    specs: list[ShiftSpec]


@dataclass
class Plan:
    """The shifts of a grid: ``rows`` (feature, group, specs) in feature, group, ratio order,
    and the cells left out (``skipped``). Iterating a plan gives its rows."""

    features: list[str]
    ratios: list[float]
    rows: list[PlannedGroup]
    skipped: list[Skipped] = field(default_factory=list)

    def __iter__(self):
        return iter(self.rows)

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, index):
        return self.rows[index]

    @property
    def specs(self) -> list[ShiftSpec]:
        """Every shift, in feature, group, ratio order."""
        return [spec for row in self.rows for spec in row.specs]

    def states(self) -> list[ShiftSpec]:
        """The distinct training sets the plan fits: every shift and its baseline, once each,
        in the order they first appear."""
        states: dict[str, ShiftSpec] = {}
        for spec in self.specs:
            for state in (spec, spec.baseline()):
                states.setdefault(state.training_key(), state)
        return list(states.values())

    def fits(self, seeds: int, algorithms: int) -> int:
        """Distinct fits: training sets x seeds x algorithms (baselines included)."""
        return len(self.states()) * seeds * algorithms

    @classmethod
    def build(cls, dataset, features: Sequence[str], ratios: Sequence[float], *,
              groups: Mapping[str, str] | None = None, upsampler: str = "random",
              class_balance: str = "none", min_rows: int | None = None,
              max_ratio: float = MAX_RATIO) -> "Plan":
        """The plan of ``features`` x groups x ``ratios``, every shift validated.

        ``groups`` maps a feature to the one group to shift (a feature not listed: its default
        group); None shifts every group with training rows. With ``min_rows``, a group with
        fewer training rows, or a ratio that changes none of its rows, is left out and listed in
        ``skipped`` (:func:`skip_reason`); None keeps every cell."""
        rows, skipped = [], []
        for feature in features:
            for group, train_rows in _groups(dataset, feature, groups):
                specs = []
                for ratio in ratios:
                    reason = None if min_rows is None else \
                        skip_reason(train_rows, ratio, min_rows=min_rows)
                    if reason is not None:
                        skipped.append(Skipped(feature, group, ratio, train_rows, reason))
                        continue
                    spec = ShiftSpec(feature, group, ratio, upsampler, class_balance)
                    validate_spec(dataset, spec, max_ratio=max_ratio)
                    specs.append(spec)
                if specs:
                    rows.append(PlannedGroup(feature, group, specs))
        return cls(list(features), list(ratios), rows, skipped)

    @classmethod
    def for_advice(cls, loop, *, features: Sequence[str] | None = None, top: int = 3,
                   method: str = "gini", ratios: Sequence[float] = DEFAULT_ADVISE_RATIOS,
                   upsampler: str = "random", class_balance: str = "none",
                   min_rows: int = MIN_SHIFT_ROWS, first: Sequence[str] = ()) -> "Plan":
        """What advise (and the dashboard's map) shifts with ``loop``: every group of the chosen
        features (:func:`distviz.importance.choose_features`: ``features``, else ``first``
        then the ``top`` ranked by ``method``) at the non-zero ``ratios``
        (:func:`resolve_ratios`), groups below ``min_rows`` and ratios that change nothing
        skipped."""
        dataset = loop.dataset
        chosen = choose_features(dataset, features, top=top, method=method,
                                 random_state=loop.random_state, first=first)
        values = resolve_ratios(ratios, max_ratio=loop.max_ratio)
        return cls.build(dataset, chosen, values, upsampler=upsampler,
                         class_balance=class_balance, min_rows=min_rows,
                         max_ratio=loop.max_ratio)


def _groups(dataset, feature: str, groups: Mapping[str, str] | None):
    """(group, training rows) of ``feature`` to shift: every group with training rows, or the
    one ``groups`` names (default: the feature's default group)."""
    if groups is None:
        table = dataset.groups(feature)
        return [(str(row.group), int(row.train_rows))
                for row in table[table["train_rows"] > 0].itertuples()]
    group = groups.get(feature)
    group = dataset.check_group(feature, group) if group is not None \
        else dataset.default_group(feature)
    return [(group, None)]


def resolve_ratios(ratios, *, max_ratio: float = MAX_RATIO) -> list[float]:
    """The ratios of an advice, ascending and without duplicates; 0 (the baseline) and
    out-of-range values are a UsageError saying what to pass."""
    values = sorted({float(r) + 0.0 for r in ratios})  # + 0.0 turns -0.0 into 0.0
    if not values:
        raise UsageError("no ratio to try; give at least one, e.g. --ratios -0.5,1.")
    for r in values:
        if not math.isfinite(r) or not -1.0 <= r <= max_ratio:
            raise UsageError(f"ratio {r:g} is out of range; use values from -1 (remove the "
                             f"group) to {max_ratio:g} ({max_ratio + 1:g}x the group), "
                             "e.g. --ratios -0.5,1.")
        if r == 0:
            raise UsageError("ratio 0 is the baseline every cell is compared with; leave it "
                             "out, e.g. --ratios -0.5,1.")
    return values


def skip_reason(n_rows: int, ratio: float, *, min_rows: int = MIN_SHIFT_ROWS) -> str | None:
    """Why a group of ``n_rows`` training rows is not shifted at ``ratio``, or None."""
    if n_rows < min_rows:
        return (f"only {n_rows} training row{'s' if n_rows != 1 else ''}; advise shifts groups "
                f"with at least {min_rows} (min_rows)")
    if rows_after(n_rows, ratio) == n_rows:
        return f"{n_rows} training rows: ratio {ratio:+g} changes none of them"
    return None
