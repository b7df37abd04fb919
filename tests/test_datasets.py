"""distviz.datasets: the bundled catalog, reading files, and validation with one-line errors."""

import os

import numpy as np
import pandas as pd
import pytest

from distviz.data import (BUNDLED, MIN_ROWS, catalog, list_datasets, load, prepare,
                              read_table)
from distviz.errors import DatasetError


def people(n_rows: int = 40) -> pd.DataFrame:
    """A small valid table: two numeric features, one categorical, a binary target."""
    rng = np.random.default_rng(0)
    return pd.DataFrame({
        "age": rng.integers(18, 80, n_rows),
        "income": rng.normal(50_000, 9_000, n_rows).round(2),
        "city": rng.choice(["Oslo", "Lima", "Pune"], n_rows),
        "bought": np.tile([0, 1], n_rows // 2),
    })


def write_csv(path, frame: pd.DataFrame, **options) -> str:
    frame.to_csv(path, index=False, **options)
    return str(path)


def one_line_error(call, *fragments: str) -> str:
    """Run ``call``; it must raise a one-line DatasetError containing every fragment."""
    with pytest.raises(DatasetError) as info:
        call()
    message = str(info.value)
    assert "\n" not in message and "Traceback" not in message, message
    for fragment in fragments:
        assert fragment in message, (fragment, message)
    return message


# ------------------------------------------------------------------------------ bundled catalog
def test_titanic_is_first_and_loads_with_its_documented_shape():
    assert list(catalog())[0] == "titanic"
    prepared = load("titanic")
    assert (prepared.task, prepared.target) == ("classification", "survived")
    assert len(prepared.frame) == 1313
    assert sorted(prepared.frame["survived"].unique()) == ["0", "1"]
    assert prepared.features == ["class", "age", "sex"]
    assert prepared.kinds == {"class": "categorical", "age": "numeric", "sex": "categorical"}
    assert list(prepared.frame.columns) == ["class", "age", "sex", "survived"]
    assert prepared.frame.index.equals(pd.RangeIndex(1313))


@pytest.mark.parametrize("name, task, target, n_classes", [
    ("penguins", "classification", "species", 3),
    ("breast_cancer", "classification", "target", 2),
    ("diabetes", "regression", "progression", None),
    ("superstore", "regression", "Profit", None),
])
def test_every_bundled_dataset_loads_with_its_task_and_target(name, task, target, n_classes):
    prepared = load(name)
    assert (prepared.name, prepared.task, prepared.target) == (name, task, target)
    assert prepared.origin == BUNDLED[name].origin
    assert len(prepared.frame) >= 300
    if n_classes:
        assert prepared.frame[target].nunique() == n_classes
        assert prepared.frame[target].map(type).eq(str).all()
    else:
        assert prepared.frame[target].dtype == "float64"


def test_bundled_details_breast_cancer_names_diabetes_sex_superstore_columns():
    assert set(load("breast_cancer").frame["target"]) == {"malignant", "benign"}
    assert set(load("breast_cancer").kinds.values()) == {"numeric"}
    diabetes = load("diabetes")
    assert diabetes.kinds["sex"] == "categorical" and diabetes.kinds["age"] == "numeric"
    assert set(diabetes.frame["sex"]) == {"1", "2"}
    superstore = load("superstore")
    assert superstore.features == ["Ship Mode", "Segment", "Region", "Category", "Sub-Category",
                                   "Sales", "Quantity", "Discount"]
    assert "postal code" in BUNDLED["superstore"].description


def test_list_datasets_has_the_contract_columns():
    table = list_datasets()
    assert list(table.columns) == ["name", "task", "target", "description", "origin"]
    assert table["name"].tolist()[:5] == list(BUNDLED)
    assert table.set_index("name").loc["penguins", "target"] == "species"


# --------------------------------------------------------------------------------- data/ folder
def test_data_folder_files_join_the_catalog_with_sidecar_or_last_column(tmp_path):
    write_csv(tmp_path / "shop.csv", people())
    (tmp_path / "shop.json").write_text('{"target": "city", "task": "classification"}')
    write_csv(tmp_path / "visits.csv", people()[["city", "bought", "income"]])
    (tmp_path / "README.md").write_text("not a table")
    entries = catalog(tmp_path)
    assert list(entries)[:5] == list(BUNDLED) and list(entries)[5:] == ["shop", "visits"]
    assert (entries["shop"].target, entries["shop"].task) == ("city", "classification")
    assert (entries["visits"].target, entries["visits"].task) == ("income", None)
    assert entries["shop"].origin == str(tmp_path / "shop.csv")
    shop = load("shop", data_dir=tmp_path)
    assert (shop.target, shop.task, shop.name) == ("city", "classification", "shop")
    assert sorted(shop.frame["city"].unique()) == ["Lima", "Oslo", "Pune"]
    assert load("visits", data_dir=tmp_path).task == "regression"
    assert list_datasets(tmp_path)["name"].tolist()[-2:] == ["shop", "visits"]


def test_data_dir_env_variable_is_the_default_folder(tmp_path, monkeypatch):
    write_csv(tmp_path / "extra.csv", people())
    monkeypatch.setenv("DISTVIZ_DATA_DIR", str(tmp_path))
    assert catalog()["extra"].target == "bought"
    assert load("extra").target == "bought"


def test_broken_files_do_not_break_listing_but_fail_on_load(tmp_path):
    (tmp_path / "garbage.csv").write_bytes(bytes(range(256)) * 10)
    (tmp_path / "empty.csv").write_bytes(b"")
    write_csv(tmp_path / "good.csv", people())
    (tmp_path / "good.json").write_text("{not json")
    entries = catalog(tmp_path)
    assert {"garbage", "empty", "good"} <= set(entries)
    one_line_error(lambda: load("garbage", data_dir=tmp_path), "garbage.csv", "not a text table")
    one_line_error(lambda: load("empty", data_dir=tmp_path), "empty.csv", "0 bytes")
    one_line_error(lambda: load("good", data_dir=tmp_path), "good.json", "not valid JSON")


def test_a_path_uses_the_sidecar_beside_it(tmp_path):
    path = write_csv(tmp_path / "shop.csv", people())
    (tmp_path / "shop.json").write_text('{"target": "city"}')
    assert load(path).target == "city"
    assert load(path, target="bought").target == "bought"  # an explicit target wins


def test_a_data_file_cannot_shadow_a_bundled_name(tmp_path):
    write_csv(tmp_path / "titanic.csv", people())
    assert catalog(tmp_path)["titanic"].origin == BUNDLED["titanic"].origin


# -------------------------------------------------------------------------- reading: good files
def test_latin1_file_loads_with_a_note(tmp_path):
    frame = people().assign(city=np.tile(["Zürich", "Genève", "Málaga", "Lima"], 10))
    path = tmp_path / "latin.csv"
    frame.to_csv(path, index=False, encoding="latin-1")
    raw, notes = read_table(path)
    assert set(raw["city"]) == {"Zürich", "Genève", "Málaga", "Lima"}
    assert any("latin-1" in note for note in notes)
    prepared = load(path, target="bought")
    assert prepared.notes[0] == notes[0]
    assert prepared.kinds["city"] == "categorical"


@pytest.mark.parametrize("separator", [";", "\t", "|"])
def test_other_delimiters_are_sniffed(tmp_path, separator):
    frame = people().assign(income=lambda f: f["income"].astype(str).str.replace(".", ","))
    path = write_csv(tmp_path / "semi.csv", frame, sep=separator)
    raw, _ = read_table(path)
    assert list(raw.columns) == ["age", "income", "city", "bought"]
    assert raw["income"].iloc[0] == frame["income"].iloc[0]  # "1234,5" kept whole, not split
    assert len(raw) == 40


def test_utf8_bom_gzip_and_quoted_fields(tmp_path):
    frame = people().assign(city=np.tile(["Oslo, Norway", 'Lima "Peru"', "Pune\nIndia", "x"], 10))
    bom = tmp_path / "bom.csv"
    frame.to_csv(bom, index=False, encoding="utf-8-sig")
    assert read_table(bom)[0].columns[0] == "age"  # no "\ufeffage"
    zipped = tmp_path / "zipped.csv.gz"
    frame.to_csv(zipped, index=False, compression="gzip")
    raw, notes = read_table(zipped)
    assert raw.equals(pd.read_csv(bom, encoding="utf-8-sig")) and notes == []
    assert set(raw["city"]) == set(frame["city"])
    assert load(zipped, target="bought").name == "zipped"


def test_parquet_by_magic_bytes_even_when_named_csv(tmp_path):
    frame = people()
    frame.to_parquet(tmp_path / "real.parquet")
    assert read_table(tmp_path / "real.parquet")[0].equals(frame)
    frame.to_parquet(tmp_path / "disguised.csv")
    raw, notes = read_table(tmp_path / "disguised.csv")
    assert raw.equals(frame)
    assert len(notes) == 1 and "Parquet" in notes[0] and "disguised.csv" in notes[0]


def test_reading_never_changes_the_file(tmp_path):
    path = tmp_path / "keep.csv"
    path.write_bytes(b"a;b;c\n" + b"1;x;0\n2;y;1\n" * 15)
    before = (path.read_bytes(), os.stat(path).st_mtime_ns)
    load(path, target="c")
    assert (path.read_bytes(), os.stat(path).st_mtime_ns) == before
    assert sorted(os.listdir(tmp_path)) == ["keep.csv"]


# --------------------------------------------------------------------------- reading: bad files
BAD_FILES = {
    # name: (file bytes, expected message fragments)
    "empty.csv": (b"", ["is empty (0 bytes)"]),
    "blank.csv": (b"  \n\t\n   \n", ["only whitespace"]),
    "header.csv": (b"age,city,bought\n", ["no data rows"]),
    "nul.csv": (b"a,b\n1,2\x00\x00\x01\x02", ["not a text table"]),
    "noise.csv": (bytes(range(1, 32)) * 50 + bytes(range(128, 160)) * 50, ["not a text table"]),
    "high.csv": (b"a,b\n" + bytes(range(128, 256)) * 40, ["not a text table"]),
    "broken.parquet": (b"age,city\n1,x\n", ["not a valid Parquet file"]),
    "damaged.parquet": (b"PAR1" + b"\x07" * 40, ["damaged Parquet file"]),
    "sheet.xlsx": (b"PK\x03\x04" + b"\x00" * 60, ["Excel", "save the sheet as CSV"]),
    "zipped_as.csv": (b"PK\x03\x04" + b"\x14" * 60, ["Excel", "CSV"]),
    "old.xls": (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 60, ["Excel"]),
    "spaces.csv": (b"age city bought\n" + b"1 x 0\n" * 30, ["only one column found",
                                                          "check the delimiter"]),
    "dupes.csv": (b"age,city,age\n" + b"1,x,2\n" * 30, ["duplicate column names", "'age'"]),
    "ragged.csv": (b"a,b,c\n1,2,3\n4,5,6,7\n8,9,10\n", ["malformed row",
                                                       "Expected 3 fields in line 3, saw 4"]),
    "wide.csv": (b"a,b\n1,2,3\n4,5,6\n", ["more fields than the header"]),
    "quote.csv": (b'a,b\n1,"open\n2,3\n', ["malformed row", "EOF inside string"]),
    "fake.csv.gz": (b"\x1f\x8b\x08\x00garbage", ["not a valid gzip file"]),
    "wide16.csv": ("a,b\n1,2\n".encode("utf-16"), ["UTF-16"]),
}


@pytest.mark.parametrize("file_name", list(BAD_FILES))
def test_every_unusable_file_gets_a_one_line_error_naming_it(tmp_path, file_name):
    content, fragments = BAD_FILES[file_name]
    path = tmp_path / file_name
    path.write_bytes(content)
    one_line_error(lambda: read_table(path), file_name, *fragments)
    one_line_error(lambda: load(path, target="a"), file_name, *fragments)


def test_missing_path_and_directory(tmp_path):
    one_line_error(lambda: read_table(tmp_path / "nowhere.csv"), "nowhere.csv", "does not exist")
    folder = tmp_path / "folder.csv"
    folder.mkdir()
    one_line_error(lambda: read_table(folder), "folder.csv", "is a directory")


def test_size_limit_is_checked_before_reading(tmp_path, monkeypatch):
    path = write_csv(tmp_path / "big.csv", people(2000))
    message = one_line_error(lambda: read_table(path, max_bytes=1000), "big.csv", "over the",
                             "1000 bytes", "DISTVIZ_MAX_FILE_MB")
    assert "KB" not in message
    monkeypatch.setenv("DISTVIZ_MAX_FILE_MB", "0.01")
    one_line_error(lambda: load(path, target="bought"), "big.csv", "over the 10485 bytes limit")
    assert len(read_table(path, max_bytes=10**9)[0]) == 2000  # the argument wins over the env
    monkeypatch.setenv("DISTVIZ_MAX_FILE_MB", "lots")
    one_line_error(lambda: read_table(path), "DISTVIZ_MAX_FILE_MB", "not a number")


# ---------------------------------------------------------------------------- load: bad sources
def test_bad_sources_and_targets(tmp_path):
    path = write_csv(tmp_path / "shop.csv", people())
    one_line_error(lambda: load("no_such_dataset"), "unknown dataset", "titanic")
    one_line_error(lambda: load(path), "shop.csv", "needs a target", "'bought'")
    one_line_error(lambda: load(path, target="price"), "shop.csv", "'price'", "--target",
                   "'age', 'income', 'city', 'bought'")
    one_line_error(lambda: load(people()), "needs a target")
    one_line_error(lambda: load(""), "no usable data source")
    one_line_error(lambda: load("titanic", task="clustering"), "unknown task")
    wide = pd.DataFrame({f"c{i}": range(30) for i in range(25)})
    message = one_line_error(lambda: prepare(wide, target="nope"), "'c9'", "...")
    assert "'c10'" not in message


# ----------------------------------------------------------------------------- prepare: targets
def test_rows_without_target_are_dropped_and_labels_become_text():
    frame = people(44).assign(bought=[1.0, 0.0] * 20 + [np.nan] * 4)
    prepared = prepare(frame, target="bought")
    assert len(prepared.frame) == 40 and prepared.task == "classification"
    assert sorted(prepared.frame["bought"].unique()) == ["0", "1"]
    assert any("4 rows" in note and "missing" in note for note in prepared.notes)
    booleans = prepare(people().assign(bought=[True, False] * 20), target="bought")
    assert set(booleans.frame["bought"]) == {"True", "False"}


def test_target_errors_empty_constant_single_classes_and_text_regression():
    one_line_error(lambda: prepare(people().assign(bought=np.nan), target="bought", name="shop"),
                   "shop", "empty in every row")
    one_line_error(lambda: prepare(people().assign(bought=1), target="bought"),
                   "same value", "nothing to predict")
    unique_labels = people().assign(bought=[f"id{i}" for i in range(39)] + ["id0"])
    one_line_error(lambda: prepare(unique_labels, target="bought"), "fewer than 2 classes")
    one_line_error(lambda: prepare(people(), target="city", task="regression"),
                   "not numeric", "--task classification")


def test_single_row_classes_are_dropped_with_a_note():
    frame = people(42).assign(bought=[0, 1] * 20 + [7, 9])
    prepared = prepare(frame, target="bought")
    assert set(prepared.frame["bought"]) == {"0", "1"} and len(prepared.frame) == 40
    assert any("single row" in note and "'7'" in note for note in prepared.notes)


def test_task_detection_and_explicit_task():
    assert prepare(people(), target="income").task == "regression"
    assert prepare(people(), target="age").task == "regression"  # many whole numbers
    assert prepare(people(), target="city").task == "classification"
    ten_levels = people().assign(bought=np.tile(np.arange(10), 4))
    assert prepare(ten_levels, target="bought").task == "classification"
    eleven_levels = people(44).assign(bought=np.tile(np.arange(11), 4))
    assert prepare(eleven_levels, target="bought").task == "regression"
    forced = prepare(people(), target="bought", task="regression")
    assert forced.task == "regression" and forced.frame["bought"].dtype == "float64"
    texts = people().assign(income=lambda f: f["income"].astype(str))
    coerced = prepare(texts, target="income", task="regression")
    assert coerced.frame["income"].tolist() == people()["income"].tolist()


def test_infinite_regression_targets_are_dropped():
    frame = people(42).assign(income=[1.5, 2.5] * 20 + [np.inf, -np.inf])
    prepared = prepare(frame, target="income", task="regression")
    assert len(prepared.frame) == 40 and np.isfinite(prepared.frame["income"]).all()
    assert any("2 rows" in note and "infinite" in note for note in prepared.notes)


# ---------------------------------------------------------------------------- prepare: features
def test_feature_cleaning_kinds_and_drops():
    n_rows = 60
    frame = people(n_rows).assign(
        row_id=np.arange(n_rows),
        customer=[f"C{i:04d}" for i in range(n_rows)],
        comment=[f"free text comment number {i}, long enough to read as prose" for i in
                 range(n_rows)],
        empty=np.nan,
        constant="same",
        when=pd.date_range("2024-01-01", periods=n_rows),
        member=[True, False, None] * 20,
        zip_code=["0101", "0202", "0303"] * 20,
        weight=[str(7.5 + i % 3) for i in range(57)] + ["n/a", "?", None],
        height=[1.7, np.inf] + [1.8] * 57 + [-np.inf],
    )
    prepared = prepare(frame, target="bought")
    assert prepared.features == ["age", "income", "city", "member", "zip_code", "weight",
                                 "height"]
    assert prepared.kinds == {"age": "numeric", "income": "numeric", "city": "categorical",
                              "member": "categorical", "zip_code": "categorical",
                              "weight": "numeric", "height": "numeric"}
    cleaned = prepared.frame
    assert cleaned["member"].iloc[:2].tolist() == ["True", "False"]
    assert pd.isna(cleaned["member"].iloc[2]) and cleaned["member"].dtype == object
    assert cleaned["zip_code"].iloc[0] == "0101"  # numeric-looking codes stay text
    assert cleaned["weight"].isna().sum() == 3 and cleaned["weight"].dtype == "float64"
    assert cleaned["height"].isna().sum() == 2
    notes = " ".join(prepared.notes)
    for column in ["row_id", "customer", "comment", "empty", "constant", "when"]:
        assert f"Left out '{column}'" in notes
    assert "mixed types" in notes and "infinite" in notes
    assert "row id" in notes and "identifier" in notes and "dates" in notes


def test_few_rows_no_features_and_duplicate_names():
    one_line_error(lambda: prepare(people(MIN_ROWS - 2), target="bought"),
                   "too few rows to split into train and test; need at least 20")
    only_target = people()[["bought"]].assign(constant=1)
    one_line_error(lambda: prepare(only_target, target="bought", name="tiny"),
                   "tiny", "no usable feature columns")
    duplicated = pd.DataFrame([[1, 2, 0], [3, 4, 1]] * 15, columns=[1, "1", "y"])
    one_line_error(lambda: prepare(duplicated, target="y"), "duplicate column names", "'1'")


def test_too_few_rows_message_names_the_file(tmp_path):
    path = write_csv(tmp_path / "short.csv", people(10))
    one_line_error(lambda: load(path, target="bought"), "short.csv", "too few rows")


def test_integer_headers_html_names_and_untouched_input():
    frame = people().set_axis([0, 1, "<img src=x onerror=alert(1)>", 3], axis=1)
    frame.iloc[0, 2] = "<script>alert(1)</script>"
    original = frame.copy()
    prepared = prepare(frame, target=3)
    assert prepared.target == "3" and prepared.features == ["0", "1",
                                                            "<img src=x onerror=alert(1)>"]
    assert prepared.frame.iloc[0, 2] == "<script>alert(1)</script>"
    assert frame.equals(original)  # the caller's frame is not modified


# ------------------------------------------------------------------------------ numeric groups
def zero_inflated(n_rows: int = 4000, zeros: float = 0.9) -> pd.DataFrame:
    """A census-like table: ``capital_gain`` is 0 in about ``zeros`` of the rows, skewed
    otherwise, missing in 2 %; ``x`` is an ordinary column."""
    rng = np.random.default_rng(0)
    gain = np.where(rng.random(n_rows) < zeros, 0.0, rng.lognormal(8, 1, n_rows).round())
    gain[rng.random(n_rows) < 0.02] = np.nan
    return pd.DataFrame({"capital_gain": gain, "x": rng.normal(size=n_rows),
                         "y": rng.integers(0, 2, n_rows)})


def _bin_range(label: str) -> tuple[float, float]:
    low, high = label.split("[", 1)[1].rstrip("]").split(", ")
    return float(low), float(high)


def test_a_zero_inflated_column_gets_a_zero_group_and_quantile_bins_of_the_rest():
    from distviz.data import Dataset
    ds = Dataset(source=zero_inflated(), target="y")
    table = ds.groups("capital_gain")
    # Not one bin "Q1 [0, max]": the zeros ("0"), three bins of the rest, the missing values.
    assert table["group"].tolist()[0] == "0" and table["group"].tolist()[-1] == "missing"
    bins = [g for g in table["group"] if g.startswith("Q")]
    assert [b.split(" ")[0] for b in bins] == ["Q1", "Q2", "Q3"]
    values = ds.X_train["capital_gain"]
    labels = ds.group_labels("capital_gain")
    assert labels[values == 0].eq("0").all() and (labels == "0").sum() == (values == 0).sum()
    assert labels[values.isna()].eq("missing").all()
    rest = table[table["group"].isin(bins)]
    # The other rows split evenly (within a few rows) and every bin holds the rows in its range.
    assert rest["train_rows"].max() - rest["train_rows"].min() <= 3
    for group in bins:
        low, high = _bin_range(group)
        inside = values[labels == group]
        assert len(inside) and inside.min() >= low and inside.max() <= high and inside.min() > 0
    # Training and test rows get labels from one rule: the test set has no group of its own.
    assert set(ds.group_labels("capital_gain", ds.X_test)) <= set(labels)
    assert set(labels) == set(table["group"])
    # The default group: no group besides the zeros holds 10 % of the training rows, so the
    # largest of the others (docs/semantics.md, Defaults; tests/test_first_choices.py).
    others = table[(table["group"] != "0") & (table["train_rows"] > 0)]
    assert (others["train_share"] < 0.10).all()
    assert ds.default_group("capital_gain") == others.loc[others["train_rows"].idxmax(), "group"]
    # An ordinary column keeps its four plain quantile bins.
    assert [g.split(" ")[0] for g in ds.groups("x")["group"]] == ["Q1", "Q2", "Q3", "Q4"]


def test_ordinary_columns_keep_their_labels(titanic):
    assert titanic.groups("age")["group"].tolist() == [
        "Q1 [0.17, 21]", "Q2 [21, 28]", "Q3 [28, 40]", "Q4 [40, 71]", "missing"]


def test_superstore_discount_spikes_are_their_own_groups_and_no_bin_spans_them():
    # A real column: 48 % no discount, 37 % at 0.2 (it was two bins, "Q1 [0, 0.2]" holding 85 %).
    from distviz.data import Dataset
    ds = Dataset(source="superstore")
    table = ds.groups("Discount")
    values = ds.X_train["Discount"]
    labels = ds.group_labels("Discount")
    assert {"0", "0.2"} <= set(table["group"])
    for spike in (0.0, 0.2):
        assert (labels == f"{spike:g}").sum() == (values == spike).sum()
    for group in (g for g in table["group"] if g.startswith("Q")):
        low, high = _bin_range(group)
        inside = values[labels == group]
        assert len(inside) and inside.min() >= low and inside.max() <= high
        assert not inside.isin([0.0, 0.2]).any()
    # Groups are listed in ascending order of their values.
    order = [values[labels == g].median() for g in table["group"]]
    assert order == sorted(order)
    assert set(ds.group_labels("Discount", ds.X_test)) <= set(labels)


def test_quantile_bins_merge_ties_and_drop_empty_bins():
    from distviz.data.bins import quantile_bins
    # 40 % at 5 inside the range, the rest spread with a gap: no bin spans 5, none is empty.
    values = np.concatenate([np.full(40, 5.0), np.arange(1, 5, 0.25), np.arange(20, 64.0)])
    bins = quantile_bins(values, 4)
    assert bins.spikes == {5.0: "5"}
    labelled = bins.label(pd.Series(values))
    assert set(labelled) == set(bins.order) and bins.order.index("5") == 1
    for label in bins.labels:
        inside = values[(labelled == label).to_numpy()]
        low, high = _bin_range(label)
        assert len(inside) and inside.min() >= low and inside.max() <= high
        assert not (low < 5 < high)


def test_shifting_the_zero_group_and_a_bin_of_a_zero_inflated_column():
    from distviz.data import Dataset
    from distviz.shift import ShiftSpec, shift_training_set
    ds = Dataset(source=zero_inflated(), target="y")
    n_zero = int((ds.group_labels("capital_gain") == "0").sum())
    result = shift_training_set(ds, ShiftSpec("capital_gain", "0", -0.5))
    assert result.groups_after["0"] == round(n_zero * 0.5)
    top = [g for g in ds.groups("capital_gain")["group"] if g.startswith("Q")][-1]
    smote = shift_training_set(ds, ShiftSpec("capital_gain", top, 1.0, "smote"))
    assert (ds.group_labels("capital_gain", smote.X[smote.synthetic]) == top).all()
