"""A large test matrix the local worker processes read from one file instead of each fit
receiving its own copy (issue 28).

At 1,000,000 rows the test matrix is 250,000 x 45 floats (86 MiB), and the 12 fits of a move
each received it through the pool's pipe (``bench_million``'s setting "all rows, the page's
budget" measures the cold moves before and after: benchmarks/RESULTS.md). A
:class:`SharedMatrix` is written once per training set and seed and pickles as its file's name:
a worker unpickles it as a read-only memory map of that file, the same numbers. Only for the local pool: a dask worker may be on another machine.

The files live in the temporary folder (disk-backed: a file left by a killed process costs
disk, not memory), one folder per process, removed with the last handle or at exit; folders of
processes that are gone are removed by the next process that shares a matrix.
"""

from __future__ import annotations

import atexit
import os
import shutil
import tempfile
import threading
import weakref
from pathlib import Path

import numpy as np

#: Matrices smaller than this are sent as they are (the pipe is then as fast as a file).
MIN_BYTES = 32 * 2**20
_PREFIX = "distviz-shared-"
_folder: Path | None = None
_lock = threading.Lock()


class SharedMatrix:
    """``array`` written to a file while this handle lives; pickled, it is that file's name and
    unpickles as a read-only memory map of it (:func:`open_matrix`)."""

    def __init__(self, array: np.ndarray):
        fd, name = tempfile.mkstemp(suffix=".npy", dir=_process_folder())
        with os.fdopen(fd, "wb") as out:
            np.save(out, np.ascontiguousarray(array), allow_pickle=False)
        self.path = name
        weakref.finalize(self, _remove, name)

    def __reduce__(self):
        return open_matrix, (self.path,)


def open_matrix(path: str) -> np.ndarray:
    """The matrix in ``path``, memory-mapped read-only (what a worker's fit receives)."""
    return np.load(path, mmap_mode="r", allow_pickle=False)


def for_workers(array: np.ndarray) -> np.ndarray | SharedMatrix:
    """``array`` as the local workers should receive it: a :class:`SharedMatrix` when large,
    else itself (the pipe is then as fast as a file)."""
    if array.nbytes < MIN_BYTES:
        return array
    try:
        return SharedMatrix(array)
    except OSError:  # no room in the temporary folder: a copy per fit, as before
        return array


def _process_folder() -> Path:
    global _folder
    with _lock:
        if _folder is None:
            _remove_orphans()
            _folder = Path(tempfile.mkdtemp(prefix=f"{_PREFIX}{os.getpid()}-"))
            atexit.register(shutil.rmtree, _folder, ignore_errors=True)
        return _folder


def _remove_orphans() -> None:
    """Remove the folders of distviz processes that no longer run (killed before their exit)."""
    for folder in Path(tempfile.gettempdir()).glob(f"{_PREFIX}*"):
        try:
            pid = int(folder.name[len(_PREFIX):].split("-")[0])
            os.kill(pid, 0)
        except ProcessLookupError:
            shutil.rmtree(folder, ignore_errors=True)
        except (ValueError, PermissionError, OSError):
            continue  # not ours to judge (another user's, or a name we did not make)


def _remove(path: str) -> None:
    try:
        os.remove(path)
    except FileNotFoundError:
        pass
