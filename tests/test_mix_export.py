"""The snapshot of a whole mix (issue 29: export works for mixes): `distviz export --mix` and the
page's Export in mix mode write the mixes (the baseline, the presets, the mix in force) with a
choice between them and each one's shares, never the one-group ratio grid; each mix's numbers
are those of `distviz run --mix ... --json`; a bad mix is one error line, exit 2, no file.
(tests/ui/test_mix_export_ui.py opens the file offline in Chromium.)"""

import html
import json
import re
import subprocess
import sys

import pytest

from distviz.views.app import Dashboard
from helpers import cli_json
from test_snapshot import _decoded, table_numbers, table_practical

ALGORITHMS = "logistic_regression,decision_tree"
FAST = ["xgboost", "logistic_regression"]


def _document(text: str) -> dict:
    """The snapshot's Bokeh document (Bokeh writes its JSON HTML-escaped)."""
    return json.loads(html.unescape(re.search(
        r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>', text, re.S).group(1)))


def _objects(node, name: str):
    """Every serialised Bokeh object called ``name`` under ``node`` (its attributes)."""
    if isinstance(node, dict):
        if node.get("type") == "object" and node.get("name") == name:
            yield node.get("attributes", {})
        for value in node.values():
            yield from _objects(value, name)
    elif isinstance(node, list):
        for value in node:
            yield from _objects(value, name)


def mix_states(text: str) -> tuple[dict[str, dict], str]:
    """A mix snapshot's states by mix name (each the frame the choice applies: plot data, the
    metrics table, the mix's line) and the name it opens at."""
    doc = _document(text)
    [select] = [s for s in _objects(doc, "Select") if str(s.get("value", "")).startswith("mix|")]
    names = {key: name for key, name in select["options"]}
    [args] = [a for a in (_decoded(c["args"]) for c in _objects(doc, "CustomJS"))
              if "frames" in a]
    assert set(args["frames"]) == set(names)
    return {names[k]: frame for k, frame in args["frames"].items()}, names[select["value"]]


def shown_shares(frame: dict) -> dict[str, tuple[float, int, int]]:
    """A mix state's line: per group (share asked, training rows before, after)."""
    line = html.unescape(frame["position"]["text"])
    return {g: (float(s), int(b.replace(",", "")), int(a.replace(",", "")))
            for g, s, b, a in re.findall(r"(\w+) ([\d.]+) \(([\d,]+) → ([\d,]+) rows\)", line)}


def assert_table_is_the_cli(frame: dict, report: dict) -> None:
    """The state's metrics table holds the report's numbers, intervals, verdicts and practical
    calls, per algorithm (at the baseline, where every change is 0 by design, the numbers)."""
    shown = table_numbers(frame)
    assert set(shown) == {r["algorithm"] for r in report["results"]}
    for entry in report["results"]:
        baseline, now, delta, interval, verdict = shown[entry["algorithm"]]
        assert (baseline, now, delta) == pytest.approx(
            (entry["baseline"]["f1"], entry["metrics"]["f1"], entry["delta"]["f1"]), abs=6e-5)
        if report["shift"]["mix_name"] == "original":
            assert entry["delta"]["f1"] == 0 and interval == ""
            continue
        low, high = entry["ci95"]["f1"]
        assert interval == f"[{low:+.3f}, {high:+.3f}]" and verdict == entry["verdict"]["f1"]
        assert table_practical(frame)[entry["algorithm"]] == \
            f"{entry['practical']['f1']} ±{entry['detectable']['f1']:.3f}"


def distviz(*args) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "distviz.cli", *args], capture_output=True,
                          text=True)


@pytest.fixture(scope="module")
def cli_snapshot(tmp_path_factory):
    path = tmp_path_factory.mktemp("mix-export") / "uniform.html"
    out = distviz("export", "--data", "titanic", "--feature", "sex", "--mix", "uniform",
                  "--algorithms", ALGORITHMS, "--out", str(path), "--no-cache")
    assert out.returncode == 0, out.stderr
    assert "the mixes of sex" in out.stdout
    return path.read_text(encoding="utf-8")


def test_distviz_export_mix_holds_each_mix_with_the_numbers_of_distviz_run(cli_snapshot):
    """The uniform snapshot opens at uniform and offers the baseline and the other presets;
    each mix's table and shares are `distviz run --mix NAME --json`'s (no cache shared)."""
    states, opening = mix_states(cli_snapshot)
    assert opening == "uniform"
    assert list(states) == ["original", "uniform", "sqrt", "balanced-classes"]
    assert "Shift ratio" not in cli_snapshot  # not the one-group slider's grid
    for name in ("uniform", "sqrt", "original"):
        report = cli_json("run", "--data", "titanic", "--feature", "sex", "--mix", name,
                          "--algorithms", ALGORITHMS, "--no-cache")
        assert_table_is_the_cli(states[name], report)
        groups, asked = report["shift"]["groups"], report["shift"]["mix"]
        assert shown_shares(states[name]) == {
            g: (pytest.approx(asked[g], abs=5e-4), c["before"], c["after"])
            for g, c in groups.items()}
    assert shown_shares(states["uniform"])["female"][0] == 0.5
    # The baseline state is the baseline: every change 0.
    assert all(delta == 0 for _, _, delta, _, _ in table_numbers(states["original"]).values())
    assert "(the baseline)" in states["original"]["position"]["text"]


BAD_MIXES = {
    "shares that do not sum to 1": (["--mix", "female=0.7,male=0.7"], "sum to 1.4"),
    "a negative share": (["--mix", "female=1.2,male=-0.2"], "-0.2"),
    "an unknown preset": (["--mix", "bogus"], "bogus"),
    "an unknown group": (["--mix", "female=0.5,robot=0.5"], "robot"),
    "a group past max_ratio": (["--feature", "class", "--mix", "uniform"], "max_ratio"),
    "a mix and the slider's ratios": (["--mix", "uniform", "--ratios", "0,1"], "--ratios"),
    "a mix and a reference file": (["--mix", "uniform", "--match", "x.csv"], "--match"),
    "a reference file without the feature": (["--match", "REFERENCE"], "'sex'"),
}


@pytest.mark.parametrize("case", list(BAD_MIXES))
def test_a_bad_mix_is_one_error_line_and_no_file(tmp_path, case):
    args, said = BAD_MIXES[case]
    reference = tmp_path / "other.csv"
    reference.write_text("gender,age\nf,3\nm,4\n")
    args = [str(reference) if a == "REFERENCE" else a for a in args]
    if "--feature" not in args:
        args += ["--feature", "sex"]
    out = distviz("export", "--data", "titanic", "--out", str(tmp_path / "snap.html"),
                  "--algorithms", ALGORITHMS, "--no-cache", *args)
    assert out.returncode == 2, out.stderr
    lines = out.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error:") and said in lines[0], lines
    assert not (tmp_path / "snap.html").exists()


@pytest.fixture(scope="module")
def dashboard():
    board = Dashboard(background=False, algorithms=FAST, repeats=2)
    yield board.wait()


def _page_snapshot(dashboard) -> str:
    """What the page's Export button writes (its Download file)."""
    dashboard.exporter.export()
    dashboard.wait()
    assert dashboard.exporter.download.visible
    with open(dashboard.exporter.download.file, encoding="utf-8") as f:
        return f.read()


def test_the_page_exports_the_mix_in_force(dashboard):
    """Issue 29: in mix mode the Export button wrote the default group's ratio grid. It writes
    the mixes, opened at the one in force, with the page's numbers for it."""
    dashboard.resampler.param.update(feature="sex", ratio=0.0)
    dashboard.mix.set_share("female", 0.7)
    dashboard.mix.set_share("male", 0.3)
    dashboard.mix.apply_button.clicks += 1
    dashboard.wait()
    assert dashboard.result.spec.shares() == pytest.approx({"female": 0.7, "male": 0.3})
    text = _page_snapshot(dashboard)
    states, opening = mix_states(text)
    assert opening == "shares as given" and "Shift ratio" not in text
    assert list(states) == ["original", "uniform", "sqrt", "balanced-classes", opening]
    assert {g: s for g, (s, _, _) in shown_shares(states[opening]).items()} == \
        {"female": 0.7, "male": 0.3}
    assert shown_shares(states[opening])["female"][2] == \
        dashboard.result.shift.groups_after["female"]
    board = dashboard.leaderboard().set_index("algorithm")
    shown = table_numbers(states[opening])
    assert set(shown) == set(board.index)
    for name, (baseline, now, delta, _, verdict) in shown.items():
        assert (baseline, now, delta) == pytest.approx(
            tuple(board.loc[name, ["baseline", "now", "delta"]]), abs=6e-5)
        assert verdict == board.loc[name, "verdict"]
    # A preset in force is offered once, under its name, and the file opens there.
    dashboard.mix.presets["sqrt"].clicks += 1
    dashboard.wait()
    states, opening = mix_states(_page_snapshot(dashboard))
    assert opening == "sqrt" and list(states) == ["original", "uniform", "sqrt",
                                                  "balanced-classes"]
    # Back to one group: the slider's grid again, for the slider's group.
    dashboard.mix.mode.value = "group"
    dashboard.wait()
    text = _page_snapshot(dashboard)
    assert "Shift ratio" in text and "mix|" not in text
    assert f"sex = {dashboard.resampler.group}, shift +0 (" in text
