"""The benchmark data generator: shape, column kinds, class share, signal and determinism."""

import numpy as np
import pandas as pd
import pytest

from distviz import synth
from distviz.data import Dataset
from distviz.importance import rank_features


def test_shape_and_columns():
    table = synth.make_table(1_234, n_numeric=5, n_categorical=3, random_state=2)
    numeric, categorical = synth.column_names(5, 3)
    assert table.shape == (1_234, 5 + 3 + 1)
    assert list(table.columns) == numeric + categorical + [synth.TARGET]
    assert all(pd.api.types.is_float_dtype(table[c]) for c in numeric)
    assert all(isinstance(table[c].dtype, pd.CategoricalDtype) for c in categorical)
    assert set(table[synth.TARGET].unique()) == {0, 1}


def test_dataset_detects_the_kinds_and_the_task():
    ds = Dataset(source=synth.make_table(800, random_state=4), target=synth.TARGET)
    numeric, categorical = synth.column_names()
    assert ds.task_name == "classification"
    assert ds.kinds == {**{c: "numeric" for c in numeric},
                        **{c: "categorical" for c in categorical}}
    assert ds.positive == "1"


@pytest.mark.parametrize("imbalance", [0.05, 0.2, 0.5])
def test_class_share_is_the_chosen_imbalance(imbalance):
    table = synth.make_table(2_000, imbalance=imbalance, random_state=1)
    assert table[synth.TARGET].sum() == round(imbalance * 2_000)


def test_missing_values_only_in_noise_columns():
    table = synth.make_table(5_000, missing=0.05, random_state=0)
    informative = synth.informative_features()
    for column in table.columns.drop(synth.TARGET):
        share = table[column].isna().mean()
        if column in informative:
            assert share == 0
        else:
            assert 0.03 < share < 0.07, column


@pytest.mark.parametrize("seed", [0, 1])
def test_informative_features_rank_above_the_noise(seed):
    ds = Dataset(source=synth.make_table(3_000, random_state=seed), target=synth.TARGET)
    ranking = rank_features(ds, method="gini")
    informative = set(synth.informative_features())
    top = set(ranking.sort_values("rank_gini")["feature"].head(len(informative)))
    assert top == informative
    noise = ranking[~ranking["feature"].isin(informative)]["gini"]
    assert ranking[ranking["feature"].isin(informative)]["gini"].min() > noise.max()


def test_the_target_depends_on_informative_features_only():
    table = synth.make_table(20_000, random_state=5)
    y = table[synth.TARGET]
    # num_0 is informative: the positive class has a clearly different mean.
    assert abs(table.loc[y == 1, "num_0"].mean() - table.loc[y == 0, "num_0"].mean()) > 2
    # num_3 is noise: means agree within sampling error (sd 8 / sqrt(4000) ~ 0.13).
    assert abs(table.loc[y == 1, "num_3"].mean() - table.loc[y == 0, "num_3"].mean()) < 0.6


def test_same_seed_same_table_other_seed_other_table():
    a = synth.make_table(500, random_state=7)
    pd.testing.assert_frame_equal(a, synth.make_table(500, random_state=7))
    b = synth.make_table(500, random_state=8)
    assert not a["num_0"].equals(b["num_0"])


def test_parts_share_structure_but_not_rows():
    a = synth.make_table(4_000, random_state=3, part=0)
    b = synth.make_table(4_000, random_state=3, part=1)
    assert not np.allclose(a["num_0"], b["num_0"])
    share_a = a["cat_2"].value_counts(normalize=True).sort_index()
    share_b = b["cat_2"].value_counts(normalize=True).sort_index()
    assert np.abs(share_a - share_b).max() < 0.05  # same group weights in both parts


def test_write_csv_in_chunks(tmp_path):
    path = synth.write_csv(tmp_path / "big.csv", 2_501, chunk_rows=1_000, random_state=2)
    table = pd.read_csv(path)
    assert table.shape == (2_501, 15)
    assert table[synth.TARGET].sum() == 200 + 200 + 100  # 20 % of every chunk
    first = synth.make_table(1_000, random_state=2, part=0)
    np.testing.assert_allclose(table["num_0"].head(1_000), first["num_0"], rtol=1e-5)
    assert (table["cat_1"].head(1_000).to_numpy() == first["cat_1"].astype(str).to_numpy()).all()
    ds = Dataset(source=str(path), target=synth.TARGET)
    assert len(ds.frame) == 2_501


def test_bad_arguments():
    with pytest.raises(ValueError, match="imbalance"):
        synth.make_table(100, imbalance=1.5)
    with pytest.raises(ValueError, match="n_informative"):
        synth.make_table(100, n_informative=99)
