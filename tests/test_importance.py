"""Feature ranking: the informative feature ranks first by every method, and it is fast."""

import numpy as np
import pandas as pd
import pytest

from distviz.data import Dataset
from distviz.errors import ShiftError, UsageError
from distviz.importance import rank_features


@pytest.fixture(scope="module")
def planted():
    """A table where only `signal` (numeric) and `colour` (categorical) drive the target."""
    rng = np.random.default_rng(0)
    n = 3000
    signal = rng.normal(size=n)
    colour = rng.choice(["red", "green", "blue", "grey"], size=n)
    noise = rng.normal(size=(n, 3))
    logit = 2.5 * signal + np.where(colour == "red", 3.0, 0.0)
    target = (logit + rng.logistic(size=n) > 0).astype(int)
    frame = pd.DataFrame({"noise_a": noise[:, 0], "colour": colour, "signal": signal,
                          "noise_b": noise[:, 1], "noise_c": noise[:, 2], "label": target})
    return Dataset(source=frame, target="label")


@pytest.mark.parametrize("method", ["gini", "permutation", "shap"])
def test_informative_features_rank_first(planted, method):
    table = rank_features(planted, method=method)
    assert table["feature"].iloc[0] == "signal"
    top_two = set(table.sort_values(f"rank_{method}")["feature"].head(2))
    assert top_two == {"signal", "colour"}
    assert table[method].sum() == pytest.approx(1.0)


def test_one_table_with_a_rank_per_method(titanic):
    table = rank_features(titanic, method="all")
    assert list(table["feature"]) != [] and set(table["feature"]) == set(titanic.features)
    for method in ("gini", "permutation", "shap"):
        assert sorted(table[f"rank_{method}"]) == list(range(1, len(titanic.features) + 1))
    # The one-hot columns of `sex` are summed back into one feature.
    assert "sex" in set(table["feature"]) and not any("_" in f for f in table["feature"]
                                                      if f not in titanic.features)


def test_regression_and_multiclass_rank():
    for name in ("diabetes", "penguins"):
        table = rank_features(Dataset(source=name), method="all")
        assert table[["gini", "permutation", "shap"]].notna().all().all()


def test_unknown_method(titanic):
    with pytest.raises(UsageError, match="unknown ranking method"):
        rank_features(titanic, method="magic")


def test_the_rankings_kept_are_the_last_few_used(planted):
    """The process keeps at most ``maxsize`` rankings, dropping the least recently used: one
    more ranking evicts the oldest (asked again, it is computed again, with the same table)."""
    from distviz.importance import Rankings
    kept = Rankings(maxsize=3)
    computed = []

    def ranking(seed):
        def compute():
            computed.append(seed)
            return rank_features(planted, method="gini", random_state=seed)
        return kept.get(("planted", seed), compute)

    first = ranking(0)
    for seed in (1, 2, 0, 3):  # 0 was used again, so 1 is now the oldest and goes
        ranking(seed)
    assert kept.cache_info().currsize == 3 and computed == [0, 1, 2, 3]
    info = kept.cache_info()
    assert (info.hits, info.misses, info.maxsize) == (1, 4, 3)
    ranking(1)
    assert computed[-1] == 1 and kept.cache_info().currsize == 3
    pd.testing.assert_frame_equal(ranking(0), first)  # still kept: no new computation
    assert computed == [0, 1, 2, 3, 1]
    ranking(2)  # evicted when 1 came back
    assert computed == [0, 1, 2, 3, 1, 2]


def test_the_process_keeps_a_bounded_number_of_rankings(planted):
    from distviz.importance import RANKINGS
    for seed in range(RANKINGS.maxsize + 2):
        rank_features(planted, method="gini", n_estimators=5, random_state=seed)
    assert RANKINGS.cache_info().currsize == RANKINGS.maxsize
    before = RANKINGS.cache_info().hits
    rank_features(planted, method="gini", n_estimators=5, random_state=RANKINGS.maxsize + 1)
    assert RANKINGS.cache_info().hits == before + 1  # the newest is kept


def test_a_ranking_returns_a_copy(planted):
    table = rank_features(planted, method="gini")
    table["feature"] = "changed"
    assert rank_features(planted, method="gini")["feature"].iloc[0] == "signal"


def test_features_are_chosen_by_one_rule(planted):
    from distviz.importance import choose_features, top_features
    assert choose_features(planted, ["colour", "signal", "colour"]) == ["colour", "signal"]
    assert choose_features(planted, top=2) == top_features(planted, 2)
    assert choose_features(planted, top=9) == top_features(planted, 5)  # all there are
    ranked = top_features(planted, 5)
    # A feature to keep first (a view's current one), then the ranked others.
    assert choose_features(planted, top=2, first=[ranked[-1]]) == [ranked[-1], ranked[0]]
    assert choose_features(planted, top=2, first=["absent", ranked[1]]) == ranked[1:2] + \
        ranked[:1]
    with pytest.raises(UsageError, match="no feature given"):
        choose_features(planted, [])
    with pytest.raises(UsageError, match="--top must be at least 1"):
        choose_features(planted, top=0)
    with pytest.raises(ShiftError, match="unknown feature 'nope'"):
        choose_features(planted, ["nope"])


def test_a_low_priority_ranking_is_the_same_table_from_a_lowest_priority_process(planted):
    """The dashboard's full ranking runs at os.nice 19 in another process, so it waits for
    idle cores instead of slowing the user's first moves; the table is the one computed here."""
    import os

    from distviz.importance import RANKINGS
    from distviz.runner import at_low_priority
    assert at_low_priority(os.nice, 0) == 19 and at_low_priority(os.getpid) != os.getpid()
    RANKINGS.clear()
    here = rank_features(planted, method="all")
    RANKINGS.clear()
    there = rank_features(planted, method="all", low_priority=True)
    pd.testing.assert_frame_equal(here, there)


def test_a_low_priority_process_that_died_is_replaced_by_the_next_call():
    """Killed mid-call (as out of memory would), that call fails; the next starts a new one."""
    import os
    import signal
    import threading
    import time
    from concurrent.futures import BrokenExecutor

    from distviz.runner import at_low_priority
    pid = at_low_priority(os.getpid)
    threading.Timer(1.0, os.kill, (pid, signal.SIGKILL)).start()
    with pytest.raises(BrokenExecutor):
        at_low_priority(time.sleep, 30)
    assert at_low_priority(os.nice, 0) == 19 and at_low_priority(os.getpid) != pid
