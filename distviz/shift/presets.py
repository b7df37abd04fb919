"""A mix's presets and the one way a mix becomes a spec (docs/semantics.md, 12).

The presets give every training group ``g`` of a feature (``n_g`` training rows of ``N``) a share:

* ``original``: ``n_g / N`` (the baseline);
* ``uniform``: ``1 / G`` for each of the G groups;
* ``sqrt``: ``sqrt(n_g) / sum_h sqrt(n_h)`` (SubpopBench's SqrtReWeight, by resampling);
* ``balanced-classes``: ``n_g / N``, and within every group the target classes balanced (the
  reweighing idea of Kamiran & Calders, by resampling; classification only);
* ``match`` a reference table: its rows' shares of the training groups, numeric features binned
  with the training set's edges, missing values ``missing``; reference rows in a group training
  lacks are left out of the shares, and a note says how many.
"""

from __future__ import annotations

import functools
import os
from pathlib import Path

import numpy as np
import pandas as pd

from ..data import Dataset, read_table
from ..errors import ShiftError
from .mix import check_mix, mix_counts, parse_shares
from .spec import ShiftSpec

#: The presets that need nothing but the training set.
PRESETS = ("original", "uniform", "sqrt", "balanced-classes")
#: The preset that takes a reference table's shares.
MATCH = "match"


def preset_shares(dataset: Dataset, feature: str, name: str) -> dict[str, float]:
    """The share of every training group of ``feature`` under the preset ``name``."""
    table = dataset.groups(dataset.check_feature(feature))
    table = table[table["train_rows"] > 0]
    counts = table["train_rows"].to_numpy(dtype=float)
    if name in ("original", "balanced-classes"):
        weights = counts
    elif name == "uniform":
        weights = np.ones(len(counts))
    elif name == "sqrt":
        weights = np.sqrt(counts)
    else:
        raise ShiftError(f"unknown mix preset {name!r}; use one of: {', '.join(PRESETS)}, "
                         f"{MATCH} (with a reference table), or group=share pairs.")
    return dict(zip(table["group"], weights / weights.sum()))


def match_shares(dataset: Dataset, feature: str, reference
                 ) -> tuple[dict[str, float], list[str]]:
    """The shares of the training groups of ``feature`` among a reference table's rows (a
    path to a CSV or Parquet file, read with the reader's limits, or a DataFrame), and notes
    (the reference rows in groups training lacks, which are left out)."""
    feature = dataset.check_feature(feature)
    name = "the reference table"
    if isinstance(reference, pd.DataFrame):
        frame = reference
    else:
        path = Path(reference).expanduser()
        stat = path.stat() if path.is_file() else None
        frame = _read_reference(str(path), stat and (stat.st_mtime_ns, stat.st_size))
        name = f"the reference table {path.name}"
    labels = dataset.labels_of(feature, frame, name=name)
    counts = labels.value_counts()
    known = dataset.training_groups(feature)
    unknown = {g: int(n) for g, n in counts.items() if g not in known}
    in_known = int(counts.reindex(known).fillna(0).sum())
    if in_known == 0:
        raise ShiftError(f"no row of {name} falls in a training group of {feature!r} (its "
                         f"groups: {', '.join(list(unknown)[:5])}); check it holds the same "
                         "kind of data.")
    notes = []
    if unknown:
        listed = ", ".join(f"{g} ({n})" for g, n in list(unknown.items())[:5])
        more = ", ..." if len(unknown) > 5 else ""
        notes.append(f"{sum(unknown.values())} of {len(labels)} rows of {name} are in groups "
                     f"of {feature!r} that training lacks ({listed}{more}); the mix takes the "
                     "shares of the other rows.")
    return {g: float(counts.get(g, 0)) / in_known for g in known}, notes


def mix_spec(dataset: Dataset, feature: str, mix, *, reference=None, keep: str = "total",
             upsampler: str = "random", class_balance: str = "none") -> ShiftSpec:
    """The spec of a mix of ``feature``'s groups.

    Parameters
    ----------
    mix : dict, str
        ``{group: share}``; ``"G1=s1,G2=s2"``; a preset (:data:`PRESETS`); or ``"match"``
        with ``reference``.
    reference : path or DataFrame, optional
        The table whose shares ``"match"`` takes.
    keep : {"total", "largest"}
        Keep the training set's size, or the rows of the group with the largest share.

    Returns
    -------
    ShiftSpec
        The mix, checked against the dataset except for ``max_ratio`` (the loop checks that);
        a mix whose every group (and class cell) keeps its rows is the baseline spec itself
        (``mix_name`` still says which mix was asked).
    """
    feature = dataset.check_feature(feature)
    name, notes, classes = None, [], "as-is"
    if reference is not None and mix != MATCH:
        raise ShiftError("a reference table sets the mix by itself (match); give either a "
                         "reference table or a mix, not both.")
    if isinstance(mix, str) and mix == MATCH:
        if reference is None:
            raise ShiftError("the match mix needs a reference table; pass --match PATH.")
        shares, notes = match_shares(dataset, feature, reference)
        name = f"{MATCH} {_reference_name(reference)}"
    elif isinstance(mix, str) and mix.strip() in PRESETS:
        name = mix.strip()
        shares = preset_shares(dataset, feature, name)
        classes = "balanced" if name == "balanced-classes" else "as-is"
    elif isinstance(mix, str):
        if "=" not in mix:
            preset_shares(dataset, feature, mix.strip())  # an unknown preset: says which exist
        shares = parse_shares(mix)
    else:
        shares = dict(mix)
    spec = ShiftSpec(feature, None, 0.0, upsampler, class_balance, mix=shares, keep=keep,
                     group_classes=classes, mix_name=name, notes=tuple(notes))
    check_mix(dataset, spec, max_ratio=None)
    counts = mix_counts(dataset, spec)
    if counts.cells == counts.cells_before:  # every group keeps its rows: the baseline
        return ShiftSpec(feature, None, 0.0, upsampler, class_balance,
                         mix_name=name or "original", notes=tuple(notes))
    return spec


@functools.lru_cache(maxsize=4)
def _read_reference(path: str, version) -> pd.DataFrame:
    """A reference table read once per version of its file (a Resampler asks on every move)."""
    return read_table(path)[0]


def _reference_name(reference) -> str:
    if isinstance(reference, (str, os.PathLike)):
        return Path(reference).name
    return "(a table)"
