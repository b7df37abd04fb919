"""How a numeric feature's values become groups: quantile bins that survive ties.

Plain quantile bins break on a zero-inflated column (census ``capital_gain``: about 90 % zeros):
the edges coincide and every row falls into one bin "Q1 [0, 99999]". The rule (docs/semantics.md, 2):

* a value holding at least ``1 / n_bins`` of the training rows (as many as a whole bin) is a
  group of its own, labelled with the value as a column of few values is (``0``: shown as
  ``capital_gain = 0``);
* the other rows are cut into ``n_bins`` minus that many quantile bins (at least one), labelled
  ``Q1 [lo, hi]`` with their edges; coinciding edges are merged, a bin never spans a value that
  is a group of its own (it is cut there), and a bin with no training row is merged away;
* a column without such a value gets exactly the plain quantile bins ``Q1 .. Q<n_bins>``.

Bins are right-closed, ``(lo, hi]``; values below the first edge or above the last (only in the
test set) join the first or last bin. Missing values are left to the caller.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd


def format_edge(value: float) -> str:
    """Format a bin edge compactly: integers plainly, others with 3 significant digits."""
    if not math.isfinite(value):
        return str(value)
    if float(value).is_integer():
        return str(int(value))
    if abs(value) >= 100:
        return str(round(value))
    return f"{value:.3g}"


@dataclass(frozen=True)
class NumericBins:
    """Groups of a numeric feature: right-closed bins between ``edges`` (one label each) and
    single values that are groups of their own (``spikes``: value -> label)."""

    edges: tuple[float, ...]
    labels: tuple[str, ...]
    spikes: dict[float, str]

    @property
    def order(self) -> list[str]:
        """Every label in ascending order of the values it holds."""
        keyed = [((lo + hi) / 2, label) for lo, hi, label in
                 zip(self.edges[:-1], self.edges[1:], self.labels)]
        keyed += [(value, label) for value, label in self.spikes.items()]
        return [label for _, label in sorted(keyed, key=lambda item: item[0])]

    def label(self, values: pd.Series) -> pd.Series:
        """The group label of each value (object dtype; NaN where ``values`` is missing)."""
        inner = np.concatenate([[-np.inf], self.edges[1:-1], [np.inf]])
        out = pd.cut(values, bins=inner, labels=list(self.labels), right=True,
                     include_lowest=True, ordered=False).astype(object)
        for value, name in self.spikes.items():
            out = out.where(values != value, name)
        return out


def quantile_bins(values: np.ndarray, n_bins: int) -> NumericBins:
    """The groups of the non-missing training ``values`` (more than ``n_bins`` distinct)."""
    values = np.asarray(values, dtype=float)
    distinct, counts = np.unique(values, return_counts=True)
    heavy = distinct[counts >= len(values) / n_bins]
    rest = values[~np.isin(values, heavy)]
    edges = np.unique(np.quantile(rest, np.linspace(0, 1, max(1, n_bins - len(heavy)) + 1)))
    if len(edges) == 1:  # the other rows hold a single value: one bin [v, v]
        edges = np.repeat(edges, 2)
    # A bin is cut at a spike inside it, so its range never spans another group's value.
    edges = np.union1d(edges, heavy[(heavy > edges[0]) & (heavy < edges[-1])])
    edges = _without_empty_bins(edges, rest, heavy)
    labels = [f"Q{i + 1} [{format_edge(lo)}, {format_edge(hi)}]"
              for i, (lo, hi) in enumerate(zip(edges[:-1], edges[1:]))]
    return NumericBins(tuple(float(e) for e in edges), tuple(labels),
                       {float(v): format_edge(v) for v in heavy})


def _without_empty_bins(edges: np.ndarray, rest: np.ndarray, heavy: np.ndarray) -> np.ndarray:
    """Merge each bin that holds none of ``rest`` into a neighbour, dropping an edge that is
    not a spike where it can. The first and last bins hold the extremes, so never empty."""
    edges = list(edges)
    while len(edges) > 2:
        # Right-closed bins: a value's bin is the number of inner edges below it.
        counts = np.bincount(np.searchsorted(edges[1:-1], rest, side="left"),
                             minlength=len(edges) - 1)
        empty = np.flatnonzero(counts == 0)
        if not len(empty):
            break
        i = int(empty[0])
        del edges[i if edges[i] not in heavy else i + 1]
    return np.asarray(edges)
