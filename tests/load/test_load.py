"""Short version of the load test (issue 6.3): 3 concurrent sessions x 15 s against a real
``panel serve`` on 127.0.0.1. The full run (10 sessions x 60 s) is ``run_load.py``; its figures
are in ``tests/load/RESULTS.md``."""

import importlib.util
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

HERE = Path(__file__).resolve().parent


def _run_load():
    spec = importlib.util.spec_from_file_location("run_load", HERE / "run_load.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up in sys.modules
    spec.loader.exec_module(module)
    return module


def test_concurrent_sessions_keep_their_own_settings_and_numbers():
    result = _run_load().run(sessions=3, seconds=15, seed=1)
    assert result["errors"] == []
    assert result["leaks"] == [], "a session showed another session's settings or results"
    assert result["wrong_numbers"] == [], "shown numbers differ from an independent ModelLoop"
    assert result["hung_sessions"] == 0
    assert result["still_serving"]
    # Every session moved its slider at least once, and every move finished.
    assert all(s["moves"] >= 1 for s in result["per_session"]), result["per_session"]
    assert result["moves"] >= 3 and result["p95"] >= result["p50"] > 0
    # Bounded memory: the server (with its workers) grows by less than 1.5 GiB over the run.
    assert result["rss_end_mb"] - result["rss_start_mb"] < 1536, result["rss_samples"]
