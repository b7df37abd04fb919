"""Where data comes from: the bundled catalog, the user's CSV/Parquet files, and their validation.

Every way a source can be unusable raises a one-line :class:`DatasetError` that says what is
wrong and what to do. Files are only ever read.
"""

from __future__ import annotations

import csv
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
_DELIMITERS = ",;\t|"


# ------------------------------------------------------------------------------ catalog
@dataclass(frozen=True)
class CatalogEntry:
    name: str
    target: str
    task: str | None
    description: str
    origin: str
    loader: Callable[[], pd.DataFrame] = field(compare=False, repr=False)


def _titanic():
    from bokeh.sampledata.titanic import data
    return data.drop(columns=["name"])


def _penguins():
    import hvsampledata
    return hvsampledata.penguins("pandas")


def _breast_cancer():
    from sklearn.datasets import load_breast_cancer
    bunch = load_breast_cancer(as_frame=True)
    frame = bunch.frame.copy()
    frame["target"] = np.asarray(bunch.target_names)[bunch.target]
    return frame


def _diabetes():
    from sklearn.datasets import load_diabetes
    frame = load_diabetes(as_frame=True, scaled=False).frame.rename(
        columns={"target": "progression"})
    frame["sex"] = frame["sex"].round().astype(int).astype(str)  # a category, not a number
    return frame


def _superstore():
    from bokeh.sampledata.sample_superstore import data
    return data[["Ship Mode", "Segment", "Region", "Category", "Sub-Category", "Sales",
                 "Quantity", "Discount", "Profit"]]


BUNDLED = {
    "titanic": CatalogEntry("titanic", "survived", "classification",
                            "Titanic passengers (class, age, sex): who survived",
                            "bokeh_sampledata: titanic", _titanic),
    "penguins": CatalogEntry("penguins", "species", "classification",
                             "Palmer penguins: species from body measurements (3 classes)",
                             "hvsampledata: penguins", _penguins),
    "breast_cancer": CatalogEntry("breast_cancer", "target", "classification",
                                  "Wisconsin breast cancer: malignant or benign, 30 numeric "
                                  "features", "scikit-learn: load_breast_cancer",
                                  _breast_cancer),
    "diabetes": CatalogEntry("diabetes", "progression", "regression",
                             "Diabetes progression after one year (regression; age, sex, BMI, "
                             "...)", "scikit-learn: load_diabetes(scaled=False)", _diabetes),
    "superstore": CatalogEntry("superstore", "Profit", "regression",
                               "Superstore orders: profit (regression); place columns (country, "
                               "city, state, postal code) left out as near-identifiers",
                               "bokeh_sampledata: sample_superstore", _superstore),
}


def default_data_dir() -> Path:
    return Path(os.environ.get("DISTVIZ_DATA_DIR")
                or Path(__file__).resolve().parents[1] / "data")


def _file_entry(path: Path) -> CatalogEntry:
    sidecar = path.with_name(path.name.split(".")[0] + ".json")
    target, task = None, None
    if sidecar.exists():
        try:
            meta = json.loads(sidecar.read_text())
            target, task = meta.get("target"), meta.get("task")
        except (OSError, ValueError, AttributeError):
            pass  # a broken sidecar surfaces when the file is loaded
    if target is None:
        try:
            with open(path, "rb") as handle:
                head = handle.read(65536)
            if not head.startswith(b"PAR1"):
                text = _decode(head, path)[0]
                first = text.splitlines()[0] if text.strip() else ""
                target = next(csv.reader([first], delimiter=_sniff(text)))[-1] if first else ""
        except (OSError, DatasetError, StopIteration, csv.Error):
            target = ""
    return CatalogEntry(path.name.split(".")[0], target or "", task,
                        f"your file {path.name}", str(path),
                        lambda: read_table(path)[0])


def catalog(data_dir: str | os.PathLike | None = None) -> dict[str, CatalogEntry]:
    """Bundled datasets first, then every CSV/Parquet file in ``data_dir`` (by file stem)."""
    entries = dict(BUNDLED)
    folder = Path(data_dir) if data_dir else default_data_dir()
    if folder.is_dir():
        for path in sorted(folder.iterdir()):
            if path.is_file() and path.name.lower().endswith((".csv", ".parquet", ".csv.gz",
                                                              ".pq")):
                entry = _file_entry(path)
                entries.setdefault(entry.name, entry)
    return entries


def list_datasets(data_dir=None) -> pd.DataFrame:
    return pd.DataFrame([{"name": e.name, "task": e.task or "auto", "target": e.target,
                          "description": e.description, "origin": e.origin}
                         for e in catalog(data_dir).values()])


# ------------------------------------------------------------------------------ reading
def _max_bytes(max_bytes: int | None) -> int:
    if max_bytes is not None:
        return max_bytes
    env = os.environ.get("DISTVIZ_MAX_FILE_MB")
    return int(float(env) * 2**20) if env else MAX_FILE_BYTES


def _decode(raw: bytes, path: Path) -> tuple[str, str]:
    if b"\x00" in raw[:8192]:
        raise DatasetError(f"{path.name} is not a text table (it contains binary data); "
                           "export it as CSV or Parquet.")
    try:
        return raw.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError as exc:
        if exc.start >= len(raw) - 3 and len(raw) >= 65536:
            return raw[:exc.start].decode("utf-8-sig"), "utf-8"  # cut inside a character
        return raw.decode("latin-1"), "latin-1"


def _sniff(text: str) -> str:
    """The delimiter among , ; tab | that splits the first lines most consistently."""
    lines = [line for line in text.splitlines()[:50] if line.strip()]
    best, best_score = ",", -1.0
    for delimiter in _DELIMITERS:
        counts = [len(next(csv.reader([line], delimiter=delimiter))) for line in lines]
        if not counts or counts[0] < 2:
            continue
        consistent = sum(c == counts[0] for c in counts) / len(counts)
        score = consistent * 1000 + counts[0]
        if score > best_score:
            best, best_score = delimiter, score
    return best


def read_table(path, *, max_bytes: int | None = None) -> tuple[pd.DataFrame, list[str]]:
    """Read a CSV (any of , ; tab |, UTF-8 or latin-1) or Parquet file, with clear errors."""
    path = Path(path)
    notes: list[str] = []
    if not path.exists():
        raise DatasetError(f"{path.name} does not exist ({path}); check the path, or run "
                           "'distviz datasets' for the bundled names.")
    if path.is_dir():
        raise DatasetError(f"{path.name} is a directory; give the path of a CSV or Parquet "
                           "file inside it.")
    size, limit = path.stat().st_size, _max_bytes(max_bytes)
    if size > limit:
        raise DatasetError(f"{path.name} is {size / 2**20:.1f} MB, over the {limit / 2**20:.0f} "
                           "MB limit; sample it, or raise the limit with DISTVIZ_MAX_FILE_MB.")
    if size == 0:
        raise DatasetError(f"{path.name} is empty (0 bytes); export the table again with a "
                           "header row and data rows.")
    with open(path, "rb") as handle:
        head = handle.read(65536)
    if head.startswith(b"PAR1"):
        if not path.name.lower().endswith((".parquet", ".pq")):
            notes.append(f"{path.name} is a Parquet file despite its name; read it as Parquet.")
        try:
            return pd.read_parquet(path), notes
        except Exception as exc:
            raise DatasetError(f"{path.name} is not a readable Parquet file ({type(exc).__name__}"
                               "); export it again.") from None
    if path.name.lower().endswith((".parquet", ".pq")):
        raise DatasetError(f"{path.name} is not a valid Parquet file (no PAR1 header); export "
                           "it again or give a CSV.")
    if head.startswith(b"PK") or path.suffix.lower() in (".xlsx", ".xls"):
        raise DatasetError(f"{path.name} looks like an Excel or zip file; save the sheet as CSV "
                           "and load that.")
    if path.name.lower().endswith(".gz"):
        import gzip
        try:
            with gzip.open(path, "rb") as handle:
                head = handle.read(65536)
        except OSError:
            raise DatasetError(f"{path.name} is not a valid gzip file; compress it again or "
                               "give the plain CSV.") from None
    text, encoding = _decode(head, path)
    if not text.strip():
        raise DatasetError(f"{path.name} contains only blank lines; export the table again "
                           "with a header row and data rows.")
    if encoding == "latin-1":
        notes.append(f"{path.name} is not UTF-8; read it as latin-1.")
    delimiter = _sniff(text)
    header = next(csv.reader([text.splitlines()[0]], delimiter=delimiter))
    duplicates = sorted({c for c in header if header.count(c) > 1})
    if duplicates:
        raise DatasetError(f"{path.name} has duplicate column names ({', '.join(duplicates)}); "
                           "rename them so every column is unique.")
    try:
        frame = pd.read_csv(path, sep=delimiter, encoding=encoding if encoding != "utf-8"
                            else "utf-8-sig", low_memory=False)
    except pd.errors.EmptyDataError:
        raise DatasetError(f"{path.name} has no columns; export the table again with a header "
                           "row.") from None
    except pd.errors.ParserError as exc:
        detail = " ".join(str(exc).split())
        raise DatasetError(f"{path.name} has rows with the wrong number of fields ({detail}); "
                           "fix those lines or quote fields that contain the delimiter.") from None
    except UnicodeDecodeError:
        frame = pd.read_csv(path, sep=delimiter, encoding="latin-1", low_memory=False)
        notes.append(f"{path.name} is not UTF-8; read it as latin-1.")
    if frame.shape[1] < 2:
        raise DatasetError(f"{path.name}: only one column found; a table needs features and a "
                           "target; check the delimiter (, ; tab or |).")
    if len(frame) == 0:
        raise DatasetError(f"{path.name} has a header but no data rows; add rows.")
    return frame, notes


# ------------------------------------------------------------------------------ validation
@dataclass
class Prepared:
    frame: pd.DataFrame
    name: str
    target: str
    task: str
    features: list[str]
    kinds: dict[str, str]
    notes: list[str]
    origin: str


def _numeric_share(values: pd.Series) -> tuple[float, pd.Series]:
    numbers = pd.to_numeric(values.astype(str).str.strip(), errors="coerce")
    present = values.notna()
    share = float(numbers[present].notna().mean()) if present.any() else 0.0
    return share, numbers


def _label_text(value) -> str:
    if isinstance(value, (float, np.floating)) and float(value).is_integer():
        return str(int(value))
    return str(value)


def prepare(frame: pd.DataFrame, *, target: str, task: str = "auto", name: str = "data",
            origin: str = "frame") -> Prepared:
    """Validate and clean a raw table: task, target classes, feature kinds, dropped columns."""
    notes: list[str] = []
    frame = frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    if target not in frame.columns:
        shown = ", ".join(list(frame.columns)[:10]) + (", ..." if frame.shape[1] > 10 else "")
        raise DatasetError(f"target column {target!r} is not in {name} (columns: {shown}); pass "
                           "--target with one of them.")
    if task not in ("auto", "classification", "regression", None):
        raise DatasetError(f"unknown task {task!r}; use auto, classification or regression.")
    y = frame[target]
    if y.isna().all():
        raise DatasetError(f"target {target!r} of {name} is empty in every row; choose another "
                           "--target.")
    missing = int(y.isna().sum())
    if missing:
        frame = frame[y.notna()]
        notes.append(f"dropped {missing} rows whose target {target!r} is missing.")
        y = frame[target]

    numeric_target = pd.api.types.is_numeric_dtype(y) and not pd.api.types.is_bool_dtype(y)
    if task in ("auto", None):
        if numeric_target:
            distinct = pd.unique(y)
            task = ("classification" if len(distinct) <= 10
                    and np.all(np.mod(distinct.astype(float), 1) == 0) else "regression")
        else:
            share, _ = _numeric_share(y)
            task = "regression" if share == 1.0 and y.nunique() > 10 else "classification"
    if task == "regression":
        share, numbers = _numeric_share(y)
        if share < 1.0:
            raise DatasetError(f"target {target!r} of {name} is not numeric, so it cannot be "
                               "a regression target; use --task classification.")
        finite = np.isfinite(numbers)
        if (~finite).any():
            notes.append(f"dropped {int((~finite).sum())} rows whose target is infinite.")
        frame = frame[finite.to_numpy()].assign(**{target: numbers[finite].astype(float)})
    else:
        labels = frame[target].map(_label_text)
        counts = labels.value_counts()
        single = counts[counts < 2].index.tolist()
        if single:
            notes.append(f"dropped {len(single)} class(es) with a single row "
                         f"({', '.join(map(str, single[:5]))}): they cannot be split.")
            keep = ~labels.isin(single)
            frame, labels = frame[keep], labels[keep]
        frame = frame.assign(**{target: labels.astype(object)})
    if frame[target].nunique() < 2:
        raise DatasetError(f"target {target!r} of {name} has a single value; a model needs at "
                           "least two classes or a varying number.")

    features, kinds = [], {}
    for column in frame.columns:
        if column == target:
            continue
        values = frame[column]
        if pd.api.types.is_datetime64_any_dtype(values):
            notes.append(f"left out {column!r}: dates are not supported as features yet.")
            continue
        if pd.api.types.is_bool_dtype(values):
            kind = "categorical"
            values = values.map(lambda v: str(v) if pd.notna(v) else np.nan)
        elif pd.api.types.is_numeric_dtype(values):
            kind = "numeric"
            values = values.astype(float)
            infinite = np.isinf(values)
            if infinite.any():
                notes.append(f"{column!r}: {int(infinite.sum())} infinite values treated as "
                             "missing.")
                values = values.where(~infinite)
        else:
            share, numbers = _numeric_share(values)
            # All-numeric text was made text on purpose (pandas would have parsed it).
            if values.notna().any() and 0.95 <= share < 1.0:
                kind = "numeric"
                notes.append(f"{column!r} mixes numbers and text; "
                             f"{int((values.notna() & numbers.isna()).sum())} text values "
                             "treated as missing.")
                values = numbers.where(np.isfinite(numbers))
            else:
                kind = "categorical"
                values = values.map(lambda v: str(v) if pd.notna(v) else np.nan).astype(object)
        present = values.dropna()
        if present.empty:
            notes.append(f"left out {column!r}: it is empty in every row.")
            continue
        if present.nunique() == 1:
            notes.append(f"left out {column!r}: it has the same value in every row.")
            continue
        if kind == "categorical" and len(frame) >= 50 and (
                present.nunique() >= 0.95 * len(present)
                or present.astype(str).str.len().mean() > 40):
            notes.append(f"left out {column!r}: it looks like an identifier or free text "
                         "(almost every value is different).")
            continue
        if (kind == "numeric" and len(frame) >= 50 and present.nunique() == len(frame)
                and np.all(np.mod(present, 1) == 0) and
                (present.is_monotonic_increasing or present.is_monotonic_decreasing)):
            notes.append(f"left out {column!r}: it looks like a row id (unique and ordered).")
            continue
        frame = frame.assign(**{column: values})
        features.append(column)
        kinds[column] = kind
    if not features:
        raise DatasetError(f"{name} has no usable feature columns besides the target; add "
                           "columns that describe each row.")
    if len(frame) < MIN_ROWS:
        raise DatasetError(f"{name} has {len(frame)} usable rows, too few to split into train "
                           f"and test; need at least {MIN_ROWS}.")
    frame = frame[features + [target]].reset_index(drop=True)
    return Prepared(frame, name, target, task, features, kinds, notes, origin)


def load(source, *, target: str | None = None, task: str = "auto", name: str | None = None,
         data_dir=None, max_bytes: int | None = None) -> Prepared:
    """A bundled name, a data/ file name, a CSV/Parquet path or a DataFrame -> Prepared."""
    if isinstance(source, pd.DataFrame):
        if target is None:
            raise DatasetError("a DataFrame source needs a target; pass target=COLUMN.")
        return prepare(source, target=target, task=task, name=name or "data", origin="frame")
    if source is None or (isinstance(source, str) and not source.strip()):
        raise DatasetError("no data source given; pass a bundled name (see 'distviz datasets') "
                           "or a CSV/Parquet path.")
    entries = catalog(data_dir)
    text = str(source)
    if text in entries:
        entry = entries[text]
        try:
            raw = entry.loader()
        except DatasetError:
            raise
        except Exception as exc:
            raise DatasetError(f"dataset {text!r} could not be loaded ({type(exc).__name__}); "
                               "reinstall distviz with 'make dashboard'.") from None
        chosen_task = task if task != "auto" else (entry.task or "auto")
        return prepare(raw, target=target or entry.target, task=chosen_task,
                       name=name or entry.name, origin=entry.origin)
    path = Path(text).expanduser()
    looks_like_path = os.sep in text or "." in Path(text).name
    if not looks_like_path and not path.exists():
        raise DatasetError(f"unknown dataset {text!r}; use one of {', '.join(entries)} or a path "
                           "to a CSV or Parquet file.")
    raw, notes = read_table(path, max_bytes=max_bytes)
    if target is None:
        raise DatasetError(f"{path.name} needs a target column; pass --target with one of: "
                           f"{', '.join(map(str, list(raw.columns)[:10]))}.")
    prepared = prepare(raw, target=target, task=task, name=name or path.name.split(".")[0],
                       origin=str(path))
    prepared.notes[:0] = notes
    return prepared
