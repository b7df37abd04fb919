"""Shared helpers: machine facts, medians, peak memory and the sections of RESULTS.md."""

from __future__ import annotations

import datetime as _dt
import os
import platform
import re
import resource
import statistics
import time
from importlib import metadata
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

RESULTS = Path(__file__).with_name("RESULTS.md")
PACKAGES = ("distviz", "numpy", "pandas", "scikit-learn", "xgboost-cpu", "panel", "bokeh",
            "param", "dask", "distributed", "joblib", "pyarrow")
TITLE = "# distviz benchmarks"
INTRO = """\
Written by `make bench` (`python -m benchmarks`); each benchmark can also run on its own
(`python -m benchmarks.bench_loop`, ...) and then rewrites only its own section. Every figure is
the median of several runs, and every ratio divides two figures measured **in the same run**
(the reference is a plain serial scikit-learn loop over the same pipelines and rows). Timings are
wall-clock seconds (`time.perf_counter`)."""


def median(values) -> float:
    return float(statistics.median(values))


class Timer:
    """``with Timer() as t: ...`` then ``t.seconds``."""

    def __enter__(self):
        self.start = time.perf_counter()
        return self

    def __exit__(self, *exc):
        self.seconds = time.perf_counter() - self.start


def peak_rss_mib() -> tuple[float, float]:
    """Peak resident memory of this process and of its largest waited-for child (MiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return own, children


def load_average() -> str:
    """The 1-minute load average: other work on the machine skews every timing."""
    try:
        return f"{os.getloadavg()[0]:.2f}"
    except OSError:
        return "?"


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                return int(line.split()[1]) / 2**20
    except OSError:
        pass
    return float("nan")


def version(package: str) -> str:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return "-"


def machine_section() -> str:
    versions = ", ".join(f"{p} {version(p)}" for p in PACKAGES)
    return "\n".join([
        "## Machine",
        "",
        f"- Date: {_dt.datetime.now().astimezone().strftime('%Y-%m-%d %H:%M %Z')}",
        f"- CPU: {cpu_model()}, {os.cpu_count()} logical cores (`nproc`)",
        f"- Memory: {memory_gib():.1f} GiB",
        f"- OS: {platform.platform()}",
        f"- Python {platform.python_version()}; {versions}",
    ])


def verdict(value: float, target: float) -> str:
    return "met" if value <= target else "**missed**"


def table(rows: list[dict], columns: list[str]) -> str:
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(str(r.get(c, "")) for c in columns) + " |" for r in rows]
    return "\n".join(lines)


def _marker(name: str, end: bool = False) -> str:
    return f"<!-- {'/' if end else ''}bench:{name} -->"


def read_sections() -> dict[str, str]:
    if not RESULTS.exists():
        return {}
    text = RESULTS.read_text()
    pattern = re.compile(r"<!-- bench:(\w+) -->\n(.*?)\n<!-- /bench:\1 -->", re.S)
    return {m.group(1): m.group(2) for m in pattern.finditer(text)}


ORDER = ("machine", "loop", "slider", "browser", "sweep", "cluster", "million", "snapshot",
         "changes")


def write_results(sections: dict[str, str], *, replace_all: bool = False) -> Path:
    """Rewrite RESULTS.md: the given sections replace their old text, others are kept
    (unless ``replace_all``); the machine section is always refreshed."""
    merged = {} if replace_all else read_sections()
    merged.update(sections)
    merged["machine"] = machine_section()
    names = [n for n in ORDER if n in merged] + sorted(n for n in merged if n not in ORDER)
    parts = [TITLE, "", INTRO, ""]
    for name in names:
        parts += [_marker(name), merged[name].strip(), _marker(name, end=True), ""]
    RESULTS.write_text("\n".join(parts))
    return RESULTS


def report(name: str, text: str, no_write: bool) -> int:
    """A benchmark's ``main`` ends here: print its section and (unless ``no_write``) put it in
    RESULTS.md."""
    print(text)
    if not no_write:
        print(f"wrote {write_results({name: text})}")
    return 0


def budget_rows(y: np.ndarray, budget: int | None, seed: int) -> np.ndarray:
    """The loop's stratified budget sample (same call as ``ModelLoop._payload``); seed 0 for a slow
    predictor's test-row sample."""
    rows = np.arange(len(y))
    if budget and len(rows) > budget:
        rows, _ = train_test_split(rows, train_size=budget, random_state=seed, stratify=y)
        rows = np.sort(rows)
    return rows
