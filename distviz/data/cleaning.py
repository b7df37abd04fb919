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
# An explicit classification of a number with more values than this is refused (age, price).
_MAX_CLASSES_FOR_NUMERIC_TARGET = 30
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


def as_kind(values: pd.Series, kind: str) -> pd.Series:
    """Another table's column read as a feature of ``kind`` is held (float64 numbers, infinities
    missing; or text), so that it falls into that feature's groups (a reference table)."""
    if kind == "numeric":
        numbers = _to_numbers(values)
        return numbers.where(np.isfinite(numbers))
    return _as_text(values)


def _is_numeric_dtype(values: pd.Series) -> bool:
    return pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values)


def _detect_task(y: pd.Series, task: str | None, target: str, label: str) -> str:
    """The task for target ``y`` (no missing values): the explicit one, or detected."""
    if task == "regression":
        if pd.api.types.is_bool_dtype(y) or _to_numbers(y).isna().any():
            raise DatasetError(f"target {target!r} of {label} is not numeric, so it cannot be a "
                               "regression target; use --task classification.")
        return task
    if not _is_numeric_dtype(y):
        return "classification"
    distinct = pd.unique(y.astype("float64"))
    if task == "classification":
        if len(distinct) > _MAX_CLASSES_FOR_NUMERIC_TARGET:
            raise DatasetError(
                f"target {target!r} of {label} is a number with {len(distinct)} different "
                f"values, too many to be classes (at most {_MAX_CLASSES_FOR_NUMERIC_TARGET}); "
                "use --task regression (or auto), or store class codes as text.")
        return task
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
        ``"classification"`` of a numeric target with more than 30 distinct values is refused.
    name, origin : str
        Recorded in the result; ``name`` also names the data in error messages.

    Returns
    -------
    Prepared

    Raises
    ------
    DatasetError
        Unknown target; target empty, constant, not numeric for regression, numeric with
        more than 30 values for classification, or without 2 classes of at least 2 rows; no
        usable feature; fewer than ``MIN_ROWS`` rows.
    """
    return _prepare(frame, target=target, task=task, name=name, origin=origin, label=name)


# Column names that usually hold what a table is for (compared lower-cased); earlier is more
# specific, so it wins a tie.
_TARGET_NAMES = ("target", "label", "labels", "class", "outcome", "response", "survived",
                 "income", "churn", "default", "result", "diagnosis", "species", "price",
                 "salary", "fraud", "y")
_FEW_VALUES = 10  # a column with at most this many values reads like classes
# Evidence weights: a usual name outweighs position and shape, which only break ties.
_NAME, _NAME_PART, _LAST, _BINARY, _FEW = 4.0, 3.0, 1.0, 0.5, 0.25


@dataclass(frozen=True)
class TargetSuggestion:
    """The column a new table most likely predicts, and why in a few words.

    Attributes
    ----------
    column : str
        The suggested target.
    reason : str
        Why, e.g. ``"a usual target name"`` or ``"the last column, 3 values"``.
    """

    column: str
    reason: str

    @property
    def line(self) -> str:
        """The suggestion in one line: ``"price: a usual target name"``."""
        return f"{self.column}: {self.reason}"


def _name_words(name: str) -> list[str]:
    """The words of a column name: ``"SalePrice"`` -> sale, price; ``"is_fraud"`` -> is, fraud."""
    spaced = "".join(f" {c}" if c.isupper() and i and name[i - 1].islower() else c
                     for i, c in enumerate(name))
    return [w for w in "".join(c if c.isalnum() else " " for c in spaced.lower()).split()]


def _can_be_target(frame: pd.DataFrame, column) -> bool:
    """False for an identifier (by name or values), free text, a date, an empty or a constant
    column: what cleaning would leave out as a feature is no target either."""
    return "id" not in _name_words(str(column))[-1:] and \
        _clean_feature(frame[column], len(frame))[0] is not None


def _target_evidence(frame: pd.DataFrame, column, *, last: str | None,
                     one_letter: list[str]) -> tuple[float, list[str]]:
    """How much ``column`` looks like the target, with the evidence in words (``last``: how
    to say it is the last column, or None)."""
    lowered = str(column).strip().lower()
    score, why = 0.0, []
    # x, y, z side by side are coordinates or sizes of the row, not what it is for.
    coordinate = len(lowered) == 1 and len(one_letter) > 1
    if lowered in _TARGET_NAMES and not coordinate:
        score += _NAME + (len(_TARGET_NAMES) - _TARGET_NAMES.index(lowered)) / 100
        why.append("a usual target name")
    elif len(lowered) > 1:
        words = [w for w in _name_words(str(column)) if len(w) > 1 and w in _TARGET_NAMES]
        if words:
            score += _NAME_PART
            why.append(f"its name holds {words[0]!r}, a usual target name")
    if last:
        score += _LAST
        why.append(last)
    distinct = frame[column].nunique()
    classes_like = distinct * 5 <= len(frame)  # values that seldom repeat are not classes
    if classes_like and distinct == 2:
        score += _BINARY
        why.append("two values")
    elif classes_like and distinct <= _FEW_VALUES:
        score += _FEW
        why.append(f"{distinct} values")
    return score, why


def suggest_target(frame: pd.DataFrame) -> TargetSuggestion:
    """The column a new table most likely predicts, with the reason.

    Each column is scored on its evidence: a usual target name (``target``, ``label``,
    ``class``, ``income``, ``price``, ...; a name holding one of those words scores a little
    less), being the last column, and few values (two most). A one-letter name beside other
    one-letter names (``x, y, z``: a diamond's sizes) is a measurement, so its name counts
    for nothing; an identifier, free text, a date or a constant column is never suggested.
    The highest score wins (the first column on a tie; the last usable column scores for its
    place); the last column when no column can be a target. Only a suggestion: the user
    confirms it or picks another before anything trains.

    Parameters
    ----------
    frame : pandas.DataFrame
        The table as read (before cleaning).

    Returns
    -------
    TargetSuggestion

    Examples
    --------
    >>> columns = ["carat", "cut", "price", "x", "y", "z"]
    >>> suggest_target(pd.DataFrame([[0.3, "Good", 334, 4.0, 3.9, 2.4],
    ...                              [0.2, "Fair", 326, 3.9, 4.1, 2.3],
    ...                              [0.4, "Ideal", 402, 4.1, 4.2, 2.5]], columns=columns)).line
    'price: a usual target name (y is a measurement beside x, z)'
    """
    if frame.shape[1] == 0:
        raise DatasetError("the table has no columns; check the file's header row.")
    columns = list(frame.columns)
    usable = [c for c in columns if _can_be_target(frame, c)]
    if not usable:
        return TargetSuggestion(str(columns[-1]), "the last column (no column looks like a "
                                                  "target)")
    one_letter = [str(c).strip() for c in columns if len(str(c).strip()) == 1]
    last = "the last column" if usable[-1] == columns[-1] else "the last usable column"
    scored = [(*_target_evidence(frame, c, last=last if c == usable[-1] else None,
                                 one_letter=one_letter), c) for c in usable]
    _, why, best = max(scored, key=lambda s: s[0])  # a tie: the first column
    reason = ", ".join(why)
    passed = [c for c in one_letter if c.lower() in _TARGET_NAMES and c != str(best).strip()]
    if passed and len(one_letter) > 1:
        siblings = ", ".join(c for c in one_letter if c not in passed)
        reason += f" ({passed[0]} is a measurement beside {siblings})"
    return TargetSuggestion(str(best), reason)
