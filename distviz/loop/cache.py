"""The result cache: fit results keyed by everything that determines them, in memory (an LRU
with a size limit) and optionally on disk as JSON and ``.npz`` (never pickle)."""

from __future__ import annotations

import hashlib
import json
import os
import threading
from collections import OrderedDict
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..results import FitResult


class ResultCache:
    """Fit results keyed by (dataset fingerprint, training set, algorithm and its parameters,
    seed, budget): an LRU in memory with a size limit, optionally persisted to a folder as JSON
    and ``.npz`` (never pickle)."""

    def __init__(self, directory: str | os.PathLike | None = None, *,
                 max_bytes: int = 512 * 2**20, max_entries: int = 50_000):
        self.directory = Path(directory) if directory else None
        self.max_bytes, self.max_entries = max_bytes, max_entries
        self._entries: OrderedDict[str, FitResult] = OrderedDict()
        self._bytes = 0
        self._lock = threading.Lock()
        self.hits = self.misses = self.evictions = 0
        if self.directory:
            self.directory.mkdir(parents=True, exist_ok=True)

    @staticmethod
    def key(*parts) -> str:
        return hashlib.sha256(json.dumps(parts, sort_keys=True, default=str).encode()
                              ).hexdigest()[:32]

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def nbytes(self) -> int:
        return self._bytes

    def in_memory(self, key: str) -> bool:
        """Whether ``key``'s result is held in memory (no disk read, no hit counted)."""
        with self._lock:
            return key in self._entries

    def get(self, key: str) -> FitResult | None:
        with self._lock:
            result = self._entries.get(key)
            if result is not None:
                self._entries.move_to_end(key)
        if result is None and self.directory:
            result = self._read(key)
            if result is not None:
                self._remember(key, result)
        with self._lock:
            if result is None:
                self.misses += 1
            else:
                self.hits += 1
        return replace(result, from_cache=True) if result is not None else None

    def put(self, key: str, result: FitResult) -> None:
        result = replace(result, from_cache=False)
        self._remember(key, result)
        if self.directory:
            self._write(key, result)

    def clear(self, *, disk: bool = True) -> int:
        with self._lock:
            count = len(self._entries)
            self._entries.clear()
            self._bytes = 0
        if disk and self.directory and self.directory.exists():
            for path in self.directory.glob("*.json"):
                path.unlink(missing_ok=True)
                path.with_suffix(".npz").unlink(missing_ok=True)
                count += 1
        return count

    def _remember(self, key: str, result: FitResult) -> None:
        with self._lock:
            if key in self._entries:
                self._bytes -= self._entries.pop(key).nbytes
            self._entries[key] = result
            self._bytes += result.nbytes
            while self._entries and (self._bytes > self.max_bytes
                                     or len(self._entries) > self.max_entries):
                _, old = self._entries.popitem(last=False)
                self._bytes -= old.nbytes
                self.evictions += 1

    def _write(self, key: str, result: FitResult) -> None:
        arrays = {k: v for k, v in (("y_pred", result.y_pred), ("scores", result.scores),
                                    ("test_rows", result.test_rows)) if v is not None}
        tmp = self.directory / f".{key}.{os.getpid()}.{threading.get_ident()}"
        if arrays:
            np.savez(tmp.with_suffix(".npz"), **arrays)
            os.replace(tmp.with_suffix(".npz"), self.directory / f"{key}.npz")
        tmp.with_suffix(".json").write_text(json.dumps(result.to_record()))
        os.replace(tmp.with_suffix(".json"), self.directory / f"{key}.json")

    def _read(self, key: str) -> FitResult | None:
        path = self.directory / f"{key}.json"
        try:
            record = json.loads(path.read_text())
            arrays = {}
            if path.with_suffix(".npz").exists():
                with np.load(path.with_suffix(".npz"), allow_pickle=False) as stored:
                    arrays = {k: stored[k] for k in stored.files}
        except (OSError, ValueError):
            return None  # a missing or damaged entry is simply recomputed
        return FitResult(**record, y_pred=arrays.get("y_pred"), scores=arrays.get("scores"),
                         test_rows=arrays.get("test_rows"))


def default_cache_dir() -> Path:
    """Where the on-disk cache lives: $DISTVIZ_CACHE_DIR, else ~/.cache/distviz."""
    return Path(os.environ.get("DISTVIZ_CACHE_DIR") or Path.home() / ".cache" / "distviz")
