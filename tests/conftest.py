"""Shared fixtures. Tests never touch the user's ~/.cache: results persist in a temp folder."""

import os
import tempfile

import pytest

# Set before distviz is imported anywhere, so every ResultCache and CLI run uses it.
os.environ.setdefault("DISTVIZ_CACHE_DIR", tempfile.mkdtemp(prefix="distviz-test-cache-"))


@pytest.fixture(scope="session")
def titanic():
    from distviz.data import Dataset
    return Dataset(source="titanic")


@pytest.fixture()
def fresh_cache():
    from distviz.loop import ResultCache
    return ResultCache()
