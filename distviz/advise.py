"""Where would more (or fewer) rows of a group help, and which model? (issue 14)

:func:`advise` shifts every group of each chosen feature at every ratio (default: halve and
double the group in training) and runs every algorithm through one :class:`ModelLoop`: all
fits are scheduled at once with :meth:`ModelLoop.prefetch` (or on a Dask cluster through the
very path of ``distviz sweep``), land in the loop's cache (so a re-run resumes), and every
(group, ratio, algorithm) becomes a :class:`Cell`:

- ``delta``, ``ci95``, ``p_value``, ``verdict``: the change of the headline metric on the whole
  frozen test set, exactly what :meth:`ModelLoop.run` reports for that shift (so exactly
  ``distviz run --json``): :func:`distviz.stats.paired_delta`, seed + resampling draw + test
  sample, judged per cell at 5 %.
- ``p_adjusted``, ``verdict_bh``: the same change after Benjamini–Hochberg over all cells of the
  call (false-discovery rate ``alpha``, default 5 %).
- ``practical``, ``detectable``, ``min_effect``, ``to_detect``: the change's practical call
  against the loop's smallest change that matters (:mod:`distviz.stats.practical`), exactly what
  ``distviz run --json`` reports for that shift. The advice is the cells beyond the noise after
  Benjamini–Hochberg whose practical call is ``better`` or ``worse``: a real change smaller than
  ``min_effect`` (``negligible``) is never advised.
- ``group_delta``, ``group_ci95``, ``group_verdict``: the change of the same headline metric on
  the group's own test rows ("does adding women's rows help the model on women?"), with the same
  paired bootstrap restricted to those rows (:func:`distviz.stats.paired_delta` on the subset:
  the bootstrap resamples the group's test rows, with the group's size fixed). No interval when
  the group has fewer than ``MIN_GROUP_TEST_ROWS`` test rows (``group_note`` says so). Not part of
  the multiple-comparison control: it explains a cell, it does not select one.

A group that cannot be shifted honestly at a ratio is reported in ``skipped`` with its reason,
never dropped silently: fewer than ``min_rows`` training rows (default 10), or a ratio that
changes none of its rows (``round(n * (1 + r)) == n``).

:func:`response_curve` gives, for one group, the headline metric against the ratio per algorithm
with its interval and a shape label (the rule is in its docstring and docs/semantics.md).
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from .errors import UsageError
from .stats import (
    ScoreBoard,
    adjusted_p_values,
    flagged_by_chance,
    paired_delta,
    verdict,
)
from .shift.spec import MAX_RATIO, ShiftSpec, rows_after, validate_spec
from .stats import CALLS
from .tasks import LOWER_IS_BETTER

DEFAULT_ADVISE_RATIOS = (-0.5, 1.0)
#: A group is shifted only with at least this many training rows (else it is ``skipped``).
MIN_SHIFT_ROWS = 10
#: ``group_delta`` gets an interval only with at least this many of the group's test rows.
MIN_GROUP_TEST_ROWS = 10
SHAPES = ("rising", "falling", "peaked", "flat", "irregular")
METRIC_LABELS = {"f1": "F1", "precision": "precision", "recall": "recall",
                 "specificity": "specificity", "accuracy": "accuracy",
                 "balanced_accuracy": "balanced accuracy", "roc_auc": "ROC AUC", "r2": "R²",
                 "rmse": "RMSE", "mae": "MAE"}

Progress = Callable[[int, int, object], None]


# ---------------------------------------------------------------------------- results
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
class Skipped:
    """A (feature, group, ratio) that was not shifted, and why."""

    feature: str
    group: str
    ratio: float
    train_rows: int
    reason: str

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
        text = (f"{beyond} of {flags.cells} cells are beyond the noise after Benjamini-Hochberg "
                f"(false-discovery rate {self.alpha:.0%}); a per-cell 5 % test flags "
                f"{per_cell}, where " + flags.sentence().replace(" cells would", " would"))
        if negligible:
            text += (f" {len(negligible)} of the {beyond} are negligible (the whole interval "
                     f"within +-{negligible[0].min_effect:.3g}) and not advised.")
        return {"cells": flags.cells, "per_cell_flagged": per_cell,
                "beyond_noise_bh": beyond, "negligible_bh": len(negligible),
                "advised": len(self.advice), "expected_by_chance": flags.expected,
                "upper_by_chance": flags.upper, "fdr": self.alpha,
                "practical": {word: sum(1 for c in judged if c.practical == word)
                              for word in CALLS},
                "sentence": text}

    def to_dict(self) -> dict:
        """The ``distviz advise --json`` object (docs/semantics.md, command line contract)."""
        from .results import interval_method
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


# ---------------------------------------------------------------------------- sentences
def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _number(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 100 else f"{x:,.1f}"


def action(feature: str, group: str, ratio: float) -> str:
    """'halving rows with sex = female', 'doubling rows with ...', 'adding 50 % more ...'."""
    subject = f"rows with {feature} = {group}"
    named = {-1.0: "removing", -0.5: "halving", 1.0: "doubling", 2.0: "tripling",
             3.0: "quadrupling"}
    if ratio in named:
        return f"{named[ratio]} {subject}"
    if ratio < 0:
        return f"cutting {subject} by {-ratio:.0%}"
    return f"adding {ratio:.0%} more {subject}"


def sentence(cell: Cell) -> str:
    """One line for an advice cell: 'halving rows with batch = d raises logistic_regression's
    F1 by 0.058 [0.036, 0.081]'. The number is the size of the change and the bracket its 95 %
    interval (for a fall, the interval of the fall's size)."""
    low, high = cell.ci95
    verb, size, lo, hi = ("raises", cell.delta, low, high) if cell.delta >= 0 else \
        ("lowers", -cell.delta, -high, -low)
    return (f"{action(cell.feature, cell.group, cell.ratio)} {verb} {cell.algorithm}'s "
            f"{metric_label(cell.metric)} by {_number(size)} [{_number(lo)}, {_number(hi)}]")


def group_sentence(cell: Cell) -> str:
    """The same shift's change on the group's own test rows, with its interval when it has one."""
    label = metric_label(cell.metric)
    where = f"on its {cell.test_rows} test rows with {cell.feature} = {cell.group}"
    if cell.group_delta is None or not math.isfinite(cell.group_delta):
        return f"{where}: {cell.group_note or 'no change can be computed'}"
    text = f"{where}, {label} changes by {cell.group_delta:+.3f}"
    if cell.group_ci95 is not None:
        text += (f" [{cell.group_ci95[0]:+.3f}, {cell.group_ci95[1]:+.3f}], "
                 f"{cell.group_verdict}")
    else:
        text += f" ({cell.group_note})"
    return text


# ---------------------------------------------------------------------------- the plan
def resolve_ratios(ratios, *, max_ratio: float = MAX_RATIO) -> list[float]:
    """The ratios, ascending and without duplicates; 0 (the baseline) and out-of-range values
    are a UsageError saying what to pass."""
    values = sorted({float(r) + 0.0 for r in ratios})
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


def plan(dataset, features: Sequence[str], ratios: Sequence[float], *,
         upsampler: str = "random", class_balance: str = "none",
         min_rows: int = MIN_SHIFT_ROWS, max_ratio: float = MAX_RATIO):
    """(feature, group, specs) for every group of every feature, and the skipped ones."""
    entries, skipped = [], []
    for feature in features:
        table = dataset.groups(feature)
        for row in table[table["train_rows"] > 0].itertuples():
            specs = []
            for ratio in ratios:
                reason = skip_reason(int(row.train_rows), ratio, min_rows=min_rows)
                if reason is not None:
                    skipped.append(Skipped(feature, str(row.group), ratio, int(row.train_rows),
                                           reason))
                    continue
                spec = ShiftSpec(feature, str(row.group), ratio, upsampler, class_balance)
                validate_spec(dataset, spec, max_ratio=max_ratio)
                specs.append(spec)
            if specs:
                entries.append((feature, str(row.group), specs))
    return entries, skipped


def resolve_features(dataset, features=None, *, top: int = 3, method: str = "gini",
                     random_state: int = 0) -> list[str]:
    """``features`` as given (checked, without duplicates), else the ``top`` ranked ones."""
    if features is not None:
        if not features:
            raise UsageError("no feature to advise on; name at least one, e.g. --features sex.")
        for feature in features:
            dataset.check_feature(feature)
        return list(dict.fromkeys(features))
    if top < 1:
        raise UsageError(f"--top must be at least 1, got {top}.")
    from .importance import top_features
    return top_features(dataset, min(top, len(dataset.features)), method=method,
                        random_state=random_state)


# ---------------------------------------------------------------------------- running
def _fit_everything(loop, entries, scheduler, progress):
    """Every fit of every spec (and the baseline) at once, locally or on Dask (the path of
    ``distviz sweep``); returns the tracker (total fits, fresh ones) and the backend's name."""
    from .sweep.sweep import _Tracker  # the sweep's progress/cache bookkeeping
    tracker = _Tracker(loop, entries, progress)
    if scheduler:
        from .sweep.dask import check_scheduler, fit_on_dask
        check_scheduler(scheduler)
        todo = tracker.uncached_states()
        if todo:
            fit_on_dask(loop, todo, scheduler, tracker.computed_elsewhere)
        backend = f"dask ({scheduler})" + ("" if todo else ", nothing to compute")
    else:
        loop.prefetch([s for _, _, specs in entries for s in specs], progress=tracker)
        backend = "local"
    return tracker, backend


def _subset(fit, mask, task):
    """A fit's predictions on the masked test rows (None for a failed fit)."""
    if fit.error is not None or fit.y_pred is None:
        return None
    if task == "classification":
        return (fit.y_pred[mask], None if fit.scores is None else fit.scores[mask])
    return fit.y_pred[mask]


def group_effect(dataset, feature: str, group: str, shifted_fits, baseline_fits, metric: str,
                 *, min_test_rows: int = MIN_GROUP_TEST_ROWS):
    """The change of ``metric`` on the group's own test rows: (Effect or None, note or None).

    :func:`distviz.stats.paired_delta` on the subset of test rows in the group (paired by
    seed; the bootstrap resamples those rows). Below ``min_test_rows`` the delta is given
    without an interval."""
    labels = dataset.group_labels(feature, dataset.X_test).to_numpy()
    mask = labels == group
    n = int(mask.sum())
    if n == 0:
        return None, "no test rows in this group"
    task = dataset.task_name
    shifted = {f.seed: _subset(f, mask, task) for f in shifted_fits}
    baseline = {f.seed: _subset(f, mask, task) for f in baseline_fits}
    classification = dataset.is_classification
    effects = paired_delta(dataset.y_test[mask], shifted, baseline, task=task,
                           n_classes=len(dataset.classes) if classification else 0,
                           positive=dataset.positive_index if classification else None,
                           metrics=[metric])
    effect = effects.get(metric)
    if effect is None:
        return None, "no paired fits"
    if n < min_test_rows:
        return effect, (f"only {n} test rows: the change is given without an interval "
                        f"(at least {min_test_rows} needed)")
    if effect.n_seeds < 2:
        return effect, "one paired seed: no interval"
    return effect, None


def _finite(x):
    return None if x is None or not math.isfinite(x) else float(x)


def _cells(run, feature, group, metric, test_rows, min_test_rows) -> list[Cell]:
    dataset, spec = run.dataset, run.spec
    before = run.shift.groups_before.get(group, 0)
    after = run.shift.groups_after.get(group, 0)
    out = []
    for a in run.algorithms:
        cell = Cell(feature, group, float(spec.ratio), a.algorithm, metric, int(before),
                    int(after), int(test_rows), seeds=a.n_seeds, error=a.error)
        if a.metrics and a.baseline and a.delta:
            cell.baseline, cell.shifted = _finite(a.baseline[metric]), _finite(a.metrics[metric])
            cell.delta = _finite(a.delta[metric])
        if a.ci95 is not None and a.significant and a.significant.get(metric) is not None:
            cell.ci95 = [float(v) for v in a.ci95[metric]]
            cell.p_value = _finite(a.p_value[metric])
            cell.verdict = a.verdict[metric]
        call = (a.practical_calls or {}).get(metric)
        if call is not None and call.call is not None:
            cell.practical, cell.detectable = call.call, call.detectable
            cell.min_effect, cell.to_detect = call.min_effect, call.to_detect()
        effect, note = group_effect(dataset, feature, group, a.fits, a.baseline_fits, metric,
                                    min_test_rows=min_test_rows)
        cell.group_note = note
        if effect is not None:
            cell.group_baseline, cell.group_shifted = _finite(effect.baseline), \
                _finite(effect.shifted)
            cell.group_delta = _finite(effect.delta)
            if note is None and math.isfinite(effect.low) and math.isfinite(effect.high):
                cell.group_ci95 = [effect.low, effect.high]
                cell.group_p_value = _finite(effect.p_value)
                cell.group_verdict = effect.verdict
            elif note is None:
                cell.group_note = "the interval cannot be computed (e.g. a constant metric)"
        out.append(cell)
    return out


def advise(loop, *, features: Sequence[str] | None = None, top: int = 3,
           method: str = "gini", ratios: Sequence[float] = DEFAULT_ADVISE_RATIOS,
           upsampler: str = "random", class_balance: str = "none",
           min_rows: int = MIN_SHIFT_ROWS, min_test_rows: int = MIN_GROUP_TEST_ROWS,
           alpha: float = 0.05, scheduler: str | None = None,
           progress: Progress | None = None) -> Advice:
    """Where would more or fewer rows of a group help, and which model?

    Parameters
    ----------
    loop : ModelLoop
        Its dataset, algorithms, repeats (seeds), seed, budgets and cache are used; a disk
        cache makes a re-run (or an interrupted run) resume from what is computed.
    features : list of str, optional
        Features whose groups are shifted; default the ``top`` ranked by ``method``.
    ratios : list of float
        Non-zero ratios in [-1, loop.max_ratio]; default halve (-0.5) and double (+1).
    min_rows : int
        Groups with fewer training rows are reported in ``skipped`` (a ratio that changes
        none of a group's rows is skipped too).
    min_test_rows : int
        ``group_delta`` gets an interval only with at least this many test rows in the group.
    alpha : float
        False-discovery rate of the Benjamini–Hochberg step over all cells with an interval.
    scheduler : str, optional
        None: this machine's process pool (one prefetch of every fit, so no worker idles);
        "local" or "tcp://HOST:PORT": a Dask cluster, exactly as ``distviz sweep``.
    progress : callable, optional
        ``progress(done, total, fit)`` over the distinct fits (baseline included).

    Returns
    -------
    Advice
        ``cells`` (feature, group, ratio, algorithm order), ``skipped``, ``advice``.
    """
    started = time.perf_counter()
    dataset = loop.dataset
    if dataset is None:
        raise UsageError("the model loop has no dataset; set ModelLoop.dataset first.")
    if not 0 < alpha < 1:
        raise UsageError(f"the false-discovery rate must lie in (0, 1), got {alpha}.")
    chosen, values, entries, skipped = plan_advice(
        loop, features=features, top=top, method=method, ratios=ratios, upsampler=upsampler,
        class_balance=class_balance, min_rows=min_rows)
    notes = []
    cells: list[Cell] = []
    fits = computed = 0
    backend = "local"
    if entries:
        tracker, backend = _fit_everything(loop, entries, scheduler, progress)
        cells = cells_of(loop, entries, min_test_rows=min_test_rows, progress=tracker)
        fits, computed = tracker.total, len(tracker.fresh)
    else:
        notes.append("no group could be shifted at these ratios; see skipped.")
    judge(cells, dataset.headline_metric, alpha=alpha)
    if cells and not any(c.p_adjusted is not None for c in cells):
        notes.append("no cell has an interval (one seed, or failed fits): no advice; run "
                     "with --repeats 2 or more.")
    return Advice(dataset, dataset.headline_metric, chosen, values,
                  [a.name for a in loop.resolved_algorithms()], loop.repeats, alpha, cells,
                  skipped, fits, computed, time.perf_counter() - started, backend, notes,
                  loop.min_effects(),
                  settings=loop.stated_settings())


def plan_advice(loop, *, features: Sequence[str] | None = None, top: int = 3,
                method: str = "gini", ratios: Sequence[float] = DEFAULT_ADVISE_RATIOS,
                upsampler: str = "random", class_balance: str = "none",
                min_rows: int = MIN_SHIFT_ROWS):
    """What :func:`advise` shifts: (features, ratios, entries, skipped); ``entries`` are
    (feature, group, specs) in feature, group, ratio order."""
    dataset = loop.dataset
    chosen = resolve_features(dataset, features, top=top, method=method,
                              random_state=loop.random_state)
    values = resolve_ratios(ratios, max_ratio=loop.max_ratio)
    entries, skipped = plan(dataset, chosen, values, upsampler=upsampler,
                            class_balance=class_balance, min_rows=min_rows,
                            max_ratio=loop.max_ratio)
    return chosen, values, entries, skipped


def cells_of(loop, entries, *, min_test_rows: int = MIN_GROUP_TEST_ROWS,
             progress: Progress | None = None) -> list[Cell]:
    """The cells of ``entries`` for the loop's algorithms, read through :meth:`ModelLoop.run`
    (instant once :meth:`ModelLoop.prefetch` has fitted them); not yet judged (:func:`judge`)."""
    dataset = loop.dataset
    metric = dataset.headline_metric
    test_rows, cells = {}, []
    for feature, group, specs in entries:
        if feature not in test_rows:
            table = dataset.groups(feature)
            test_rows[feature] = dict(zip(table["group"], table["test_rows"]))
        for spec in specs:
            run = loop.run(spec, progress=progress)
            cells += _cells(run, feature, group, metric, test_rows[feature].get(group, 0),
                            min_test_rows)
    return cells


def judge(cells: Sequence[Cell], metric: str, *, alpha: float = 0.05) -> None:
    """Benjamini–Hochberg over every cell with an interval, in place: ``p_adjusted`` and
    ``verdict_bh`` (the family is ``cells``: judge them all together)."""
    judged = [c for c in cells if c.p_value is not None and math.isfinite(c.p_value)]
    for c in cells:
        c.p_adjusted = c.verdict_bh = None
    if judged:
        adjusted = adjusted_p_values([c.p_value for c in judged])
        for c, p in zip(judged, adjusted):
            c.p_adjusted = float(p)
            c.verdict_bh = verdict(metric, c.delta, bool(p <= alpha))


# ---------------------------------------------------------------------------- curves
@dataclass
class CurvePoint:
    """The headline metric at one ratio: its mean over seeds with its interval
    (:meth:`distviz.stats.ScoreBoard.level`) and its paired change against ratio 0."""

    ratio: float
    value: float
    low: float
    high: float
    delta: float
    delta_low: float
    delta_high: float
    verdict: str

    def to_dict(self) -> dict:
        return asdict(self)


@dataclass
class Curve:
    """One algorithm's response curve and its shape (see :func:`response_curve`)."""

    algorithm: str
    metric: str
    points: list[CurvePoint]
    shape: str
    best_ratio: float | None
    reason: str

    def to_dict(self) -> dict:
        return {"algorithm": self.algorithm, "metric": self.metric,
                "points": [p.to_dict() for p in self.points], "shape": self.shape,
                "best_ratio": self.best_ratio, "reason": self.reason}


def response_curve(loop, feature: str, group: str, ratios: Sequence[float], *,
                   upsampler: str = "random", class_balance: str = "none",
                   alpha: float = 0.05, progress: Progress | None = None) -> dict[str, Curve]:
    """For one group: the headline metric against the ratio, per algorithm, with a shape.

    Ratio 0 (the baseline) is always added. Every point is the metric's mean over the loop's
    seeds with its 95 % interval (:meth:`ScoreBoard.level`: seed + resampling draw + test
    sample) and its paired change against ratio 0.

    The shape rule. For one algorithm, every pair of ratios ``(a, b)`` is compared, paired by
    seed on the same test rows (:meth:`ScoreBoard.effect`, exactly
    :func:`distviz.stats.paired_delta`), and the p-values of all pairs of that curve are
    adjusted together with Benjamini–Hochberg at ``alpha``; "a beats b" means the adjusted
    pair is beyond the noise in a's favour (direction-aware: lower RMSE / MAE is better).
    With ``lo`` / ``hi`` the smallest / largest ratio and ``best`` the ratio with the best mean:

    1. **flat** (within the noise): no pair differs.
    2. **peaked** at ``best``: ``best`` is interior (neither ``lo`` nor ``hi``) and beats both
       ``lo`` and ``hi``; ``best_ratio`` states it.
    3. **rising**: ``hi`` beats ``lo``. **falling**: ``lo`` beats ``hi``.
    4. **irregular**: some pair differs but none of the above holds (e.g. a dip in the middle
       with equal ends).

    Needs two seeds or more (with one there is no interval: every curve is ``flat`` with the
    reason saying so). Returns a dict algorithm -> :class:`Curve`, in the loop's order.
    """
    dataset = loop.dataset
    dataset.check_feature(feature)
    dataset.check_group(feature, group)
    values = sorted({float(r) + 0.0 for r in ratios} | {0.0})
    specs = [ShiftSpec(feature, group, r, upsampler, class_balance) for r in values]
    for spec in specs:
        validate_spec(dataset, spec, max_ratio=loop.max_ratio)
    loop.prefetch(specs, progress=progress)
    runs = {spec.ratio: loop.run(spec) for spec in specs}
    metric = dataset.headline_metric
    sets = {}
    for r, run in runs.items():
        for a in run.algorithms:
            sets[(a.algorithm, r)] = {f.seed: f for f in a.fits}
    classification = dataset.is_classification
    board = ScoreBoard(dataset.y_test, sets, task=dataset.task_name, metrics=[metric],
                       n_classes=len(dataset.classes) if classification else 0,
                       positive=dataset.positive_index if classification else None)
    return {name: curve_shape(board, name, values, metric, alpha=alpha)
            for name in [a.name for a in loop.resolved_algorithms()]}


def curve_shape(board: ScoreBoard, algorithm: str, ratios: Sequence[float], metric: str, *,
                alpha: float = 0.05) -> Curve:
    """One algorithm's :class:`Curve` from a ScoreBoard whose labels are ``(algorithm, ratio)``
    (ratio 0 is the baseline the points' deltas are paired with); the shape rule is
    :func:`response_curve`'s."""
    sign = -1.0 if metric in LOWER_IS_BETTER else 1.0
    nan = float("nan")
    points = []
    for r in sorted(float(x) + 0.0 for x in ratios):
        level = board.level((algorithm, r)).get(metric)
        if level is None:
            points.append(CurvePoint(r, nan, nan, nan, nan, nan, nan, "within noise"))
            continue
        effect = board.effect((algorithm, r), (algorithm, 0.0)).get(metric) if r != 0 else None
        if r == 0:
            points.append(CurvePoint(r, level.value, level.low, level.high, 0.0, 0.0, 0.0,
                                     "within noise"))
        elif effect is None:
            points.append(CurvePoint(r, level.value, level.low, level.high, nan, nan, nan,
                                     "within noise"))
        else:
            points.append(CurvePoint(r, level.value, level.low, level.high, effect.delta,
                                     effect.low, effect.high,
                                     effect.verdict if effect.n_seeds >= 2 else "within noise"))
    return _shape(algorithm, metric, points, board, sign, alpha)


def _shape(name, metric, points, board, sign, alpha) -> Curve:
    scored = [p for p in points if math.isfinite(p.value)]
    if len(scored) < 2:
        return Curve(name, metric, points, "flat", None, "fewer than two ratios were scored")
    pairs, p_values = [], []
    for i, a in enumerate(scored):
        for b in scored[i + 1:]:
            effect = board.effect((name, b.ratio), (name, a.ratio)).get(metric)
            if effect is None or effect.n_seeds < 2 or not math.isfinite(effect.p_value):
                continue
            pairs.append((a.ratio, b.ratio, sign * effect.delta))
            p_values.append(effect.p_value)
    best = max(scored, key=lambda p: sign * p.value).ratio
    if not pairs:
        return Curve(name, metric, points, "flat", best,
                     "no interval (one seed): nothing is beyond the noise")
    adjusted = adjusted_p_values(p_values)
    beats = set()  # (winner, loser)
    for (a, b, gain), p in zip(pairs, adjusted):
        if p <= alpha and gain != 0:
            beats.add((b, a) if gain > 0 else (a, b))
    lo, hi = scored[0].ratio, scored[-1].ratio
    if not beats:
        return Curve(name, metric, points, "flat", best,
                     f"no two ratios differ beyond the noise (BH over {len(pairs)} pairs)")
    if best not in (lo, hi) and (best, lo) in beats and (best, hi) in beats:
        return Curve(name, metric, points, "peaked", best,
                     f"ratio {best:+g} beats both ends ({lo:+g}, {hi:+g}) beyond the noise")
    if (hi, lo) in beats:
        return Curve(name, metric, points, "rising", best,
                     f"ratio {hi:+g} beats {lo:+g} beyond the noise")
    if (lo, hi) in beats:
        return Curve(name, metric, points, "falling", best,
                     f"ratio {lo:+g} beats {hi:+g} beyond the noise")
    return Curve(name, metric, points, "irregular", best,
                 "some ratios differ beyond the noise, but neither end beats the other and no "
                 "interior ratio beats both ends")


def curve_sentence(feature: str, group: str, curve: Curve) -> str:
    label = metric_label(curve.metric)
    where = f"{curve.algorithm}'s {label} against the share of {feature} = {group}"
    if curve.shape == "peaked":
        return f"{where}: peaked at ratio {curve.best_ratio:+g} ({curve.reason})"
    if curve.shape == "flat":
        return f"{where}: flat within the noise ({curve.reason})"
    return f"{where}: {curve.shape} ({curve.reason})"
