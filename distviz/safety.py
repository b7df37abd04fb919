"""Output hygiene: tables written for spreadsheets must not carry formulas.

A CSV cell that starts with ``=``, ``+``, ``-`` or ``@`` (or a tab / carriage return) is run as a
formula by Excel, LibreOffice and Google Sheets ("CSV injection"). Text taken from a user's data
(a category such as ``=cmd|...``, a group label such as ``-1``) is prefixed with ``'`` so a
spreadsheet shows it as text. Numbers stay numbers.
"""

from __future__ import annotations

import pandas as pd

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
