"""Response curves: for one group, the headline metric against the ratio per algorithm, each
point with its interval, and the curve's shape (rising, falling, peaked, flat, irregular; the
rule is :func:`response_curve`'s and docs/semantics.md's)."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass

from ..stats.rows import on_common_rows_sets
from ..shift.spec import ShiftSpec
from ..shift.validation import validate_spec
from ..stats import ScoreBoard, adjusted_p_values
from ..tasks import LOWER_IS_BETTER

SHAPES = ("rising", "falling", "peaked", "flat", "irregular")

Progress = Callable[[int, int, object], None]


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
    y_true, sets = on_common_rows_sets(dataset.y_test, sets)
    board = ScoreBoard(y_true, sets, task=dataset.task_name, metrics=[metric],
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
