"""The one settings policy (docs/semantics.md, 11): from the data, the seeds, the training-row
budget, the sample of a large file and the test rows scored.

The page, the notebook (``ModelLoop(resampler=rs)``), ``distviz run``, ``sweep``, ``advise``
and ``export`` all take their defaults from :func:`settings_for`, so the same shift gives the
same numbers everywhere; each can override any of them, and every output states what it used
(:func:`stated`, the JSON's ``settings`` block; :func:`describe`, one line of text).

The values are the page's (benchmarks/RESULTS.md): an interactive move stays within its time
budget on a file of 50,000 rows.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass

# The seed rule lives below results.py (a run's JSON states its note); importable here too.
from ..stats.seeds import NO_INTERVAL_NOTE, default_repeats, first_seeds  # noqa: F401

#: A larger table is explored on a seeded sample of this many rows, stratified by the target
#: and taken before the split (``Dataset(max_rows=...)``).
SAMPLE_ROWS = 50_000
#: Every fit uses at most this many training rows (a seeded, stratified sample of them), beside
#: an algorithm's own budget (e.g. the RBF SVM's 5,000).
TRAIN_ROWS = 10_000
#: The first seed; repeat k uses FIRST_SEED + k.
FIRST_SEED = 0
#: Test rows scored: None scores every one. (A setting kept for a future test-row budget.)
TEST_ROWS = None
#: Seeds are adaptive: a shifted state fits the first ``first_seeds(repeats)`` seeds, and the
#: rest only where they may change the call (distviz.stats.seeds.more_seeds_matter).
ADAPTIVE_SEEDS = True
#: The loop settings the policy decides (ModelLoop parameters).
LOOP_SETTINGS = ("repeats", "random_state", "max_train_rows", "adaptive_seeds")


@dataclass(frozen=True)
class Settings:
    """What the policy decides for one dataset."""

    repeats: int
    random_state: int
    max_train_rows: int | None
    adaptive_seeds: bool
    sample_rows: int | None
    max_test_rows: int | None

    def loop_settings(self) -> dict:
        """The ModelLoop parameters among these."""
        return {name: getattr(self, name) for name in LOOP_SETTINGS}

    def to_dict(self) -> dict:
        return asdict(self)


def settings_for(dataset) -> Settings:
    """The policy's settings for ``dataset`` (a loaded :class:`~distviz.data.Dataset`).

    Seeds: :func:`distviz.stats.default_repeats` of its training rows (5 up to 20,000, 3
    above), from :data:`FIRST_SEED`; every fit on at most :data:`TRAIN_ROWS` training rows; a
    file larger than :data:`SAMPLE_ROWS` rows explored on a sample of that many (see
    :func:`dataset_options`); every test row scored.
    """
    return Settings(repeats=default_repeats(len(dataset.y_train)), random_state=FIRST_SEED,
                    max_train_rows=TRAIN_ROWS, adaptive_seeds=ADAPTIVE_SEEDS,
                    sample_rows=SAMPLE_ROWS,
                    max_test_rows=TEST_ROWS)


def dataset_options(*, sample_rows: int | None = SAMPLE_ROWS, all_rows: bool = False) -> dict:
    """The Dataset parameters of the policy's sample: ``max_rows`` (None with ``all_rows``)."""
    return {"max_rows": None if all_rows else sample_rows}


def stated(loop, dataset=None) -> dict:
    """The ``settings`` block: what a run of ``loop`` on ``dataset`` (default its own) uses.

    ``seeds`` in order (``repeats`` of them from ``random_state``), ``train_rows_budget`` (every
    algorithm's cap; null: none), ``lift_budgets``, ``algorithm_budgets`` (the rows each
    algorithm's fits may use; null: all), ``rows`` / ``rows_in_file`` / ``sample_rows`` (the
    interactive sample: its cap, and the rows used of those in the file), ``test_rows`` (scored)
    and ``max_test_rows``, ``algorithm_test_rows`` (the test rows a slow predictor's fits
    score, a seeded sample; null: all), ``given`` (the settings set by the caller rather than
    the policy).
    """
    from .. import models
    dataset = dataset if dataset is not None else loop.dataset
    budgets = {a.name: loop.budget_for(a)
               for a in models.resolve(loop.algorithms, dataset.task_name)}
    n_test = len(dataset.y_test)
    test_budgets = {a.name: loop.test_budget_for(a)
                    for a in models.resolve(loop.algorithms, dataset.task_name)}
    rows = len(dataset.frame)
    in_file = getattr(dataset, "sampled_from", None) or rows
    given = [name for name in LOOP_SETTINGS
             if name not in getattr(loop, "from_policy", LOOP_SETTINGS)]
    if loop.lift_budgets:
        given.append("lift_budgets")
    if rows != min(in_file, SAMPLE_ROWS):  # the file explored otherwise than the policy says
        given.append("sample_rows")
    return {"seeds": [loop.random_state + k for k in range(loop.repeats)],
            "repeats": loop.repeats, "random_state": loop.random_state,
            # A shifted state's first seeds, the rest where they may change the call (null: all).
            "first_seeds": first_seeds(loop.repeats) if loop.adaptive_seeds else None,
            "train_rows_budget": None if loop.lift_budgets else loop.max_train_rows,
            "lift_budgets": bool(loop.lift_budgets), "algorithm_budgets": budgets,
            "sample_rows": getattr(dataset, "max_rows", None), "rows": rows,
            "rows_in_file": in_file, "test_rows": len(dataset.y_test),
            "max_test_rows": TEST_ROWS,
            # A slow predictor's test-row budget, where the test set is larger (null: all).
            "algorithm_test_rows": {name: budget if budget and n_test > budget else None
                                    for name, budget in test_budgets.items()},
            "given": given,
            "policy": "distviz.loop.policy"}


def seed_count(settings: dict) -> tuple[str, bool]:
    """("5 seeds", False), or with adaptive seeds ("3-5 seeds", True): the seeds a state fits
    first and at most, from a ``settings`` block (:func:`stated`)."""
    count, first = len(settings["seeds"]), settings.get("first_seeds")
    if first and first < count:
        return f"{first}-{count} seeds", True
    return f"{count} seed{'s' if count != 1 else ''}", False


def describe(settings: dict) -> str:
    """One line for people: e.g. "5 seeds (0-4); at most 10,000 training rows per fit (svm
    5,000); all 1,313 rows; every test row (329); the settings policy's"."""
    seeds = settings["seeds"]
    span = f"{seeds[0]}" if len(seeds) == 1 else f"{seeds[0]}-{seeds[-1]}"
    count, adaptive = seed_count(settings)
    parts = [f"{count} ({span}{', more where they may change the call' if adaptive else ''})"]
    budget = settings["train_rows_budget"]
    own = {name: rows for name, rows in settings["algorithm_budgets"].items()
           if rows is not None and rows != budget}
    if settings["lift_budgets"]:
        parts.append("every fit on all training rows (budgets lifted)")
    else:
        text = (f"at most {budget:,} training rows per fit" if budget
                else "no training-row budget")
        if own:
            text += " (" + ", ".join(f"{n} {r:,}" for n, r in own.items()) + ")"
        parts.append(text)
    rows, in_file = settings["rows"], settings["rows_in_file"]
    parts.append(f"a sample of {rows:,} of {in_file:,} rows" if rows < in_file
                 else f"all {rows:,} rows")
    text = (f"every test row ({settings['test_rows']:,})" if settings["max_test_rows"] is None
            else f"{settings['test_rows']:,} test rows")
    sampled = {n: r for n, r in (settings.get("algorithm_test_rows") or {}).items() if r}
    if sampled:
        text += " (" + ", ".join(f"{n} a sample of {r:,}" for n, r in sampled.items()) + ")"
    parts.append(text)
    given = settings.get("given") or []
    parts.append("the settings policy's" if not given else
                 "set by you: " + ", ".join(_LABELS.get(g, g) for g in given))
    return "; ".join(parts)


_LABELS = {"repeats": "seeds", "random_state": "first seed", "adaptive_seeds": "adaptive seeds",
           "max_train_rows": "training-row budget", "lift_budgets": "budgets lifted",
           "sample_rows": "rows explored"}
