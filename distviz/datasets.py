"""Where data comes from: the bundled catalog, the user's CSV/Parquet files, and their validation.

A *source* (a bundled name, a file in ``data/``, a path, or a DataFrame) becomes a
:class:`Prepared` table: the kept feature columns plus the target, with the task decided, every
feature typed ``numeric`` or ``categorical``, and one note per change made on the way. Every way
a source can be unusable raises a one-line :class:`~distviz.errors.DatasetError` that says what
is wrong and what to do. Files are only ever read, never written, pickled or evaluated.
"""

from __future__ import annotations

import csv
import gzip
import io
import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from .errors import DatasetError

MAX_FILE_BYTES = 200 * 2**20
MIN_ROWS = 20
MAX_FILE_ENV = "DISTVIZ_MAX_FILE_MB"
DATA_DIR_ENV = "DISTVIZ_DATA_DIR"
TASKS = ("classification", "regression")

_TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
_BINARY_PROBE_BYTES = 8 * 1024
_MAX_CLASSES_FOR_INTEGER_TARGET = 10
_NUMERIC_SHARE = 0.95  # a text column this numeric is a number column with a few typos
_ID_UNIQUE_SHARE = 0.95
_ID_MIN_ROWS = 50
_FREE_TEXT_MEAN_LENGTH = 40


# ------------------------------------------------------------------------------ catalog
@dataclass(frozen=True)
class CatalogEntry:
    """One dataset a user can pick by name.

    Attributes
    ----------
    name : str
        The name used on the command line and in the dataset list, e.g. ``"titanic"``.
    target : str
        The column to predict (for a ``data/`` file: from its sidecar, else its last column).
    task : {"classification", "regression"} or None
        None means "detect from the target".
    description : str
        One line for the dataset list.
    origin : str
        Where the rows come from: a package and dataset, or the file's path.
    loader : callable
        Returns the raw frame (features and target) when called.
    """

    name: str
    target: str
    task: str | None
    description: str
    origin: str
    loader: Callable[[], pd.DataFrame] = field(compare=False, repr=False)


def _titanic() -> pd.DataFrame:
    from bokeh.sampledata.titanic import data
    return data.drop(columns=["name"])  # a name per passenger is an identifier, not a feature


def _penguins() -> pd.DataFrame:
    import hvsampledata
    return hvsampledata.penguins("pandas")


def _breast_cancer() -> pd.DataFrame:
    from sklearn.datasets import load_breast_cancer
    bunch = load_breast_cancer(as_frame=True)
    return bunch.frame.assign(target=np.asarray(bunch.target_names)[bunch.target.to_numpy()])


def _diabetes() -> pd.DataFrame:
    from sklearn.datasets import load_diabetes
    frame = load_diabetes(as_frame=True, scaled=False).frame.rename(
        columns={"target": "progression"})
    # Text codes so prepare() keeps sex as a category instead of a 1..2 number.
    return frame.assign(sex=frame["sex"].round().astype(int).astype(str).astype(object))


def _superstore() -> pd.DataFrame:
    from bokeh.sampledata.sample_superstore import data
    return data[["Ship Mode", "Segment", "Region", "Category", "Sub-Category", "Sales",
                 "Quantity", "Discount", "Profit"]]


BUNDLED: dict[str, CatalogEntry] = {entry.name: entry for entry in [
    CatalogEntry("titanic", "survived", "classification",
                 "Titanic passengers (class, age, sex): who survived",
                 "bokeh_sampledata: titanic", _titanic),
    CatalogEntry("penguins", "species", "classification",
                 "Palmer penguins: species from island, sex and body measurements (3 classes)",
                 "hvsampledata: penguins", _penguins),
    CatalogEntry("breast_cancer", "target", "classification",
                 "Wisconsin breast cancer: malignant or benign from 30 numeric cell measurements",
                 "scikit-learn: load_breast_cancer", _breast_cancer),
    CatalogEntry("diabetes", "progression", "regression",
                 "Diabetes progression after one year from age, sex, BMI, blood pressure and "
                 "six serum measurements", "scikit-learn: load_diabetes(scaled=False)", _diabetes),
    CatalogEntry("superstore", "Profit", "regression",
                 "Superstore orders: profit; country, city, state and postal code left out "
                 "(one country; 49 states, 531 cities, 631 postal codes: too many to group)",
                 "bokeh_sampledata: sample_superstore", _superstore),
]}


def default_data_dir() -> Path:
    """The folder of user datasets: ``$DISTVIZ_DATA_DIR``, else the repository's ``data/``."""
    return Path(os.environ.get(DATA_DIR_ENV) or Path(__file__).resolve().parents[1] / "data")


def _table_stem(path: Path) -> str | None:
    """The dataset name of a table file (``people.csv.gz`` -> ``people``), None if not a table."""
    lower = path.name.lower()
    for suffix in _TABLE_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return path.name[:-len(suffix)]
    return None


def _read_sidecar(path: Path) -> dict:
    """The ``NAME.json`` beside a table file as a dict ({} when there is none)."""
    sidecar = path.with_name(f"{_table_stem(path)}.json")
    if not sidecar.is_file():
        return {}
    try:
        meta = json.loads(sidecar.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise DatasetError(f"{sidecar.name} is not valid JSON ({type(exc).__name__}); write it "
                           'as {"target": "COLUMN", "task": "classification"}.') from None
    if not isinstance(meta, dict) or not isinstance(meta.get("target", ""), str) or (
            meta.get("task") not in (None, "auto", *TASKS)):
        raise DatasetError(f"{sidecar.name} must be a JSON object with a text \"target\" and a "
                           "\"task\" of classification, regression or auto; fix or delete it.")
    return meta


def _header_last_column(path: Path) -> str:
    """The last column name of a table, read from its first bytes (or Parquet schema) only."""
    with open(path, "rb") as handle:
        head = handle.read(4)
    if head == b"PAR1":
        import pyarrow.parquet as pq
        return pq.read_schema(path).names[-1]
    sample = _text_sample(path)[0]
    header = _header_fields(sample, _sniff_delimiter(sample))
    return next((name for name in reversed(header) if name.strip()), "")


def _file_entry(path: Path) -> CatalogEntry:
    """A catalog entry for a ``data/`` file; problems are left for :func:`load` to report."""
    try:
        meta = _read_sidecar(path)
    except DatasetError:
        meta = {}
    target = meta.get("target") or ""
    if not target:
        try:
            target = _header_last_column(path)
        except Exception:  # listing must survive any broken file; load() names the problem
            target = ""
    task = meta.get("task") if meta.get("task") in TASKS else None
    description = str(meta.get("description") or f"Your file {path.name}")
    return CatalogEntry(_table_stem(path), target, task, description, str(path),
                        lambda: read_table(path)[0])


def catalog(data_dir: str | os.PathLike | None = None) -> dict[str, CatalogEntry]:
    """Every dataset a user can pick by name.

    Parameters
    ----------
    data_dir : str or path-like, optional
        Folder of extra ``*.csv``, ``*.csv.gz`` and ``*.parquet`` files, each listed under its
        file stem. Default: :func:`default_data_dir`.

    Returns
    -------
    dict of str to CatalogEntry
        The bundled datasets first (``titanic`` is the default), then the folder's files in name
        order. A file whose name is already taken (a bundled name, or ``x.csv`` beside
        ``x.parquet``) is skipped. Listing reads only headers; broken files fail on load.
    """
    entries = dict(BUNDLED)
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and _table_stem(path) and _table_stem(path) not in entries:
                entries[_table_stem(path)] = _file_entry(path)
    return entries


def list_datasets(data_dir: str | os.PathLike | None = None) -> pd.DataFrame:
    """The catalog as a table with columns ``name, task, target, description, origin``.

    ``task`` is ``"auto"`` for files whose task is detected when they load.
    """
    rows = [{"name": entry.name, "task": entry.task or "auto", "target": entry.target,
             "description": entry.description, "origin": entry.origin}
            for entry in catalog(data_dir).values()]
    return pd.DataFrame(rows, columns=["name", "task", "target", "description", "origin"])


# ------------------------------------------------------------------------------ reading
def _size_text(n_bytes: float) -> str:
    return f"{n_bytes / 2**20:.1f} MB" if n_bytes >= 2**20 / 10 else f"{int(n_bytes)} bytes"


def _size_limit(max_bytes: int | None) -> int:
    """The file size limit: the argument, else ``$DISTVIZ_MAX_FILE_MB``, else 200 MB."""
    if max_bytes is not None:
        return int(max_bytes)
    setting = os.environ.get(MAX_FILE_ENV)
    if not setting:
        return MAX_FILE_BYTES
    try:
        return int(float(setting) * 2**20)
    except ValueError:
        raise DatasetError(f"{MAX_FILE_ENV}={setting!r} is not a number; set it to a size in "
                           "megabytes, e.g. 500.") from None


def _decode(raw: bytes, truncated: bool) -> tuple[str, str]:
    """Text of ``raw`` and its encoding: UTF-8 (BOM removed) if possible, else latin-1."""
    try:
        return raw.decode("utf-8-sig"), "utf-8-sig"
    except UnicodeDecodeError as exc:
        if truncated and exc.start >= len(raw) - 3:  # the sample ends inside one character
            return raw[:exc.start].decode("utf-8-sig"), "utf-8-sig"
        return raw.decode("latin-1"), "latin-1"


def _looks_binary(raw: bytes) -> bool:
    """True when the first 8 KB are not text: a NUL byte, or many control characters."""
    probe = raw[:_BINARY_PROBE_BYTES]
    if not probe or b"\x00" in probe:
        return bool(probe)
    c1_controls = 0
    try:
        probe.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start < len(probe) - 3:  # not UTF-8 (not just cut): latin-1 control bytes count
            c1_controls = sum(0x80 <= byte < 0xA0 for byte in probe)
    c0_controls = sum(byte < 32 and byte not in b"\t\n\r\f\v" for byte in probe)
    return (c0_controls + c1_controls) / len(probe) > 0.05


def _text_sample(path: Path) -> tuple[str, str, bytes]:
    """The first 64 KB of a text table (decompressed if gzip) as text, its encoding, raw bytes."""
    with open(path, "rb") as handle:
        raw = handle.read(_SNIFF_BYTES + 1)
    if raw[:2] == b"\x1f\x8b":
        try:
            with gzip.open(path, "rb") as handle:
                raw = handle.read(_SNIFF_BYTES + 1)
        except (OSError, EOFError):
            raise DatasetError(f"{path.name} is not a valid gzip file; compress it again or give "
                               "the plain CSV.") from None
    if raw[:2] in (b"\xff\xfe", b"\xfe\xff"):
        raise DatasetError(f"{path.name} is UTF-16 text; save it again as CSV with UTF-8 "
                           "encoding.")
    if _looks_binary(raw):
        raise DatasetError(f"{path.name} is not a text table (it contains binary data); export "
                           "it as CSV or Parquet.")
    truncated = len(raw) > _SNIFF_BYTES
    text, encoding = _decode(raw[:_SNIFF_BYTES], truncated)
    if truncated and "\n" in text:
        text = text[:text.rindex("\n") + 1]  # drop the last, possibly cut, line
    return text, encoding, raw


def _records(sample: str, delimiter: str, limit: int = 100) -> list[list[str]]:
    """The first non-blank records of ``sample`` split with ``delimiter`` (quotes respected)."""
    records = []
    try:
        for record in csv.reader(io.StringIO(sample), delimiter=delimiter):
            if any(value.strip() for value in record):
                records.append(record)
            if len(records) >= limit:
                break
    except csv.Error:
        pass  # a malformed sample scores low; pandas reports the exact line later
    return records


def _sniff_delimiter(sample: str) -> str:
    """The delimiter among , ; tab | whose rows most consistently match the header's width."""
    best, best_score = ",", (0.0, 0)
    for delimiter in _DELIMITERS:
        records = _records(sample, delimiter)
        if not records or len(records[0]) < 2:
            continue
        width = len(records[0])
        consistency = sum(len(record) == width for record in records) / len(records)
        if (consistency, width) > best_score:
            best, best_score = delimiter, (consistency, width)
    return best


def _header_fields(sample: str, delimiter: str) -> list[str]:
    records = _records(sample, delimiter, limit=1)
    return records[0] if records else []


def _check_table_shape(frame: pd.DataFrame, path: Path, hint: str) -> None:
    """Raise unless ``frame`` has data rows and at least two columns."""
    if frame.shape[1] < 2:
        raise DatasetError(f"{path.name}: only one column found; a table needs feature columns "
                           f"and a target column; {hint}.")
    if len(frame) == 0:
        raise DatasetError(f"{path.name} has a header row but no data rows; export the table "
                           "again with its rows.")


def _read_parquet(path: Path, notes: list[str]) -> pd.DataFrame:
    if not path.name.lower().endswith((".parquet", ".pq")):
        notes.append(f"{path.name} is a Parquet file despite its name, so it was read as "
                     "Parquet.")
    try:
        frame = pd.read_parquet(path)
    except Exception as exc:  # pyarrow raises many types for a damaged file
        raise DatasetError(f"{path.name} is a damaged Parquet file ({type(exc).__name__}); "
                           "export it again.") from None
    if frame.index.names != [None]:
        frame = frame.reset_index()  # a named index holds data columns
    _check_table_shape(frame, path, "export the table with all its columns")
    return frame.reset_index(drop=True)


def _read_csv(path: Path, notes: list[str], gzipped: bool) -> pd.DataFrame:
    sample, encoding, raw = _text_sample(path)
    if not sample.strip() and len(raw) <= _SNIFF_BYTES:
        raise DatasetError(f"{path.name} contains only whitespace; export the table again with a "
                           "header row and data rows.")
    delimiter = _sniff_delimiter(sample)
    header = _header_fields(sample, delimiter)
    duplicates = sorted({name for name in header if name.strip() and header.count(name) > 1})
    if duplicates:  # pandas would silently rename them to "x.1"
        raise DatasetError(f"{path.name} has duplicate column names "
                           f"({', '.join(map(repr, duplicates))}); rename them so every column "
                           "name is unique.")
    # The magic bytes decide, not the name: a plain CSV named .gz still reads.
    options = dict(sep=delimiter, engine="c", low_memory=False,
                   compression="gzip" if gzipped else None)
    try:
        try:
            frame = pd.read_csv(path, encoding=encoding, **options)
        except UnicodeDecodeError:  # a non-UTF-8 byte after the sampled start
            encoding = "latin-1"
            frame = pd.read_csv(path, encoding=encoding, **options)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path.name} has no header row; export the table again with a "
                           "header row and data rows.") from None
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split()).split("C error: ")[-1].rstrip(".")
        raise DatasetError(f"{path.name} has a malformed row ({detail}); give every row as many "
                           f"fields as the header and quote values that contain "
                           f"{delimiter!r}.") from None
    except (OSError, ValueError) as exc:
        raise DatasetError(f"{path.name} could not be read as CSV ({type(exc).__name__}: "
                           f"{' '.join(str(exc).split())[:120]}); export it again.") from None
    if encoding == "latin-1":
        notes.append(f"{path.name} is not valid UTF-8, so it was read as latin-1; check accented "
                     "characters.")
    if not frame.index.equals(pd.RangeIndex(len(frame))):  # pandas used the extra field as index
        raise DatasetError(f"{path.name}: the data rows have more fields than the header row; add "
                           "the missing column names to the header or remove the extra fields.")
    _check_table_shape(frame, path, "check the delimiter (, ; tab or |) and that the header "
                                    "names every column")
    return frame


def read_table(path: str | os.PathLike, *,
               max_bytes: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV (optionally gzipped) or Parquet file, with a clear error for every failure.

    Parameters
    ----------
    path : str or path-like
        The file. Parquet is recognised by its ``PAR1`` magic bytes whatever the name; CSV may
        use ``,`` ``;`` tab or ``|`` and be UTF-8 (with or without BOM) or latin-1.
    max_bytes : int, optional
        Refuse larger files. Default ``$DISTVIZ_MAX_FILE_MB`` megabytes, else 200 MB.

    Returns
    -------
    frame : pandas.DataFrame
        The table as read, columns and values untouched.
    notes : list of str
        One sentence per thing the reader had to guess (encoding, format).

    Raises
    ------
    DatasetError
        Missing, a directory, too large, empty, blank, header only, binary, Excel, damaged
        Parquet or gzip, one column, duplicate column names, or malformed rows.
    """
    path = Path(path).expanduser()
    notes: list[str] = []
    if not path.exists():
        raise DatasetError(f"{path.name} does not exist ({path}); check the path, or run "
                           "'distviz datasets' for the names of the bundled datasets.")
    if path.is_dir():
        raise DatasetError(f"{path.name} is a directory; give the path of a CSV or Parquet file "
                           "inside it.")
    size, limit = path.stat().st_size, _size_limit(max_bytes)
    if size > limit:
        raise DatasetError(f"{path.name} is {_size_text(size)}, over the {_size_text(limit)} "
                           f"limit; use a sample of the rows, or raise the limit with "
                           f"{MAX_FILE_ENV}=<megabytes>.")
    if size == 0:
        raise DatasetError(f"{path.name} is empty (0 bytes); export the table again with a "
                           "header row and data rows.")
    try:
        with open(path, "rb") as handle:
            magic = handle.read(8)
        if magic.startswith(b"PAR1"):
            return _read_parquet(path, notes), notes
        if path.name.lower().endswith((".parquet", ".pq")):
            raise DatasetError(f"{path.name} is not a valid Parquet file (it lacks the PAR1 "
                               "header); export it again, or give a CSV.")
        if magic.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")) or path.suffix.lower() in (
                ".xlsx", ".xls", ".xlsm", ".ods"):
            raise DatasetError(f"{path.name} is an Excel workbook (or another zipped file); "
                               "save the sheet as CSV (UTF-8) and load that.")
        return _read_csv(path, notes, gzipped=magic.startswith(b"\x1f\x8b")), notes
    except PermissionError:
        raise DatasetError(f"{path.name} cannot be read (permission denied); make the file "
                           "readable or copy it somewhere you can read.") from None


# ------------------------------------------------------------------------------ validation
@dataclass
class Prepared:
    """A validated, cleaned table ready for :class:`distviz.data.Dataset`.

    Attributes
    ----------
    frame : pandas.DataFrame
        The kept feature columns then the target column, with a fresh RangeIndex. Numeric
        features are float64 (missing = NaN); categorical features and a classification target
        are object columns of str (missing = NaN); a regression target is float64.
    name, target, task, origin : str
        What the data is called, what is predicted, how, and where the rows came from.
    features : list of str
        Kept feature columns, in their original order.
    kinds : dict of str to str
        ``"numeric"`` or ``"categorical"`` for each feature.
    notes : list of str
        One sentence per thing that was changed or dropped.
    """

    frame: pd.DataFrame
    name: str
    target: str
    task: str
    features: list[str]
    kinds: dict[str, str]
    notes: list[str]
    origin: str


def _check_task(task: str | None) -> None:
    if task not in (None, "auto", *TASKS):
        raise DatasetError(f"unknown task {task!r}; use auto, classification or regression.")


def _per_distinct(values: pd.Series, convert, fill) -> pd.Series | None:
    """``convert`` applied once per distinct value of a text or categorical column (same result
    as on every row, much faster for many rows); None for other columns. Numbers and booleans
    qualify too: in a typed column equal values are the same value (unlike 1, 1.0 and True
    mixed in an object column)."""
    if not (isinstance(values.dtype, (pd.StringDtype, pd.CategoricalDtype))
            or pd.api.types.is_numeric_dtype(values) and values.dtype != object):
        return None
    codes, uniques = pd.factorize(values)  # missing -> -1, which picks ``fill`` below
    converted = convert(pd.Series(np.asarray(uniques, dtype=object), dtype=object)).to_numpy()
    out = np.append(converted, np.array([fill], dtype=converted.dtype))[codes]
    return pd.Series(out, index=values.index, name=values.name)


def _to_numbers(values: pd.Series) -> pd.Series:
    """``values`` as float64; text that is not a number, and True/False, become NaN."""
    fast = _per_distinct(values, _to_numbers, np.nan)
    if fast is not None:
        return fast.astype("float64")

    def number_or_text(value):
        if isinstance(value, (bool, np.bool_)):
            return None  # a yes/no value is a category, though Python counts it as 0/1
        return value.strip() if isinstance(value, str) else value
    return pd.to_numeric(values.astype(object).map(number_or_text),
                         errors="coerce").astype("float64")


def _as_text(values: pd.Series) -> pd.Series:
    """``values`` as an object column of str, missing kept as NaN (``1.0`` -> ``"1"``)."""
    fast = _per_distinct(values, _as_text, np.nan)
    if fast is not None:
        return fast.astype(object)

    def label(value) -> str:
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            return str(int(value))
        return str(value)
    text = values.astype(object).map(label, na_action="ignore")
    return text.where(values.notna(), np.nan).astype(object)


def _is_numeric_dtype(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _detect_task(y: pd.Series, task: str | None, target: str, label: str) -> str:
    """The task for target ``y`` (no missing values): the explicit one, or detected."""
    if task in TASKS:
        if task == "regression" and (pd.api.types.is_bool_dtype(y) or _to_numbers(y).isna().any()):
            raise DatasetError(f"target {target!r} of {label} is not numeric, so it cannot be a "
                               "regression target; use --task classification.")
        return task
    if not _is_numeric_dtype(y):
        return "classification"
    distinct = pd.unique(y.astype("float64"))
    whole = np.all(np.isfinite(distinct) & (np.mod(distinct, 1) == 0))
    return ("classification" if len(distinct) <= _MAX_CLASSES_FOR_INTEGER_TARGET and whole
            else "regression")


def _clean_target(frame: pd.DataFrame, target: str, task: str | None, label: str,
                  notes: list[str]) -> tuple[pd.DataFrame, str]:
    """Drop unusable target rows, decide the task and convert the target column."""
    y = frame[target]
    missing = y.isna()
    if missing.all():
        raise DatasetError(f"target {target!r} of {label} is empty in every row; pass --target "
                           "with a column that has values.")
    if missing.any():
        notes.append(f"Dropped {int(missing.sum())} rows whose target {target!r} is missing.")
        frame = frame.loc[~missing]
        y = frame[target]
    if y.nunique() < 2:
        constant = _as_text(y.iloc[:1]).iloc[0]
        raise DatasetError(f"target {target!r} of {label} has the same value ({constant!r}) in "
                           "every row, so there is nothing to predict; pass --target with a "
                           "column that varies.")
    task = _detect_task(y, task, target, label)
    if task == "regression":
        numbers = _to_numbers(y)
        infinite = np.isinf(numbers)
        if infinite.any():
            notes.append(f"Dropped {int(infinite.sum())} rows whose target {target!r} is "
                         "infinite.")
        frame = frame.loc[~infinite].assign(**{target: numbers[~infinite]})
        if frame[target].nunique() < 2:
            raise DatasetError(f"target {target!r} of {label} has a single finite value; pass "
                               "--target with a column that varies.")
        return frame, task
    labels = _as_text(y)
    counts = labels.value_counts()
    single = counts.index[counts < 2].tolist()
    if single:
        shown = ", ".join(map(repr, single[:5])) + (", ..." if len(single) > 5 else "")
        notes.append(f"Dropped {len(single)} target classes with a single row ({shown}): they "
                     "cannot be split into train and test.")
        keep = ~labels.isin(single)
        frame, labels = frame.loc[keep], labels[keep]
    if labels.nunique() < 2:
        raise DatasetError(f"target {target!r} of {label} has fewer than 2 classes with at least "
                           "2 rows each; pass --target with a class column, or --task regression "
                           "for a number.")
    return frame.assign(**{target: labels}), task


def _clean_feature(values: pd.Series, n_rows: int) -> tuple[str | None, pd.Series, str | None]:
    """A feature's kind, cleaned values and note; kind None means drop it (the note says why)."""
    name = repr(values.name)
    note = None
    if (pd.api.types.is_datetime64_any_dtype(values) or pd.api.types.is_timedelta64_dtype(values)
            or isinstance(values.dtype, pd.PeriodDtype)):
        return None, values, f"Left out {name}: dates and times are not supported as features yet."
    if _is_numeric_dtype(values) and not pd.api.types.is_complex_dtype(values):
        kind, cleaned = "numeric", values.astype("float64")
        infinite = np.isinf(cleaned)
        if infinite.any():
            note = f"{name}: {int(infinite.sum())} infinite values treated as missing."
            cleaned = cleaned.where(~infinite)
    elif pd.api.types.is_bool_dtype(values) or isinstance(values.dtype, pd.CategoricalDtype):
        kind, cleaned = "categorical", _as_text(values)
    else:
        present = values.notna()
        numbers = _to_numbers(values)
        parsed = numbers[present].notna()
        share = float(parsed.mean()) if present.any() else 0.0
        # Text that is entirely numeric was made text on purpose (codes such as "01"), so it
        # stays a category; Python numbers in an object column are numbers.
        all_text = isinstance(values.dtype, pd.StringDtype) or bool(
            values[present].map(lambda v: isinstance(v, str)).all())
        if share >= _NUMERIC_SHARE and not (share == 1.0 and all_text):
            kind, cleaned = "numeric", numbers.where(np.isfinite(numbers))
            if share < 1.0:
                note = (f"{name} has mixed types: {int((~parsed).sum())} values that are not "
                        "numbers were treated as missing.")
        else:
            kind, cleaned = "categorical", _as_text(values)
    present = cleaned.dropna()
    if present.empty:
        return None, cleaned, f"Left out {name}: it is empty in every row."
    distinct = present.nunique()
    if distinct == 1:
        return None, cleaned, f"Left out {name}: it has the same value in every row."
    if kind == "categorical":
        unique_share = distinct / len(present)
        long_text = (distinct > min(50, len(present) / 2)  # cheap test first: many rows
                     and present.str.len().mean() > _FREE_TEXT_MEAN_LENGTH)
        if distinct == len(present) or long_text or (
                n_rows >= _ID_MIN_ROWS and unique_share >= _ID_UNIQUE_SHARE):
            return None, cleaned, (f"Left out {name}: it looks like an identifier or free text "
                                   f"({distinct} different values in {len(present)} rows).")
    elif (len(present) == n_rows and distinct == n_rows and np.all(np.mod(present, 1) == 0)
          and (present.is_monotonic_increasing or present.is_monotonic_decreasing)):
        return None, cleaned, f"Left out {name}: it looks like a row id (unique and ordered)."
    return kind, cleaned, note


def _prepare(frame: pd.DataFrame, *, target: str, task: str | None, name: str, origin: str,
             label: str) -> Prepared:
    """:func:`prepare`, naming the data ``label`` in error messages (a file's base name)."""
    if not isinstance(frame, pd.DataFrame):
        raise DatasetError(f"{label} is a {type(frame).__name__}, not a table; pass a pandas "
                           "DataFrame, a CSV/Parquet path or a bundled dataset's name.")
    _check_task(task)
    notes: list[str] = []
    columns = [str(column) for column in frame.columns]
    duplicates = sorted({column for column in columns if columns.count(column) > 1})
    if duplicates:
        raise DatasetError(f"{label} has duplicate column names "
                           f"({', '.join(map(repr, duplicates))}); rename them so every column "
                           "name is unique.")
    frame = frame.set_axis(columns, axis=1).reset_index(drop=True)  # copy-on-write: no copy yet
    target = str(target)
    if target not in columns:
        shown = ", ".join(map(repr, columns[:10])) + (", ..." if len(columns) > 10 else "")
        raise DatasetError(f"target column {target!r} is not in {label} (columns: {shown}); pass "
                           "--target with one of them.")
    frame, task = _clean_target(frame, target, task, label, notes)
    n_rows = len(frame)
    features, kinds, cleaned_columns = [], {}, {}
    for column in columns:
        if column == target:
            continue
        kind, values, note = _clean_feature(frame[column], n_rows)
        if note:
            notes.append(note)
        if kind is not None:
            features.append(column)
            kinds[column] = kind
            cleaned_columns[column] = values
    if not features:
        raise DatasetError(f"{label} has no usable feature columns besides the target "
                           f"{target!r}; add columns that describe each row.")
    if n_rows < MIN_ROWS:
        raise DatasetError(f"{label} has only {n_rows} usable rows: too few rows to split into "
                           f"train and test; need at least {MIN_ROWS}.")
    cleaned = pd.DataFrame({**cleaned_columns, target: frame[target]}).reset_index(drop=True)
    return Prepared(cleaned, name, target, task, features, kinds, notes, origin)


def prepare(frame: pd.DataFrame, *, target: str, task: str = "auto", name: str = "data",
            origin: str = "frame") -> Prepared:
    """Validate and clean a raw table: decide the task, convert the target, type the features.

    Parameters
    ----------
    frame : pandas.DataFrame
        Features and target; it is not modified. Column names become str.
    target : str
        The column to predict.
    task : {"auto", "classification", "regression"}
        ``"auto"``: a text, bool or category target, or a numeric one with at most 10 distinct
        whole values, is classification; any other numeric target is regression.
    name, origin : str
        Recorded in the result; ``name`` also names the data in error messages.

    Returns
    -------
    Prepared

    Raises
    ------
    DatasetError
        Unknown target; target empty, constant, not numeric for regression, or without 2
        classes of at least 2 rows; no usable feature; fewer than ``MIN_ROWS`` rows.
    """
    return _prepare(frame, target=target, task=task, name=name, origin=origin, label=name)


def _bundled_rows(entry: CatalogEntry) -> pd.DataFrame:
    try:
        return entry.loader()
    except Exception as exc:  # a missing or broken sample-data package
        package = entry.origin.split(":")[0]
        raise DatasetError(f"the bundled dataset {entry.name!r} could not be loaded "
                           f"({type(exc).__name__}); reinstall the package {package}.") from None


def load(source: str | os.PathLike | pd.DataFrame, *, target: str | None = None,
         task: str = "auto", name: str | None = None, data_dir: str | os.PathLike | None = None,
         max_bytes: int | None = None) -> Prepared:
    """Turn a source into a :class:`Prepared` table.

    Parameters
    ----------
    source : str, path-like or pandas.DataFrame
        A catalog name (bundled or a file in ``data_dir``), a path to a CSV/Parquet file, or a
        DataFrame.
    target : str, optional
        The column to predict. Required for a DataFrame or a file outside the catalog; for a
        catalog name it defaults to the entry's target.
    task : {"auto", "classification", "regression"}
        ``"auto"`` uses the catalog entry's task when it has one, else detection.
    name : str, optional
        Name of the result; default the catalog name, the file stem, or ``"data"``.
    data_dir : str or path-like, optional
        Folder of user datasets (see :func:`catalog`).
    max_bytes : int, optional
        File size limit (see :func:`read_table`).

    Returns
    -------
    Prepared
        With the reader's notes (encoding, format) before the cleaning notes.
    """
    _check_task(task)
    if isinstance(source, pd.DataFrame):
        if target is None:
            raise DatasetError("a DataFrame source needs a target; pass target=COLUMN.")
        return prepare(source, target=target, task=task, name=name or "data", origin="frame")
    if not isinstance(source, (str, os.PathLike)) or not str(os.fspath(source)).strip():
        raise DatasetError("no usable data source given; pass a bundled dataset's name (see "
                           "'distviz datasets') or the path of a CSV or Parquet file.")
    text = str(os.fspath(source))
    entries = catalog(data_dir)
    entry = entries.get(text) if isinstance(source, str) else None
    if entry is not None and entry.name in BUNDLED:
        return _prepare(_bundled_rows(entry), target=target or entry.target,
                        task=task if task != "auto" else entry.task, name=name or entry.name,
                        origin=entry.origin, label=entry.name)
    path = Path(entry.origin) if entry is not None else Path(text).expanduser()
    if entry is None and not path.exists() and os.sep not in text and "/" not in text \
            and not _table_stem(path):
        raise DatasetError(f"unknown dataset {text!r}; use one of {', '.join(entries)}, or the "
                           "path of a CSV or Parquet file.")
    raw, reader_notes = read_table(path, max_bytes=max_bytes)
    meta = _read_sidecar(path) if _table_stem(path) else {}
    if entry is not None:  # a data/ file: sidecar target, else its last named column
        target = target or meta.get("target") or entry.target or str(raw.columns[-1])
    else:
        target = target or meta.get("target")
    if not target:
        shown = ", ".join(map(repr, map(str, list(raw.columns)[:10])))
        raise DatasetError(f"{path.name} needs a target column; pass --target with one of: "
                           f"{shown}.")
    chosen_task = task if task != "auto" else meta.get("task")
    prepared = _prepare(raw, target=target, task=chosen_task,
                        name=name or _table_stem(path) or path.stem, origin=str(path),
                        label=path.name)
    prepared.notes[:0] = reader_notes
    return prepared
