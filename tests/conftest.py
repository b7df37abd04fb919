"""Shared fixtures. Tests never touch the user's ~/.cache: results persist in a temp folder."""

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from types import SimpleNamespace

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


@pytest.fixture
def notified(dashboard, monkeypatch):
    """Every message a test module's ``dashboard`` notifies, in order (still shown on its
    status line)."""
    said, notify = [], dashboard.status_view.notify

    def record(message, level="error"):
        said.append((message, level))
        notify(message, level)
    monkeypatch.setattr(dashboard.status_view, "notify", record)
    return said


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _wait_for_port(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the dask scheduler exited with {process.returncode}")
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.2)
    raise TimeoutError(f"the dask scheduler did not listen on port {port}")


@pytest.fixture()
def dask_processes(tmp_path):
    """``dask scheduler`` + two one-thread ``dask worker`` processes on 127.0.0.1: their
    address and processes (a test may kill one)."""
    dask = Path(sys.executable).with_name("dask")
    if not dask.exists():
        dask = Path(shutil.which("dask") or "dask")
    port = _free_port()
    address = f"tcp://127.0.0.1:{port}"
    # tests/ on the path: a test's own estimators (helpers_estimators) unpickle in the workers.
    tests = str(Path(__file__).resolve().parent)
    env = {**os.environ, "PYTHONUNBUFFERED": "1",
           "PYTHONPATH": os.pathsep.join(p for p in (tests, os.environ.get("PYTHONPATH")) if p)}
    logs = []
    processes = []

    def start(*args, name):
        log = open(tmp_path / f"{name}.log", "w")
        logs.append(log)
        processes.append(subprocess.Popen([str(dask), *args], stdout=log,
                                          stderr=subprocess.STDOUT, env=env,
                                          cwd=tmp_path, start_new_session=True))
        return processes[-1]

    try:
        scheduler = start("scheduler", "--host", "127.0.0.1", "--port", str(port),
                          "--no-dashboard", "--dashboard-address", "127.0.0.1:0", name="scheduler")
        _wait_for_port(port, scheduler)
        for k in range(2):
            start("worker", address, "--nthreads", "1", "--nworkers", "1", "--host",
                  "127.0.0.1", "--no-dashboard", "--dashboard-address", "127.0.0.1:0", "--no-nanny",
                  "--local-directory", str(tmp_path / f"worker{k}"), name=f"worker{k}")
        from distributed import Client
        with Client(address, timeout="30s") as client:
            client.wait_for_workers(2, timeout=60)
        yield SimpleNamespace(address=address, scheduler=scheduler, workers=processes[1:])
    finally:
        # Only the processes this fixture started: workers first, so none of them is left
        # waiting on a scheduler that is already gone.
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
            try:
                process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=5)
        for log in logs:
            log.close()




@pytest.fixture()
def dask_cluster(dask_processes):
    """The address of a ``dask scheduler`` with two ``dask worker`` processes on 127.0.0.1."""
    return dask_processes.address
