"""The standalone snapshot without a browser: every state embedded, numbers from the loop,
assets inline, clear errors. (tests/ui/test_export.py opens it offline in Chromium.)"""

import re
import subprocess
import sys

import numpy as np
import pytest
from sklearn.metrics import f1_score

from distviz.errors import UsageError
from distviz.views.export import DEFAULT_RATIOS, export_html, snapshot_html
from distviz.loop import ModelLoop
from distviz.shift import ShiftSpec

ALGORITHM = "logistic_regression"
RESOURCE_URL = re.compile(r"<(script|link|img)\b[^>]*\b(src|href)\s*=\s*[\"']https?://", re.I)


@pytest.fixture(scope="module")
def snapshot(titanic):
    return snapshot_html(ModelLoop(dataset=titanic, algorithms=[ALGORITHM], n_jobs=1), "sex",
                         "female")


def test_every_ratio_state_is_embedded_with_the_loops_f1(titanic, snapshot):
    loop = ModelLoop(dataset=titanic, algorithms=[ALGORITHM], n_jobs=1)
    assert len(set(DEFAULT_RATIOS) | {0.0}) >= 9
    shown = set()
    for ratio in sorted(set(DEFAULT_RATIOS) | {0.0}):
        run = loop.run(ShiftSpec("sex", "female", ratio))  # from the cache the export filled
        fit = run.algorithms[0].first_fit
        # Independent check of the number the frame shows.
        f1 = f1_score(titanic.y_test, fit.y_pred, pos_label=titanic.positive_index)
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
    ratios = sorted(set(DEFAULT_RATIOS) | {0.0})
    [slider] = _models(snapshot, "Slider")
    assert slider["end"] == len(ratios) - 1
    assert slider["value"] == ratios.index(0.0)  # it opens at the baseline
    assert "shift +0 (984 training rows)" in snapshot
    assert '"name":"DataTable"' not in snapshot.replace(" ", "")
    assert "distviz-metrics" in snapshot
    assert "1 seed per state" in snapshot
    # BokehJS and nothing else: no script of another library (Panel's) asked for by path.
    assert not re.search(r"<script[^>]*\bsrc=", snapshot)


def test_the_metrics_table_escapes_names():
    from types import SimpleNamespace
    from distviz.views.export import metrics_table
    import pandas as pd
    from unittest import mock
    board = pd.DataFrame({"algorithm": ["<b>x</b>"], "baseline": [0.5], "now": [0.25],
                          "delta": [-0.25], "interval": ["[-0.300, -0.200]"],
                          "verdict": ["worse"]})
    run = SimpleNamespace(spec=SimpleNamespace(feature="f<", group="g&", ratio=1.0),
                          shift=SimpleNamespace(train_rows_after=10))
    with mock.patch("distviz.views.plots.leaderboard", return_value=board), \
            mock.patch("distviz.views.export.best_model", return_value="**Best now: x**"):
        text = metrics_table(run, "f1")
    assert "<b>x</b>" not in text and "&lt;b&gt;x&lt;/b&gt;" in text
    # The verdict and interval travel with the numbers; a change beyond the noise is coloured.
    assert "[-0.300, -0.200]" in text and ">worse<" in text and "#c62828" in text
    assert "f&lt; = g&amp;, shift +1 (10 training rows)" in text
    assert "<td" in text and "0.2500" in text and "-0.2500" in text
