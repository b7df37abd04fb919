"""The example notebook in a real JupyterLab and headless Chromium, with no route to the internet:
every cell runs, the dashboard renders and answers its slider, nothing is asked of a CDN."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import pytest

from helpers import (
    ARTIFACTS,
    CHROMIUM,
    CHROMIUM_ARGS,
    ROOT,
    free_port,
    move_slider,
    running,
)

pytestmark = [pytest.mark.ui, pytest.mark.slow]
NOTEBOOK = ROOT / "examples" / "dashboard.ipynb"
# DiscreteSlider positions of distviz.views.controls.RATIOS; the centre (index 6) is the baseline.
RATIOS = [-1.0, -0.8, -0.6, -0.5, -0.4, -0.2, 0.0, 0.25, 0.5, 1.0, 1.5, 2.0, 3.0]
FEMALE_TRAIN_ROWS = 353  # titanic, sex = female, in the seeded training split

NOTEBOOK_JS = "window.jupyterapp.shell.currentWidget"
KERNEL_READY = f"""() => {{
  const nb = window.jupyterapp && {NOTEBOOK_JS};
  const kernel = nb && nb.sessionContext && nb.sessionContext.session &&
                 nb.sessionContext.session.kernel;
  return !!(kernel && kernel.status === 'idle' && nb.content.widgets.length);
}}"""
ALL_RAN = f"""() => {{
  const nb = {NOTEBOOK_JS};
  const code = nb.content.widgets.filter(c => c.model.type === 'code');
  return code.every(c => c.model.executionCount !== null) &&
         nb.sessionContext.session.kernel.status === 'idle';
}}"""
OUTPUTS = f"""() => {NOTEBOOK_JS}.content.widgets.filter(c => c.model.type === 'code')
  .map(c => c.model.outputs.toJSON())"""
# The dashboard's numbers as Bokeh holds them: each confusion matrix title ("xgboost  F1 0.660").
SHOWN = """() => {
  const titles = [];
  for (const doc of (window.Bokeh ? Bokeh.documents : []))
    for (const m of doc.all_models)
      if (m.type === 'Figure' && m.title && / F1 \\d/.test(m.title.text)) titles.push(m.title.text);
  return titles.sort();
}"""


def jupyter_env(home: Path) -> dict:
    """The environment of a JupyterLab whose config, data, runtime and settings live under
    ``home``, with no news fetched and no autosave."""
    settings = home / "lab-settings"
    for plugin, values in {
        "@jupyterlab/apputils-extension/notification": {"fetchNews": "false",
                                                        "checkForUpdates": False},
        "@jupyterlab/docmanager-extension/plugin": {"autosave": False},
    }.items():
        path = settings / f"{plugin}.jupyterlab-settings"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(values))
    (home / "config").mkdir(parents=True, exist_ok=True)
    return {**os.environ, "JUPYTER_CONFIG_DIR": str(home / "config"),
            "JUPYTER_DATA_DIR": str(home / "data"), "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(home / "workspaces"),
            "IPYTHONDIR": str(home / "ipython"), "JUPYTER_PLATFORM_DIRS": "1"}


@contextmanager
def jupyter_lab(root: Path, home: Path, timeout: float = 90):
    """JupyterLab on a free port of 127.0.0.1 serving ``root``, no token, no browser, with its
    config, data, runtime and settings under ``home``; yields its base URL; stops it after."""
    env = jupyter_env(home)
    port = free_port()
    log_path = home / "jupyter.log"
    log = open(log_path, "w")
    process = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", "--ip=127.0.0.1", f"--port={port}",
         "--ServerApp.port_retries=0", "--IdentityProvider.token=", "--ServerApp.password=",
         "--allow-root", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
         "--LabApp.extension_manager=readonly"],
        stdout=log, stderr=subprocess.STDOUT, env=env, cwd=root, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + timeout
        while True:
            try:
                urllib.request.urlopen(f"{url}/api/status", timeout=2)
                break
            except OSError:
                if process.poll() is not None or time.time() > deadline:
                    raise RuntimeError(f"JupyterLab did not start:\n{log_path.read_text()}")
                time.sleep(0.3)
        yield url
    finally:
        # The kernel is the server's child, in the session started above: stop them together.
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)
        log.close()
        shutil.copy(log_path, ARTIFACTS / "notebook-jupyter.log")


# Code run in the notebook's kernel, its printed output returned (for a failure's message).
KERNEL_SAYS = f"""code => new Promise(resolve => {{
  const kernel = {NOTEBOOK_JS}.sessionContext.session.kernel;
  const future = kernel.requestExecute({{code, silent: false, store_history: false}});
  let out = '';
  future.onIOPub = msg => {{
    if (msg.header.msg_type === 'stream') out += msg.content.text;
    if (msg.header.msg_type === 'error') out += msg.content.ename + ': ' + msg.content.evalue;
  }};
  future.done.then(() => resolve(out), () => resolve(out));
  setTimeout(() => resolve(out + ' [kernel did not answer in 20 s]'), 20000);
}})"""
# What the page's comm managers hold back (Panel sends a change after the previous one's ack).
COMMS = """() => {
  const out = [];
  for (const doc of (window.Bokeh ? Bokeh.documents : []))
    for (const m of doc.all_models)
      if (String(m.type).endsWith('CommManager')) out.push({blocked: m._blocked, buffered: m._event_buffer.length,
        timeout_in: m._timeout - Date.now(), reconnect: m._reconnect,
        connected: !!(m._client_comm && m._client_comm.connected)});
  return JSON.stringify(out);
}"""
# What the kernel holds of the shift when the page did not show it.
KERNEL_STATE = ("print('kernel: ratio', rs.ratio, '| slider', dashboard.slider.slider.value, "
                "'| label', dashboard.slider.label, '| result', loop.result and loop.result.shift.spec.ratio)\n"
                "import sys, threading, traceback\n"
                "names = {t.ident: t.name for t in threading.enumerate()}\n"
                "for ident, frame in sys._current_frames().items():\n"
                "    stack = traceback.extract_stack(frame)[-6:]\n"
                "    print('|', names.get(ident), [f'{f.name}@{f.filename.split(\"/\")[-1]}:{f.lineno}' for f in stack])")


def _wait_for(page, what: str, predicate, timeout: float):
    deadline = time.time() + timeout
    while time.time() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.5)
    if page is not None:
        page.screenshot(path=str(ARTIFACTS / "notebook-failed.png"))
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.timeout(480)
def test_notebook_runs_offline_in_jupyterlab(tmp_path):
    from playwright.sync_api import sync_playwright

    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    root, home = tmp_path / "notebooks", tmp_path / "jupyter"
    root.mkdir()
    shutil.copy(NOTEBOOK, root / NOTEBOOK.name)  # JupyterLab writes checkpoints beside it
    with jupyter_lab(root, home) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1500, "height": 1100})
        outside = []

        local = (url + "/", url.replace("http", "ws", 1) + "/", "data:", "blob:")

        def local_only(route):
            if route.request.url.startswith(local):
                route.continue_()
            else:
                outside.append(route.request.url)
                route.abort()

        context.route("**/*", local_only)
        page = context.new_page()
        console = []
        page.on("console", lambda m: m.type in ("error", "warning") and console.append(m.text))
        # context.route does not see WebSockets: the kernel's and Panel's must be local too.
        page.on("websocket", lambda ws: ws.url.startswith(local) or outside.append(ws.url))
        page.goto(f"{url}/lab/tree/{NOTEBOOK.name}")
        page.wait_for_function(KERNEL_READY, timeout=90_000, polling=500)
        page.evaluate("window.jupyterapp.commands.execute('application:toggle-left-area')")
        page.evaluate("window.jupyterapp.commands.execute('notebook:run-all-cells')")
        page.wait_for_function(ALL_RAN, timeout=180_000, polling=500)

        outputs = page.evaluate(OUTPUTS)
        problems = [o for cell in outputs for o in cell if o["output_type"] == "error"
                    or (o["output_type"] == "stream" and o.get("name") == "stderr")]
        assert not problems, json.dumps(problems)[:2000]

        handle = page.locator(".noUi-handle").first
        handle.wait_for(timeout=30_000)
        before = _wait_for(page, "the dashboard's confusion matrices",
                           lambda: len(page.evaluate(SHOWN)) >= 2 and page.evaluate(SHOWN), 60)
        assert page.locator("canvas").count() >= 4  # matrices, ROC, ... and the sweep's curves
        # The notebook shifted the women to -0.5 from code; the slider followed.
        assert int(float(handle.get_attribute("aria-valuenow"))) == RATIOS.index(-0.5)
        # One position at a time, as a user who reads each answer: key presses made while the
        # kernel trains wait in the page's comm buffer, and under load one was seen to stay
        # there (the kernel one position behind the handle) until the next interaction.
        for ratio in (-0.4, -0.2):
            move_slider(handle, RATIOS.index(ratio))
            rows = round(FEMALE_TRAIN_ROWS * (1 + ratio))
            try:
                page.get_by_text(f"Shift sex = female: {rows} rows").first.wait_for(
                    timeout=120_000)
            except Exception:
                page.screenshot(path=str(ARTIFACTS / "notebook-failed.png"))
                raise AssertionError(
                    f"the page never showed the shift to {ratio}: handle at "
                    f"{handle.get_attribute('aria-valuenow')}; "
                    f"{page.evaluate(KERNEL_SAYS, KERNEL_STATE)}; comms: {page.evaluate(COMMS)}; "
                    f"console: {console[-8:]}"
                ) from None
        after = _wait_for(page, "new numbers after the slider moved",
                          lambda: (s := page.evaluate(SHOWN)) != before and len(s) >= 2 and s, 90)
        assert after != before
        time.sleep(1)  # let the last redraw settle before the pictures
        for name, text in [("notebook", "Dashboard(resampler"), ("notebook-sweep", "sweep_curves(")]:
            cell = page.locator(".jp-CodeCell", has_text=text).first
            cell.evaluate("cell => cell.scrollIntoView({block: 'start'})")
            page.wait_for_timeout(500)
            page.screenshot(path=str(ARTIFACTS / f"{name}.png"))
        browser.close()
    assert not outside, f"requests left the machine: {outside}"


@pytest.mark.timeout(300)
def test_make_notebook_opens_the_example(tmp_path):
    """`make notebook` with the venv the tests run in (its stamp files taken as up to date, so
    nothing is installed): JupyterLab opens examples/dashboard.ipynb with a running kernel."""
    from playwright.sync_api import sync_playwright

    venv, port = Path(sys.executable).parent.parent, free_port()
    # The desktop browser it opens: a script that writes down what it was given.
    opened = tmp_path / "opened.txt"
    browser_script = tmp_path / "browser.sh"
    browser_script.write_text(f'#!/bin/sh\necho "$1" >> {opened}\n')
    browser_script.chmod(0o755)
    env = {**jupyter_env(tmp_path / "jupyter"), "JUPYTER_PORT": str(port),
           "BROWSER": str(browser_script)}
    # The user config the test's JupyterLab reads: the app object, for KERNEL_READY.
    (tmp_path / "jupyter" / "config" / "jupyter_lab_config.json").write_text(
        json.dumps({"LabApp": {"expose_app_in_browser": True}}))
    checkpoints = NOTEBOOK.parent / ".ipynb_checkpoints"
    existed = checkpoints.exists()
    command = ["make", "--no-print-directory", "-C", str(ROOT), "notebook", f"VENV={venv}",
               "-o", f"{venv}/.installed", "-o", f"{venv}/.installed-notebook"]
    try:
        with running(command, port, f"http://127.0.0.1:{port}", env=env, timeout=90,
                     name="make-notebook"), sync_playwright() as p:
            url = _wait_for(None, "the page it opens in the browser",
                            lambda: opened.exists() and opened.read_text().strip(), 60)
            browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1300, "height": 900})
            page.goto(url)
            page.wait_for_function(KERNEL_READY, timeout=90_000, polling=500)
            path = page.evaluate(f"() => {NOTEBOOK_JS}.context.path")
            page.screenshot(path=str(ARTIFACTS / "make-notebook.png"))
            browser.close()
    finally:
        if not existed and checkpoints.exists():  # what JupyterLab wrote beside the notebook
            shutil.rmtree(checkpoints)
    assert path == NOTEBOOK.name, path
