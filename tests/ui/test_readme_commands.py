"""Every command README.md shows is run by a test the way a user runs it: command-line ones as
subprocesses of the venv's console script, in a fresh folder; a served page opened in Chromium;
a snapshot opened offline. The first test fails when the README gains a command no test runs."""

import importlib
import json
import os
import re
import shlex
import subprocess
import time

import pandas as pd
import pytest

from helpers import ARTIFACTS, CHROMIUM, CHROMIUM_ARGS, ROOT, Guard, console_script

pytestmark = pytest.mark.ui
README = ROOT / "README.md"
PROGRAMS = r"(?:[A-Z_]+=\S+\s+)*(?:\.venv/bin/)?(?:distviz|make|panel|jupyter|pip)(?:\s|$)"

# Each command the README shows -> the test that runs it as shown ("module::function").
RUN_BY = {
    "make dashboard": "test_serve_cli_ui::test_make_dashboard",
    "distviz datasets": "test_readme_commands::test_readme_command_line",
    "distviz rank --data titanic --method shap": "test_readme_commands::test_readme_command_line",
    "distviz run --data titanic --feature sex --group female --ratio -0.5 --repeats 5":
        "test_readme_commands::test_readme_command_line",
    'distviz run --data titanic --feature age --group "Q1 [0.17, 21]" --ratio 1 --upsampler '
    'smote --json': "test_readme_commands::test_readme_command_line",
    "distviz sweep --data titanic --top 3 --out sweep.csv":
        "test_readme_commands::test_readme_command_line",
    "distviz advise --data titanic --top 3": "test_readme_commands::test_readme_command_line",
    "distviz export --data titanic --out titanic.html":
        "test_readme_commands::test_readme_export_opens_offline",
    "distviz serve --data my.csv --target churn":
        "test_serve_cli_ui::test_distviz_serve_a_csv_file_with_its_target",
    "make notebook": "test_notebook_ui::test_make_notebook_opens_the_example",
    "jupyter lab examples/dashboard.ipynb":  # what make notebook runs
        "test_notebook_ui::test_make_notebook_opens_the_example",
    "panel serve apps/dashboard.py": "test_dashboard_ui::test_slider_moves_show_the_cli_numbers",
    "distviz cache clear": "test_readme_commands::test_readme_cache_clear",
    "distviz serve --scheduler tcp://HOST:PORT":
        "test_serve_cli_ui::test_distviz_serve_on_a_dask_scheduler",
    "DISTVIZ_SCHEDULER=tcp://HOST:PORT panel serve apps/dashboard.py":
        "test_cluster_ui::test_the_scheduler_gone_mid_move_is_said_and_the_page_keeps_working",
    "distviz run --data titanic --feature sex --mix uniform":
        "test_mix::test_readme_run_mix_uniform",
    "distviz run --data titanic --feature age --match deployed.csv --upsampler smote --json":
        "test_mix::test_readme_run_match_json",
    'distviz run --data titanic --feature sex,class --group "sex=female & class=1st" --ratio 1':
        "test_mix::test_readme_run_crossed_group",
    "distviz sweep --data titanic --features sex,age --mixes uniform,sqrt --out mixes.csv":
        "test_mix::test_readme_sweep_mixes",
}
# Commands no test runs, and why.
NOT_RUN = {
    "make test": "the whole suite, this file included",
    "make bench": "the benchmarks: minutes of timed runs (benchmarks/RESULTS.md)",
    "make report": "real sweeps on five datasets, minutes (tests/test_report.py checks the "
                   "report's code on small inputs)",
    'pip install -e ".[notebook]"': "installs packages; the test venv has the notebook extra",
}
# Named in the prose, not command lines.
NAMES = {"distviz", ".venv/bin/distviz", "distviz run", "distviz serve", "panel serve",
         "distviz run --scheduler"}


def readme_commands() -> set[str]:
    """Every line of the README's bash blocks (comments dropped) and every inline code span
    that starts with a program, whitespace normalised."""
    text = README.read_text()
    commands = set()
    for block in re.findall(r"```bash\n(.*?)```", text, re.S):
        commands |= {" ".join(line.split("#")[0].split()) for line in block.splitlines()}
    prose = re.sub(r"```.*?```", "", text, flags=re.S)
    commands |= {" ".join(span.split()) for span in re.findall(r"`([^`]+)`", prose)
                 if re.match(PROGRAMS, span)}
    return commands - {""}


def test_every_readme_command_is_run_by_a_test():
    assert readme_commands() == set(RUN_BY) | set(NOT_RUN) | NAMES
    for test in set(RUN_BY.values()):  # and every test named is there
        module, function = test.split("::")
        assert callable(getattr(importlib.import_module(module), function, None)), test
    lines = {c for c, t in RUN_BY.items() if t.endswith("::test_readme_command_line")}
    assert lines == set(CHECKS)


def distviz(command: str, folder, **kwargs) -> subprocess.CompletedProcess:
    """A README command line run in ``folder`` with the venv's ``distviz``."""
    program, *args = shlex.split(command)
    assert program == "distviz", command
    return subprocess.run([console_script(), *args], cwd=folder, capture_output=True,
                          text=True, timeout=600, **kwargs)


DEFAULT_ALGORITHMS = {"xgboost", "mlp", "random_forest", "svm"}


def _datasets(out, folder):
    assert {"titanic", "penguins", "diabetes"} <= set(re.findall(r"^\s*(\w+)\s", out, re.M))


def _rank(out, folder):
    header, *rows = [line.split() for line in out.splitlines()[1:] if line.strip()]
    assert header[:3] == ["feature", "kind", "shap"], out
    assert {row[0] for row in rows} == {"class", "age", "sex"}, out


def _run_sex(out, folder):
    # 353 women in training, halved: 984 - 353 + 176 training rows.
    assert "sex = female, ratio -0.5" in out and "training rows 984 -> 807" in out, out
    # Adaptive seeds: each algorithm's first 3 of 5, all 5 where more may change the call.
    assert re.search(r"\((3|5|3-5) seeds;", out), out
    verdicts = {line.split()[0]: line for line in out.splitlines()
                if line.split() and line.split()[0] in DEFAULT_ALGORITHMS}
    assert set(verdicts) == DEFAULT_ALGORITHMS, out
    # Each line ends with the verdict, the practical call and what the run could detect.
    assert all(re.search(r"(better|worse|within noise)\s+(better|worse|negligible|equivalent|"
                         r"inconclusive)\s+\d\.\d+\s*$", v) for v in verdicts.values()), out


def _run_age_json(out, folder):
    report = json.loads(out)
    shift = report["shift"]
    assert (shift["feature"], shift["group"], shift["ratio"], shift["upsampler"]) == \
        ("age", "Q1 [0.17, 21]", 1.0, "smote")
    group = shift["groups"]["Q1 [0.17, 21]"]
    assert group["after"] == 2 * group["before"] > 0
    assert {r["algorithm"] for r in report["results"]} == DEFAULT_ALGORITHMS
    assert all(r["error"] is None for r in report["results"]), report["results"]


def _sweep(out, folder):
    table = pd.read_csv(folder / "sweep.csv")
    assert {"feature", "group", "ratio", "algorithm", "repeat", "f1"} <= set(table.columns)
    assert set(table["feature"]) == {"class", "age", "sex"}  # titanic's top 3: all of them
    assert set(table["algorithm"]) == DEFAULT_ALGORITHMS
    assert f"wrote {len(table)} rows to sweep.csv" in out, out


def _advise(out, folder):
    assert re.search(r"Advice \(beyond the noise.*, best improvement first\):", out), out
    assert re.search(r"\d+ of \d+ cells are beyond the noise", out), out


CHECKS = {  # a README command -> what its output must show
    "distviz datasets": _datasets,
    "distviz rank --data titanic --method shap": _rank,
    "distviz run --data titanic --feature sex --group female --ratio -0.5 --repeats 5": _run_sex,
    'distviz run --data titanic --feature age --group "Q1 [0.17, 21]" --ratio 1 --upsampler '
    'smote --json': _run_age_json,
    "distviz sweep --data titanic --top 3 --out sweep.csv": _sweep,
    "distviz advise --data titanic --top 3": _advise,
}


@pytest.mark.slow
@pytest.mark.timeout(900)
@pytest.mark.parametrize("command", list(CHECKS))
def test_readme_command_line(command, tmp_path):
    proc = distviz(command, tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    CHECKS[command](proc.stdout, tmp_path)


# The snapshot's figure titles, which name the state shown ("... shift +3 ...").
TITLES = """() => window.Bokeh && Bokeh.documents.length ? [...Bokeh.documents[0].all_models]
  .filter(m => m.type === 'Figure' && m.title && m.title.text).map(m => m.title.text) : []"""


@pytest.mark.timeout(600)
def test_readme_export_opens_offline(tmp_path):
    from playwright.sync_api import sync_playwright

    proc = distviz("distviz export --data titanic --out titanic.html", tmp_path)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert "wrote titanic.html" in proc.stdout and "opens offline" in proc.stdout
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport={"width": 1300, "height": 1000})
        guard = Guard(context)  # no host: every request that leaves the file is aborted
        page = guard.watch(context.new_page())
        page.goto((tmp_path / "titanic.html").as_uri())
        handle = page.locator(".noUi-handle").first
        handle.wait_for(timeout=30_000)
        before = sorted(page.evaluate(TITLES))
        handle.focus()
        handle.press("End")
        deadline = time.time() + 20
        while sorted(page.evaluate(TITLES)) == before and time.time() < deadline:
            time.sleep(0.2)
        after = sorted(page.evaluate(TITLES))
        page.screenshot(path=str(ARTIFACTS / "readme-export.png"), full_page=True)
        browser.close()
    assert before and after != before, (before, after)
    assert not guard.outside and not guard.errors, (guard.outside, guard.errors)


@pytest.mark.timeout(300)
def test_readme_cache_clear(tmp_path):
    cache = tmp_path / "cache"
    env = {**os.environ, "DISTVIZ_CACHE_DIR": str(cache)}
    run = distviz("distviz run --data titanic --algorithms logistic_regression --repeats 1",
                  tmp_path, env=env)
    assert run.returncode == 0, run.stderr[-2000:]
    stored = [f for f in cache.rglob("*") if f.is_file()]
    assert stored
    proc = distviz("distviz cache clear", tmp_path, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    assert re.match(r"removed [1-9]\d* cached results from ", proc.stdout), proc.stdout
    assert not [f for f in cache.rglob("*") if f.is_file()]
