"""The Panel-free reactive chain: Dataset -> Resampler -> ModelLoop."""

import pytest

from distviz import models

from distviz import Dataset, ModelLoop, Resampler
from distviz.errors import ShiftError
from distviz.loop import ResultCache
from distviz.shift import ShiftSpec

FAST = ["logistic_regression", "decision_tree"]


@pytest.fixture()
def chain(titanic):
    rs = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=rs, algorithms=FAST, n_jobs=1, cache=ResultCache())
    return rs, loop


def test_setting_the_ratio_retrains_and_publishes_the_shifted_run(chain, titanic):
    rs, loop = chain
    assert loop.result is not None and loop.result.spec.ratio == 0
    rs.ratio = -0.5
    assert loop.result.spec == ShiftSpec("sex", "female", -0.5)
    # The published run is the one ModelLoop.run computes for the same spec.
    direct = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=ResultCache()).run(
        ShiftSpec("sex", "female", -0.5))
    for shown, expected in zip(loop.result.algorithms, direct.algorithms):
        assert shown.metrics == pytest.approx(expected.metrics)
        assert shown.delta == pytest.approx(expected.delta)
    n_female = int((titanic.group_labels("sex") == "female").sum())
    assert loop.result.shift.groups_after["female"] == round(n_female * 0.5)


def test_changing_the_feature_revalidates_the_group_and_retrains_once(chain):
    rs, loop = chain
    rs.ratio = 1.0
    runs = []
    loop.param.watch(lambda e: runs.append(e.new), "result")
    rs.feature = "class"
    assert rs.group in rs.param.group.objects and rs.group != "female"
    assert len(runs) == 1 and runs[0].spec.feature == "class"
    assert runs[0].spec.group == rs.group


def test_a_new_dataset_revalidates_the_feature(chain):
    rs, loop = chain
    penguins = Dataset(source="penguins")
    rs.dataset = penguins
    assert rs.feature in penguins.features and rs.group in penguins.training_groups(rs.feature)
    assert loop.result.dataset is penguins


def test_defaults_are_the_top_feature_and_a_group_with_a_real_share(titanic):
    rs = Resampler(dataset=titanic)
    assert (rs.feature, rs.group) == ("sex", "female")
    rs.feature = "class"  # its smallest group "*" has one training row; "3rd" is the majority
    assert rs.group == "2nd" and rs.group_rows() >= 0.10 * len(titanic.X_train)
    assert "*" in rs.param.group.objects  # still selectable


def test_background_runs_publish_after_wait(chain):
    rs, loop = chain
    loop.background = True
    rs.ratio = 2.0
    assert loop.wait(120).result.spec.ratio == 2.0 and not loop.running


def test_settings_clone_keeps_cache_keys(chain, titanic):
    rs, loop = chain
    budgeted = loop.clone(max_train_rows=500)
    twin = budgeted.clone()
    algorithm = budgeted.resolved_algorithms()[0]
    spec = ShiftSpec("sex", "female", 1.0)
    assert twin.cache_key(spec, algorithm, 0) == budgeted.cache_key(spec, algorithm, 0)
    assert twin.cache is budgeted.cache and twin.max_train_rows == 500


def test_bad_choices_are_clear_errors(titanic):
    with pytest.raises(ShiftError, match="unknown feature"):
        Resampler(dataset=titanic, feature="nope")
    with pytest.raises(ShiftError, match="unknown group"):
        Resampler(dataset=titanic, feature="sex", group="nope")
    rs = Resampler(dataset=titanic, feature="sex", group="female", ratio=9.0)
    with pytest.raises(ShiftError, match="out of range"):
        ModelLoop(resampler=rs, algorithms=FAST, n_jobs=1)


def test_a_followed_dataset_still_travels_to_another_process(chain, titanic):
    # Dask pickles the dataset; the watchers of this process's chain stay behind.
    import pickle
    copy = pickle.loads(pickle.dumps(titanic))
    assert copy.fingerprint == titanic.fingerprint
    assert copy.groups("sex").equals(titanic.groups("sex"))


def test_finished_algorithms_are_published_before_the_run_ends(titanic):
    # One worker, so logistic regression's fits (the cheapest, scheduled first) complete while
    # the forest's are still to come: a partial run with it alone is published first.
    rs = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=rs, algorithms=["random_forest", "logistic_regression"],
                     repeats=1, n_jobs=1, cache=ResultCache())
    partials = []
    loop.param.watch(lambda e: partials.append(e.new), "partial")
    rs.ratio = 1.0
    assert [[a.algorithm for a in p.algorithms] for p in partials] == [["logistic_regression"]]
    early, final = partials[0].algorithms[0], loop.result.result("logistic_regression")
    assert early.metrics == final.metrics and early.delta == final.delta
    done, total = loop.progress
    assert done == total == 2 * 2  # 2 algorithms x (shifted + baseline), one seed


def test_a_cached_run_publishes_its_progress_once(titanic):
    """Cache hits arrive in a block: the loop publishes progress (and partial runs) once for
    it, not once per hit (each publication is a render in the dashboard)."""
    rs = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=rs, algorithms=["xgboost", "logistic_regression"], repeats=2,
                     n_jobs=1, cache=ResultCache())
    rs.ratio = 1.0
    rs.ratio = 0.0
    seen = []
    loop.param.watch(lambda e: seen.append(e.new), "progress")
    loop.param.watch(lambda e: seen.append("partial"), "partial")
    rs.ratio = 1.0  # 2 algorithms x 2 seeds x (shifted + baseline), all cached
    assert loop.result.computed == 0 and loop.result.cached == 8
    assert seen == [(0, 0), (8, 8)]  # the request's reset, then the whole block


def test_following_a_resampler_asks_once_per_state():
    """Setting the resampler fires both "resampler" and "resampler.spec"; the loop runs once.
    A new dataset on the resampler (reset) opens its top feature in one run."""
    rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
    loop = ModelLoop(algorithms=["logistic_regression"], n_jobs=1)
    requests = []
    loop.param.watch(lambda event: requests.append(rs.spec), "request")
    loop.resampler = rs
    assert len(requests) == 1 and loop.result.spec == rs.spec
    diabetes = Dataset(source="diabetes")
    from distviz.errors import UsageError
    with pytest.raises(UsageError, match="ridge"):  # ridge does not classify titanic
        loop.algorithms = ["ridge"]
    assert len(requests) == 2 and "ridge" in loop.error
    rs.reset(diabetes)
    from distviz.importance import top_features
    assert rs.feature == top_features(diabetes, 1)[0] and rs.ratio == 0.0
    assert len(requests) == 3 and loop.result.dataset is diabetes and loop.error is None


def test_progressive_runs_publish_every_algorithm_after_one_seed_then_narrow():
    """Progressive: each algorithm shows after its first seed pair (no interval yet), more
    seeds arrive, and the final result has every seed and an interval."""
    rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
    loop = ModelLoop(algorithms=FAST, repeats=3, progressive=True, n_jobs=2,
                     cache=ResultCache())
    seen = []
    loop.param.watch(lambda event: seen.append(
        {a.algorithm: a.n_seeds for a in event.new.algorithms}), "partial")
    loop.resampler = rs
    rs.ratio = 1.0
    final = {a.algorithm: a for a in loop.result.algorithms}
    assert seen and min(min(s.values()) for s in seen) == 1  # shown after one seed pair
    first_complete = next(s for s in seen if set(s) == set(FAST))
    assert max(first_complete.values()) < 3  # every algorithm showed before its last seed
    # Every seed its adaptive choice asked for (the first 2 of 3, the third where it may change
    # the call), with an interval.
    assert all(a.n_seeds == len(loop.seeds_for(rs.spec, models.get(a.algorithm,
                                                                    "classification")))
               and a.n_seeds in (2, 3) and a.ci95 is not None for a in final.values())


def test_a_newer_request_stops_the_older_ones_remaining_fits():
    from distviz.loop import ResultCache as Cache
    rs = Resampler(dataset=Dataset(source="titanic"), feature="sex", group="female")
    cache = Cache()
    loop = ModelLoop(algorithms=FAST, repeats=4, progressive=True, n_jobs=1, cache=cache,
                     background=True)
    loop.resampler = rs
    loop.wait()
    rs.ratio = 2.0
    rs.ratio = 0.5  # at once: the +2 request has no time for its 8 shifted fits
    loop.wait()
    assert loop.result.spec.ratio == 0.5
    probe = loop.clone(cache=cache).run(ShiftSpec("sex", "female", 2.0))
    assert probe.computed > 0, "the superseded request fitted all its seeds anyway"


def test_a_revisited_shift_is_answered_before_the_setter_returns(titanic):
    """A shift whose fits are all in memory is only read back: published at once, with no
    hand-off to a thread (bench_slider's cached move); a new shift still trains in the
    background."""
    rs = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=rs, algorithms=FAST, repeats=2, n_jobs=1, cache=ResultCache(),
                     background=True)
    loop.wait()
    rs.ratio = 1.0
    assert loop.running  # computed: in the background
    loop.wait()
    computed = loop.result
    rs.ratio = 0.0
    assert not loop.running and loop.result.spec.is_baseline  # the baseline: in memory
    rs.ratio = 1.0
    assert not loop.running and loop.result.spec == ShiftSpec("sex", "female", 1.0)
    assert loop.result.computed == 0
    assert [a.metrics for a in loop.result.algorithms] == [a.metrics for a in computed.algorithms]


def test_a_loop_given_nothing_follows_the_settings_policy(titanic):
    """Issue 25.1: `ModelLoop(resampler=rs)` uses the settings policy's seeds and training-row
    budget for its dataset (as the page and `distviz run`), states them, and a clone carries
    the resolved values (same cache keys); a setting the caller gives is kept."""
    from distviz.loop import policy
    from distviz.synth import make_table
    rs = Resampler(dataset=titanic, feature="sex", group="female")
    loop = ModelLoop(resampler=rs, algorithms=["logistic_regression", "svm"], n_jobs=1,
                     cache=ResultCache())
    chosen = policy.settings_for(titanic)
    assert (loop.repeats, loop.random_state, loop.max_train_rows) == (5, 0, 10_000)
    assert (chosen.repeats, chosen.max_train_rows, chosen.sample_rows) == (5, 10_000, 50_000)
    stated = loop.result.settings
    assert stated["seeds"] == [0, 1, 2, 3, 4] and stated["given"] == []
    assert stated["algorithm_budgets"] == {"logistic_regression": 10_000, "svm": 5_000}
    assert stated["test_rows"] == len(titanic.y_test) and stated["rows"] == len(titanic.frame)
    assert [f.seed for f in loop.result.algorithms[0].fits] == stated["seeds"]
    twin = loop.clone()
    algorithm = loop.resolved_algorithms()[1]
    spec = ShiftSpec("sex", "female", 1.0)
    assert twin.cache_key(spec, algorithm, 3) == loop.cache_key(spec, algorithm, 3)
    assert twin.stated_settings() == loop.stated_settings()
    # A larger training set: 3 seeds by the policy; a caller's repeats stay theirs.
    large = Dataset(source=make_table(30_000, random_state=3), target="target")
    assert len(large.y_train) > 20_000
    loop.resampler = None
    loop.dataset = large
    assert loop.repeats == 3 and loop.max_train_rows == 10_000
    loop.repeats = 4
    loop.dataset = titanic
    assert loop.repeats == 4 and loop.stated_settings()["given"] == ["repeats"]
    fixed = ModelLoop(dataset=large, repeats=2, max_train_rows=None, n_jobs=1)
    assert (fixed.repeats, fixed.max_train_rows) == (2, None)
    assert fixed.stated_settings()["given"] == ["repeats", "max_train_rows"]
    assert fixed.clone().stated_settings()["given"] == ["repeats", "max_train_rows"]
