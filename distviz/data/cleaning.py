"""Cleaning a raw table: the target and task decided, every feature typed numeric or
categorical, unusable columns dropped, and one note per change made on the way.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ..errors import DatasetError
from ..tasks import TASKS

MIN_ROWS = 20
_MAX_CLASSES_FOR_INTEGER_TARGET = 10
_NUMERIC_SHARE = 0.95  # a text column this numeric is a number column with a few typos
_ID_UNIQUE_SHARE = 0.95
_ID_MIN_ROWS = 50
_FREE_TEXT_MEAN_LENGTH = 40


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


# Column names that usually hold what a table is for (compared lower-cased).
_TARGET_NAMES = ("target", "label", "labels", "class", "y", "outcome", "response", "survived",
                 "income", "churn", "default", "result", "diagnosis", "species", "price")


def suggest_target(frame: pd.DataFrame) -> str:
    """The column a new table most likely predicts: the first with a usual target name
    (``target``, ``label``, ``class``, ``outcome``, ...), else the last column. Only a
    suggestion: the user confirms or picks another before anything trains."""
    if frame.shape[1] == 0:
        raise DatasetError("the table has no columns; check the file's header row.")
    by_name = {str(c).strip().lower(): str(c) for c in reversed(list(frame.columns))}
    for name in _TARGET_NAMES:
        if name in by_name:
            return by_name[name]
    return str(frame.columns[-1])
