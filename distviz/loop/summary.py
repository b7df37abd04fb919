"""One algorithm's summary of a run: its mean metrics, the delta to the baseline and, with two
or more paired seeds, the delta's 95 % interval and verdict (docs/semantics.md, 5-6).

Pure functions of the fits and the frozen test set, so a partial run (any subset of the seeds)
is summarised the same way as a complete one.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace

import numpy as np

from ..data import Dataset
from ..metrics import score_classification, score_regression
from ..stats import paired_delta
from ..results import AlgorithmResult, RunResult, mean_metrics
from ..stats.rows import on_common_rows
from ..shift import ShiftSpec
from ..stats import judge_all


class EffectsMemo:
    """:func:`distviz.stats.paired_delta` of paired fits (seed -> (shifted, baseline)) on the
    test set, memoised on the identity of the prediction arrays.

    The memo holds the arrays it keyed on, so an id is never reused while its entry lives: a
    partial result, a revisited state or a re-summarised algorithm costs nothing the second
    time. Thread-safe (partial results are summarised from the loop's worker thread).
    """

    def __init__(self, size: int = 256):
        self.size = size
        self._memo: OrderedDict[tuple, tuple] = OrderedDict()
        self._lock = threading.Lock()

    def __call__(self, dataset: Dataset, pairs: dict) -> dict:
        key = (id(dataset.y_test), tuple((s, id(a.y_pred), id(b.y_pred), id(a.scores),
                                          id(b.scores)) for s, (a, b) in sorted(pairs.items())))
        with self._lock:
            hit = self._memo.get(key)
            if hit is not None:
                self._memo.move_to_end(key)
                return hit[0]
        classes = dataset.is_classification
        seeds = sorted(pairs)
        _, y_true, both = on_common_rows(dataset.y_test, [f for s in seeds for f in pairs[s]])
        effects = paired_delta(y_true, dict(zip(seeds, both[0::2])),
                               dict(zip(seeds, both[1::2])), task=dataset.task_name,
                               n_classes=len(dataset.classes) if classes else 0,
                               positive=dataset.positive_index if classes else None)
        with self._lock:
            self._memo[key] = (effects, dataset.y_test, pairs)
            while len(self._memo) > self.size:
                self._memo.popitem(last=False)
        return effects


def summarize(dataset: Dataset, seeds: list[int], name: str, spec: ShiftSpec, fits: dict, *,
              effects: EffectsMemo, shifted_test: bool = False,
              min_effect: dict[str, float] | None = None) -> AlgorithmResult:
    """One algorithm's summary from fits keyed by (training key, algorithm, seed).

    ``delta`` is the mean over paired seeds of the shifted-minus-baseline metrics (exactly
    scikit-learn's); ``effects`` (whence ``ci95``, ``significant``, ``p_value`` and
    ``verdict``) is :func:`distviz.stats.paired_delta` on the fits' predictions against the
    frozen test set (seed, resampling draw and test sample: docs/semantics.md, 6), and
    ``practical_calls`` (whence ``practical`` / ``detectable``) those intervals judged against
    ``min_effect`` (per metric; semantics 13). With fewer than two paired seeds there is no
    interval: those are None and ``note`` says so."""
    base_spec = spec.baseline()
    shifted = [fits[(spec.training_key(), name, s)] for s in seeds
               if (spec.training_key(), name, s) in fits]
    baseline = [fits[(base_spec.training_key(), name, s)] for s in seeds
                if (base_spec.training_key(), name, s) in fits]
    errors = [f.error for f in shifted + baseline if f.error]
    metrics, base = mean_metrics(shifted), mean_metrics(baseline)
    delta = found = note = None
    n_pairs = 0
    if metrics and base:
        by_seed = {b.seed: b for b in baseline if b.error is None and b.metrics}
        pairs = {f.seed: (f, by_seed[f.seed]) for f in shifted
                 if f.error is None and f.metrics and f.seed in by_seed}
        n_pairs = len(pairs)
        delta = {metric: float(np.mean([f.metrics[metric] - b.metrics[metric]
                                        for f, b in pairs.values()]))
                 if pairs else float("nan") for metric in metrics}
        if n_pairs >= 2:
            found = effects(dataset, pairs)
        else:
            note = (f"{n_pairs} paired seed{'s' if n_pairs != 1 else ''}: no interval; "
                    "the seed part of the noise needs at least two seeds.")
    calls = judge_all(found, min_effect, test_rows=_scored(shifted, dataset)) \
        if found is not None and min_effect else None
    result = AlgorithmResult(name, metrics, base, delta, shifted, baseline,
                             errors[0] if errors else None, effects=found, n_seeds=n_pairs,
                             note=note, practical_calls=calls, seeds_planned=len(seeds))
    if shifted_test and spec.feature and (spec.ratio != 0 or spec.is_mix):
        weights = shifted_test_weights(dataset, spec)
        result.metrics_shifted_test = weighted_metrics(dataset, shifted, weights)
        result.baseline_shifted_test = weighted_metrics(dataset, baseline, weights)
    return result


def rejudge(run: RunResult, min_effect: dict[str, float]) -> RunResult:
    """``run`` with every practical call judged against another ``min_effect``: the same fits
    and intervals (nothing is refitted or re-scored), new ``practical`` / ``detectable``."""
    algorithms = [replace(a, practical_calls=judge_all(a.effects, min_effect,
                                                       test_rows=_scored(a.fits, run.dataset)))
                  if a.effects is not None and a.n_seeds >= 2 else a for a in run.algorithms]
    return replace(run, algorithms=algorithms, min_effect=dict(min_effect))


def _scored(fits, dataset: Dataset) -> int:
    """The test rows the fits scored (all, unless a test-row budget sampled them)."""
    return fits[0].scored_rows(len(dataset.y_test)) if fits else len(dataset.y_test)


def shifted_test_weights(dataset: Dataset, spec: ShiftSpec) -> np.ndarray:
    """Test-row weights that shift the test set like the training set (group x (1 + ratio);
    a mix: each group's rows after over before)."""
    from ..shift.mix import deployment_weights
    return deployment_weights(dataset, spec)


def weighted_metrics(dataset: Dataset, fits, weights) -> dict[str, float] | None:
    """The fits' metrics on the test set weighted by ``weights``, averaged over seeds."""
    scored = []
    for f in fits:
        if f.error is not None:
            continue
        if dataset.is_classification:
            scored.append(score_classification(
                f.on_test(dataset.y_test), f.y_pred, f.scores, n_classes=len(dataset.classes),
                positive=dataset.positive_index, sample_weight=f.on_test(weights)))
        else:
            scored.append(score_regression(f.on_test(dataset.y_test), f.y_pred,
                                           sample_weight=f.on_test(weights)))
    if not scored:
        return None
    return {k: float(np.mean([s[k] for s in scored])) for k in scored[0]}
