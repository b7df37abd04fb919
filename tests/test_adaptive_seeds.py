"""Adaptive seeds (issue 28, docs/semantics.md 11): a shifted state fits its first seeds and the
rest only for the algorithms whose call on the headline metric they may change; the choice is a
function of the first fits alone, so every cache state and every surface uses the same seeds."""

from distviz import models
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec
from distviz.stats import default_min_effect, paired_delta
from distviz.stats.seeds import first_seeds, more_seeds_matter

ALGORITHMS = ["logistic_regression", "decision_tree", "naive_bayes", "random_forest"]
SPECS = [ShiftSpec("sex", "female", -0.5), ShiftSpec("class", "3rd", 1.0),
         ShiftSpec("sex", "male", -0.9)]


def expected_seeds(titanic, every) -> dict[str, list[int]]:
    """From a run with every seed: each algorithm's first 3 seed pairs judged by the rule
    directly (paired_delta on the fits' predictions, the default min_effect)."""
    bound = default_min_effect("classification", titanic.y_test)["f1"]
    out = {}
    for a in every.algorithms:
        first = first_seeds(len(a.fits))
        shifted = [(f.y_pred, f.scores) for f in a.fits[:first]]
        baseline = [(f.y_pred, f.scores) for f in a.baseline_fits[:first]]
        effect = paired_delta(titanic.y_test, shifted, baseline, task="classification",
                              n_classes=2, positive=titanic.positive_index)["f1"]
        more = more_seeds_matter(effect, repeats=len(a.fits), min_effect=bound)
        out[a.algorithm] = [f.seed for f in (a.fits if more else a.fits[:first])]
    return out


def test_a_shift_fits_its_first_seeds_and_the_rest_where_they_may_change_the_call(titanic):
    cache = ResultCache()
    adaptive = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=cache)
    every = adaptive.clone(adaptive_seeds=False, cache=ResultCache())
    assert adaptive.repeats == every.repeats == 5 and adaptive.adaptive_seeds
    chosen_counts = []
    for spec in SPECS:
        full = every.run(spec)
        expected = expected_seeds(titanic, full)
        run = adaptive.run(spec)
        for a in run.algorithms:
            seeds = [f.seed for f in a.fits]
            assert seeds == expected[a.algorithm], (spec, a.algorithm)
            assert [f.seed for f in a.baseline_fits] == seeds  # paired over the same seeds
            # The same fits as the run with every seed: numbers for numbers.
            same = full.result(a.algorithm)
            assert [f.metrics for f in a.fits] == [f.metrics for f in same.fits[:len(seeds)]]
            assert a.seeds_planned == a.n_seeds == len(seeds)
            chosen_counts.append(len(seeds))
        # Fits made: (shifted + baseline) x each algorithm's seeds; the baseline's only once.
        assert run.computed + run.cached == 2 * sum(a.n_seeds for a in run.algorithms)
    assert set(chosen_counts) <= {3, 5} and 3 in chosen_counts  # some fits were saved


def test_the_choice_does_not_depend_on_the_cache_nor_on_min_effect(titanic):
    """A cache holding every seed (another loop fitted them all) gives the same seeds and
    numbers as a cold one; the user's min_effect re-judges, never changes the seeds."""
    spec = SPECS[0]
    cold = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=ResultCache())
    reference = cold.run(spec)
    full = ResultCache()
    ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=full,
              adaptive_seeds=False).run(spec)
    warm = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=full)
    strict = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=ResultCache(),
                       min_effect=0.5)
    for other in (warm.run(spec), strict.run(spec)):
        for a, b in zip(reference.algorithms, other.algorithms, strict=True):
            assert [f.seed for f in a.fits] == [f.seed for f in b.fits], a.algorithm
            assert a.delta == b.delta and a.ci95 == b.ci95
    assert warm.run(spec).computed == 0


def test_a_prefetch_fits_what_a_run_then_reads(titanic):
    """prefetch (sweeps, advise, the page's neighbours) fits the first seeds of every spec and
    then the rest where asked: a run afterwards computes nothing and uses the same seeds."""
    loop = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=2, cache=ResultCache())
    loop.prefetch(SPECS)
    fresh = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=ResultCache())
    for spec in SPECS:
        run = loop.run(spec)
        assert run.computed == 0
        assert [[f.seed for f in a.fits] for a in run.algorithms] == \
            [[f.seed for f in a.fits] for a in fresh.run(spec).algorithms]
        assert loop.in_memory(spec)


def test_every_seed_when_asked_and_for_the_baseline(titanic):
    loop = ModelLoop(dataset=titanic, algorithms=["logistic_regression"], n_jobs=1,
                     cache=ResultCache(), adaptive_seeds=False)
    assert loop.stated_settings()["first_seeds"] is None
    assert [f.seed for f in loop.run(SPECS[0]).algorithms[0].fits] == [0, 1, 2, 3, 4]
    adaptive = loop.clone(adaptive_seeds=True)
    assert adaptive.stated_settings()["first_seeds"] == 3
    baseline = adaptive.run(SPECS[0].baseline())
    assert [f.seed for f in baseline.algorithms[0].fits] == [0, 1, 2, 3, 4]
    algorithm = models.get("logistic_regression", "classification")
    assert adaptive.seeds_for(SPECS[0].baseline(), algorithm) == [0, 1, 2, 3, 4]


def test_an_algorithms_extra_seeds_join_the_run_as_soon_as_its_first_fits_are_in(titanic):
    """One flight of fits per run: the extra seeds an algorithm needs are queued when its own
    first fits land, while the other algorithms' first fits still run (no stage waits for the
    slowest algorithm), and progress counts them as they are asked for."""
    loop = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=2, cache=ResultCache())
    loop.run(SPECS[0].baseline())
    flights, reported = [], []
    run_fits = loop.executor.run

    def counted(jobs, on_fit, **options):
        flights.append(len(jobs))
        return run_fits(jobs, on_fit, **options)
    loop.executor.run = counted
    run = loop.run(SPECS[0], progress=lambda done, total, fit: reported.append((done, total)))
    seeds = {a.algorithm: a.n_seeds for a in run.algorithms}
    assert 5 in seeds.values()  # some algorithm asked for its extra seeds (expected_seeds)
    first = first_seeds(loop.repeats)
    assert flights == [first * len(ALGORITHMS)]  # the extras joined the first flight
    assert run.computed == sum(seeds.values())  # the shifted fits; the baseline was cached
    assert reported[-1] == (len(reported), len(reported)) == \
        (run.computed + run.cached,) * 2
    assert [done for done, _ in reported] == list(range(1, len(reported) + 1))
    assert all(total <= reported[-1][1] for _, total in reported)


def test_loops_sharing_a_cache_share_its_choices(titanic):
    """A choice is made once per cache: another session's loop (or a clone, or advise's
    per-algorithm loops) over the same cache reads it, so answering whether a state is in
    memory, on the server's event loop, computes no interval."""
    cache = ResultCache()
    loop = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=cache)
    run = loop.run(SPECS[1])
    other = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=cache)

    def no_summary(*args, **kwargs):
        raise AssertionError("decided again")
    other.summarize = no_summary
    assert other.in_memory(SPECS[1])
    for a in run.algorithms:
        chosen = other.seeds_for(SPECS[1], models.get(a.algorithm, "classification"))
        assert chosen == [f.seed for f in a.fits]
    # A loop over another cache decides for itself (and the same way).
    apart = ModelLoop(dataset=titanic, algorithms=ALGORITHMS, n_jobs=1, cache=ResultCache())
    assert [[f.seed for f in a.fits] for a in apart.run(SPECS[1]).algorithms] == \
        [[f.seed for f in a.fits] for a in run.algorithms]
