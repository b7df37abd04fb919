"""Running advise: every fit of the plan at once (:func:`~distviz.sweep.fitting.fit_plan`, the
sweep's path), each (group, ratio, algorithm) read back as a :class:`~distviz.advise.cells.Cell`
(the change on the whole test set, as ``distviz run``, and on the group's own test rows), then
judged together with Benjamini-Hochberg (:func:`judge`)."""

from __future__ import annotations

import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace

from ..errors import UsageError
from ..stats.rows import on_common_rows
from ..stats import adjusted_p_values, paired_delta, verdict
from ..stats.practical import practical_call
from ..sweep.fitting import fit_plan
from ..sweep.plan import DEFAULT_ADVISE_RATIOS, MIN_SHIFT_ROWS, Plan
from .cells import Advice, Cell

#: ``group_delta`` gets an interval only with at least this many of the group's test rows.
MIN_GROUP_TEST_ROWS = 10

Progress = Callable[[int, int, object], None]


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
    plan = Plan.for_advice(loop, features=features, top=top, method=method, ratios=ratios,
                           upsampler=upsampler, class_balance=class_balance, min_rows=min_rows)
    notes = []
    cells: list[Cell] = []
    fits = computed = 0
    backend = "local"
    if plan.rows:
        tracker, backend = fit_plan(loop, plan, scheduler=scheduler, progress=progress)
        cells = cells_of(loop, plan, min_test_rows=min_test_rows, progress=tracker)
        fits, computed = tracker.total, len(tracker.fresh)
    else:
        notes.append("no group could be shifted at these ratios; see skipped.")
    judge(cells, dataset.headline_metric, alpha=alpha)
    if cells and not any(c.p_adjusted is not None for c in cells):
        notes.append("no cell has an interval (one seed, or failed fits): no advice; run "
                     "with --repeats 2 or more.")
    return Advice(dataset, dataset.headline_metric, plan.features, plan.ratios,
                  [a.name for a in loop.resolved_algorithms()], loop.repeats, alpha, cells,
                  plan.skipped, fits, computed, time.perf_counter() - started, backend, notes,
                  loop.min_effects(),
                  settings=loop.stated_settings())


def cells_of(loop, plan, *, min_test_rows: int = MIN_GROUP_TEST_ROWS,
             progress: Progress | None = None) -> list[Cell]:
    """The cells of ``plan`` (a :class:`~distviz.sweep.plan.Plan`, or its rows: (feature,
    group, specs)) for the loop's algorithms, read through :meth:`ModelLoop.run` (instant once
    :func:`~distviz.sweep.fitting.fit_plan` has fitted them); not yet judged (:func:`judge`)."""
    dataset = loop.dataset
    metric = dataset.headline_metric
    test_rows, cells = {}, []
    for feature, group, specs in plan:
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
            if not c.beyond_noise and c.practical in ("better", "worse", "negligible"):
                # Beyond the noise for one cell alone, not among all of them: the call says so.
                c.practical = practical_call(metric, *c.ci95, c.min_effect, beyond=False)


def rejudge(advice: Advice, min_effect: Mapping[str, float]) -> Advice:
    """``advice`` with its cells' practical calls judged against another smallest change that
    matters (per metric): the same intervals and Benjamini–Hochberg verdicts, nothing refitted
    (the dashboard's map when the page's min_effect changes).

    A re-judged cell keeps ``detectable`` (its interval's half-width: what the run can detect
    does not depend on min_effect) but its ``to_detect`` is None: the test rows or seeds that
    would bring that half-width down to the new min_effect depend on how the interval's
    variance splits between the test sample and the seeds (``Effect.se_test`` against
    ``Effect.se``, :func:`distviz.stats.practical.judge`), which a cell does not keep. The page
    shows ``detectable``, never ``to_detect``; ``distviz advise --json`` judges at its own
    ``--min-effect`` and gives ``to_detect`` in full."""
    m = min_effect.get(advice.metric)
    if m is None or (advice.min_effect or {}).get(advice.metric) == m:
        return advice
    cells = []
    for c in advice.cells:
        if c.practical is not None and c.ci95 is not None:
            c = replace(c, min_effect=float(m), to_detect=None)
            beyond = c.beyond_noise if c.verdict_bh is not None else None  # judged among all cells
            c.practical = practical_call(c.metric, *c.ci95, float(m), beyond=beyond)
        cells.append(c)
    return replace(advice, cells=cells, min_effect=dict(min_effect))


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
    # Under a test-row budget, the group's rows among those the fits scored.
    shifted_fits, baseline_fits = list(shifted_fits), list(baseline_fits)
    rows, y_true, fits = on_common_rows(dataset.y_test, shifted_fits + baseline_fits)
    mask = (labels if rows is None else labels[rows]) == group
    n = int(mask.sum())
    if n == 0:
        return None, "no test rows in this group"
    task = dataset.task_name
    shifted = {f.seed: _subset(f, mask, task) for f in fits[:len(shifted_fits)]}
    baseline = {f.seed: _subset(f, mask, task) for f in fits[len(shifted_fits):]}
    classification = dataset.is_classification
    effects = paired_delta(y_true[mask], shifted, baseline, task=task,
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
        e = (a.effects or {}).get(metric)
        if e is not None and math.isfinite(e.low) and math.isfinite(e.high):
            cell.ci95 = [float(e.low), float(e.high)]
            cell.p_value, cell.verdict = _finite(e.p_value), e.verdict
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

