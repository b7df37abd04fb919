"""Shared helpers for tests that serve the dashboard or run the CLI."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]
ARTIFACTS = ROOT / "tests" / "artifacts"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def cli_json(*args) -> dict:
    out = subprocess.run([sys.executable, "-m", "distviz.cli", *args, "--json"],
                         capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


def assert_leaderboard_is_the_cli(dashboard, *how, shift_keys=("groups",)) -> dict:
    """The page's leaderboard (baseline and now per algorithm) equals ``distviz run --data
    titanic --feature <the page's> *how --json`` with the page's algorithms and seeds, within
    5e-5, and the named keys of the page's ``shift`` block equal the CLI's; the CLI's report."""
    import pytest
    report = cli_json("run", "--data", "titanic", "--feature", dashboard.resampler.feature,
                      *how, "--algorithms", ",".join(dashboard.loop.algorithms),
                      "--repeats", str(dashboard.loop.repeats), "--n-jobs", "1")
    board = dashboard.leaderboard().set_index("algorithm")
    assert list(board.index) == [r["algorithm"] for r in report["results"]]
    for entry in report["results"]:
        name = entry["algorithm"]
        assert board.loc[name, "now"] == pytest.approx(entry["metrics"]["f1"], abs=5e-5)
        assert board.loc[name, "baseline"] == pytest.approx(entry["baseline"]["f1"], abs=5e-5)
    shift = dashboard.result.to_dict()["shift"]
    for key in shift_keys:
        assert shift[key] == report["shift"][key], key
    return report


@dataclass
class Server:
    url: str  # the app's URL
    pid: int  # the `panel serve` process (its workers are its children)
    log: Path  # its stdout and stderr


@contextmanager
def served(app: str = "apps/dashboard.py", env: dict | None = None, timeout: float = 60):
    """`panel serve APP` on a free port of 127.0.0.1; yields the base URL; stops it after."""
    with serving(app, env, timeout) as server:
        yield server.url


@contextmanager
def served_page(query: str = "", env: dict | None = None, width: int = 1500, height: int = 900):
    """The dashboard ``served`` and opened at ``?query`` in headless Chromium; yields the page
    (the browser closes and the server stops after)."""
    from playwright.sync_api import sync_playwright
    with served(env=env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            page = browser.new_page(viewport={"width": width, "height": height})
            page.goto(f"{url}?{query}" if query else url)
            yield page
        finally:
            browser.close()


@contextmanager
def serving(app: str = "apps/dashboard.py", env: dict | None = None, timeout: float = 60):
    """Like ``served``, yielding a ``Server`` (URL, process id, log file)."""
    port = free_port()
    command = [str(Path(sys.executable).parent / "panel"), "serve", str(ROOT / app),
               "--address", "127.0.0.1", "--port", str(port), "--allow-websocket-origin",
               f"127.0.0.1:{port}"]
    with running(command, port, f"http://127.0.0.1:{port}/{Path(app).stem}", env,
                 timeout) as server:
        yield server


def console_script(name: str = "distviz") -> str:
    """A command of the venv the tests run in (``.venv/bin/distviz``), as a user types it."""
    return str(Path(sys.executable).parent / name)


@contextmanager
def distviz_served(*args: str, env: dict | None = None, timeout: float = 60):
    """``distviz serve ARGS --port FREE`` as a user runs it (the venv's console script);
    yields a ``Server`` whose URL is the page (``/``); stops it after."""
    port = free_port()
    command = [console_script(), "serve", *args, "--port", str(port)]
    with running(command, port, f"http://127.0.0.1:{port}/", env, timeout) as server:
        yield server


@contextmanager
def running(command: list[str], port: int, url: str, env: dict | None = None,
            timeout: float = 60, name: str | None = None):
    """A server ``command`` started in ROOT, listening on ``port``: yields a ``Server`` once
    it answers HTTP; stops it and the processes it started (its own session) after."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log_path = ARTIFACTS / f"{name or Path(command[0]).name}-{port}.log"
    log = open(log_path, "w")
    # Its own session: a server started through `make` is stopped with its children.
    process = subprocess.Popen(command, stdout=log, stderr=subprocess.STDOUT, cwd=ROOT,
                               env={**os.environ, **(env or {})}, start_new_session=True)
    try:
        deadline = time.time() + timeout
        while time.time() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/liveness", timeout=2)
                break
            except urllib.error.HTTPError:
                break  # any HTTP answer (a 404 without --liveness) means it is listening
            except OSError:
                if process.poll() is not None:
                    raise RuntimeError(f"{command[0]} exited with {process.returncode}: "
                                       f"{log_path.read_text()[-2000:]}")
                time.sleep(0.3)
        else:
            raise RuntimeError(f"{command[0]} did not listen on port {port} in {timeout} s")
        yield Server(url, process.pid, log_path)
    finally:
        _stop(process)
        log.close()


def _stop(process: subprocess.Popen) -> None:
    """SIGTERM to the process group this helper started, then SIGKILL if it lingers."""
    for sig, wait in ((signal.SIGTERM, 10), (signal.SIGKILL, 5)):
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(wait)
            return
        except subprocess.TimeoutExpired:
            continue


def move_slider(handle, index: int, attempts: int = 40) -> None:
    """Move a DiscreteSlider's handle to position ``index`` with the keyboard, pressing again
    when a key press was swallowed while the page was busy."""
    for _ in range(attempts):
        current = int(float(handle.get_attribute("aria-valuenow")))
        if current == index:
            return
        handle.focus()
        handle.press("ArrowRight" if index > current else "ArrowLeft")
        time.sleep(0.25)
    raise AssertionError(f"slider stuck at {handle.get_attribute('aria-valuenow')}, "
                         f"wanted {index}")


# The leaderboard as shown: per row its cells' text and the delta cell's inline colour
# (Panel's panes live in shadow DOM, so the walk enters every shadow root).
LEADERBOARD_JS = """() => {
  const rows = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.matches && el.matches('table.distviz-leaderboard tbody tr')) {
        const row = {};
        for (const cell of el.querySelectorAll('td')) {
          const field = cell.getAttribute('data-field');
          row[field] = cell.textContent.trim();
          if (field === 'delta') row.delta_color = cell.style.color || '';
        }
        if (row.algorithm) rows.push(row);
      }
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return rows;
}"""


def leaderboard(page) -> dict[str, dict]:
    """The page's leaderboard rows by algorithm: each cell's text, plus ``delta_color``."""
    return {row["algorithm"]: row for row in page.evaluate(LEADERBOARD_JS)}


def wait_for_leaderboard(page, what: str, predicate, timeout: float = 120,
                         screenshot: str = "leaderboard-failed.png") -> dict[str, dict]:
    """Poll the page's leaderboard until ``predicate(board)`` holds; return that board. On a
    time-out, a full-page screenshot goes to the artifacts and the error shows the board."""
    deadline = time.time() + timeout
    while time.time() < deadline:
        board = leaderboard(page)
        if predicate(board):
            return board
        time.sleep(0.1)
    page.screenshot(path=str(ARTIFACTS / screenshot), full_page=True)
    raise AssertionError(f"timed out waiting for {what}: {leaderboard(page)}")


LOCAL_SCHEMES = ("file:", "data:", "blob:", "about:")


class Guard:
    """Routes every request of a browser context: the server's own (``host``) and local
    schemes pass, anything else is aborted and kept in ``outside``. Answers of 400 and more
    from the server are kept in ``failed`` (a local asset that is missing)."""

    def __init__(self, context, host: str | None = None):
        self.host, self.outside, self.failed, self.errors = host, [], [], []
        context.route("**/*", self._route)
        context.on("response", self._response)

    def local(self, url: str) -> bool:
        if url.startswith(LOCAL_SCHEMES):
            return True
        return self.host is not None and urlparse(url).netloc == self.host

    def _route(self, route):
        if self.local(route.request.url):
            route.continue_()
        else:
            self.outside.append(route.request.url)
            route.abort()

    def _response(self, response):
        if response.status >= 400:
            self.failed.append(f"{response.status} {response.url}")

    def watch(self, page):
        # The stack says which library raised (the message alone did not, once in CI).
        page.on("pageerror", lambda error: self.errors.append(f"{error.message}\n{error.stack}"))
        # WebSockets do not pass through routes: check them too.
        page.on("websocket", lambda ws: None if self.local(ws.url.replace("ws", "http", 1))
                else self.outside.append(ws.url))
        return page


class Gate:
    """Holds fits of the ``gated`` test algorithm (tests/plugins/distviz_gate.py) in flight
    while it is shut: a test makes "an export still running" or "a move still on the cluster"
    certain instead of hoping it is slow. ``env`` goes to the served process (and dask workers)
    so they import the plugin."""

    def __init__(self, folder: Path, seconds: float = 0.0):
        self.hold = Path(folder) / "gate-hold"
        self.reached_marker = Path(str(self.hold) + ".reached")
        tests = ROOT / "tests"
        path = os.pathsep.join(p for p in (str(tests), str(tests / "plugins"),
                                           os.environ.get("PYTHONPATH", "")) if p)
        self.env = {"PYTHONPATH": path, "DISTVIZ_PLUGINS": "distviz_gate",
                    "DISTVIZ_TEST_HOLD": str(self.hold),
                    "DISTVIZ_TEST_GATE_SECONDS": str(seconds)}

    def shut(self, *, limit: int | None = None, rows: list[int] | None = None,
             seeds: list[int] | None = None) -> None:
        """Gated fits wait from now on: all of them, or only those on a training set of
        ``rows`` rows and with one of ``seeds``, and of those only the first ``limit`` to
        arrive."""
        self.reached_marker.unlink(missing_ok=True)
        rule = {k: v for k, v in (("limit", limit), ("rows", rows), ("seeds", seeds))
                if v is not None}
        self.hold.write_text(json.dumps(rule) if rule else "")

    def open(self) -> None:
        self.hold.unlink(missing_ok=True)

    @property
    def reached(self) -> bool:
        """Whether a gated fit has started waiting since the gate was shut."""
        return self.reached_marker.exists()

    def wait_reached(self, timeout: float = 120) -> None:
        deadline = time.time() + timeout
        while not self.reached:
            if time.time() > deadline:
                raise AssertionError("no gated fit reached the shut gate")
            time.sleep(0.05)


# Text of the page, shadow roots included (inner_text of Bokeh panes comes back empty).
PAGE_TEXT_JS = """() => {
  const parts = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) if (el.shadowRoot) walk(el.shadowRoot);
    parts.push(root.textContent || '');
  };
  walk(document);
  return parts.join('\\n');
}"""

# Panel's notifications are notyf toasts inside shadow roots.
TOASTS_JS = """() => {
  const found = [];
  const walk = root => {
    for (const el of root.querySelectorAll('*')) {
      if (el.classList && el.classList.contains('notyf__toast')) found.push(el.textContent);
      if (el.shadowRoot) walk(el.shadowRoot);
    }
  };
  walk(document);
  return found;
}"""


def page_text(page) -> str:
    return page.evaluate(PAGE_TEXT_JS)


def wait_text(page, words, timeout: float = 60) -> str:
    """Poll until the page's text holds every one of ``words``; return that text."""
    deadline = time.time() + timeout
    text = ""
    while time.time() < deadline:
        text = page_text(page)
        if all(w in text for w in words):
            return text
        time.sleep(0.3)
    raise AssertionError(f"page never showed {words}; it shows: {text[-1500:]}")


def notifications(page) -> list[str]:
    return page.evaluate(TOASTS_JS)


def wait_notification(page, words, timeout: float = 30) -> list[str]:
    """Poll until a notification holds every one of ``words`` (any case); return them all."""
    deadline = time.time() + timeout
    shown = []
    while time.time() < deadline:
        shown = notifications(page)
        if any(all(w.lower() in s.lower() for w in words) for s in shown):
            return shown
        time.sleep(0.2)
    raise AssertionError(f"no notification with {words}; notifications: {shown}")


def dismiss_notifications(page) -> None:
    page.evaluate("""() => { const walk = r => { for (const el of r.querySelectorAll('*')) {
        if (el.classList && el.classList.contains('notyf__toast')) el.remove();
        if (el.shadowRoot) walk(el.shadowRoot); } }; walk(document); }""")
