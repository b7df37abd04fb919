"""Feature ranking: the informative feature ranks first by every method, and it is fast."""

import numpy as np
import pandas as pd
import pytest

from distviz.data import Dataset
from distviz.errors import UsageError
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
