"""Load test of the served dashboard (issue 6.3): N concurrent sessions move the shift slider.

Each session is a real Bokeh session of a real ``panel serve apps/dashboard.py`` on 127.0.0.1,
driven over the Bokeh websocket protocol (``bokeh.client.pull_session``) the way a browser
drives it: it sets the Feature and Group selects to a (feature, group) pair no other session
uses, then moves the shift slider (``value`` and ``value_throttled``, as a released handle
does) to random positions, each time waiting until the page shows the finished result.

Checked on every look at a session's page:
  * it shows only its own settings: the feature and group selects, and the feature, group and
    shift named above the leaderboard, are the ones this session chose (a leak otherwise);
  * after the run, every leaderboard number a session saw equals an independent ModelLoop
    computation in this process for that session's (feature, group, ratio);
  * no error notification, no "error" note, no lost session.

Recorded: per-move update latency (slider released -> finished result on the page), p50/p95,
the server's resident memory (with its worker processes) before, during and after, and how
many moves were answered from the cache.

    .venv/bin/python tests/load/run_load.py                  # 10 sessions x 60 s -> RESULTS.md
    .venv/bin/python tests/load/run_load.py --sessions 3 --seconds 15 --no-write
"""

from __future__ import annotations

import argparse
import html
import importlib
import json
import os
import pkgutil
import platform
import random
import re
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(ROOT / "tests"))

from helpers import served  # noqa: E402

ALGORITHMS = ["logistic_regression", "decision_tree"]
# Ten (feature, group) pairs of titanic, one per session; no two sessions share one.
SETTINGS = [("sex", "female"), ("sex", "male"), ("class", "1st"), ("class", "2nd"),
            ("class", "3rd"), ("age", "Q1 [0.17, 21]"), ("age", "Q2 [21, 28]"),
            ("age", "Q3 [28, 40]"), ("age", "Q4 [40, 71]"), ("age", "missing")]
SHOWN = re.compile(r"— (?P<feature>\S+) = (?P<group>.+?), shift (?P<ratio>[+-][0-9.]+)")
TAG = re.compile(r"<[^>]+>")


def register_client_models() -> list[float]:
    """Import every Bokeh model class the served page uses, so the client can decode it."""
    import panel  # noqa: F401
    import panel.models
    for module in pkgutil.iter_modules(panel.models.__path__):
        importlib.import_module(f"panel.models.{module.name}")
    # The app's template and notification area define ReactiveHTML models at import.
    from distviz import dashboard
    return list(dashboard.RATIOS)


def plain(text: str) -> str:
    """Visible text of a Panel HTML model (its markup arrives escaped once more)."""
    return html.unescape(TAG.sub("", html.unescape(text or "")))


def rss_mb(pid: int) -> float:
    """Resident memory of a process and all its descendants (the server and its workers)."""
    total = 0
    for p in [pid] + _descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total / 1024


def _descendants(pid: int) -> list[int]:
    children = []
    for task in Path(f"/proc/{pid}/task").glob("*"):
        try:
            children += [int(c) for c in (task / "children").read_text().split()]
        except OSError:
            pass
    return children + [d for c in children for d in _descendants(c)]


@dataclass
class Move:
    ratio: float
    seconds: float
    shown: dict  # algorithm -> "now" value on the leaderboard


@dataclass
class SessionLog:
    index: int
    feature: str
    group: str
    connect_seconds: float = 0.0
    moves: list[Move] = field(default_factory=list)
    looks: int = 0
    leaks: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)


class DashboardSession:
    """One user's page, over the Bokeh protocol."""

    def __init__(self, url: str, log: SessionLog, ratios: list[float], *, timeout: float):
        self.url, self.log, self.ratios, self.timeout = url, log, ratios, timeout
        self.session = None
        self.own = False  # True once this session has chosen its own feature and group

    # ------------------------------------------------------------------ protocol
    def connect(self) -> None:
        from bokeh.client import pull_session
        started = time.perf_counter()
        self.session = pull_session(url=self.url,
                                    arguments={"algorithms": ",".join(ALGORITHMS)})
        self.log.connect_seconds = time.perf_counter() - started

    def close(self) -> None:
        if self.session is not None:
            self.session.close()

    def _models(self, type_name: str):
        """Models by class name, or by qualified name for the ambiguous ones (HTML)."""
        return [m for m in list(self.session.document.models)
                if type_name in (type(m).__name__, type(m).__qualified_model__)]

    def _select(self, title: str):
        found = [m for m in self._models("CustomSelect") if m.title == title]
        if len(found) != 1:
            raise AssertionError(f"expected one {title!r} select, found {len(found)}")
        return found[0]

    def _slider(self):
        # The shift slider is the DiscreteSlider's inner Slider over the RATIOS positions.
        found = [m for m in self._models("Slider") if m.end == len(self.ratios) - 1
                 and m.start == 0 and m.title == ""]
        if len(found) != 1:
            raise AssertionError(f"expected one shift slider, found {len(found)}")
        return found[0]

    def look(self) -> dict:
        """Process what the server sent, then read what the page shows."""
        self.session.force_roundtrip()
        texts = [plain(m.text) for m in self._models("panel.models.markup.HTML")]
        best = next((t for t in texts if "Best now" in t), "")
        status = next((t for t in texts if t.startswith(("Ran ", "Training"))), "")
        match = SHOWN.search(best)
        board = {}
        for table in self._models("DataTabulator"):
            data = table.source.data
            if "algorithm" in data and "now" in data and "note" in data:
                board = {a: float(v) for a, v in zip(data["algorithm"], data["now"])}
                notes = [str(n) for n in data["note"]]
                if any("error" in n for n in notes):
                    self.log.errors.append(f"leaderboard note: {notes}")
        toasts = [n.message for a in self._models("NotificationArea1")
                  for n in getattr(a, "notifications", [])]
        state = {"feature": self._select("Feature").value, "group": self._select("Group").value,
                 "best": best, "status": status, "board": board, "toasts": toasts,
                 "shown": match.groupdict() if match else None}
        self.log.looks += 1
        self._check(state)
        return state

    def _check(self, state: dict) -> None:
        """A session must never show anything but its own settings."""
        if state["toasts"]:
            self.log.errors.append(f"notification: {state['toasts']}")
        if not self.own:
            return
        own = (self.log.feature, self.log.group)
        if (state["feature"], state["group"]) != own:
            self.log.leaks.append(f"selects show {state['feature']} = {state['group']}")
        shown = state["shown"]
        if shown and (shown["feature"], shown["group"]) != own:
            self.log.leaks.append(f"results for {shown['feature']} = {shown['group']}")

    def wait_for(self, predicate, what: str) -> dict:
        deadline = time.perf_counter() + self.timeout
        state = None
        while time.perf_counter() < deadline:
            state = self.look()
            if predicate(state):
                return state
            time.sleep(0.05)
        raise TimeoutError(f"session {self.log.index}: no {what} within {self.timeout:.0f} s; "
                           f"page shows {state and state['best']!r} / {state and state['status']!r}")

    # ------------------------------------------------------------------ user actions
    def finished(self, ratio: float, *, own: bool = True):
        def done(state):
            shown = state["shown"]
            return (shown is not None and state["status"].startswith("Ran ")
                    and float(shown["ratio"]) == ratio and bool(state["board"])
                    and (not own or (shown["feature"], shown["group"])
                         == (self.log.feature, self.log.group)))
        return done

    def choose_own_settings(self) -> None:
        self.wait_for(self.finished(0.0, own=False), "first result")
        feature, group = self.log.feature, self.log.group
        select = self._select("Feature")
        if select.value != feature:
            select.value = feature
            self.wait_for(lambda s: s["feature"] == feature
                          and group in self._select("Group").options, "group list")
        select = self._select("Group")
        if select.value != group:
            select.value = group
        self.wait_for(lambda s: s["feature"] == feature and s["group"] == group,
                      "own group selected")
        self.own = True
        self.wait_for(self.finished(0.0), "own baseline")

    def move_to(self, index: int) -> Move:
        """Drag-and-release of the slider handle: value, then value_throttled."""
        slider, ratio = self._slider(), self.ratios[index]
        started = time.perf_counter()
        slider.value = index
        slider.set_from_json("value_throttled", index)  # read-only in Python; a browser sets it
        state = self.wait_for(self.finished(ratio), f"result for shift {ratio:+g}")
        move = Move(ratio, time.perf_counter() - started, state["board"])
        self.log.moves.append(move)
        return move


def drive(url: str, log: SessionLog, ratios: list[float], stop_at: list[float], seed: int,
          start_barrier: threading.Barrier, timeout: float) -> None:
    """One user: connect, choose own settings, wait for everyone, move until stop_at[0]."""
    rng = random.Random(seed)
    session = DashboardSession(url, log, ratios, timeout=timeout)
    try:
        session.connect()
        session.choose_own_settings()
    except Exception as exc:  # noqa: BLE001 - recorded and reported
        log.errors.append(f"setup: {type(exc).__name__}: {exc}")
    try:
        start_barrier.wait(timeout=timeout * 2)
    except threading.BrokenBarrierError:
        pass
    try:
        if not log.errors:
            index = ratios.index(0.0)
            while time.monotonic() < stop_at[0]:
                index = rng.choice([i for i in range(len(ratios)) if i != index])
                session.move_to(index)
                time.sleep(rng.uniform(0.0, 0.4))  # a user looks at the result
            session.look()  # a last look for leaks
    except Exception as exc:  # noqa: BLE001 - recorded and reported
        log.errors.append(f"{type(exc).__name__}: {exc}")
    finally:
        session.close()


def expected_boards(logs: list[SessionLog]) -> dict:
    """Leaderboard 'now' values computed in this process, independently of the server."""
    from distviz.data import Dataset
    from distviz.loop import ModelLoop, ResultCache
    from distviz.resample import ShiftSpec
    dataset = Dataset(source="titanic")
    loop = ModelLoop(dataset=dataset, algorithms=ALGORITHMS, cache=ResultCache(), n_jobs=1)
    expected = {}
    for log in logs:
        for ratio in sorted({m.ratio for m in log.moves}):
            run = loop.run(ShiftSpec(log.feature, log.group, ratio, "random", "none"))
            expected[(log.feature, log.group, ratio)] = {
                a.algorithm: a.metrics[dataset.headline_metric] for a in run.algorithms}
    return expected


def run(sessions: int = 10, seconds: float = 60, *, seed: int = 0,
        timeout: float = 120) -> dict:
    if sessions > len(SETTINGS):
        raise SystemExit(f"at most {len(SETTINGS)} sessions (one per distinct feature/group)")
    ratios = register_client_models()
    logs = [SessionLog(i, *SETTINGS[i]) for i in range(sessions)]
    samples = []
    with served(timeout=120) as url:
        port = int(url.split(":")[2].split("/")[0])
        server_pid = _listening_pid(port)
        rss_start = rss_mb(server_pid)
        barrier = threading.Barrier(sessions + 1)
        stop_at = [time.monotonic() + 10**9]  # set once every session is set up
        threads = [threading.Thread(target=drive, args=(url, log, ratios, stop_at,
                                                        seed + log.index, barrier, timeout),
                                    daemon=True) for log in logs]
        for thread in threads:
            thread.start()
        try:
            barrier.wait(timeout=timeout * 3)
        except threading.BrokenBarrierError:
            pass
        started = time.monotonic()
        stop_at[0] = started + seconds
        rss_ready = rss_mb(server_pid)
        while any(t.is_alive() for t in threads) and time.monotonic() < started + seconds:
            samples.append((round(time.monotonic() - started, 1), round(rss_mb(server_pid))))
            time.sleep(2)
        for thread in threads:
            thread.join(timeout + 30)
        hung = sum(t.is_alive() for t in threads)
        elapsed = time.monotonic() - started
        rss_end = rss_mb(server_pid)
        # Closed sessions are freed: Bokeh destroys them after they have been unused a while.
        still_serving = _page_answers(url)

    expected = expected_boards(logs)
    wrong = []
    for log in logs:
        for move in log.moves:
            want = expected[(log.feature, log.group, move.ratio)]
            for name, value in want.items():
                if name not in move.shown or abs(move.shown[name] - value) > 5e-5:
                    wrong.append(f"session {log.index} {log.feature}={log.group} "
                                 f"{move.ratio:+g} {name}: shown {move.shown.get(name)}, "
                                 f"expected {value:.4f}")
    latencies = np.array([m.seconds for log in logs for m in log.moves])
    return {
        "sessions": sessions, "seconds": seconds, "elapsed": round(elapsed, 1),
        "algorithms": ALGORITHMS, "moves": int(latencies.size),
        "p50": float(np.percentile(latencies, 50)) if latencies.size else float("nan"),
        "p95": float(np.percentile(latencies, 95)) if latencies.size else float("nan"),
        "max": float(latencies.max()) if latencies.size else float("nan"),
        "connect_p50": float(np.median([log.connect_seconds for log in logs])),
        "looks": sum(log.looks for log in logs),
        "errors": [f"session {log.index}: {e}" for log in logs for e in log.errors],
        "leaks": [f"session {log.index}: {e}" for log in logs for e in log.leaks],
        "wrong_numbers": wrong, "hung_sessions": hung, "still_serving": still_serving,
        "rss_start_mb": round(rss_start), "rss_ready_mb": round(rss_ready),
        "rss_end_mb": round(rss_end), "rss_samples": samples,
        "per_session": [{"session": log.index, "feature": log.feature, "group": log.group,
                         "moves": len(log.moves),
                         "p50": float(np.median([m.seconds for m in log.moves]))
                         if log.moves else None} for log in logs],
    }


def _listening_pid(port: int) -> int:
    """The PID of the process listening on 127.0.0.1:port (our panel serve)."""
    inode = None
    for line in Path("/proc/net/tcp").read_text().splitlines()[1:]:
        parts = line.split()
        if parts[3] == "0A" and int(parts[1].split(":")[1], 16) == port:
            inode = parts[9]
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            for fd in (proc / "fd").iterdir():
                if os.readlink(fd) == f"socket:[{inode}]":
                    return int(proc.name)
        except OSError:
            continue
    raise RuntimeError(f"no process listens on port {port}")


def _page_answers(url: str) -> bool:
    import urllib.request
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status == 200 and b"distviz" in response.read()


def write_results(result: dict, path: Path) -> None:
    rows = "\n".join(f"| {s['session']} | {s['feature']} = {s['group']} | {s['moves']} | "
                     f"{s['p50']:.2f} |" if s["p50"] is not None else
                     f"| {s['session']} | {s['feature']} = {s['group']} | 0 | - |"
                     for s in result["per_session"])
    samples = ", ".join(f"{t:g} s: {mb} MB" for t, mb in result["rss_samples"][::3])
    cpu = os.cpu_count()
    text = f"""# Load test: {result['sessions']} concurrent sessions x {result['seconds']:g} s

Generated by `.venv/bin/python tests/load/run_load.py` on {time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())}
({platform.machine()}, {cpu} cores, Python {platform.python_version()}). `make test` runs a short
version (`tests/load/test_load.py`: 3 sessions x 15 s) with the same checks.

**Setup.** One `panel serve apps/dashboard.py` on 127.0.0.1 (titanic, algorithms
{', '.join(result['algorithms'])}). Each session is a real Bokeh session over the websocket
(`bokeh.client.pull_session`), driven as a browser would: it picks its own feature and group
in the selects (no two sessions share one), then moves the shift slider to random positions,
waiting each time for the finished result (status "Ran ...", leaderboard and the
"feature = group, shift r" line for that position), pausing 0-0.4 s, and moving again.
Latency = slider released -> finished result visible in that session.

## Results

| | |
|---|---|
| slider moves answered | {result['moves']} in {result['elapsed']:g} s |
| update latency p50 | **{result['p50']:.2f} s** |
| update latency p95 | **{result['p95']:.2f} s** |
| update latency max | {result['max']:.2f} s |
| session start (pull, p50) | {result['connect_p50']:.2f} s |
| errors (exceptions, error notifications, error notes) | {len(result['errors'])} |
| cross-session leaks (another session's feature/group in selects or results) | {len(result['leaks'])} in {result['looks']} looks |
| leaderboard numbers differing from an independent ModelLoop run | {len(result['wrong_numbers'])} |
| sessions that hung | {result['hung_sessions']} |
| server still answering a new page afterwards | {'yes' if result['still_serving'] else 'no'} |
| server RSS (with worker processes) before any session | {result['rss_start_mb']} MB |
| ... with all sessions open, before the moves | {result['rss_ready_mb']} MB |
| ... after the run | {result['rss_end_mb']} MB |

RSS during the run: {samples}.

Memory stays bounded because each session holds one dataset and its current results, and
model results live in one LRU `ResultCache` with a byte limit (512 MiB by default) that
evicts least-recently-used entries (`tests/test_edge_cases.py` checks the eviction).

## Per session

| session | feature = group | moves | p50 latency (s) |
|---|---|---|---|
{rows}

## Problems seen

{chr(10).join('- ' + e for e in (result['errors'] + result['leaks'] + result['wrong_numbers'])[:30]) or 'None.'}
"""
    path.write_text(text)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10)
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", type=Path, default=HERE / "RESULTS.md")
    parser.add_argument("--no-write", action="store_true")
    args = parser.parse_args(argv)
    result = run(args.sessions, args.seconds, seed=args.seed)
    print(json.dumps({k: v for k, v in result.items() if k != "rss_samples"}, indent=1))
    if not args.no_write:
        write_results(result, args.out)
        print(f"wrote {args.out}")
    ok = not (result["errors"] or result["leaks"] or result["wrong_numbers"]
              or result["hung_sessions"]) and result["still_serving"]
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
