"""Many cells judged at once (a sweep, advise, the write-up): Benjamini–Hochberg control of the
false-discovery rate (Benjamini & Hochberg 1995, JRSS B 57(1)), and how many cells a per-cell
test flags when nothing changed."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats


def adjusted_p_values(p_values) -> np.ndarray:
    """Benjamini–Hochberg adjusted p-values (step-up; NaN stays NaN and is not counted).

    A cell is a discovery at false-discovery rate ``q`` exactly when its adjusted p-value is
    at most ``q`` (Benjamini & Hochberg 1995)."""
    p = np.asarray(p_values, dtype=float).ravel()
    adjusted = np.full(p.shape, np.nan)
    finite = ~np.isnan(p)
    if finite.any():
        adjusted[finite] = stats.false_discovery_control(p[finite], method="bh")
    return adjusted


def benjamini_hochberg(p_values, alpha: float = 0.05) -> np.ndarray:
    """Which cells stay significant when many are judged at once, at false-discovery rate
    ``alpha``: a boolean array in the input's order (NaN p-values are never significant)."""
    with np.errstate(invalid="ignore"):
        return np.asarray(adjusted_p_values(p_values) <= alpha)


@dataclass(frozen=True)
class ChanceFlags:
    """How many of ``cells`` tests would come out significant with no real effect anywhere (in
    words: :func:`distviz.sentences.chance_sentence`)."""

    cells: int
    alpha: float
    expected: float   # alpha * cells
    upper: int        # exceeded by chance in at most 5 % of sweeps (independent cells)


def flagged_by_chance(n_cells: int, alpha: float = 0.05) -> ChanceFlags:
    """Cells a per-cell test at level ``alpha`` flags when nothing changed: ``alpha * n`` on
    average, and the 95th percentile of Binomial(n, alpha) (cells treated as independent)."""
    n_cells = int(n_cells)
    upper = int(stats.binom.ppf(0.95, n_cells, alpha)) if n_cells else 0
    return ChanceFlags(n_cells, float(alpha), float(alpha * n_cells), upper)
