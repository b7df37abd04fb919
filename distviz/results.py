"""What a run of the model loop produced: one fit, one algorithm's summary, one run (with its
``to_dict``, the ``distviz run --json`` contract)."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from . import metrics
from .data import Dataset
from .shift.spec import ShiftResult, ShiftSpec
from .stats.rows import on_common_rows

_NAN = float("nan")  # one object: a missing interval equals itself


@dataclass
class FitResult:
    """One algorithm fitted with one seed on one training set, scored on the frozen test set."""

    algorithm: str
    seed: int
    training_key: str
    metrics: dict[str, float] | None
    y_pred: np.ndarray | None
    scores: np.ndarray | None
    fit_seconds: float
    train_rows: int
    train_rows_used: int
    budget: int | None
    error: str | None = None
    from_cache: bool = False
    #: The test rows this fit scored (sorted indices), None for every one: a slow predictor's
    #: test-row budget scores a seeded sample of a large test set (``y_pred`` is on those rows).
    test_rows: np.ndarray | None = None
    _roc: dict = field(default_factory=dict, repr=False, compare=False)

    def roc(self, y_true, positive: int) -> pd.DataFrame:
        """The ROC points of this fit's scores for class ``positive`` (computed once per class:
        every render of a state shows them; ``y_true`` is the test set the fit scored)."""
        if positive not in self._roc:
            self._roc[positive] = metrics.roc_points(y_true, self.scores, positive=positive)
        return self._roc[positive]

    def on_test(self, values: np.ndarray) -> np.ndarray:
        """``values`` (one per test row) on the rows this fit scored."""
        return values if self.test_rows is None else np.asarray(values)[self.test_rows]

    def scored_rows(self, n_test: int) -> int:
        """How many test rows this fit scored, of ``n_test``."""
        return n_test if self.test_rows is None else len(self.test_rows)

    @property
    def nbytes(self) -> int:
        arrays = (a for a in (self.y_pred, self.scores, self.test_rows) if a is not None)
        return 1024 + sum(a.nbytes for a in arrays)

    def to_record(self) -> dict:
        """JSON-safe fields (arrays are stored beside it)."""
        return {k: getattr(self, k) for k in (
            "algorithm", "seed", "training_key", "metrics", "fit_seconds", "train_rows",
            "train_rows_used", "budget", "error")}


@dataclass
class AlgorithmResult:
    """One algorithm's shifted and baseline results, averaged over seeds.

    ``delta`` is the mean over paired seeds of shifted-minus-baseline metrics. ``effects`` holds
    the full :class:`distviz.stats.Effect` per metric from :func:`distviz.stats.paired_delta`
    (seed, resampling draw and test sample), None with fewer than two paired seeds (``note``
    says why); ``ci95``, ``significant``, ``p_value`` and ``verdict`` (better / worse / within
    noise) are read from it. ``practical_calls`` holds the :class:`~distviz.stats.PracticalCall`
    per metric (:func:`distviz.stats.judge`, against the loop's ``min_effect``); ``practical``
    (better / worse / negligible / equivalent / inconclusive) and ``detectable`` (the
    interval's half-width) are read from it. All of them are None without an interval.
    """

    algorithm: str
    metrics: dict[str, float] | None
    baseline: dict[str, float] | None
    delta: dict[str, float] | None
    fits: list[FitResult]
    baseline_fits: list[FitResult]
    error: str | None = None
    metrics_shifted_test: dict[str, float] | None = None
    baseline_shifted_test: dict[str, float] | None = None
    effects: dict | None = None
    n_seeds: int = 0
    note: str | None = None
    practical_calls: dict | None = None
    #: The seeds this summary is to pair (adaptive seeds: the first ones until more are asked
    #: for); 0: unknown. ``n_seeds == seeds_planned`` once they are all in.
    seeds_planned: int = 0

    def _per_metric(self, read, missing) -> dict | None:
        """``read(effect)`` per metric (``missing`` where the interval is not finite); None
        without effects."""
        if self.effects is None:
            return None
        out = {}
        for metric in self.metrics:
            e = self.effects.get(metric)
            known = e is not None and np.isfinite(e.low) and np.isfinite(e.high)
            out[metric] = read(e) if known else missing
        return out

    @property
    def ci95(self) -> dict[str, list[float]] | None:
        """Each metric's 95 % interval ``[low, high]`` (NaN where it cannot be computed)."""
        return self._per_metric(lambda e: [e.low, e.high], [_NAN, _NAN])

    @property
    def significant(self) -> dict[str, bool | None] | None:
        return self._per_metric(lambda e: e.significant, None)

    @property
    def p_value(self) -> dict[str, float | None] | None:
        return self._per_metric(lambda e: e.p_value, None)

    @property
    def verdict(self) -> dict[str, str | None] | None:
        return self._per_metric(lambda e: e.verdict, None)

    @property
    def practical(self) -> dict[str, str | None] | None:
        if self.practical_calls is None:
            return None
        return {m: c.call for m, c in self.practical_calls.items()}

    @property
    def detectable(self) -> dict[str, float | None] | None:
        if self.practical_calls is None:
            return None
        return {m: c.detectable if c.call is not None else None
                for m, c in self.practical_calls.items()}

    @property
    def seed_part_known(self) -> bool:
        """Whether the interval counts the seed part of the noise (two or more paired seeds);
        without it there is no interval (``ci95`` / ``significant`` / ``verdict`` are None)."""
        return self.n_seeds >= 2

    @property
    def has_interval(self) -> bool:
        return self.effects is not None

    @property
    def ok(self) -> bool:
        return self.error is None and self.metrics is not None

    @property
    def first_fit(self) -> FitResult | None:
        return next((f for f in self.fits if f.error is None), None)

    @property
    def first_baseline_fit(self) -> FitResult | None:
        return next((f for f in self.baseline_fits if f.error is None), None)

    @property
    def fit_seconds(self) -> float:
        return float(np.mean([f.fit_seconds for f in self.fits])) if self.fits else 0.0

    @property
    def from_cache(self) -> bool:
        return bool(self.fits) and all(f.from_cache for f in self.fits + self.baseline_fits)

    @property
    def train_rows_used(self) -> int:
        return self.fits[0].train_rows_used if self.fits else 0

    @property
    def budget_applied(self) -> bool:
        return any(f.train_rows_used < f.train_rows for f in self.fits)

    def test_rows_used(self, n_test: int) -> int:
        """The test rows each fit scored, of ``n_test`` (fewer under a test-row budget)."""
        return self.fits[0].scored_rows(n_test) if self.fits else n_test


@dataclass
class RunResult:
    """Everything one run of the loop produced: the JSON contract and what the views need."""

    dataset: Dataset
    shift: ShiftResult
    metric: str
    algorithms: list[AlgorithmResult]
    repeats: int
    seconds: float = 0.0
    computed: int = 0
    cached: int = 0
    min_effect: dict[str, float] | None = None  # the smallest change that matters, per metric
    #: What the run used: seeds, budgets, rows, test rows (distviz.loop.policy.stated).
    settings: dict | None = None

    @property
    def spec(self) -> ShiftSpec:
        return self.shift.spec

    @property
    def at_baseline(self) -> bool:
        """True when this run trains on the baseline's rows (every change is 0 by design)."""
        return self.spec.training_key() == self.spec.baseline().training_key()

    def result(self, algorithm: str) -> AlgorithmResult:
        return next(a for a in self.algorithms if a.algorithm == algorithm)

    def seeds_label(self) -> str:
        """The seeds the results paired, for people: "5 seeds", or "3-5 seeds" where adaptive
        seeds fitted more for some algorithms than for others."""
        used = sorted({a.n_seeds for a in self.algorithms if a.ok and a.n_seeds})
        if len(used) > 1:
            return f"{used[0]}-{used[-1]} seeds"
        count = used[0] if used else self.repeats
        return f"{count} seed{'s' if count != 1 else ''}"

    def best(self, which: str = "shifted") -> str | None:
        """The best algorithm by the headline metric, at baseline or after the shift."""
        attr = "metrics" if which == "shifted" else "baseline"
        scored = [(getattr(a, attr)[self.metric], a.algorithm) for a in self.algorithms
                  if a.error is None and getattr(a, attr)
                  and not math.isnan(getattr(a, attr)[self.metric])]
        if not scored:
            return None
        sign = -1 if self.metric in metrics.LOWER_IS_BETTER else 1
        return max(scored, key=lambda s: sign * s[0])[1]  # ties: the first listed wins

    def lead(self, metric: str | None = None, *, stage: str = "shifted"):
        """The best algorithm's lead over the runner-up at ``stage`` (``"shifted"`` or
        ``"baseline"``), paired by seed on the same test rows (:func:`distviz.stats.paired_delta`:
        seed and test-sample noise), as ``(best, runner_up, effect)``; ``effect`` is None with
        fewer than two paired seeds or fewer than two algorithms. Its verdict says whether the
        lead is beyond the noise."""
        metric = metric or self.metric
        # Computed once per run and metric: the leaderboard and the best-model line both ask.
        memo = self.__dict__.setdefault("_leads", {})
        if (metric, stage) not in memo:
            memo[metric, stage] = self._lead(metric, stage)
        return memo[metric, stage]

    def _lead(self, metric: str, stage: str):
        sign = -1 if metric in metrics.LOWER_IS_BETTER else 1
        attr = "metrics" if stage == "shifted" else "baseline"
        ranked = sorted((a for a in self.algorithms if a.ok and getattr(a, attr)
                         and not math.isnan(getattr(a, attr)[metric])),
                        key=lambda a: -sign * getattr(a, attr)[metric])
        if len(ranked) < 2:
            return (ranked[0].algorithm if ranked else None), None, None
        best, second = ranked[0], ranked[1]
        return best.algorithm, second.algorithm, self.compare(best, second, metric, stage=stage)

    def lead_summary(self, stage: str = "shifted") -> dict:
        """The JSON of :meth:`lead` on the headline metric: leader, runner-up, the lead with its
        interval and verdict, and ``clear``: whether the leader is ahead beyond the noise."""
        best, second, effect = self.lead(stage=stage)
        out = {"leader": best, "runner_up": second, "clear": None}
        if effect is not None:
            out.update(delta=round(float(effect.delta), 6),
                       ci95=[round(float(effect.low), 6), round(float(effect.high), 6)],
                       verdict=effect.verdict, clear=bool(effect.significant))
        return out

    def compare(self, first, second, metric: str | None = None, *, stage: str = "shifted"):
        """``first``'s score minus ``second``'s (algorithm results or names) at ``stage``
        (``"shifted"`` or ``"baseline"``), paired by seed on the same test rows
        (:func:`distviz.stats.paired_delta`); None with fewer than two paired seeds. Its
        verdict says whether the difference is beyond the noise."""
        from .stats import paired_delta
        metric = metric or self.metric
        first, second = (self.result(a) if isinstance(a, str) else a for a in (first, second))
        attr = "fits" if stage == "shifted" else "baseline_fits"
        by_seed = {f.seed: f for f in getattr(second, attr) if f.error is None}
        pairs = [(f, by_seed[f.seed]) for f in getattr(first, attr)
                 if f.error is None and f.seed in by_seed]
        if len(pairs) < 2:
            return None
        ds = self.dataset
        _, y_true, both = on_common_rows(ds.y_test, [f for p in pairs for f in p])
        return paired_delta(y_true, both[0::2], both[1::2],
                                  task=ds.task_name, n_classes=len(ds.classes),
                                  positive=ds.positive_index, metrics=[metric])[metric]

    def confusion_change(self, algorithm: str) -> np.ndarray | None:
        """Mean over paired seeds of the shifted minus the baseline confusion counts."""
        result, ds = self.result(algorithm), self.dataset
        if not ds.is_classification:
            return None
        by_seed = {f.seed: f for f in result.baseline_fits if f.error is None}
        changes = [metrics.confusion(f.on_test(ds.y_test), f.y_pred, len(ds.classes))
                   - metrics.confusion(by_seed[f.seed].on_test(ds.y_test),
                                       by_seed[f.seed].y_pred, len(ds.classes))
                   for f in result.fits if f.error is None and f.seed in by_seed]
        return np.mean(changes, axis=0) if changes else None

    def confusion(self, algorithm: str, *, baseline: bool = False) -> np.ndarray | None:
        """Confusion-matrix counts, the mean over seeds (rows: true, columns: predicted): the
        matrix of the metrics beside it, which are means over the same seeds."""
        per_seed = [c for c in self.confusion_per_seed(algorithm, baseline=baseline)
                    if c is not None]
        return np.mean(per_seed, axis=0) if per_seed else None

    def confusion_per_seed(self, algorithm: str, *, baseline: bool = False) -> list:
        """Each seed's integer confusion counts, in seed order (None for a failed fit); empty
        for regression."""
        result, ds = self.result(algorithm), self.dataset
        if not ds.is_classification:
            return []
        return [None if f.error is not None or f.y_pred is None
                else metrics.confusion(f.on_test(ds.y_test), f.y_pred, len(ds.classes))
                for f in (result.baseline_fits if baseline else result.fits)]

    def roc(self, algorithm: str, *, baseline: bool = False) -> pd.DataFrame | None:
        result = self.result(algorithm)
        fit = result.first_baseline_fit if baseline else result.first_fit
        if fit is None or fit.scores is None:
            return None
        return fit.roc(fit.on_test(self.dataset.y_test), self.dataset.positive_index)

    def group_metrics(self, algorithm: str, *, baseline: bool = False) -> pd.DataFrame | None:
        """Per-group metrics of the shifted feature on the test set, averaged over repeats."""
        if self.spec.feature is None:
            return None
        result = self.result(algorithm)
        fits = [f for f in (result.baseline_fits if baseline else result.fits) if f.error is None]
        if not fits:
            return None
        ds = self.dataset
        labels = ds.group_labels(self.spec.feature, ds.X_test).to_numpy()
        tables = [metrics.group_metrics(f.on_test(ds.y_test), f.y_pred, f.on_test(labels),
                                         task=ds.task_name,
                                         positive=ds.positive_index,
                                         n_classes=len(ds.classes)) for f in fits]
        order = [g for g in ds.groups(self.spec.feature)["group"] if g in set(labels)]
        table = pd.concat(tables).groupby("group", sort=False).mean(numeric_only=True)
        table = table.reindex(order).reset_index()
        table["rows"] = table["rows"].astype(int)
        return table

    def to_dict(self) -> dict:
        """The ``distviz run --json`` object (docs/semantics.md, command line contract)."""
        results = []
        for a in self.algorithms:
            entry = {"algorithm": a.algorithm, "metrics": a.metrics, "baseline": a.baseline,
                     "delta": a.delta}
            if self.repeats > 1:
                entry["ci95"] = a.ci95
                entry["significant"] = a.significant
                entry["p_value"] = a.p_value
                entry["verdict"] = a.verdict
                entry["practical"] = a.practical
                entry["detectable"] = a.detectable
                entry["to_detect"] = None if a.practical_calls is None else {
                    m: c.to_detect() for m, c in a.practical_calls.items()}
            entry["seeds"] = a.n_seeds
            entry["seed_part_known"] = a.seed_part_known
            if a.note and self.repeats > 1:
                entry["note"] = a.note
            entry["metrics_per_seed"] = _per_seed_metrics(a.fits)
            entry["baseline_per_seed"] = _per_seed_metrics(a.baseline_fits)
            if self.dataset.is_classification:
                counts = self.confusion(a.algorithm)
                entry["confusion_matrix"] = None if counts is None else {
                    "labels": list(self.dataset.classes), "counts": counts.tolist(),
                    "per_seed": [None if c is None else c.tolist()
                                 for c in self.confusion_per_seed(a.algorithm)]}
            if a.metrics_shifted_test is not None:
                entry["metrics_shifted_test"] = a.metrics_shifted_test
                entry["baseline_shifted_test"] = a.baseline_shifted_test
            groups = self.group_metrics(a.algorithm)
            if groups is not None:
                entry["groups"] = _records(groups)
            entry.update(fit_seconds=round(a.fit_seconds, 4), train_rows_used=a.train_rows_used,
                         budget_applied=a.budget_applied,
                         test_rows_used=a.test_rows_used(len(self.dataset.y_test)),
                         error=a.error)
            results.append(entry)
        out = {"dataset": self.dataset.summary(), "shift": self.shift.summary(),
               "settings": self.settings, "repeats": self.repeats, "results": results,
               "best": {"metric": self.metric, "baseline": self.best("baseline"),
                        "shifted": self.best("shifted"),
                        # Whether each leader is ahead beyond the noise (paired by seed).
                        "lead": {"baseline": self.lead_summary("baseline"),
                                 "shifted": self.lead_summary("shifted")}},
               "interval": self.interval_method(),
               "fits": {"computed": self.computed, "cached": self.cached}}
        if self.repeats < 2:
            from .stats.seeds import NO_INTERVAL_NOTE
            out["note"] = NO_INTERVAL_NOTE
        return out


    def interval_method(self) -> dict | None:
        """The JSON's ``interval`` block: how intervals are made, and the ``min_effect`` per
        metric the practical calls were judged against; None with one seed."""
        return interval_method(self.min_effect) if self.repeats > 1 else None


def interval_method(min_effect: dict[str, float] | None) -> dict:
    """:data:`INTERVAL_METHOD` with the smallest change that matters per metric."""
    return {**INTERVAL_METHOD, "min_effect": min_effect, "practical": PRACTICAL_METHOD}


PRACTICAL_METHOD = (
    "against min_effect: better / worse = the interval excludes 0 and reaches past "
    "+-min_effect; negligible = excludes 0, inside +-min_effect; equivalent = includes 0, "
    "inside +-min_effect (two one-sided tests at 2.5 % each, read off the 95 % interval); "
    "inconclusive = includes 0, reaches past +-min_effect (distviz.stats.practical)")

INTERVAL_METHOD = {
    "confidence": 0.95,
    "method": "paired bootstrap of the test rows (200 replicates, the same rows for both arms "
              "and every seed) plus the spread of the per-seed deltas over seeds; t interval "
              "with Welch-Satterthwaite degrees of freedom (distviz.stats.paired_delta)",
    "counts": ["algorithm seed", "resampling draw", "test sample"],
    "significant": "the interval excludes 0 (p_value < 0.05)",
}


def _records(table: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in row.items()}
            for row in table.to_dict("records")]


def _per_seed_metrics(fits: list[FitResult]) -> list[dict | None]:
    """Each fit's metrics in seed order (None for a failed fit): the means are over these."""
    return [dict(f.metrics) if f.error is None and f.metrics else None for f in fits]


def mean_metrics(fits: list[FitResult]) -> dict[str, float] | None:
    good = [f.metrics for f in fits if f.error is None and f.metrics]
    if not good:
        return None
    return {k: float(np.mean([m[k] for m in good])) for k in good[0]}

