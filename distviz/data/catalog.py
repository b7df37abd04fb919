"""Where data comes from: the bundled datasets, the files in ``data/``, and :func:`load`, which
turns any source (a name, a path, a DataFrame) into a :class:`~distviz.data.cleaning.Prepared`
table.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..tasks import TASKS
from .cleaning import Prepared, _check_task, _prepare, prepare
from .reader import _header_fields, _sniff_delimiter, _table_stem, _text_sample, read_table

DATA_DIR_ENV = "DISTVIZ_DATA_DIR"


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
        What "auto" detects for ``target`` (listed; never imposed on another target); None
        means "detected when it loads".
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
    return Path(os.environ.get(DATA_DIR_ENV) or Path(__file__).resolve().parents[2] / "data")


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
        ``"auto"`` detects the task from the chosen target (a bundled dataset's listed task
        describes its default target only); a ``data/`` file's sidecar task applies to the
        sidecar's own target.
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
        return _prepare(_bundled_rows(entry), target=target or entry.target, task=task,
                        name=name or entry.name, origin=entry.origin, label=entry.name)
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
    # The sidecar's task was written for its target; another target has its task detected.
    described = meta.get("target") or (entry.target if entry is not None else target)
    chosen_task = task if task != "auto" else meta.get("task") if target == described else None
    prepared = _prepare(raw, target=target, task=chosen_task,
                        name=name or _table_stem(path) or path.stem, origin=str(path),
                        label=path.name)
    prepared.notes[:0] = reader_notes
    return prepared
