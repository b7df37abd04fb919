"""The standalone snapshot without a browser: every state embedded, numbers from the loop,
assets inline, clear errors, the page's settings and slider positions. (tests/ui/test_export.py
opens it offline in Chromium.)"""

import html
import json
import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import confusion_matrix, f1_score

from distviz.errors import UsageError
from distviz.loop import ModelLoop
from distviz.loop.policy import describe
from distviz.shift import ShiftSpec
from distviz.shift.spec import RATIOS
from distviz.views.export import export_html, snapshot_html

ALGORITHM = "logistic_regression"
RESOURCE_URL = re.compile(r"<(script|link|img)\b[^>]*\b(src|href)\s*=\s*[\"']https?://", re.I)


@pytest.fixture(scope="module")
def snapshot(titanic):
    return snapshot_html(ModelLoop(dataset=titanic, algorithms=[ALGORITHM], n_jobs=1), "sex",
                         "female")


def test_every_ratio_state_is_embedded_with_the_loops_f1(titanic, snapshot):
    """Every slider position is a state; its title shows the F1 averaged over the policy's
    seeds (an independent scikit-learn computation per seed)."""
    loop = ModelLoop(dataset=titanic, algorithms=[ALGORITHM], n_jobs=1)
    assert loop.repeats == 5 and len(RATIOS) == 13
    shown = set()
    for ratio in RATIOS:
        run = loop.run(ShiftSpec("sex", "female", ratio))  # from the cache the export filled
        f1 = np.mean([f1_score(titanic.y_test, fit.y_pred, pos_label=titanic.positive_index)
                      for fit in run.algorithms[0].fits])
        # The baseline's 5 seeds; a shift's first 3, all 5 where more may change the call.
        assert len(run.algorithms[0].fits) in ((5,) if ratio == 0 else (3, 5))
        assert run.algorithms[0].metrics["f1"] == pytest.approx(f1)
        assert f"{ALGORITHM} F1 {f1:.3f}" in snapshot
        assert f"shift {ratio:+g} ({run.shift.train_rows_after} training rows)" in snapshot
        shown.add(round(f1, 3))
    assert len(shown) > 1  # the states differ


def test_snapshot_is_self_contained(snapshot):
    assert not RESOURCE_URL.search(snapshot)
    assert "cdn.holoviz.org" not in snapshot and "cdn.bokeh.org" not in snapshot
    size_mb = len(snapshot.encode()) / 2**20
    assert 1 < size_mb < 20, size_mb


@pytest.mark.parametrize("name, message", [("snap.png", "must end in .html"),
                                           ("missing/snap.html", "does not exist")])
def test_bad_output_paths_are_usage_errors(tmp_path, titanic, name, message):
    with pytest.raises(UsageError, match=message):
        export_html(tmp_path / name, ModelLoop(dataset=titanic), "sex")


def test_cli_export_bad_path_prints_one_error_line(tmp_path):
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "export", "--data", "titanic",
                          "--out", str(tmp_path / "snap.txt")], capture_output=True, text=True)
    assert out.returncode == 2
    assert out.stderr.startswith("error:") and len(out.stderr.strip().splitlines()) == 1
    assert not np.any([p.suffix == ".txt" for p in tmp_path.iterdir()])


def _models(snapshot, name):
    """Every Bokeh model called ``name`` in the file's document (its attributes)."""
    import json
    doc = json.loads(re.search(r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>',
                               snapshot, re.S).group(1))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("name") == name:
                found.append(node.get("attributes", {}))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(doc)
    return found


def test_opens_at_the_baseline_with_the_table_as_html(snapshot):
    """Issue 11.3: the file opened at -0.8; an embedded hv.Table showed the previous position's
    numbers (its DataTable's columns were replaced before its data in every state)."""
    ratios = list(RATIOS)  # the dashboard slider's positions
    [slider] = _models(snapshot, "Slider")
    assert slider["end"] == len(ratios) - 1
    assert slider["value"] == ratios.index(0.0)  # it opens at the baseline
    assert "shift +0 (984 training rows)" in snapshot
    assert '"name":"DataTable"' not in snapshot.replace(" ", "")
    assert "distviz-metrics" in snapshot
    assert "5 seeds per state" in snapshot
    # BokehJS and nothing else: no script of another library (Panel's) asked for by path.
    assert not re.search(r"<script[^>]*\bsrc=", snapshot)


def test_the_metrics_table_escapes_names():
    from types import SimpleNamespace
    from distviz.views.export import metrics_table
    import pandas as pd
    from unittest import mock
    board = pd.DataFrame({"algorithm": ["<b>x</b>"], "baseline": [0.5], "now": [0.25],
                          "delta": [-0.25], "interval": ["[-0.300, -0.200]"],
                          "verdict": ["worse"], "practical": ["worse"],
                          "detectable": [0.05]})
    run = SimpleNamespace(spec=SimpleNamespace(feature="f<", group="g&", ratio=1.0, is_mix=False,
                                               mix_name=None),
                          shift=SimpleNamespace(train_rows_after=10))
    with mock.patch("distviz.views.plots.leaderboard", return_value=board), \
            mock.patch("distviz.views.export.best_model", return_value="**Best now: x**"):
        text = metrics_table(run, "f1")
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    # The verdict and interval travel with the numbers; a change beyond the noise is coloured.
    assert "[-0.300, -0.200]" in text and ">worse<" in text and "#c62828" in text
    assert "f&lt; = g&amp;, shift +1 (10 training rows)" in text
    assert ">worse ±0.050<" in text  # the practical call and what the run can detect
    assert "<td" in text and "0.2500" in text and "-0.2500" in text


def _decoded(node):
    """A Bokeh-serialised value as plain Python (its maps as dicts)."""
    if isinstance(node, dict):
        if node.get("type") == "map":
            return {k: _decoded(v) for k, v in node.get("entries", [])}
        return {k: _decoded(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_decoded(v) for v in node]
    return node


def embedded_frames(text: str) -> dict[float, dict]:
    """The snapshot's embedded states (its first feature) by ratio: each the frame the slider
    applies (plot data, titles, axis labels and the metrics table's HTML)."""
    # Bokeh writes the document's JSON HTML-escaped.
    doc = json.loads(html.unescape(re.search(
        r'<script type="application/json" id="[^"]+">\s*(.*?)\s*</script>', text, re.S).group(1)))
    found = []

    def walk(node):
        if isinstance(node, dict):
            if node.get("type") == "object" and node.get("name") == "CustomJS":
                found.append(_decoded(node["attributes"]["args"]))
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)
    walk(doc)
    [args] = [a for a in found if "frames" in a]
    ratios = [float(re.search(r"Shift ratio ([-+]?[\d.]+)", p).group(1))
              for p in args["positions"]]
    return {ratio: args["frames"][f"0|{i}"] for i, ratio in enumerate(ratios)}


def table_numbers(frame: dict) -> dict[str, tuple]:
    """A state's metrics table: per algorithm (baseline, now, delta, interval, verdict)."""
    rows = {}
    for row in re.findall(r'<tr data-algorithm="([^"]+)">(.*?)</tr>', frame["table"]["text"]):
        cells = [html.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", row[1])]
        rows[html.unescape(row[0])] = (float(cells[1]), float(cells[2]), float(cells[3]),
                                       cells[4], cells[5])
    return rows


def table_practical(frame: dict) -> dict[str, str]:
    """A state's metrics table: per algorithm its practical cell (the call, then ±detectable)."""
    return {html.unescape(name): html.unescape(re.findall(r"<td[^>]*>(.*?)</td>", cells)[6])
            for name, cells in re.findall(r'<tr data-algorithm="([^"]+)">(.*?)</tr>',
                                          frame["table"]["text"])}


SNAPSHOT_ALGORITHMS = "logistic_regression,decision_tree"


def test_the_snapshot_holds_the_numbers_of_distviz_run_with_default_settings(tmp_path):
    """Issue 25.1: `distviz export` held 1 seed and no interval on its own grid. With no
    settings flag, the snapshot and `distviz run --json` (no cache shared) give the same
    numbers, intervals, verdicts and matrices at two slider positions, and state the same
    settings."""
    path = tmp_path / "snap.html"
    out = subprocess.run([sys.executable, "-m", "distviz.cli", "export", "--data", "titanic",
                          "--out", str(path), "--features", "sex", "--algorithms",
                          SNAPSHOT_ALGORITHMS, "--no-cache"],
                         capture_output=True, text=True, check=True)
    text = path.read_text(encoding="utf-8")
    frames = embedded_frames(text)
    assert sorted(frames) == list(RATIOS)  # the slider's positions
    for ratio in (-0.5, 1.0):
        report = json.loads(subprocess.run(
            [sys.executable, "-m", "distviz.cli", "run", "--data", "titanic", "--feature", "sex",
             "--group", "female", "--ratio", str(ratio), "--algorithms", SNAPSHOT_ALGORITHMS,
             "--no-cache", "--json"], capture_output=True, text=True, check=True).stdout)
        shown = table_numbers(frames[ratio])
        assert set(shown) == {r["algorithm"] for r in report["results"]}
        for entry in report["results"]:
            baseline, now, delta, interval, verdict = shown[entry["algorithm"]]
            assert (baseline, now, delta) == pytest.approx(
                (entry["baseline"]["f1"], entry["metrics"]["f1"], entry["delta"]["f1"]),
                abs=6e-5)
            low, high = entry["ci95"]["f1"]
            assert interval == f"[{low:+.3f}, {high:+.3f}]" and verdict == entry["verdict"]["f1"]
            assert table_practical(frames[ratio])[entry["algorithm"]] == \
                f"{entry['practical']['f1']} ±{entry['detectable']['f1']:.3f}"
            # The matrix shows the JSON's mean counts, one decimal, over the same seeds.
            cells = frames[ratio][f"matrix:{entry['algorithm']}"]["data"]
            counts = np.asarray(entry["confusion_matrix"]["counts"])
            assert [t.split("\n")[0] for t in cells["text"]] == [f"{c:.1f}" for c in
                                                                 counts.ravel()]
            label = frames[ratio][f"xaxis:{entry['algorithm']}"]["axis_label"]
            assert label == f"predicted (mean of {entry['seeds']} seeds)"
        settings = report["settings"]
        assert settings["seeds"] == [0, 1, 2, 3, 4] and settings["given"] == []
        header = html.unescape(text)  # the header's Div, as the document holds it
        assert f"Settings: {html.escape(describe(settings))}</p>" in header
        assert "3-5 seeds per state (the rest where they may change the call)" in header
    assert describe(settings) in out.stdout  # what the command says it used


def test_per_seed_matrices_reproduce_the_per_seed_and_reported_metrics():
    """Issue 25.1: the matrix was the first seed's beside F1 averaged over seeds. In the JSON,
    each seed's counts give that seed's F1 (scikit-learn, from the counts alone), their mean
    the reported F1, and the mean of the counts the reported counts."""
    report = json.loads(subprocess.run(
        [sys.executable, "-m", "distviz.cli", "run", "--data", "titanic", "--feature", "sex",
         "--group", "female", "--ratio", "-0.5", "--algorithms", "xgboost,logistic_regression",
         "--json"], capture_output=True, text=True, check=True).stdout)
    labels = report["dataset"]["classes"]
    positive = labels.index(report["dataset"]["positive_class"])
    for entry in report["results"]:
        matrix = entry["confusion_matrix"]
        per_seed = [np.asarray(m) for m in matrix["per_seed"]]
        # Adaptive seeds: the first 3 of the policy's 5, or all 5.
        assert len(per_seed) == len(entry["metrics_per_seed"]) == entry["seeds"] in (3, 5)
        assert len(entry["baseline_per_seed"]) == entry["seeds"]
        assert all(m.dtype.kind == "i" and m.sum() == report["dataset"]["test_rows"]
                   for m in per_seed)
        for counts, metrics in zip(per_seed, entry["metrics_per_seed"]):
            # Rebuild the labels the counts describe, then score them independently.
            truth = np.repeat(np.arange(len(labels)), counts.sum(axis=1))
            predicted = np.concatenate([np.repeat(np.arange(len(labels)), row) for row in counts])
            np.testing.assert_array_equal(confusion_matrix(truth, predicted), counts)
            assert f1_score(truth, predicted, pos_label=positive) == pytest.approx(
                metrics["f1"], abs=1e-12)
        assert np.mean([m["f1"] for m in entry["metrics_per_seed"]]) == pytest.approx(
            entry["metrics"]["f1"], abs=1e-12)
        np.testing.assert_allclose(np.mean(per_seed, axis=0), matrix["counts"])
        deltas = [s["f1"] - b["f1"] for s, b in zip(entry["metrics_per_seed"],
                                                     entry["baseline_per_seed"])]
        assert np.mean(deltas) == pytest.approx(entry["delta"]["f1"], abs=1e-12)
