"""Security (issue 6, part 4): nothing a user supplies is unpickled or evaluated, the server is
local unless told otherwise, exported CSV cells cannot run as spreadsheet formulas."""

from __future__ import annotations

import csv
import os
import re
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from helpers import free_port

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.joinpath("distviz").rglob("*.py"), *ROOT.joinpath("apps").glob("*.py")])

# Code that deserialises or evaluates: none of it may appear in distviz (comments and
# docstrings that say "never pickled" are fine: the patterns look for calls and imports).
FORBIDDEN = {
    "pickle module": r"^\s*(import|from)\s+(c?pickle|dill|cloudpickle|shelve|marshal)\b",
    "pickle call": r"\b(c?pickle|dill|cloudpickle|marshal)\.loads?\(",
    "pandas read_pickle": r"\bread_pickle\(",
    "joblib.load": r"\bjoblib\.load\(",
    "numpy allow_pickle=True": r"allow_pickle\s*=\s*True",
    "eval": r"(?<![\w.])eval\(",
    "exec": r"(?<![\w.])exec\(",
    "pandas eval/query": r"\.(eval|query)\(",
    "yaml.load": r"\byaml\.(unsafe_)?load\(",
    "__import__": r"__import__\(",
    "compile": r"(?<![\w.])compile\(",
    "shell": r"\b(os\.system|os\.popen|shell\s*=\s*True)",
}


def _code_lines(path: Path):
    """(number, line) of the code lines of ``path``: comments dropped."""
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        code = line.split("#", 1)[0]
        if code.strip():
            yield number, code


def test_sources_are_scanned():
    names = {p.name for p in SOURCES}
    assert {"catalog.py", "reader.py", "dataset.py", "model_loop.py", "main.py", "app.py"} <= names


@pytest.mark.parametrize("what", list(FORBIDDEN))
def test_no_pickle_eval_or_exec_in_distviz(what):
    pattern = re.compile(FORBIDDEN[what])
    hits = [f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for path in SOURCES for n, line in _code_lines(path) if pattern.search(line)]
    assert not hits, "\n".join(hits)


def test_guard_patterns_catch_what_they_mean_to():
    """The guard itself must be able to fail."""
    samples = {"pickle module": "import pickle", "pickle call": "x = pickle.load(f)",
               "pandas read_pickle": "pd.read_pickle(path)", "joblib.load": "joblib.load(p)",
               "numpy allow_pickle=True": "np.load(p, allow_pickle=True)",
               "eval": "eval(text)", "exec": "exec(code)", "pandas eval/query": "df.query(s)",
               "yaml.load": "yaml.load(f)", "__import__": "__import__(name)",
               "compile": "compile(src, 'f', 'exec')", "shell": "os.system(cmd)"}
    for what, sample in samples.items():
        assert re.search(FORBIDDEN[what], sample), what
    assert not re.search(FORBIDDEN["eval"], "model.evaluate(x)")
    assert not re.search(FORBIDDEN["compile"], "re.compile(r'x')")


def test_dataset_loading_never_imports_pickle_readers(tmp_path):
    """A file named .pkl is not read as a pickle: it is refused like any other non-table."""
    import pickle  # the test writes a pickle; distviz must not read it

    path = tmp_path / "data.pkl"
    path.write_bytes(pickle.dumps(pd.DataFrame({"a": [1, 2], "label": [0, 1]})))
    proc = subprocess.run([sys.executable, "-m", "distviz.cli", "rank", "--data", str(path),
                           "--target", "label"], capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2 and proc.stderr.startswith("error:"), proc.stderr


# ------------------------------------------------------------------------------ serve
def test_serve_binds_loopback_by_default_in_the_parser():
    from distviz.cli import build_parser
    args = build_parser().parse_args(["serve"])
    assert args.address == "127.0.0.1"
    assert args.allow_websocket_origin is None


def _listening_addresses(port: int) -> set[str]:
    """Local addresses with a listening TCP socket on ``port`` (from /proc/net/tcp{,6})."""
    found = set()
    for table, width in (("/proc/net/tcp", 8), ("/proc/net/tcp6", 32)):
        if not os.path.exists(table):
            continue
        with open(table) as handle:
            next(handle)
            for row in handle:
                fields = row.split()
                address, port_hex = fields[1].split(":")
                if int(port_hex, 16) == port and fields[3] == "0A":  # 0A = LISTEN
                    if width == 8:
                        found.add(socket.inet_ntoa(bytes.fromhex(address)[::-1]))
                    else:
                        raw = b"".join(bytes.fromhex(address[i:i + 8])[::-1]
                                       for i in range(0, 32, 8))
                        found.add(socket.inet_ntop(socket.AF_INET6, raw))
    return found


@pytest.mark.timeout(120)
def test_distviz_serve_listens_on_loopback_only():
    port = free_port()
    process = subprocess.Popen([sys.executable, "-m", "distviz.cli", "serve", "--port",
                                str(port)], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True, cwd=ROOT)
    try:
        deadline = time.time() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=30) as page:
                    assert page.status == 200
                    assert "<title>distviz</title>" in page.read().decode()
                break
            except OSError:
                assert process.poll() is None, process.stdout.read()
                assert time.time() < deadline, "distviz serve did not answer in 60 s"
                time.sleep(0.5)
        assert _listening_addresses(port) == {"127.0.0.1"}
    finally:
        process.terminate()
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(5)


def test_listening_address_reader_sees_a_wildcard_socket():
    """The /proc reader must report an exposed socket, or the test above proves nothing."""
    with socket.socket() as exposed:
        exposed.bind(("0.0.0.0", 0))
        exposed.listen()
        assert _listening_addresses(exposed.getsockname()[1]) == {"0.0.0.0"}


# ------------------------------------------------------------------------------ CSV export
FORMULAS = ['=HYPERLINK("http://evil.example","click")', "+1+cmd|' /C calc'!A0",
            "-2+3", "@SUM(A1:A9)"]


def test_sweep_csv_neutralises_formulas(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    payload = rng.choice(FORMULAS, size=n, p=[0.1, 0.3, 0.3, 0.3])
    x = rng.normal(size=n)
    label = np.where(x + (payload == FORMULAS[0]) + rng.normal(scale=0.5, size=n) > 0.3,
                     "yes", "no")
    frame = pd.DataFrame({"=cmd": payload, "x": x, "label": label})
    data = tmp_path / "evil.csv"
    frame.to_csv(data, index=False)
    out = tmp_path / "sweep.csv"
    proc = subprocess.run([sys.executable, "-m", "distviz.cli", "sweep", "--data", str(data),
                           "--target", "label", "--features", "=cmd", "--ratios", "-0.5,1",
                           "--repeats", "1", "--algorithms", "logistic_regression",
                           "--no-cache", "--out", str(out)],
                          capture_output=True, text=True, timeout=180)
    assert proc.returncode == 0, proc.stderr[-2000:]
    with open(out, newline="", encoding="utf-8") as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], rows[1:]
    assert body
    cells = [cell for row in rows for cell in row]
    for cell in cells:
        if cell[:1] in ("=", "+", "-", "@"):
            float(cell)  # only numbers such as -0.5 may start with a sign
    # The user's text is still there, readable, behind a quote.
    assert "'=cmd" in cells
    assert any(cell in {"'" + f for f in FORMULAS} for cell in cells)
    # Numbers are untouched: the ratio column holds the requested ratios.
    ratios = {float(row[header.index("ratio")]) for row in body}
    assert {-0.5, 1.0} <= ratios
