"""An instant estimate of a shift nobody has trained yet, from the ratios that are trained.

When the slider lands on a ratio whose fits are not in the cache, the dashboard shows at once
what the neighbouring ratios of the same feature and group (same up-sampler and class balance,
same seeds) suggest, per algorithm, until the real retrain replaces it. Nothing here fits a
model: :func:`known_points` reads the loop's cache only, :func:`estimate` is arithmetic.

The rule (:func:`estimate`; its accuracy is measured in ``benchmarks/bench_advise.py``):

- **interpolated**: the change against the baseline is read off the straight line between the
  nearest trained ratio below and the nearest above (ratio 0, the baseline, is always trained
  and changes nothing);
- **nearest**: beyond the trained ratios, the change of the nearest trained ratio other than 0;
- no estimate when only the baseline is trained on the side the ratio lies, nor with class
  balance (then ratio 0 is not the baseline).

Its noise is the neighbours': the half-width of their 95 % intervals (interpolated between two
shifted neighbours; the shifted one's when the other is the baseline, since the noise of a
retrain does not vanish near ratio 0). The estimate's verdict is "better" or "worse" only when
that band excludes 0. It is a guess about a retrain, not a measurement of one, and every view
labels it as an estimate.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass

from .stats.effects import verdict as verdict_of
from .shift.spec import ShiftSpec

METHODS = ("interpolated", "nearest")


@dataclass(frozen=True)
class KnownPoint:
    """One trained ratio of one algorithm: its mean change of the metric against the baseline
    with the 95 % interval (None with one seed), and the baseline's mean value."""

    ratio: float
    delta: float
    low: float | None = None
    high: float | None = None
    baseline: float | None = None

    @property
    def half_width(self) -> float | None:
        if self.low is None or self.high is None or not (math.isfinite(self.low)
                                                          and math.isfinite(self.high)):
            return None
        return (self.high - self.low) / 2


@dataclass(frozen=True)
class Estimate:
    """The estimated change of ``metric`` at ``ratio`` for one algorithm (see the module
    docstring): ``low``/``high`` are ``delta`` plus or minus the neighbours' noise (None when
    they have no interval), ``value`` the baseline plus ``delta``; ``sources`` are the trained
    ratios it was read from."""

    algorithm: str
    metric: str
    ratio: float
    delta: float
    low: float | None
    high: float | None
    value: float | None
    verdict: str
    method: str
    sources: tuple[float, ...]

    def to_dict(self) -> dict:
        return asdict(self)


def estimate(points: Sequence[KnownPoint], ratio: float, *, algorithm: str = "",
             metric: str = "f1") -> Estimate | None:
    """The change at ``ratio`` estimated from trained ``points`` (ratio 0 is added when
    missing: the baseline changes nothing); None when no shifted ratio lies on its side.

    >>> e = estimate([KnownPoint(1.0, 0.04, 0.02, 0.06)], 0.5)
    >>> round(e.delta, 3), e.method, e.sources
    (0.02, 'interpolated', (0.0, 1.0))
    """
    ratio = float(ratio)
    by_ratio = {float(p.ratio): p for p in points if math.isfinite(p.delta)}
    baseline = next((p.baseline for p in by_ratio.values() if p.baseline is not None), None)
    by_ratio.setdefault(0.0, KnownPoint(0.0, 0.0, 0.0, 0.0, baseline))
    if ratio in by_ratio:
        return None  # trained: nothing to estimate
    below = [r for r in by_ratio if r < ratio]
    above = [r for r in by_ratio if r > ratio]
    if below and above:
        a, b = by_ratio[max(below)], by_ratio[min(above)]
        share = (ratio - a.ratio) / (b.ratio - a.ratio)
        delta = a.delta + share * (b.delta - a.delta)
        if _is_baseline(a) or _is_baseline(b):
            half = (b if _is_baseline(a) else a).half_width
        elif a.half_width is not None and b.half_width is not None:
            half = a.half_width + share * (b.half_width - a.half_width)
        else:
            half = None
        method, sources = "interpolated", (a.ratio, b.ratio)
    else:
        nearest = by_ratio[max(below) if below else min(above)]
        if _is_baseline(nearest):
            return None  # only the baseline lies on this side: nothing to go by
        delta, half = nearest.delta, nearest.half_width
        method, sources = "nearest", (nearest.ratio,)
    low, high = (None, None) if half is None else (delta - half, delta + half)
    beyond = low is not None and (low > 0 or high < 0)
    value = None if baseline is None else baseline + delta
    return Estimate(algorithm, metric, ratio, float(delta), low, high, value,
                    verdict_of(metric, delta, beyond), method, sources)


def _is_baseline(point: KnownPoint) -> bool:
    """The baseline itself: ratio 0 without class balance changes nothing, with no noise."""
    return point.ratio == 0 and point.half_width == 0


# ---------------------------------------------------------------------------- the cache
def cached_fits(loop, spec: ShiftSpec, algorithm) -> dict | None:
    """The fits of ``algorithm`` on ``spec``'s training set and the baseline's that its summary
    uses (:meth:`ModelLoop.seeds_for`: with adaptive seeds, the first seeds and the rest only
    where they may change the call), from the loop's cache (keyed as
    :meth:`ModelLoop.summarize` wants), or None if any is missing."""
    cache, fits = loop.result_cache, {}

    def fetch(seeds) -> bool:
        for state in (spec, spec.baseline()):
            for seed in seeds:
                key = (state.training_key(), algorithm.name, seed)
                if key not in fits:
                    fit = cache.get(loop.cache_key(state, algorithm, seed))
                    if fit is None:
                        return False
                    fits[key] = fit
        return True
    if not fetch(loop.first_seeds(spec)):
        return None
    return fits if fetch(loop.seeds_for(spec, algorithm, fits)) else None


def is_trained(loop, spec: ShiftSpec) -> bool:
    """Whether every algorithm x seed of ``spec`` (and its baseline) is in the cache."""
    return all(cached_fits(loop, spec, a) is not None for a in loop.resolved_algorithms())


def trained_ratios(loop, spec: ShiftSpec, ratios: Sequence[float]) -> list[float]:
    """The ``ratios`` (spec's feature, group, up-sampler, class balance) whose fits are all
    cached for every algorithm, ascending; ratio 0 when the baseline is."""
    return sorted(r for r in {float(r) + 0.0 for r in ratios} | {0.0}
                  if is_trained(loop, spec.at(r)))


def known_points(loop, spec: ShiftSpec, algorithm, ratios: Sequence[float]) -> list[KnownPoint]:
    """The trained neighbours of ``spec.ratio`` among ``ratios`` for one algorithm: the nearest
    trained ratio below and above it (plus the baseline), read from the cache only."""
    metric = loop.dataset.headline_metric
    base = cached_fits(loop, spec.baseline(), algorithm)
    if base is None:
        return []
    summary = loop.summarize(algorithm.name, spec.baseline(), base)
    if not summary.ok:
        return []
    points = [KnownPoint(0.0, 0.0, 0.0, 0.0, summary.baseline[metric])]
    target = float(spec.ratio)
    for side in ([r for r in ratios if r < target], [r for r in ratios if r > target]):
        for ratio in sorted(side, key=lambda r: abs(r - target)):
            if ratio == 0:
                break  # the baseline is nearer than any shifted ratio on this side
            near = spec.at(ratio)
            fits = cached_fits(loop, near, algorithm)
            if fits is None:
                continue
            result = loop.summarize(algorithm.name, near, fits)
            if result.ok and result.delta and math.isfinite(result.delta[metric]):
                low, high = (result.ci95[metric] if result.ci95 is not None else (None, None))
                points.append(KnownPoint(float(ratio), result.delta[metric], low, high,
                                         result.baseline[metric]))
            break  # the nearest trained ratio on this side only
    return points


def preview(loop, spec: ShiftSpec, ratios: Sequence[float]) -> dict[str, Estimate]:
    """Per algorithm of the loop, the :class:`Estimate` at ``spec`` from the trained ratios
    among ``ratios`` (algorithms with no estimate are left out); {} when ``spec`` is trained,
    and with class balance (its ratio 0 is not the baseline, so the line has no anchor)."""
    if spec is None or spec.feature is None or spec.class_balance != "none" \
            or is_trained(loop, spec):
        return {}
    metric = loop.dataset.headline_metric
    out = {}
    for algorithm in loop.resolved_algorithms():
        found = estimate(known_points(loop, spec, algorithm, ratios), spec.ratio,
                         algorithm=algorithm.name, metric=metric)
        if found is not None:
            out[algorithm.name] = found
    return out
