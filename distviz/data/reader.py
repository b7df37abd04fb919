"""Reading the user's CSV and Parquet files: size limits, encodings, delimiters, binary junk.

Files are only ever read, never written, pickled or evaluated; every way a file can be unusable
raises a one-line :class:`~distviz.errors.DatasetError` that says what is wrong and what to do.
"""

from __future__ import annotations

import csv
import gzip
import io
import os
from pathlib import Path

import pandas as pd

from ..errors import DatasetError

MAX_FILE_BYTES = 200 * 2**20
MAX_FILE_ENV = "DISTVIZ_MAX_FILE_MB"

_TABLE_SUFFIXES = (".csv", ".csv.gz", ".parquet", ".pq")
_DELIMITERS = (",", ";", "\t", "|")
_SNIFF_BYTES = 64 * 1024
_BINARY_PROBE_BYTES = 8 * 1024


def _table_stem(path: Path) -> str | None:
    """The dataset name of a table file (``people.csv.gz`` -> ``people``), None if not a table."""
    lower = path.name.lower()
    for suffix in _TABLE_SUFFIXES:
        if lower.endswith(suffix) and len(lower) > len(suffix):
            return path.name[:-len(suffix)]
    return None


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
