"""Adaptive seeds (docs/semantics.md, 11): which seeds an algorithm's summary of a shifted state
uses. Its first seeds always; every seed where more may change the call on the headline metric
(:func:`distviz.stats.seeds.more_seeds_matter`, calibrated in ``benchmarks/bench_calibration.py``).
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict

from ..stats import default_min_effect
from ..stats.seeds import more_seeds_matter


class SeedChoice:
    """The seeds chosen per (seeds at most, the first fits' cache keys), decided once from the
    first fits: a function of those fits alone, so every surface and every cache state uses the
    same seeds. One per cache (:meth:`of`), shared by the loops that share it: clones, advise's
    per-algorithm loops, a server's sessions. Thread-safe (partial results are summarised from
    the loop's worker thread)."""

    #: Choices kept (least recently used dropped; one dropped is decided again, the same way).
    size = 50_000
    _per_cache: "weakref.WeakKeyDictionary" = weakref.WeakKeyDictionary()
    _per_cache_lock = threading.Lock()

    def __init__(self):
        self._chosen: OrderedDict[tuple, list[int]] = OrderedDict()
        self._lock = threading.Lock()

    @classmethod
    def of(cls, cache) -> "SeedChoice":
        """The choices made over ``cache``'s fits."""
        with cls._per_cache_lock:
            choice = cls._per_cache.get(cache)
            if choice is None:
                choice = cls._per_cache[cache] = cls()
        return choice

    def __call__(self, loop, spec, algorithm, fits: dict | None = None) -> list[int] | None:
        """:meth:`ModelLoop.seeds_for`: the seeds, or None while a first fit is missing from
        ``fits`` (keyed by (training key, algorithm, seed)) and the loop's cache."""
        first = loop.first_seeds(spec)
        if len(first) == len(loop.seeds):
            return loop.seeds
        places = [(state, seed) for state in (spec, spec.baseline()) for seed in first]
        keys = tuple(loop.cache_key(state, algorithm, seed) for state, seed in places)
        memo = (loop.repeats, keys)
        with self._lock:
            if memo in self._chosen:
                self._chosen.move_to_end(memo)
                return self._chosen[memo]
        found = {}
        for (state, seed), key in zip(places, keys):
            where = (state.training_key(), algorithm.name, seed)
            fit = (fits or {}).get(where) or loop.cache.get(key)
            if fit is None:
                return None
            found[where] = fit
        # The user's min_effect changes judgments only: the rule reads the default's.
        summary = loop.summarize(algorithm.name, spec, found, seeds=first, min_effect={})
        headline = loop.dataset.headline_metric
        effect = (summary.effects or {}).get(headline)
        bound = default_min_effect(loop.dataset.task_name, loop.dataset.y_test)[headline]
        more = effect is None or more_seeds_matter(effect, repeats=loop.repeats,
                                                   min_effect=bound)
        chosen = loop.seeds if more else first
        with self._lock:
            self._chosen[memo] = chosen
            while len(self._chosen) > self.size:
                self._chosen.popitem(last=False)
        return chosen


def first_items(loop, specs, algorithms) -> list[tuple]:
    """The (state, seed, algorithm) fits a prefetch of ``specs`` makes first: each spec's and
    its baseline's first seeds, once each."""
    items = OrderedDict()
    for spec in specs:
        for state in (spec, spec.baseline()):
            for seed in loop.first_seeds(spec):
                for algorithm in algorithms:
                    items.setdefault((state.training_key(), seed, algorithm.name),
                                     (state, seed, algorithm))
    return list(items.values())


class Extras:
    """The fits asked for as first fits land: once a (spec, algorithm)'s first fits are all in,
    its remaining seeds, for the spec and (``with_baseline``) its baseline, where
    :meth:`ModelLoop.seeds_for` wants them. Decided per algorithm as its fits land, so its extra
    seeds start while other algorithms' first fits still run."""

    def __init__(self, loop, specs, algorithms, *, with_baseline: bool = True):
        self.loop, self.with_baseline = loop, with_baseline
        self.algorithms = {algorithm.name: algorithm for algorithm in algorithms}
        self.specs = [spec for spec in specs
                      if len(loop.first_seeds(spec)) < len(loop.seeds)]
        self.touching: dict[tuple, list[int]] = {}  # training key -> specs it is part of
        for i, spec in enumerate(self.specs):
            for state in (spec, spec.baseline()):
                self.touching.setdefault(state.training_key(), []).append(i)
        self.undecided = {(i, name) for i in range(len(self.specs)) for name in self.algorithms}

    def __call__(self, fits: dict, landed) -> list[tuple]:
        """The (state, seed, algorithm) fits now asked for, given ``fits`` so far and the keys
        (training key, algorithm, seed) of those just ``landed``."""
        items = []
        for key, name, _ in landed:
            for i in self.touching.get(key, ()):
                if (i, name) not in self.undecided:
                    continue
                spec, algorithm = self.specs[i], self.algorithms[name]
                chosen = self.loop.seeds_for(spec, algorithm, fits)
                if chosen is None:  # a first fit still missing
                    continue
                self.undecided.discard((i, name))
                rest = chosen[len(self.loop.first_seeds(spec)):]
                states = (spec, spec.baseline()) if self.with_baseline else (spec,)
                items += [(state, seed, algorithm) for state in states for seed in rest]
        return items
