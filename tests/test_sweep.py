"""Sweeps: the grid, the tidy table, its numbers, the cache (re-run and resume), CSV safety, CLI."""

import csv
import io
import html
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from sklearn import metrics as skm

from distviz import models
from distviz.cli import main
from distviz.data import Dataset
from distviz.errors import UsageError
from distviz.metrics import CLASSIFICATION_METRICS
from distviz.importance import top_features
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec, shift_training_set
from distviz.stats import ScoreBoard, flagged_by_chance, paired_delta
from distviz.output import neutralise_csv
from distviz.sweep import (DEFAULT_RATIOS, Sweep, format_summary, summarize, winners,
                           write_table)

FAST = ["xgboost", "logistic_regression"]
CONTRACT_COLUMNS = ["feature", "group", "ratio", "algorithm", "repeat", *CLASSIFICATION_METRICS,
                    *(f"delta_{m}" for m in CLASSIFICATION_METRICS), "fit_seconds",
                    "train_rows", "train_rows_used", "error", "from_cache"]
TIMING = ["fit_seconds", "from_cache"]


def two_features(dataset) -> list[str]:
    """``sex`` and the first other feature of the dataset."""
    return ["sex", next(f for f in dataset.features if f != "sex")]


def small_sweep(dataset, cache, **params):
    loop = ModelLoop(dataset=dataset, n_jobs=params.pop("n_jobs", 1), cache=cache)
    defaults = dict(features=two_features(dataset), ratios=[-0.5, 0, 1], algorithms=FAST,
                    repeats=2)
    return Sweep(dataset=dataset, loop=loop, **{**defaults, **params})


@pytest.fixture(scope="module")
def swept(titanic):
    sweep = small_sweep(titanic, ResultCache())
    return sweep, sweep.run()


@pytest.fixture(scope="module")
def table(swept):
    return swept[1]


def test_defaults_follow_the_issue(titanic):
    sweep = Sweep(dataset=titanic)
    assert sweep.top == 3 and sweep.method == "gini"
    # Seeds and budgets: the settings policy's, as the page's and `distviz run`'s.
    loop = sweep.make_loop()
    assert sweep.repeats is None and (loop.repeats, loop.random_state) == (5, 0)
    assert loop.max_train_rows == 10_000 and loop.stated_settings()["given"] == []
    assert len(DEFAULT_RATIOS) == 9 and min(sweep.ratios) == -0.8 and max(sweep.ratios) == 3
    assert 0.0 in sweep.ratios  # the baseline is part of every default sweep
    assert sweep.resolved_algorithms() == ["xgboost", "mlp", "random_forest", "svm"]
    assert sweep.resolved_features() == top_features(titanic, 3)
    plan = sweep.plan()
    assert [(f, g) for f, g, _ in plan] == [(f, titanic.default_group(f))
                                           for f in top_features(titanic, 3)]


def test_one_row_per_cell_in_a_deterministic_order(table, titanic):
    assert len(table) == 2 * 3 * 2 * 2
    assert set(CONTRACT_COLUMNS) <= set(table.columns)
    expected = [(f, titanic.default_group(f), r, a, k) for f in two_features(titanic)
                for r in [-0.5, 0.0, 1.0] for a in FAST for k in range(2)]
    assert list(table[["feature", "group", "ratio", "algorithm", "repeat"]]
                .itertuples(index=False, name=None)) == expected
    assert table["seed"].tolist() == table["repeat"].tolist()  # random_state 0 + repeat
    assert table["error"].isna().all()
    assert (table["train_rows_used"] == table["train_rows"]).all()  # no budget for these two


def test_rows_equal_an_independent_fit(table, titanic):
    """A row's numbers are what scikit-learn gives for that shifted training set and seed."""
    feature = two_features(titanic)[1]
    group = titanic.default_group(feature)
    row = table[(table["feature"] == feature) & (table["ratio"] == -0.5)
                & (table["algorithm"] == "logistic_regression") & (table["repeat"] == 1)].iloc[0]
    shift = shift_training_set(titanic, ShiftSpec(feature, group, -0.5), random_state=1)
    pipeline = models.make_full_pipeline(models.get("logistic_regression", "classification"),
                                         titanic.kinds, 1).fit(shift.X, shift.y)
    predicted = pipeline.predict(titanic.X_test)
    y = titanic.y_test
    assert row["f1"] == pytest.approx(skm.f1_score(y, predicted), abs=1e-12)
    assert row["recall"] == pytest.approx(skm.recall_score(y, predicted), abs=1e-12)
    assert row["specificity"] == pytest.approx(skm.recall_score(y, predicted, pos_label=0),
                                               abs=1e-12)
    assert row["roc_auc"] == pytest.approx(
        skm.roc_auc_score(y, pipeline.predict_proba(titanic.X_test)[:, 1]), abs=1e-12)
    n_group = int((titanic.group_labels(feature) == group).sum())
    assert row["group_rows"] == round(n_group * 0.5)
    assert row["train_rows"] == len(titanic.X_train) - n_group + round(n_group * 0.5)


def test_deltas_are_against_the_same_seed_baseline(table, titanic):
    keyed = table.set_index(["feature", "algorithm", "repeat", "ratio"])
    for (feature, algorithm, repeat, ratio), row in keyed.iterrows():
        base = keyed.loc[(feature, algorithm, repeat, 0.0)]
        for metric in CLASSIFICATION_METRICS:
            assert row[f"delta_{metric}"] == pytest.approx(row[metric] - base[metric], abs=1e-12)
    baseline = table[table["ratio"] == 0.0]
    assert (baseline[[f"delta_{m}" for m in CLASSIFICATION_METRICS]] == 0).all().all()
    # Baseline rows are the same fits whichever feature they are listed under.
    by_feature = [baseline[baseline["feature"] == f][list(CLASSIFICATION_METRICS)]
                  .reset_index(drop=True) for f in two_features(titanic)]
    pd.testing.assert_frame_equal(*by_feature)


def test_summary_and_winners_match_the_noise_method(swept, titanic):
    """The summary's intervals are distviz.stats's on the fits' predictions (recomputed here
    from the loop's cache), its BH decisions SciPy's, and a winner is named only beyond the
    noise."""
    sweep, table = swept
    summary = summarize(table)
    assert len(summary) == 2 * 3 * 2 and (summary["metric"] == "f1").all()
    loop = sweep.make_loop()
    runs = {}
    for row in summary.itertuples():
        cell = table[(table["feature"] == row.feature) & (table["ratio"] == row.ratio)
                     & (table["algorithm"] == row.algorithm)]
        deltas = cell["delta_f1"].to_numpy()
        assert row.value == pytest.approx(cell["f1"].mean())
        assert row.delta == pytest.approx(deltas.mean())
        key = (row.feature, row.ratio)
        if key not in runs:
            runs[key] = loop.run(ShiftSpec(row.feature, row.group, row.ratio))
        result = runs[key].result(row.algorithm)
        fits = {f.seed: f for f in result.fits}
        effect = paired_delta(titanic.y_test, fits, {f.seed: f for f in
                                                           result.baseline_fits},
                                    task="classification", n_classes=2, positive=1)["f1"]
        assert (row.ci_low, row.ci_high) == pytest.approx((effect.low, effect.high))
        assert row.p_value == pytest.approx(effect.p_value)
        assert row.significant == (row.ci_low > 0 or row.ci_high < 0) == effect.significant
        level = ScoreBoard(titanic.y_test, {"a": fits}, task="classification",
                                 n_classes=2, positive=1).level("a")["f1"]
        assert (row.value_low, row.value_high) == pytest.approx((level.low, level.high))
        assert 0 <= row.value_low <= row.value <= row.value_high <= 1
    shifted = summary[summary["ratio"] != 0]
    adjusted = stats.false_discovery_control(shifted["p_value"].to_numpy(), method="bh")
    assert shifted["significant_bh"].tolist() == (adjusted <= 0.05).tolist()
    assert summary.loc[summary["ratio"] == 0, "significant_bh"].isna().all()
    best = winners(summary)
    means = table.groupby(["feature", "ratio", "algorithm"], sort=False)["f1"].mean()
    for row in best.itertuples():
        cell = means.loc[(row.feature, row.ratio)]
        assert row.value == pytest.approx(cell.max())
        assert row.leader == cell.idxmax()
        # The leader's lead over the other algorithm, paired by seed on the same test rows.
        fits = {a.algorithm: {f.seed: f for f in a.fits}
                for a in runs[(row.feature, row.ratio)].algorithms}
        other = next(a for a in fits if a != row.leader)
        lead = paired_delta(titanic.y_test, fits[row.leader], fits[other],
                                  task="classification", n_classes=2, positive=1)["f1"]
        assert (row.margin_low, row.margin_high) == pytest.approx((lead.low, lead.high))
        assert row.beyond_noise == (lead.low > 0)
        assert row.best == (row.leader if lead.low > 0 else
                            f"within noise: {row.leader}, {other}")
        assert (row.winner == row.leader) if lead.low > 0 else pd.isna(row.winner)
    text = format_summary(table)
    leader = best.loc[best["ratio"] == 0, "leader"].iloc[0]
    assert "best at baseline: " + best.loc[best["ratio"] == 0, "best"].iloc[0] in text
    changes = best[best["leader"] != leader]
    if len(changes):  # how many leads exceed the noise
        real = int((changes["margin_low"] > 0).sum())
        assert f"leads in {len(changes)} of {len(best)} cells" in text
        assert f"{real} of these leads exceed the noise" in text
    chance = flagged_by_chance(len(shifted))
    assert (f"{int(shifted['significant_bh'].sum())} of {len(shifted)} shifted cells are "
            "beyond the noise after Benjamini-Hochberg") in text
    assert f"{chance.expected:.1f} would be flagged by chance" in text


def _toy_table(f1, leads):
    """A made-up two-algorithm table; ``leads[(ratio, algorithm)]`` = the cell leader's lead
    interval over that algorithm (what a sweep stores per cell)."""
    rows = []
    for ratio in sorted({r for _, r in f1}):
        for name in "AB":
            low, high = leads.get((ratio, name), (np.nan, np.nan))
            for k, value in enumerate(f1[(name, ratio)]):
                rows.append({"dataset": "toy", "feature": "f", "group": "g", "ratio": ratio,
                             "algorithm": name, "repeat": k, "seed": k, "f1": value,
                             "delta_f1": value - f1[(name, 0.0)][k], "error": None,
                             "lead_low_f1": low, "lead_high_f1": high,
                             "lead_p_f1": 0.001 if low > 0 else 0.5})
    return pd.DataFrame(rows)


def test_summary_counts_only_leads_beyond_the_noise():
    """A made-up table: B overtakes A at r = 1 beyond the noise, and only narrowly at r = 2."""
    f1 = {("A", 0.0): [0.80, 0.81, 0.79], ("B", 0.0): [0.70, 0.72, 0.71],
          ("A", 1.0): [0.80, 0.81, 0.79], ("B", 1.0): [0.90, 0.92, 0.91],
          ("A", 2.0): [0.80, 0.81, 0.79], ("B", 2.0): [0.78, 0.85, 0.80]}
    leads = {(0.0, "B"): (0.07, 0.13), (1.0, "A"): (0.08, 0.14), (2.0, "A"): (-0.03, 0.05)}
    text = format_summary(_toy_table(f1, leads))
    assert "best at baseline: A" in text
    assert "another algorithm leads in 2 of 3 cells (B 2); 1 of these leads exceed the noise" \
        in text


def test_the_winners_table_names_no_winner_inside_the_noise():
    f1 = {("A", 0.0): [0.80, 0.81, 0.79], ("B", 0.0): [0.79, 0.80, 0.80],
          ("A", 1.0): [0.80, 0.81, 0.79], ("B", 1.0): [0.90, 0.92, 0.91]}
    leads = {(0.0, "B"): (-0.02, 0.03), (1.0, "A"): (0.08, 0.14)}
    best = winners(summarize(_toy_table(f1, leads))).set_index("ratio")
    assert best.loc[0.0, "leader"] == "A" and pd.isna(best.loc[0.0, "winner"])
    assert best.loc[0.0, "best"] == "within noise: A, B" and not best.loc[0.0, "beyond_noise"]
    assert best.loc[1.0, "best"] == best.loc[1.0, "winner"] == "B"
    # Without intervals (one repeat) no winner is named either.
    bare = _toy_table(f1, {})
    one = winners(summarize(bare[bare["repeat"] == 0])).set_index("ratio")
    assert one["winner"].isna().all() and one.loc[1.0, "best"] == "no interval: B"
    assert summarize(bare)["significant"].isna().all()  # no per-cell columns: no t-interval


def test_two_repeats_give_bounded_bands_not_a_t_interval_with_one_df(titanic):
    """The Sweep tab's F1 bands with 2 repeats went from -1.5 to 2.5 (t with one degree of
    freedom); now they count the test sample and stay inside [0, 1]."""
    table = small_sweep(titanic, ResultCache(), features=["sex"], ratios=[-0.8, 0, 3],
                        algorithms=["logistic_regression", "decision_tree"]).run()
    summary = summarize(table)
    assert (summary["value_low"] >= 0).all() and (summary["value_high"] <= 1).all()
    assert (summary["value_high"] - summary["value_low"] < 0.4).all()
    assert (summary["ci_low"] >= -1).all() and (summary["ci_high"] <= 1).all()
    shifted = summary[summary["ratio"] != 0]
    assert (shifted["ci_high"] > shifted["ci_low"]).all()  # never an empty interval


def test_progress_counts_distinct_fits(titanic):
    calls = []
    sweep = small_sweep(titanic, ResultCache(), features=["sex"], ratios=[-0.5, 0, 1],
                        algorithms=["logistic_regression"])
    sweep.run(progress=lambda done, total, fit: calls.append((done, total)))
    # baseline + 2 shifted training sets, x 1 algorithm x 2 seeds
    assert [c[0] for c in calls] == list(range(1, 7)) and {c[1] for c in calls} == {6}
    assert sweep.stats.fits == 6 and sweep.stats.computed == 6 and sweep.stats.cached == 0


def test_parallel_and_inline_give_the_same_table(table, titanic):
    parallel = small_sweep(titanic, ResultCache(), n_jobs=2).run()
    pd.testing.assert_frame_equal(table.drop(columns=TIMING), parallel.drop(columns=TIMING),
                                  check_exact=True)


def test_an_interrupted_sweep_resumes_from_the_cache(titanic, tmp_path):
    class Interrupt(Exception):
        pass

    def stop_after_five(done, total, fit):
        if done == 5:
            raise Interrupt

    cache_dir = tmp_path / "cache"
    with pytest.raises(Interrupt):
        small_sweep(titanic, ResultCache(cache_dir)).run(progress=stop_after_five)
    # A new process would start with an empty memory cache: only the disk copy survives.
    resumed = small_sweep(titanic, ResultCache(cache_dir))
    table = resumed.run()
    assert resumed.stats.cached == 5
    assert resumed.stats.computed == resumed.stats.fits - 5
    assert len(table) == 24 and table["error"].isna().all()
    again = small_sweep(titanic, ResultCache(cache_dir))
    rerun = again.run()
    assert again.stats.computed == 0 and rerun["from_cache"].all()
    pd.testing.assert_frame_equal(table.drop(columns=TIMING), rerun.drop(columns=TIMING),
                                  check_exact=True)


def test_bad_grids_fail_before_any_fit(titanic):
    cache = ResultCache()
    with pytest.raises(Exception, match="ratio 5 is out of range"):
        small_sweep(titanic, cache, ratios=[0, 5]).run()
    with pytest.raises(Exception, match="unknown feature 'nope'"):
        small_sweep(titanic, cache, features=["nope"]).run()
    with pytest.raises(UsageError, match="unknown algorithm"):
        small_sweep(titanic, cache, algorithms=["nope"]).run()
    with pytest.raises(Exception, match="unknown group"):
        small_sweep(titanic, cache, groups={"sex": "robot"}).run()
    assert len(cache) == 0


# ---------------------------------------------------------------------------- CSV safety
def test_neutralise_csv_quotes_formulas_in_text_columns_only():
    frame = pd.DataFrame({"group": ["=HYPERLINK(\"x\")", "+1", "-0.5 .. 1", "@SUM(A1)", "male",
                                    None],
                          "ratio": [-0.5, 1.0, -1.0, 0.0, 3.0, 2.0],
                          "count": [-3, 4, 5, -6, 7, 8],
                          "mixed": pd.Series(["=cmd", -2.5, None, "ok", 1, "-x"], dtype=object)})
    safe = neutralise_csv(frame)
    assert safe["group"].tolist()[:5] == ["'=HYPERLINK(\"x\")", "'+1", "'-0.5 .. 1",
                                          "'@SUM(A1)", "male"]
    assert pd.isna(safe["group"].iloc[5])
    assert safe["mixed"].tolist()[:2] == ["'=cmd", -2.5] and safe["mixed"].iloc[5] == "'-x"
    pd.testing.assert_series_equal(safe["ratio"], frame["ratio"])
    pd.testing.assert_series_equal(safe["count"], frame["count"])
    assert frame["group"].iloc[0] == "=HYPERLINK(\"x\")"  # the input is not modified


def test_a_sweep_csv_of_hostile_labels_cannot_run_formulas(tmp_path):
    rng = np.random.default_rng(0)
    n = 400
    frame = pd.DataFrame({"channel": rng.choice(["=cmd|' /C calc'!A0", "-1", "web", "@shop"],
                                                n),
                          "x": rng.normal(size=n)})
    frame["y"] = ((frame["x"] + (frame["channel"] == "web")) > 0.5).astype(int)
    dataset = Dataset(source=frame, target="y")
    table = Sweep(dataset=dataset, loop=ModelLoop(dataset=dataset, n_jobs=1, cache=ResultCache()),
                  features=["channel"], groups={"channel": "=cmd|' /C calc'!A0"},
                  ratios=[-0.5, 0], algorithms=["logistic_regression"], repeats=1).run()
    path = write_table(table, tmp_path / "sweep.csv")
    rows = list(csv.DictReader(io.StringIO(path.read_text())))
    assert {r["group"] for r in rows} == {"'=cmd|' /C calc'!A0"}
    assert [r["ratio"] for r in rows] == ["-0.5", "0.0"]  # numbers stay numbers
    assert all(not cell.startswith(("=", "+", "@")) for r in rows for cell in r.values()
               if not _is_number(cell))
    assert all(not cell.startswith("-") for r in rows for cell in r.values()
               if not _is_number(cell))
    parquet = write_table(table, tmp_path / "sweep.parquet")  # parquet keeps the raw labels
    pd.testing.assert_frame_equal(pd.read_parquet(parquet), table, check_dtype=False)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


# ---------------------------------------------------------------------------- command line
def test_cli_sweep_writes_24_rows_and_reruns_from_cache(tmp_path):
    """The issue's acceptance command, run twice as a real process with an on-disk cache."""
    env = {**os.environ, "DISTVIZ_CACHE_DIR": str(tmp_path / "cache")}
    command = [sys.executable, "-m", "distviz.cli", "sweep", "--data", "titanic", "--top", "2",
               "--ratios", "-0.5,0,1", "--algorithms", "xgboost,logistic_regression",
               "--repeats", "2", "--out", "s.csv"]
    first = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                           timeout=300)
    assert first.returncode == 0, first.stderr
    written = pd.read_csv(tmp_path / "s.csv")
    assert len(written) == 24
    assert set(CONTRACT_COLUMNS) <= set(written.columns)
    assert not written["from_cache"].all()
    assert "wrote 24 rows" in first.stdout and "F1" in first.stdout
    # It states what it used: the policy's budget, the seeds given on the command line.
    assert ("settings: 2 seeds (0-1); at most 10,000 training rows per fit; all 1,313 rows; "
            "every test row (329); set by you: seeds") in first.stdout
    second = subprocess.run(command, cwd=tmp_path, env=env, capture_output=True, text=True,
                            timeout=300)
    assert second.returncode == 0, second.stderr
    again = pd.read_csv(tmp_path / "s.csv")
    assert again["from_cache"].all()
    assert "0 computed" in second.stdout
    pd.testing.assert_frame_equal(written.drop(columns=TIMING), again.drop(columns=TIMING))
    top = top_features(Dataset(source="titanic"), 2)
    assert list(dict.fromkeys(written["feature"])) == top


QUICK = ["--features", "sex", "--ratios", "0", "--algorithms", "logistic_regression",
         "--repeats", "1"]


@pytest.mark.parametrize("argv, message", [
    (["--features", "sex", "--top", "2"], "either --features or --top"),
    (["--features", "sex", "--ratios", "-0.5,9"], "ratio 9 is out of range"),
    (["--ratios", "a,b"], "--ratios takes comma-separated numbers"),
    (QUICK + ["--out", "table.xlsx"], "--out must end in .csv or .parquet"),
    (QUICK + ["--out", "no/such/folder/s.csv"], "folder of --out does not exist"),
    (["--features", "nope"], "unknown feature 'nope'"),
    (["--algorithms", "nope"], "unknown algorithm 'nope'"),
    (["--repeats", "0"], "--repeats must be at least 1"),
    (["--top", "0"], "--top must be at least 1"),
    (QUICK + ["--scheduler", "nonsense"], "--scheduler takes 'local' or a dask scheduler"),
])
def test_cli_mistakes_are_one_line(argv, message, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    code = main(["sweep", "--data", "titanic", "--no-cache", *argv])
    err = capsys.readouterr().err
    assert code == 2
    assert err.startswith("error: ") and err.count("\n") == 1 and message in err
    assert "Traceback" not in err
    assert not list(Path(tmp_path).glob("*.csv"))


def test_unreachable_scheduler_is_a_clear_error(capsys):
    import socket
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens here once the socket is closed
    code = main(["sweep", "--data", "titanic", "--features", "sex", "--ratios", "0.5",
                 "--algorithms", "logistic_regression", "--repeats", "1", "--no-cache",
                 "--scheduler", f"tcp://127.0.0.1:{port}"])
    err = capsys.readouterr().err
    assert code == 2 and "cannot reach the dask scheduler" in err and err.count("\n") == 1


# ---------------------------------------------------------------------------- plots and view
def test_sweep_curves_are_the_summary(table):
    import holoviews as hv

    from distviz.views.sweep_plots import sweep_curves, winner_table
    summary = summarize(table)
    layout = sweep_curves(summary, ratio=1.0)
    features = list(dict.fromkeys(table["feature"]))
    assert len(layout) == len(features)
    for overlay, feature in zip(layout, features):
        expected = summary[summary["feature"] == feature]
        curves = [e for e in overlay if type(e) is hv.Curve]  # hv.Area is a Curve too
        bands = [e for e in overlay if isinstance(e, hv.Area)]
        assert [c.label for c in curves] == FAST and len(bands) == len(FAST)
        for curve, band, algorithm in zip(curves, bands, FAST):
            rows = expected[expected["algorithm"] == algorithm]
            np.testing.assert_allclose(curve.dimension_values(1), rows["value"])
            np.testing.assert_allclose(band.dimension_values(1), rows["value_low"])
            np.testing.assert_allclose(band.dimension_values(2), rows["value_high"])
        assert [e.data for e in overlay if isinstance(e, hv.VLine)] == [1.0]
    delta = sweep_curves(summary, kind="delta")
    first = [e for e in delta[0] if type(e) is hv.Curve][0]
    np.testing.assert_allclose(first.dimension_values(1),
                               summary[(summary["feature"] == features[0])
                                       & (summary["algorithm"] == FAST[0])]["delta"])
    # The change's axes are named (not the x and y of its zero line), the legend sits outside.
    from bokeh.models import Legend
    figure = hv.render(delta[0], backend="bokeh")
    assert figure.xaxis[0].axis_label == "ratio (group rows x (1 + r))"
    assert figure.yaxis[0].axis_label == "change in F1"
    assert any(isinstance(r, Legend) for r in figure.right)
    assert not any(isinstance(r, Legend) for r in figure.center)
    grid = winner_table(winners(summary))
    assert len(grid) == 3 and grid["ratio"].tolist() == ["-0.5", "+0", "+1"]


def test_sweep_view_runs_in_the_background_and_marks_the_slider(titanic):
    import time

    import holoviews as hv

    from distviz.views.sweep_view import SweepView
    loop = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=ResultCache())
    view = SweepView(dataset=titanic, loop=loop, feature="sex", group="female", ratio=1.0,
                     top=2, repeats=1)
    started = time.perf_counter()
    view.param.trigger("run_sweep")
    returned = time.perf_counter() - started
    assert view.running and view.progress_bar.visible and view.button.disabled
    view.wait(timeout=300)
    assert returned < 0.5 * (time.perf_counter() - started)  # the caller did not wait for it
    assert not view.running and not view.progress_bar.visible
    assert view.progress_bar.value == view.progress_bar.max == (2 * 8 + 1) * len(FAST)
    assert len(view.table) == 2 * 9 * len(FAST)
    assert view.table["feature"].iloc[0] == "sex" and view.table["group"].iloc[0] == "female"
    layout = view.curves()
    assert len(layout) == 2 and len(view.panels.panes) == 2
    panes = view.panels.panes
    view.ratio = -0.4
    assert [e.data for e in view.curves()[0] if isinstance(e, hv.VLine)] == [-0.4]
    assert view.panels.panes == panes  # the panes are updated in place
    assert panes[0].object is view.curves()[0]
    view.metric = "specificity"
    assert "SPECIFICITY" in view.curves()[0].get_dimension("value").pprint_label
    # One legend above the panels names every algorithm (none inside a panel).
    assert all(a in html.unescape(view.legend.object) for a in FAST)
    assert view.curves()[0].opts.get().kwargs["show_legend"] is False
    assert view.best_table.object is not None and len(view.best_table.object) == 9
    # A second run is served from the loop's cache.
    view.param.trigger("run_sweep")
    view.wait(timeout=300)
    assert "0 computed" in view.status.object


def test_sweep_view_uses_the_dashboard_group_only_when_it_belongs_to_the_feature(titanic):
    from distviz.views.sweep_view import SweepView
    loop = ModelLoop(dataset=titanic, algorithms=FAST, n_jobs=1, cache=ResultCache())
    view = SweepView(dataset=titanic, loop=loop, feature="sex", group="male", top=2)
    assert view.make_sweep().plan()[0][:2] == ("sex", "male")
    view.group = "Q1 [0.17, 21]"  # left over from another feature
    assert view.make_sweep().plan()[0][:2] == ("sex", titanic.default_group("sex"))


def test_sweep_view_reports_errors_without_fitting():
    from distviz.views.sweep_view import SweepView
    view = SweepView()  # no dataset yet
    view.param.trigger("run_sweep")
    view.wait(timeout=60)
    assert not view.running and not view.progress_bar.visible and not view.button.disabled
    assert "no dataset loaded" in view.status.object and view.table is None


# ---------------------------------------------------------------------------- in a browser
SWEEP_APP = """
import panel as pn
from distviz.data import Dataset
from distviz.loop import ModelLoop, ResultCache
from distviz.views.sweep_view import SweepView

pn.extension()
dataset = Dataset(source="titanic")
loop = ModelLoop(dataset=dataset, algorithms=["xgboost", "logistic_regression"], n_jobs=1,
                 cache=ResultCache())
SweepView(dataset=dataset, loop=loop, feature="sex", group="female", ratio=1.0, top=1,
          repeats=2).servable()
"""

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--no-first-run", "--disable-sync",
                 "--disable-quic"]

# Progress bars and texts of the page's Bokeh models (the widgets live in shadow DOM).
PAGE_STATE = """() => {
  const models = [...Bokeh.documents[0].all_models];
  const progress = models.filter(m => m.type === 'panel.models.widgets.Progress');
  const texts = models.map(m => m.text).filter(t => typeof t === 'string');
  const spans = models.filter(m => m.type === 'Span').map(m => m.location);
  return {progress: progress.map(p => [p.visible, p.value, p.max]), texts, spans};
}"""


@pytest.mark.ui
@pytest.mark.timeout(180)
def test_served_sweep_tab_shows_progress_then_curves(tmp_path):
    import socket
    import time

    from playwright.sync_api import sync_playwright

    app = tmp_path / "sweep_app.py"
    app.write_text(SWEEP_APP)
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    panel = Path(sys.executable).with_name("panel")
    server = subprocess.Popen([str(panel), "serve", str(app), "--address", "127.0.0.1",
                               "--port", str(port), "--allow-websocket-origin",
                               f"127.0.0.1:{port}"], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    try:
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path="/usr/bin/chromium", args=CHROMIUM_ARGS)
            page = browser.new_page()
            deadline = time.monotonic() + 60
            while True:
                try:
                    page.goto(f"http://127.0.0.1:{port}/sweep_app", timeout=10_000)
                    break
                except Exception:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.3)
            page.get_by_role("button", name="Run sweep").click()
            seen_running, finished = False, None
            deadline = time.monotonic() + 120
            while time.monotonic() < deadline:
                state = page.evaluate(PAGE_STATE)
                bars = state["progress"]
                if any(visible and 0 < value < total for visible, value, total in bars):
                    seen_running = True
                finished = next((t for t in state["texts"] if "distinct fits" in t), None)
                if finished and state["spans"]:  # the status, then the curves arrive
                    break
                time.sleep(0.05)
            assert seen_running, "the progress bar never showed a sweep in progress"
            assert finished and "36 rows" in finished  # 9 ratios x 2 algorithms x 2 repeats
            assert 1.0 in state["spans"]  # the slider's ratio is marked on the panel
            assert any(not visible for visible, _, _ in state["progress"])
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_the_sweep_states_the_settings_it_used(swept):
    """The sweep's stats state its seeds and budgets; the table's rows are those fits."""
    sweep, table = swept
    settings = sweep.stats.settings
    assert settings["seeds"] == sorted(table["seed"].unique()) == [0, 1]
    assert settings["given"] == ["repeats"]  # the sweep's own; the rest is the policy's
    budgets = settings["algorithm_budgets"]
    assert set(budgets) == set(table["algorithm"])
    for name, rows in table.groupby("algorithm")["train_rows_used"]:
        assert rows.max() <= budgets[name]
