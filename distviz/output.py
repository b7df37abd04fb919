"""Writing results: tables (CSV or Parquet, atomically, checked before any work), strict JSON,
and the hygiene of text written for spreadsheets.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) is run as a
formula by Excel, LibreOffice and Google Sheets ("CSV injection"). Text taken from a user's data
(a category such as ``=cmd|...``, a group label such as ``-1``) is prefixed with ``'`` so a
spreadsheet shows it as text. Numbers stay numbers.
"""

from __future__ import annotations

import json
import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

from .errors import UsageError

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralise_cell(value):
    """``value`` with a leading ``'`` when it is text that a spreadsheet would run as a formula."""
    if isinstance(value, str) and value.startswith(FORMULA_PREFIXES):
        return "'" + value
    return value


def neutralise_csv(frame: pd.DataFrame) -> pd.DataFrame:
    """A copy of ``frame`` whose text cells cannot be run as spreadsheet formulas.

    Only text columns (string or object dtype) change; numeric, boolean and datetime columns,
    and non-text values inside object columns, are returned untouched. Column names that are
    text get the same treatment.

    Examples
    --------
    >>> neutralise_csv(pd.DataFrame({"group": ["=cmd", "male"], "ratio": [-0.5, 1.0]}))
        group  ratio
    0   '=cmd   -0.5
    1    male    1.0
    """
    out = frame.copy()
    for column in out.columns:
        values = out[column]
        if pd.api.types.is_string_dtype(values) or pd.api.types.is_object_dtype(values):
            out[column] = values.map(neutralise_cell, na_action="ignore").astype(values.dtype)
    out.columns = [neutralise_cell(c) for c in out.columns]
    return out


def check_output(path: str, suffixes: tuple[str, ...] = (".csv", ".parquet")) -> Path:
    """Fail before any work runs when the output could not be written afterwards."""
    out = Path(path)
    if out.suffix.lower() not in suffixes:
        raise UsageError(f"--out must end in {' or '.join(suffixes)}, got {path!r}.")
    if not out.parent.exists():
        raise UsageError(f"the folder of --out does not exist: {str(out.parent)!r}; "
                         "create it first.")
    if out.exists() and out.is_dir():
        raise UsageError(f"--out names a folder: {path!r}; give a file name.")
    return out


def write_table(table: pd.DataFrame, path: str | os.PathLike) -> Path:
    """Write a sweep table as CSV (text cells neutralised against formula injection) or
    Parquet, atomically."""
    out = check_output(str(path))
    partial = out.with_name(f".{out.name}.{os.getpid()}.partial")
    try:
        if out.suffix.lower() == ".csv":
            neutralise_csv(table).to_csv(partial, index=False)
        else:
            table.to_parquet(partial, index=False)
        os.replace(partial, out)
    finally:
        partial.unlink(missing_ok=True)
    return out


def jsonable(value):
    """NaN/inf become null and numpy scalars plain numbers, so the output is strict JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def to_json(obj) -> str:
    """``obj`` as indented strict JSON."""
    return json.dumps(jsonable(obj), indent=2, allow_nan=False)
