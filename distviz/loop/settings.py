"""The loop's settings in one object: what to fit, how often, on how many rows, where.

Everything that is part of a cache key is a setting, so a loop derived with
:meth:`LoopSettings.clone` finds every result the original computed. The seeds and the
training-row budget not given by the caller follow the settings policy for the dataset
(:mod:`distviz.loop.policy`, docs/semantics.md, 11).
"""

from __future__ import annotations

import param

from .. import models
from ..stats.seeds import REPEATS_SMALL
from ..shift.spec import MAX_RATIO
from ..stats import MinEffect
from .cache import ResultCache
from .executor import FitExecutor, default_n_jobs
from .policy import ADAPTIVE_SEEDS, FIRST_SEED, LOOP_SETTINGS, TRAIN_ROWS, settings_for


class LoopSettings(param.Parameterized):
    """How the model loop runs. :class:`~distviz.loop.ModelLoop` is a LoopSettings."""

    algorithms = param.List(default=list(models.DEFAULT_ALGORITHMS), item_type=str, doc="""
        Registry names of the algorithms to compare.""")

    repeats = param.Integer(default=REPEATS_SMALL, bounds=(1, 50), softbounds=(1, 10), doc="""
        Seeds per state; with more than one, every delta gets a 95 % interval. Unless given:
        the settings policy's for the dataset (5 up to 20,000 training rows, 3 above).""")

    adaptive_seeds = param.Boolean(default=ADAPTIVE_SEEDS, doc="""
        A shifted state fits its first seeds (two fewer, at least two) and the rest only for
        the algorithms whose call more seeds may change (distviz.stats.seeds); False: every
        seed. Unless given: the settings policy's (True). Never part of a cache key.""")

    random_state = param.Integer(default=FIRST_SEED, doc="""
        First seed; repeat k uses random_state + k for resampling and for the models. Unless
        given: the settings policy's (0).""")

    n_jobs = param.Integer(default=default_n_jobs(), bounds=(1, None), doc="""
        Parallel fits (worker processes). 1 fits inline in this process.""")

    cluster = param.String(default=None, allow_None=True, doc="""
        Fit on a dask cluster: 'local' (a LocalCluster of two workers) or a scheduler's
        address such as tcp://HOST:PORT; None fits in this process's pool. The numbers are the
        same either way; if the cluster goes away, the fits run locally.""")

    max_train_rows = param.Integer(default=TRAIN_ROWS, allow_None=True, bounds=(100, None),
                                   doc="""
        A training-row budget for every algorithm (fits on more rows use a seeded, stratified
        sample of them); None: none. Unless given: the settings policy's (10,000).""")

    lift_budgets = param.Boolean(default=False, doc="""
        Fit every algorithm on all training rows and score every test row, ignoring
        training-row and test-row budgets.""")

    time_budget = param.Number(default=None, allow_None=True, bounds=(0.1, None), doc="""
        Seconds one fit may run (parallel mode) before it is reported as an error.""")

    shifted_test = param.Boolean(default=False, doc="""
        Also score on the test set shifted the same way (the group's test rows weighted by
        1 + ratio): "what if deployment shifts too".""")

    max_ratio = param.Number(default=MAX_RATIO, bounds=(0.0, 20.0), doc="""
        Largest up-sampling ratio.""")

    min_effect = MinEffect(default=None, doc="""
        The smallest change that matters, for the practical calls (better / worse /
        negligible / equivalent / inconclusive): None for the defaults (0.01 for every
        classification metric and R², 1 % of a constant prediction's error for RMSE / MAE;
        docs/noise.md), a number for the headline metric, or {metric: number}. It changes
        judgments only: never a fit, never a cache key.""")

    cache = param.ClassSelector(class_=ResultCache, default=None, allow_None=True, doc="""
        The result cache; None: a loop makes its own (in memory). Clones share it.""")

    executor = param.ClassSelector(class_=FitExecutor, default=None, allow_None=True, doc="""
        Where fits run (the local pool or a dask cluster, shared fits in flight, measured
        costs, a user's run before prefetches); None: a loop makes its own. Clones share it.""")

    def __init__(self, **params):
        super().__init__(**params)
        # The policy's settings the caller has not set (given now, or set later).
        self._from_policy = set(LOOP_SETTINGS) - set(params)
        self._policy_data: tuple | None = None  # the dataset the policy was last applied for
        self._applying_policy = False
        self.param.watch(self._taken_over, list(LOOP_SETTINGS))

    @property
    def from_policy(self) -> frozenset:
        """The settings that follow the policy (those the caller has not set)."""
        return frozenset(self._from_policy)

    def _taken_over(self, event) -> None:
        if not self._applying_policy:
            self._from_policy.discard(event.name)

    def follow_policy(self, dataset) -> bool:
        """Set the settings the caller has not set to the policy's for ``dataset``, once per
        dataset; True when one changed."""
        key = (id(dataset), getattr(dataset, "fingerprint", None))
        if dataset is None or key == self._policy_data:
            return False
        self._policy_data = key
        chosen = {name: value for name, value in settings_for(dataset).loop_settings().items()
                  if name in self._from_policy and getattr(self, name) != value}
        if not chosen:
            return False
        self._applying_policy = True
        try:
            self.param.update(**chosen)
        finally:
            self._applying_policy = False
        return True

    @classmethod
    def setting_names(cls) -> list[str]:
        """The names of the settings (every parameter of LoopSettings but ``name``)."""
        return [name for name in LoopSettings.param if name != "name"]

    def settings(self, *, portable: bool = False) -> dict:
        """The settings as a dict; ``portable`` leaves out what cannot travel to another
        process (the cache, the executor, the worker count, the cluster) and makes lists tuples
        (hashable)."""
        values = {name: getattr(self, name) for name in self.setting_names()}
        if portable:
            values.pop("cache")
            values.pop("executor")
            values.pop("n_jobs")
            values.pop("cluster")
            values["algorithms"] = tuple(values["algorithms"])
            if isinstance(values["min_effect"], dict):
                values["min_effect"] = tuple(sorted(values["min_effect"].items(), key=str))
        return values

    def clone(self, **overrides) -> "LoopSettings":
        """A new object of the same type with the same settings, except ``overrides``."""
        return self._inherit(type(self)(**{**self.settings(), **overrides}), overrides)

    def _inherit(self, twin: "LoopSettings", overrides: dict) -> "LoopSettings":
        """``twin`` (a clone) follows the policy where this object does, except ``overrides``."""
        twin._from_policy = self._from_policy - set(overrides)
        twin._policy_data = self._policy_data
        return twin
