"""What a mix asks of the training set: every group's target rows (docs/semantics.md, 12).

A mix gives every training group of a feature a share (shares sum to 1). The rows it asks:

* ``keep="total"`` (default): the training set keeps its size N; group g gets ``s_g * N`` rows,
  rounded by largest remainder so the counts sum to N exactly: every group first gets the whole
  part of ``s_g * N``, then the rows still missing go one each to the groups with the largest
  fractional parts (ties: the group listed first, in :meth:`Dataset.groups` order);
* ``keep="largest"``: the group with the largest share (ties: the first listed) keeps its n_L
  rows, the total becomes ``round(n_L / s_L)``, and the other groups share the rest by largest
  remainder in proportion to their shares;
* ``group_classes="balanced"``: within every group, the group's target rows are split equally
  (largest remainder, ties to the first class) among the target classes it has.

A group (or group x class cell) whose target is larger than its rows is up-sampled, a smaller
one down-sampled without replacement (:func:`distviz.shift.sampling.shift_training_set`), and no
cell may grow past ``1 + max_ratio`` times its rows, as a ratio may not.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from ..data import Dataset
from ..errors import ShiftError
from .spec import GROUP_CLASSES, KEEPS, rows_after

#: How far a mix's shares may sum from 1 (typed thirds, 0.333 each, are accepted).
SHARE_TOLERANCE = 1e-3

_SHARE = r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?|[-+]?nan|[-+]?inf"
# A group's label may itself hold commas and '=' (a bin "Q1 [0.17, 21]", a crossed group
# "sex=female & class=1st"): a pair ends at the '=' followed by a number and then a comma or
# the end.
_PAIR = re.compile(rf"\s*(?P<group>.+?)\s*=\s*(?P<share>{_SHARE})\s*(?:,|$)", re.IGNORECASE)


def largest_remainder(weights, total: int) -> np.ndarray:
    """Split ``total`` rows in proportion to ``weights`` so that they sum to ``total``: whole
    parts first, then one more each to the largest fractional parts (ties: the first)."""
    weights = np.asarray(weights, dtype=float)
    if total == 0 or weights.sum() <= 0:
        return np.zeros(len(weights), dtype=int)
    exact = weights / weights.sum() * total
    counts = np.floor(exact).astype(int)
    counts[np.argsort(-(exact - counts), kind="stable")[: total - counts.sum()]] += 1
    return counts


def parse_shares(text: str) -> dict[str, float]:
    """``"female=0.5,male=0.5"`` as ``{"female": 0.5, "male": 0.5}`` (labels with commas or
    '=' of their own, such as bins and crossed groups, are read whole); else a one-line
    ShiftError saying how a mix is written."""
    shares: dict[str, float] = {}
    position, text = 0, str(text).strip()
    while position < len(text):
        found = _PAIR.match(text, position)
        if found is None or found.end() == position:
            raise ShiftError(f"a mix is group=share pairs separated by commas, e.g. "
                             f"female=0.5,male=0.5, or a preset name; could not read "
                             f"{text[position:]!r}.")
        group = found["group"]
        if group in shares:
            raise ShiftError(f"the mix gives group {group!r} two shares; give each group once.")
        shares[group] = float(found["share"])
        position = found.end()
    if not shares:
        raise ShiftError("the mix is empty; give group=share pairs, e.g. female=0.5,male=0.5.")
    return shares


@dataclass(frozen=True)
class MixCounts:
    """The rows a mix asks: per group, and per cell (a group, or a group and a class code when
    the classes within groups are balanced), each with the rows it has now."""

    groups: dict[str, int]
    cells: dict[tuple[str, int | None], int]
    cells_before: dict[tuple[str, int | None], int]


def mix_counts(dataset: Dataset, spec) -> MixCounts:
    """The target rows of every group (and cell) of ``spec``'s mix on ``dataset``'s training
    set, by the rules of this module's docstring."""
    table = dataset.groups(spec.feature)
    table = table[table["train_rows"] > 0]
    groups = table["group"].tolist()
    before = dict(zip(groups, table["train_rows"].astype(int)))
    shares = spec.shares()
    weights = np.array([shares.get(g, 0.0) for g in groups])
    if spec.keep == "largest":
        largest = int(np.argmax(weights))  # ties: the first listed
        kept = before[groups[largest]]
        total = int(round(kept / weights[largest]))
        rest = largest_remainder(np.delete(weights, largest), total - kept)
        counts = np.insert(rest, largest, kept)
    else:
        counts = largest_remainder(weights, len(dataset.X_train))
    targets = dict(zip(groups, (int(c) for c in counts)))
    if spec.group_classes != "balanced":
        cells = {(g, None): n for g, n in targets.items()}
        return MixCounts(targets, cells, {(g, None): before[g] for g in groups})
    labels = dataset.group_labels(spec.feature).to_numpy()
    cells, cells_before = {}, {}
    for group in groups:
        classes, present = np.unique(dataset.y_train[labels == group], return_counts=True)
        equal = largest_remainder(np.ones(len(classes)), targets[group])
        for code, n_cell, target in zip(classes, present, equal):
            cells[(group, int(code))], cells_before[(group, int(code))] = int(target), int(n_cell)
    return MixCounts(targets, cells, cells_before)


def check_mix(dataset: Dataset, spec, *, max_ratio: float | None) -> None:
    """Raise a one-line ShiftError for the first thing wrong with ``spec``'s mix: a ratio beside
    it, no feature, an unknown option, a share that is negative or not a number, shares that do
    not sum to 1, a group unknown to training (or a crossed group without training rows), a
    group left out, balanced classes on a regression target, or a cell asked to grow past
    ``1 + max_ratio`` times its rows (not checked when ``max_ratio`` is None)."""
    if spec.ratio != 0:
        raise ShiftError("a mix sets every group's share, it has no ratio; give either a ratio "
                         "(one group) or a mix, not both.")
    if spec.feature is None:
        raise ShiftError("a mix needs a feature whose groups it sets; pass --feature.")
    feature = dataset.check_feature(spec.feature)
    if spec.keep not in KEEPS:
        raise ShiftError(f"unknown keep {spec.keep!r} for a mix; use one of: {', '.join(KEEPS)}.")
    if spec.group_classes not in GROUP_CLASSES:
        raise ShiftError(f"unknown group_classes {spec.group_classes!r}; use one of: "
                         f"{', '.join(GROUP_CLASSES)}.")
    if spec.group_classes == "balanced" and not dataset.is_classification:
        raise ShiftError("balanced-classes balances the target classes within every group: "
                         "classification only; use another mix for a regression target.")
    for group, share in spec.mix:
        if not math.isfinite(share) or share < 0:
            raise ShiftError(f"the mix gives group {group!r} a share of {share:g}; a share is "
                             "a number from 0 (remove the group) to 1.")
    total = sum(s for _, s in spec.mix)
    if abs(total - 1.0) > SHARE_TOLERANCE:
        raise ShiftError(f"the mix's shares sum to {total:.4g}; they must sum to 1 (e.g. "
                         f"{_example(dataset, feature)}).")
    known = dataset.training_groups(feature)
    for group, _ in spec.mix:
        if group not in known:
            dataset.check_group(feature, group)  # says unknown, or a crossed group left empty
    missing = [g for g in known if g not in dict(spec.mix)]
    if missing:
        raise ShiftError(f"the mix leaves out {len(missing)} group(s) of {feature!r} with "
                         f"training rows: {', '.join(missing)}; give every group a share (0 "
                         "removes it).")
    if max_ratio is not None:
        _check_growth(dataset, spec, mix_counts(dataset, spec), max_ratio)


def _check_growth(dataset: Dataset, spec, counts: MixCounts, max_ratio: float) -> None:
    """No cell may need more than ``1 + max_ratio`` times its training rows."""
    for (group, code), target in counts.cells.items():
        n_cell = counts.cells_before[(group, code)]
        most = rows_after(n_cell, max_ratio)
        if target <= most:
            continue
        where = (f"group {group!r}" if code is None
                 else f"class {dataset.classes[code]!r} in group {group!r}")
        advice = ("lower its share" if code is None else
                  "choose a feature whose groups hold more of every class")
        if code is None and spec.keep == "total":
            highest = math.floor(most / len(dataset.X_train) * 1e3) / 1e3
            advice = f"give it a share of at most {highest:g}"
        raise ShiftError(
            f"the mix needs {target:,} rows of {where}, {target / n_cell:.1f}x its {n_cell:,} "
            f"training rows; the most is {most:,} rows ({max_ratio + 1:g}x, max_ratio "
            f"{max_ratio:g}): {advice}.")


def _example(dataset: Dataset, feature: str) -> str:
    """A mix of ``feature`` that sums to 1, to show how one is written."""
    groups = dataset.training_groups(feature)[:3]
    return ",".join(f"{g}={1 / len(groups):.3g}" for g in groups) + (
        ",..." if len(dataset.training_groups(feature)) > 3 else "")


def deployment_weights(dataset: Dataset, spec) -> np.ndarray:
    """Test-row weights that shift the test set as ``spec`` shifts the training set: a row of
    group g weighs (g's rows after) / (g's rows before): ``1 + ratio`` for the ratio's group,
    the mix's target over the group's rows for a mix (per class too when balanced)."""
    labels = dataset.group_labels(spec.feature, dataset.X_test).to_numpy()
    if not spec.is_mix:
        return np.where(labels == spec.group, 1.0 + spec.ratio, 1.0)
    counts = mix_counts(dataset, spec)
    weights = np.ones(len(labels))
    for (group, code), target in counts.cells.items():
        rows = labels == group if code is None else (labels == group) & (dataset.y_test == code)
        weights[rows] = target / counts.cells_before[(group, code)]
    return weights
