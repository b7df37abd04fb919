"""What advise returns: a :class:`Cell` per (feature, group, ratio, algorithm), what was skipped
(:class:`~distviz.sweep.plan.Skipped`) and the :class:`Advice` with its JSON (the ``distviz
advise --json`` contract). The fields' meaning: :mod:`distviz.advise`."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

from ..results import interval_method
from ..sentences import chance_sentence, group_sentence, sentence
from ..stats import CALLS, flagged_by_chance
from ..sweep.plan import Skipped
from ..tasks import LOWER_IS_BETTER

__all__ = ["Advice", "Cell", "Skipped"]


@dataclass
class Cell:
    """One (feature, group, ratio, algorithm): the headline metric's change, whole test set and
    the group's own test rows. See the module docstring for every field's meaning."""

    feature: str
    group: str
    ratio: float
    algorithm: str
    metric: str
    train_rows: int
    train_rows_after: int
    test_rows: int
    baseline: float | None = None
    shifted: float | None = None
    delta: float | None = None
    ci95: list[float] | None = None
    p_value: float | None = None
    verdict: str | None = None
    p_adjusted: float | None = None
    verdict_bh: str | None = None
    group_baseline: float | None = None
    group_shifted: float | None = None
    group_delta: float | None = None
    group_ci95: list[float] | None = None
    group_p_value: float | None = None
    group_verdict: str | None = None
    group_note: str | None = None
    seeds: int = 0
    error: str | None = None
    practical: str | None = None
    detectable: float | None = None
    min_effect: float | None = None
    to_detect: dict | None = None

    @property
    def improvement(self) -> float:
        """The change with the metric's direction: positive is better (also for RMSE / MAE)."""
        if self.delta is None or not math.isfinite(self.delta):
            return float("nan")
        return -self.delta if self.metric in LOWER_IS_BETTER else self.delta

    @property
    def beyond_noise(self) -> bool:
        return self.verdict_bh in ("better", "worse")

    @property
    def matters(self) -> bool:
        """Beyond the noise after Benjamini–Hochberg, and not confined within +-min_effect."""
        return self.beyond_noise and self.practical in ("better", "worse")

    def to_dict(self) -> dict:
        return asdict(self)

@dataclass
class Advice:
    """What :func:`advise` found: every cell, what was skipped, and the ranked advice."""

    dataset: object
    metric: str
    features: list[str]
    ratios: list[float]
    algorithms: list[str]
    repeats: int
    alpha: float
    cells: list[Cell]
    skipped: list[Skipped]
    fits: int = 0
    computed: int = 0
    seconds: float = 0.0
    backend: str = "local"
    notes: list[str] = field(default_factory=list)
    min_effect: dict[str, float] | None = None  # the smallest change that matters, per metric
    #: The settings used (distviz.loop.policy.stated): seeds, budgets, rows, test rows.
    settings: dict | None = None

    @property
    def judged(self) -> list[Cell]:
        """The cells with an interval (the ones Benjamini–Hochberg counts)."""
        return [c for c in self.cells if c.p_value is not None and math.isfinite(c.p_value)]

    @property
    def advice(self) -> list[Cell]:
        """The cells beyond the noise after Benjamini–Hochberg whose practical call is better
        or worse (never negligible), largest improvement first (cells that make things worse
        come last, the worst at the end)."""
        order = {id(c): i for i, c in enumerate(self.cells)}
        chosen = [c for c in self.cells if c.matters]
        return sorted(chosen, key=lambda c: (-c.improvement, order[id(c)]))

    def chance(self) -> dict:
        """How many cells a per-cell 5 % test flags, how many it would flag by chance, and
        how many cells get each practical call."""
        judged = self.judged
        flags = flagged_by_chance(len(judged), 0.05)
        per_cell = sum(1 for c in judged if c.verdict in ("better", "worse"))
        beyond = sum(1 for c in self.cells if c.beyond_noise)
        negligible = [c for c in self.cells if c.beyond_noise and c.practical == "negligible"]
        text = chance_sentence(flags, beyond=beyond, per_cell=per_cell, fdr=self.alpha,
                               negligible=len(negligible),
                               min_effect=negligible[0].min_effect if negligible else None)
        return {"cells": flags.cells, "per_cell_flagged": per_cell,
                "beyond_noise_bh": beyond, "negligible_bh": len(negligible),
                "advised": len(self.advice), "expected_by_chance": flags.expected,
                "upper_by_chance": flags.upper, "fdr": self.alpha,
                "practical": {word: sum(1 for c in judged if c.practical == word)
                              for word in CALLS},
                "sentence": text}

    def to_dict(self) -> dict:
        """The ``distviz advise --json`` object (docs/semantics.md, command line contract)."""
        summary = self.dataset.summary() if hasattr(self.dataset, "summary") else self.dataset
        return {
            "dataset": summary, "settings": self.settings, "metric": self.metric,
            "features": self.features,
            "ratios": self.ratios, "algorithms": self.algorithms, "repeats": self.repeats,
            "cells": [c.to_dict() for c in self.cells],
            "skipped": [s.to_dict() for s in self.skipped],
            "advice": [{**c.to_dict(), "improvement": c.improvement, "sentence": sentence(c),
                        "group_sentence": group_sentence(c)} for c in self.advice],
            "chance": self.chance(),
            "interval": interval_method(self.min_effect) if self.repeats > 1 else None,
            "multiple_comparisons": {"method": "benjamini-hochberg", "fdr": self.alpha,
                                     "over": "every cell with an interval"},
            "fits": {"total": self.fits, "computed": self.computed,
                     "cached": self.fits - self.computed},
            "seconds": round(self.seconds, 3), "backend": self.backend, "notes": self.notes,
        }
