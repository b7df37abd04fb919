"""Sweeps: the model loop over features x groups x ratios x algorithms x repeats, as a tidy table.

A sweep runs locally through a :class:`~distviz.loop.ModelLoop` (its process pool and its cache),
or on a ``dask.distributed`` cluster: a LocalCluster (``scheduler="local"``) or an existing one
(``scheduler="tcp://HOST:PORT"``). On Dask every (training set, seed) is one task that builds the
shifted training set and fits every algorithm inside the worker with the very same code path as
the local loop (a one-process ModelLoop), so the same seeds give the same table on every backend.
Either way each fit lands in the caller's result cache as soon as it is known: a re-run is served
from the cache and an interrupted sweep resumes where it stopped.
"""

from __future__ import annotations

import numbers
import time
from dataclasses import dataclass, replace

import numpy as np
import pandas as pd
import param

from .. import metrics, models
from ..data import Dataset
from ..errors import UsageError
from ..importance import METHODS, choose_features
from ..loop import ModelLoop
from ..loop.policy import FIRST_SEED
from ..stats.rows import on_common_rows_sets
from ..shift import CLASS_BALANCES, UPSAMPLERS
from ..shift.spec import DEFAULT_RATIOS, MAX_RATIO
from ..shift.validation import validate_spec
from ..stats import ScoreBoard
from .dask import check_scheduler
from .fitting import FitTracker, Progress, fit_plan
from .plan import Plan, PlannedGroup

KEY_COLUMNS = ["feature", "group", "ratio", "algorithm", "repeat"]


@dataclass
class SweepStats:
    """What the last run of a sweep did."""

    fits: int = 0
    computed: int = 0
    cached: int = 0
    seconds: float = 0.0
    backend: str = "local"
    #: The settings used (distviz.loop.policy.stated): seeds, budgets, rows, test rows.
    settings: dict | None = None


class Sweep(param.Parameterized):
    """The model loop over a grid: features x groups x ratios x algorithms x repeats.

    Each feature is shifted in one group (default: its smallest), at every ratio; ratio 0 is the
    baseline. :meth:`run` returns one row per (feature, group, ratio, algorithm, repeat) with
    every metric, its change against the baseline of the same seed (``delta_<metric>``), the fit
    time and the training rows, and the cell's intervals from :mod:`distviz.stats` (seed,
    resampling draw and test sample; see ``_rows``): of the change, of the metric itself and of
    the cell leader's lead over each algorithm.

    Examples
    --------
    >>> sweep = Sweep(dataset=Dataset(source="titanic"), features=["sex"], ratios=[-0.5, 0, 1],
    ...               algorithms=["logistic_regression"], repeats=2)
    >>> table = sweep.run()  # doctest: +SKIP
    >>> len(table)  # doctest: +SKIP
    6
    """

    dataset = param.ClassSelector(class_=Dataset, default=None, allow_None=True, doc="""
        The dataset; default the dataset of ``loop``.""")

    features = param.List(default=None, allow_None=True, item_type=str, doc="""
        Features to shift, in order; None takes the ``top`` features by ``method``.""")

    top = param.Integer(default=3, bounds=(1, None), softbounds=(1, 10), doc="""
        How many top-ranked features to sweep when ``features`` is None.""")

    method = param.Selector(default="gini", objects=list(METHODS), doc="""
        The importance ranking that picks the top features.""")

    groups = param.Dict(default={}, doc="""
        Group to shift per feature; a feature not listed uses its smallest group.""")

    ratios = param.List(default=list(DEFAULT_RATIOS), item_type=numbers.Real, doc="""
        Ratios r: the group's training rows become round(n * (1 + r)); 0 is the baseline.""")

    mixes = param.List(default=[], item_type=str, doc="""
        Mix presets (uniform, sqrt, balanced-classes, original) applied to every feature
        besides the ratios: each adds a row set whose ``mix`` column names it (its ``group``
        reads "mix: NAME", its ratio 0; docs/semantics.md, 12).""")

    algorithms = param.List(default=None, allow_None=True, item_type=str, doc="""
        Registry names of the algorithms; None takes the task's default four.""")

    repeats = param.Integer(default=None, allow_None=True, bounds=(1, 50), softbounds=(1, 10),
                            doc="""
        Seeds per cell; each row is one seed. Intervals (two seeds or more) count the seed, the
        resampling draw and the test sample (distviz.stats). Default the repeats of ``loop``,
        else the settings policy's for the dataset (distviz.loop.policy).""")

    upsampler = param.Selector(default="random", objects=list(UPSAMPLERS), doc="""
        How rows are added when the ratio is positive: duplicates or SMOTE(NC).""")

    class_balance = param.Selector(default="none", objects=list(CLASS_BALANCES), doc="""
        Class re-balancing after the feature shift (classification only).""")

    random_state = param.Integer(default=None, allow_None=True, doc="""
        First seed (repeat k uses random_state + k); default the seed of ``loop``, else the
        settings policy's (0).""")

    scheduler = param.String(default=None, allow_None=True, doc="""
        Where fits run: None in this machine's process pool; "local" on a dask LocalCluster
        started for the sweep; "tcp://HOST:PORT" on an existing dask cluster.""")

    loop = param.ClassSelector(class_=ModelLoop, default=None, allow_None=True, doc="""
        A model loop whose cache, worker count, seeds and training-row budgets the sweep uses
        (algorithms, and repeats and seed when the sweep sets them, come from the sweep).""")

    def __init__(self, **params):
        super().__init__(**params)
        self.stats = SweepStats()

    # ------------------------------------------------------------------ the grid
    @property
    def data(self) -> Dataset:
        dataset = self.dataset or (self.loop.dataset if self.loop is not None else None)
        if dataset is None:
            raise UsageError("the sweep has no dataset; set Sweep.dataset first.")
        return dataset

    @property
    def seed(self) -> int:
        if self.random_state is not None:
            return self.random_state
        return self.loop.random_state if self.loop is not None else FIRST_SEED

    def resolved_features(self) -> list[str]:
        """The features to sweep: ``features`` as given, or the ``top`` ranked ones
        (:func:`distviz.importance.choose_features`)."""
        return choose_features(self.data, self.features, top=self.top, method=self.method,
                               random_state=self.seed)

    def resolved_ratios(self) -> list[float]:
        """The ratios, ascending and without duplicates (none is fine beside mixes)."""
        if not self.ratios and not self.mixes:
            raise UsageError("no ratio to sweep; give at least one, e.g. --ratios -0.5,0,1.")
        return sorted({float(r) + 0.0 for r in self.ratios})  # + 0.0 turns -0.0 into 0.0

    def resolved_algorithms(self) -> list[str]:
        task = self.data.task_name
        names = self.algorithms if self.algorithms else models.default_algorithms(task)
        return [a.name for a in models.resolve(names, task)]

    def plan(self) -> Plan:
        """One group per feature (``groups``, else its default group) at every ratio: rows of
        (feature, group, one ShiftSpec per ratio), validated up front so a bad ratio or group
        fails before any fit runs."""
        ratios = self.resolved_ratios()
        max_ratio = self.loop.max_ratio if self.loop is not None else MAX_RATIO
        return Plan.build(self.data, self.resolved_features(), ratios, groups=self.groups,
                          upsampler=self.upsampler, class_balance=self.class_balance,
                          max_ratio=max_ratio)

    def mix_plan(self) -> list[tuple[str, str, ShiftSpec]]:
        """(feature, mix name, spec) for every feature x mix, validated up front."""
        from ..shift.presets import PRESETS, mix_spec
        if not self.mixes:
            return []
        dataset = self.data
        max_ratio = self.loop.max_ratio if self.loop is not None else MAX_RATIO
        out = []
        for feature in self.resolved_features():
            for name in dict.fromkeys(self.mixes):
                if name not in PRESETS:
                    raise UsageError(f"a sweep's mixes are presets: {', '.join(PRESETS)}; got "
                                     f"{name!r}.")
                spec = mix_spec(dataset, feature, name, upsampler=self.upsampler,
                                class_balance=self.class_balance)
                validate_spec(dataset, spec, max_ratio=max_ratio)
                out.append((feature, name, spec))
        return out

    def make_loop(self, *, n_jobs: int | None = None) -> ModelLoop:
        """A ModelLoop with the sweep's algorithms (and repeats and seed, when set) and
        ``loop``'s settings; what neither sets is the settings policy's."""
        overrides = dict(dataset=self.data, algorithms=self.resolved_algorithms())
        if self.repeats is not None:
            overrides["repeats"] = self.repeats
        if self.random_state is not None:
            overrides["random_state"] = self.random_state
        if n_jobs is not None:
            overrides["n_jobs"] = n_jobs
        if self.loop is not None:  # every other setting (budgets, cache, ...) comes along
            return self.loop.clone(**overrides)
        return ModelLoop(**overrides)

    # ------------------------------------------------------------------ running
    def run(self, *, progress: Progress | None = None) -> pd.DataFrame:
        """Run (or fetch from the cache) every cell of the grid.

        Parameters
        ----------
        progress : callable, optional
            ``progress(done, total, fit_result)`` each time one distinct fit (training set x
            algorithm x seed, baselines included) is known, cached or computed.

        Returns
        -------
        pandas.DataFrame
            One row per (feature, group, ratio, algorithm, repeat), in that order.
        """
        started = time.perf_counter()
        if self.scheduler:
            check_scheduler(self.scheduler)
        plan = self.plan()
        mixes = self.mix_plan()
        loop = self.make_loop()
        # The mixes' shifts are fitted with the grid's, all at once.
        every = replace(plan, rows=list(plan.rows) + [PlannedGroup(f, f"mix: {n}", [spec])
                                                      for f, n, spec in mixes])
        tracker, backend = fit_plan(loop, every, scheduler=self.scheduler, progress=progress)
        tables = []
        for feature, group, specs in plan:
            for spec in specs:
                run = loop.run(spec, progress=tracker)
                tables.append(_rows(run, feature, group, tracker.fresh))
        tables += _mix_rows(loop, mixes, tracker)
        table = pd.concat(tables, ignore_index=True)
        if mixes:
            table["mix"] = table["mix"].fillna("")
        computed = len(tracker.fresh)
        self.stats = SweepStats(fits=tracker.total, computed=computed,
                                cached=tracker.total - computed,
                                seconds=time.perf_counter() - started, backend=backend,
                                settings=loop.stated_settings())
        return table


def _rows(run, feature: str, group: str, fresh: set) -> pd.DataFrame:
    """The table rows of one loop run: one per algorithm x seed, with the cell's intervals.

    Every row of a cell (feature, group, ratio, algorithm) carries the same per-cell columns,
    for each metric ``m`` (all from :mod:`distviz.stats`, seed + resampling draw + test sample;
    NaN with one seed):

    - ``delta_low_m``, ``delta_high_m``, ``delta_p_m``: the change against the baseline
      (:func:`distviz.stats.paired_delta`, as ``ModelLoop.summarize``);
    - ``value_low_m``, ``value_high_m``: the metric's mean over seeds
      (:meth:`distviz.stats.ScoreBoard.level`);
    - ``lead_low_m``, ``lead_high_m``, ``lead_p_m``: how far the cell's leader on ``m`` (the
      best mean over seeds; ties: the first listed) is ahead of this algorithm, paired by seed
      on the same test rows (positive = the leader is better, for RMSE / MAE too); NaN on the
      leader's own rows;
    - ``practical_m`` (better / worse / negligible / equivalent / inconclusive; None without
      an interval), ``detectable_m`` and ``min_effect_m``: the change's practical call against
      the loop's smallest change that matters (:mod:`distviz.stats.practical`).
    """
    dataset, spec = run.dataset, run.spec
    names = metrics.metric_names(dataset.task_name)
    group_rows = run.shift.groups_after.get(group, 0)
    cell = _cell_columns(run, names)
    records = []
    for result in run.algorithms:
        baselines = {f.seed: f for f in result.baseline_fits}
        for repeat, fit in enumerate(result.fits):
            base = baselines.get(fit.seed)
            record = {"dataset": dataset.name, "feature": feature, "group": group,
                      "ratio": float(spec.ratio), "algorithm": result.algorithm,
                      "repeat": repeat, "seed": fit.seed, "upsampler": spec.upsampler,
                      "class_balance": spec.class_balance}
            for name in names:
                value = fit.metrics.get(name, np.nan) if fit.metrics else np.nan
                record[name] = value
            for name in names:
                ok = fit.metrics and base is not None and base.metrics
                record[f"delta_{name}"] = (fit.metrics[name] - base.metrics[name]) if ok \
                    else np.nan
            record.update(train_rows=fit.train_rows, train_rows_used=fit.train_rows_used,
                          group_rows=group_rows, fit_seconds=fit.fit_seconds,
                          error=fit.error or (base.error if base is not None else None),
                          from_cache=(fit.training_key, fit.algorithm, fit.seed) not in fresh)
            record.update(cell[result.algorithm])
            records.append(record)
    table = pd.DataFrame.from_records(records)
    for column in table.columns:
        if column.startswith(tuple(f"{p}_" for p in INTERVAL_PREFIXES + PRACTICAL_NUMBERS)) \
                or column in names or column.startswith("delta_"):
            table[column] = table[column].astype("float64")
    return table


def _mix_rows(loop: ModelLoop, mixes, tracker: FitTracker) -> list[pd.DataFrame]:
    """The row sets of the mixes: as a ratio's rows, with ``mix`` naming the mix (empty on the
    ratios' rows) and ``group`` reading "mix: NAME"."""
    tables = []
    for feature, name, spec in mixes:
        run = loop.run(spec, progress=tracker)
        tables.append(_rows(run, feature, f"mix: {name}", tracker.fresh).assign(mix=name))
    return tables


INTERVAL_PREFIXES = ("delta_low", "delta_high", "delta_p", "value_low", "value_high",
                     "lead_low", "lead_high", "lead_p")
PRACTICAL_NUMBERS = ("detectable", "min_effect")


def _cell_columns(run, names) -> dict[str, dict[str, float]]:
    """Per algorithm of one run: the per-cell interval columns of :func:`_rows`."""
    dataset = run.dataset
    nan = float("nan")
    out = {a.algorithm: {f"{p}_{m}": nan for p in INTERVAL_PREFIXES + PRACTICAL_NUMBERS
                         for m in names} for a in run.algorithms}
    y_true, sets = on_common_rows_sets(dataset.y_test, {a.algorithm: {f.seed: f for f in a.fits}
                                                        for a in run.algorithms})
    board = ScoreBoard(y_true, sets, task=dataset.task_name,
                       n_classes=len(dataset.classes) if dataset.is_classification else 0,
                       positive=dataset.positive_index if dataset.is_classification else None)
    means = {}
    for a in run.algorithms:
        columns = out[a.algorithm]
        for m in names:
            if a.ci95 is not None and a.ci95.get(m) is not None:
                columns[f"delta_low_{m}"], columns[f"delta_high_{m}"] = a.ci95[m]
                p = a.p_value.get(m) if a.p_value else None
                columns[f"delta_p_{m}"] = nan if p is None else p
            call = (a.practical_calls or {}).get(m)
            columns[f"practical_{m}"] = call.call if call is not None else None
            if call is not None and call.call is not None:
                columns[f"detectable_{m}"] = call.detectable
            if run.min_effect:
                columns[f"min_effect_{m}"] = run.min_effect.get(m, nan)
        for m, level in board.level(a.algorithm).items():
            columns[f"value_low_{m}"], columns[f"value_high_{m}"] = level.low, level.high
        good = [f.metrics for f in a.fits if f.error is None and f.metrics]
        means[a.algorithm] = {m: float(np.mean([g[m] for g in good])) if good else nan
                              for m in names}
    order = [a.algorithm for a in run.algorithms]
    for m in names:
        sign = -1.0 if m in metrics.LOWER_IS_BETTER else 1.0
        scored = [name for name in order if np.isfinite(means[name][m])]
        if len(scored) < 2:
            continue
        leader = max(scored, key=lambda name: (sign * means[name][m], -order.index(name)))
        for other in scored:
            if other == leader:
                continue
            effect = board.effect(leader, other).get(m)
            if effect is None or effect.n_seeds < 2 or not np.isfinite(effect.low):
                continue
            low, high = sorted((sign * effect.low, sign * effect.high))
            out[other].update({f"lead_low_{m}": low, f"lead_high_{m}": high,
                               f"lead_p_{m}": effect.p_value})
    return out
