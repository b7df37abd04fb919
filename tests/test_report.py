"""The write-up's numbers are the sweep results it was made from.

Nothing here re-runs a sweep: the saved tables in docs/results are the source of truth.
1. docs/writeup.md is exactly what docs/make_report.py renders from them (so every number in the
   text is computed, not typed), and the template itself holds no result;
2. every marked table of the write-up is recomputed here independently, with pandas and SciPy,
   straight from the CSV files (their per-cell interval columns come from distviz.stats at
   sweep time, since they need the predictions; counts use SciPy's Benjamini–Hochberg);
3. the results cover what the issue asks for, and every figure the text shows exists.
"""

import re
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # `docs` lives at the repo root
from docs import make_report as report  # noqa: E402
from docs.report import advice as advice_numbers  # noqa: E402
from docs.report import common as numbers  # noqa: E402

TOLERANCE = 0.0005 + 1e-9  # numbers are printed with 3 decimals


@pytest.fixture(scope="module")
def results():
    return report.load_results()


@pytest.fixture(scope="module")
def writeup():
    return report.WRITEUP.read_text()


@pytest.fixture(scope="module")
def tables(writeup):
    """Every ``<!-- table:key -->`` Markdown table of the write-up, as text cells."""
    found = {}
    for key, body in re.findall(r"<!-- table:(\S+) -->\n(.*?)\n<!-- /table -->", writeup,
                                re.S):
        lines = body.splitlines()
        header = [c.strip() for c in lines[0].strip("|").split("|")]
        rows = [[c.strip() for c in line.strip("|").split("|")] for line in lines[2:]]
        found[key] = pd.DataFrame(rows, columns=header)
    assert found, "the write-up has no marked tables"
    return found


def number(text: str) -> float:
    return float(text.replace("−", "-"))


def pair(text: str) -> tuple[float, float]:
    low, high = re.fullmatch(r"\[(\S+), (\S+)\]", text).groups()
    return number(low), number(high)


def per_cell(rows: pd.DataFrame, column: str) -> float:
    """A per-cell column of the saved table (the same on every row of the cell)."""
    values = rows[column].dropna()
    return float(values.iloc[0]) if len(values) else float("nan")


def level(rows: pd.DataFrame, metric: str) -> tuple[float, float, float]:
    """A cell's mean over seeds and the sweep's own 95 % interval of it (distviz.stats)."""
    return rows[metric].mean(), per_cell(rows, f"value_low_{metric}"), \
        per_cell(rows, f"value_high_{metric}")


def change(rows: pd.DataFrame, metric: str) -> tuple[float, float, float, float]:
    """A cell's mean change against the baseline, its interval and p-value, as saved."""
    return (rows[f"delta_{metric}"].mean(), per_cell(rows, f"delta_low_{metric}"),
            per_cell(rows, f"delta_high_{metric}"), per_cell(rows, f"delta_p_{metric}"))


def bh(p_values) -> np.ndarray:
    """Benjamini–Hochberg at 5 %, computed with SciPy, independently of distviz.stats."""
    p_values = np.asarray(p_values, dtype=float)
    return stats.false_discovery_control(p_values, method="bh") <= 0.05


def changes_of(table: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Every shifted cell's change with its BH verdict ('up' / 'down' / None) over the table."""
    rows = []
    for (feature, ratio, algorithm), cell in table[table["ratio"] != 0].groupby(
            ["feature", "ratio", "algorithm"], sort=False):
        mean, low, high, p = change(cell, metric)
        rows.append({"feature": feature, "ratio": ratio, "algorithm": algorithm, "mean": mean,
                     "low": low, "high": high, "p": p})
    cells = pd.DataFrame(rows)
    cells["real"] = bh(cells["p"])
    cells["verdict"] = [("up" if m > 0 else "down") if r else None
                        for m, r in zip(cells["mean"], cells["real"])]
    return cells


def assert_close(text: str, value: float, tolerance: float = TOLERANCE):
    assert abs(number(text) - value) <= tolerance, (text, value)


def assert_interval(text: str, low: float, high: float):
    shown = pair(text)
    assert abs(shown[0] - low) <= TOLERANCE and abs(shown[1] - high) <= TOLERANCE, \
        (text, low, high)


def headline(table: pd.DataFrame) -> str:
    return "f1" if "f1" in table.columns else "r2"


def ratio_label(ratio: float) -> str:
    return f"{ratio:+g}" if ratio else "0"


# ---------------------------------------------------------------------------- 1. rendering
def _without_screenshots(text: str) -> str:
    """Screenshots come from the dashboard's own script and may land after the report ran."""
    kept = [line for line in text.splitlines() if "](images/" not in line]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(kept))


def test_writeup_is_exactly_what_the_results_render_to(results, writeup):
    assert _without_screenshots(report.render(results)) == _without_screenshots(writeup), \
        "docs/writeup.md is stale: run `python -m docs.make_report --render-only`"


def test_the_template_types_no_result():
    template = (report.DOCS / report.TEMPLATE).read_text()
    prose = re.sub(r"\{#.*?#\}|\{\{.*?\}\}|\{%.*?%\}", "", template, flags=re.S)
    # Not results: headings, section references and the local address of the dashboard.
    prose = re.sub(r"^#+ .*$|section \d+\.\d+|127\.0\.0\.1", "", prose, flags=re.M)
    assert re.findall(r"\d+\.\d+", prose) == [], "a decimal number is typed in the template"
    assert "<!-- table:" not in template  # tables are generated, never written by hand


# ---------------------------------------------------------------------------- 2. tables
def test_results_cover_the_issue(results):
    meta = results["meta"]["datasets"]
    assert len(meta) >= 3
    assert {m["summary"]["task"] for m in meta.values()} == {"classification", "regression"}
    for name, table in results["tables"].items():
        info = meta[name]
        features = list(dict.fromkeys(table["feature"]))
        ratios = sorted(table["ratio"].unique())
        assert len(features) == 3 and features == info["features"]
        assert len(ratios) == 9 and ratios[0] == -0.8 and ratios[-1] == 3.0 and 0.0 in ratios
        assert table["repeat"].nunique() == 3
        assert len(table) == 3 * 9 * len(info["algorithms"]) * 3
        ranking = results["rankings"][name]
        assert ranking["feature"].head(3).tolist() == features  # top 3 by Gini importance
        for feature in features:
            groups = pd.DataFrame(info["groups"][feature])
            groups = groups[groups["train_rows"] > 0]
            # docs/semantics.md, Defaults: besides the majority (largest) group, the smallest
            # group with at least 10 % of the training rows, else the largest of the others.
            ordered = groups.sort_values("train_rows", kind="stable", ascending=False)
            others = ordered.iloc[1:]
            large = others[others["train_rows"] >= 0.1 * groups["train_rows"].sum()]
            expected = (ordered["group"].iloc[0] if others.empty
                        else large.sort_values("train_rows", kind="stable")["group"].iloc[0]
                        if len(large) else others["group"].iloc[0])
            assert table.loc[table["feature"] == feature, "group"].unique().tolist() == [expected]


def test_baseline_tables(results, tables):
    for name, table in results["tables"].items():
        metric = headline(table)
        shown = tables[f"{name}:baseline"].set_index("algorithm")
        first = table["feature"].iloc[0]
        base = table[(table["ratio"] == 0) & (table["feature"] == first)]
        assert list(shown.index) == list(dict.fromkeys(table["algorithm"]))
        side = ["recall", "specificity"] if metric == "f1" else ["rmse", "mae"]
        for algorithm, rows in base.groupby("algorithm"):
            mean, low, high = level(rows, metric)
            assert 0 <= low <= mean <= high or metric == "r2"
            assert_close(shown.loc[algorithm, numbers.METRIC_LABELS[metric]], mean)
            assert_interval(shown.loc[algorithm, "95 % interval"], low, high)
            for column in side:
                assert_close(shown.loc[algorithm, numbers.METRIC_LABELS[column]],
                             rows[column].mean())
            assert_close(shown.loc[algorithm, "training rows used"],
                         rows["train_rows_used"].mean(), 0.5)
        # Ratio 0 is the same baseline fits whichever feature it is listed under.
        for feature in table["feature"].unique():
            other = table[(table["ratio"] == 0) & (table["feature"] == feature)]
            np.testing.assert_array_equal(other[metric].to_numpy(), base[metric].to_numpy())
            assert (other[f"delta_{metric}"] == 0).all()


def test_feature_tables(results, tables):
    for name, table in results["tables"].items():
        shown = tables[f"{name}:features"].set_index("feature")
        ranking = results["rankings"][name].set_index("feature")
        train_rows = results["meta"]["datasets"][name]["summary"]["train_rows"]
        for feature in dict.fromkeys(table["feature"]):
            rows = table[table["feature"] == feature]
            group = rows["group"].iloc[0]
            assert shown.loc[feature, "group shifted"] == f"`{group}`"
            assert_close(shown.loc[feature, "Gini importance"], ranking.loc[feature, "gini"])
            # The group's size is read from the sweep table itself (its ratio-0 row).
            n_group = rows.loc[rows["ratio"] == 0, "group_rows"].iloc[0]
            assert int(shown.loc[feature, "group training rows"]) == n_group
            assert_close(shown.loc[feature, "share of training set"].rstrip(" %"),
                         100 * n_group / train_rows, 0.05 + 1e-9)
            # and the ratio semantics hold in the saved table: round(n * (1 + r)) rows.
            for ratio, size in rows.groupby("ratio")["group_rows"].first().items():
                assert size == round(n_group * (1 + ratio))


def test_winner_tables(results, tables):
    """The best algorithm is named only when its lead over every other one is beyond the
    noise (its saved paired lead interval excludes 0), else 'within noise: ...'."""
    for name, table in results["tables"].items():
        metric = headline(table)
        shown = tables[f"{name}:winners"]
        means = table.groupby(["feature", "ratio", "algorithm"], sort=False)[metric].mean()
        for feature in dict.fromkeys(table["feature"]):
            group = table.loc[table["feature"] == feature, "group"].iloc[0]
            column = shown.set_index("ratio")[f"`{feature} = {group}`"]
            for ratio in sorted(table["ratio"].unique()):
                cell = means.loc[(feature, ratio)]
                best, value = column[ratio_label(ratio)].rsplit(" ", 1)
                leader = cell.idxmax()  # F1 and R²: higher is better
                rows = table[(table["feature"] == feature) & (table["ratio"] == ratio)]
                others = cell.drop(leader).sort_values(ascending=False, kind="stable").index
                lows = {a: per_cell(rows[rows["algorithm"] == a], f"lead_low_{metric}")
                        for a in others}
                tied = [a for a in others if not lows[a] > 0]
                expected = leader if not tied else "within noise: " + ", ".join([leader, *tied])
                assert best == expected, (name, feature, ratio)
                assert_close(value, cell.max())


def test_effect_tables(results, tables):
    for name, table in results["tables"].items():
        metric = headline(table)
        label = numbers.METRIC_LABELS[metric]
        shown = tables[f"{name}:effects"]
        ratios = sorted(table["ratio"].unique())
        down, up = ratios[0], ratios[-1]
        headers = list(shown.columns)
        assert headers[2] == f"Δ {label} at r = {ratio_label(down)}"
        assert headers[4] == f"Δ {label} at r = {ratio_label(up)}"
        verdicts = changes_of(table, metric).set_index(["feature", "algorithm", "ratio"])
        for row in shown.itertuples(index=False):
            feature, algorithm = row[0], row[1]
            cells = table[(table["feature"] == feature) & (table["algorithm"] == algorithm)]
            for ratio, value_at, interval_at in ((down, 2, 3), (up, 4, 5)):
                mean, low, high, _ = change(cells[cells["ratio"] == ratio], metric)
                assert_close(row[value_at], mean)
                assert_interval(row[interval_at], low, high)
            expected = []
            for ratio in ratios:
                if ratio == 0:
                    continue
                verdict = verdicts.loc[(feature, algorithm, ratio), "verdict"]
                if verdict:
                    expected.append(f"{ratio_label(ratio)} {verdict}")
            assert row[6] == (", ".join(expected) if expected else "none")


def test_sensitivity_specificity_tables(results, tables):
    checked = 0
    for name, table in results["tables"].items():
        if headline(table) != "f1":
            continue
        shown = tables[f"{name}:sensspec"]
        decided = {m: changes_of(table, m) for m in ("recall", "specificity")}
        for row in shown.itertuples(index=False):
            feature, ratio = row[0], number(row[1]) if row[1] != "0" else 0.0
            for metric, value_at, count_at in (("recall", 2, 3), ("specificity", 4, 5)):
                cells = decided[metric]
                cells = cells[(cells["feature"] == feature) & (cells["ratio"] == ratio)]
                assert_close(row[value_at], cells["mean"].mean())
                verdicts = cells["verdict"].tolist()
                assert row[count_at] == (f"{verdicts.count('up')} up, "
                                         f"{verdicts.count('down')} down")
            checked += 1
    assert checked >= 2 * 3 * 2  # two classification datasets x 3 features x 2 ratios


def shifted_cells(table: pd.DataFrame) -> pd.DataFrame:
    """Mean, interval and BH verdict of the headline change for every shifted cell."""
    return changes_of(table, headline(table))


def test_noise_table(results, tables, writeup):
    shown = tables["noise"].set_index("dataset")
    total_real = 0
    for name, table in results["tables"].items():
        cells = shifted_cells(table)
        verdicts = cells["verdict"].tolist()
        found = cells[cells["verdict"].notna()]
        assert int(shown.loc[name, "shifted cells"]) == len(verdicts)
        assert int(shown.loc[name, "real changes"]) == len(found)
        assert int(shown.loc[name, "up"]) == verdicts.count("up")
        assert int(shown.loc[name, "down"]) == verdicts.count("down")
        per_cell = int(((cells["low"] > 0) | (cells["high"] < 0)).sum())
        assert int(shown.loc[name, "beyond at 5 % per cell"]) == per_cell >= len(found)
        assert_close(shown.loc[name, "flagged by chance"], 0.05 * len(cells), 0.05 + 1e-9)
        assert int(shown.loc[name, "identical on every seed"]) == \
            int((found["high"] == found["low"]).sum())
        if len(found):
            biggest = found.loc[found["mean"].abs().idxmax()]
            described = shown.loc[name, "largest real change"]
            assert described.startswith(f"{biggest['algorithm']}, `{biggest['feature']} = ")
            assert_close(re.search(r": (\S+) \[", described).group(1), biggest["mean"])
        total_real += len(found)
    assert f"{total_real} of" in writeup


def test_algorithm_table(results, tables):
    shown = tables["algorithms"]
    for name, table in results["tables"].items():
        cells = shifted_cells(table)
        rows = shown[shown["dataset"] == name].set_index("algorithm")
        assert list(rows.index) == list(dict.fromkeys(table["algorithm"]))
        for algorithm, mine in cells.groupby("algorithm"):
            assert int(rows.loc[algorithm, "shifted cells"]) == len(mine)
            assert_close(rows.loc[algorithm, "mean abs Δ"], mine["mean"].abs().mean())
            assert_close(rows.loc[algorithm, "largest abs Δ"], mine["mean"].abs().max())
            assert_close(rows.loc[algorithm, "median interval width"],
                         (mine["high"] - mine["low"]).median())
            assert int(rows.loc[algorithm, "real changes"]) == int(mine["verdict"].notna().sum())


def test_lead_tables(results, tables):
    for name, table in results["tables"].items():
        metric = headline(table)
        means = table.groupby(["feature", "ratio", "algorithm"], sort=False)[metric].mean()
        first = table["feature"].iloc[0]
        base_best = means.loc[(first, 0.0)].idxmax()
        expected = []
        for feature in dict.fromkeys(table["feature"]):
            for ratio in sorted(table["ratio"].unique()):
                best = means.loc[(feature, ratio)].idxmax()
                if best != base_best:
                    expected.append((feature, ratio_label(ratio), best))
        key = f"{name}:leads"
        if not expected:
            assert key not in tables
            continue
        shown = tables[key]
        assert sorted(shown[["feature", "ratio", "best"]].itertuples(index=False, name=None)) \
            == sorted(expected)
        for row in shown.itertuples(index=False):
            ratio = number(row[1]) if row[1] != "0" else 0.0
            cell = table[(table["feature"] == row[0]) & (table["ratio"] == ratio)]
            leader = cell[cell["algorithm"] == row[2]].set_index("seed")[metric]
            other = cell[cell["algorithm"] == base_best].set_index("seed")[metric]
            mean = (leader - other).mean()
            # The cell's leader is ahead of base_best by the saved paired lead interval.
            low = per_cell(cell[cell["algorithm"] == base_best], f"lead_low_{metric}")
            high = per_cell(cell[cell["algorithm"] == base_best], f"lead_high_{metric}")
            assert_close(row[4], mean)
            assert_interval(row[5], low, high)
            assert row[6] == ("real lead" if low > 0 else "within the noise")


# ---------------------------------------------------------------------------- 3. figures
def test_every_figure_in_the_writeup_exists(writeup):
    links = re.findall(r"!\[[^\]]*\]\(([^)]+)\)", writeup)
    assert any(link.startswith("figures/") for link in links)
    for link in links:
        assert (report.DOCS / link).is_file(), link
    for name in report.load_results()["tables"]:
        assert (report.FIGURES / f"{name}_curves.png").is_file()
        assert (report.FIGURES / f"{name}_delta.png").is_file()


# ---------------------------------------------------------------------------- 4. where data helps
ADVICE_SENTENCE = re.compile(r" (raises|lowers) (\S+)'s (F1|R²) by (\S+) \[(\S+), (\S+)\]$")


def test_advice_covers_every_dataset(results):
    meta = results["meta"]["datasets"]
    assert set(results["advice"]) == set(meta)
    for name, out in results["advice"].items():
        ranking = results["rankings"][name]
        assert out["features"] == ranking["feature"].head(report.ADVISE_TOP).tolist()
        assert out["ratios"] == [-0.5, 1.0] and out["repeats"] == 3
        task = meta[name]["summary"]["task"]
        assert out["algorithms"] == report.ADVISE_ALGORITHMS[task]
        expected, skipped = set(), set()
        for feature in out["features"]:
            for group in out["groups"][feature]:  # the dataset's group table, saved with it
                n = group["train_rows"]
                if n == 0:
                    continue
                for ratio in out["ratios"]:
                    # docs/semantics.md: at least 10 training rows, and a ratio that moves one
                    if n < 10 or round(n * (1 + ratio)) == n:
                        skipped.add((feature, group["group"], ratio))
                        continue
                    expected |= {(feature, group["group"], ratio, a) for a in out["algorithms"]}
        cells = out["cells"]
        assert {(c["feature"], c["group"], c["ratio"], c["algorithm"]) for c in cells} == expected
        assert len(cells) == len(expected)
        assert {(s["feature"], s["group"], s["ratio"]) for s in out["skipped"]} == skipped
        for c in cells:
            assert c["ci95"][0] <= c["delta"] <= c["ci95"][1]
            assert c["seeds"] == 3 and c["error"] is None


def test_advice_table(results, tables, writeup):
    shown = tables["advice"].set_index("dataset")
    per_cell = 0
    for name, out in results["advice"].items():
        cells = pd.DataFrame(out["cells"])
        real = bh(cells["p_value"])  # SciPy's Benjamini–Hochberg over the dataset's cells
        better = cells[real & (cells["delta"] > 0)]  # F1 and R²: higher is better
        worse = cells[real & (cells["delta"] < 0)]
        lows = cells["ci95"].str[0]
        highs = cells["ci95"].str[1]
        row = shown.loc[name]
        assert int(row["cells"]) == len(cells)
        assert int(row["beyond the noise (BH)"]) == int(real.sum())
        assert (int(row["better"]), int(row["worse"])) == (len(better), len(worse))
        assert int(row["beyond at 5 % per cell"]) == int(((lows > 0) | (highs < 0)).sum())
        per_cell += int(((lows > 0) | (highs < 0)).sum())
        assert_close(row["flagged by chance"], 0.05 * len(cells), 0.05 + 1e-9)
        if better.empty:
            assert row["largest improvement"] == "none"
        else:
            best = better.loc[better["delta"].idxmax()]
            assert row["largest improvement"].startswith(
                f"{'halving' if best['ratio'] < 0 else 'doubling'} rows with "
                f"{best['feature']} = {best['group']} raises {best['algorithm']}'s")
    cells = sum(len(out["cells"]) for out in results["advice"].values())
    assert re.search(rf"Over the {cells} cells of the {len(results['advice'])} datasets",
                     writeup)
    assert re.search(rf"; {per_cell} cells have a 95 %\s+interval that excludes 0", writeup)


def test_advice_sentences_state_their_cells(results, writeup):
    """Each quoted sentence is its saved cell's numbers: the change and its interval."""
    quoted = 0
    for name, out in results["advice"].items():
        ranked = out["advice"]
        for a in ranked[:advice_numbers.SHOWN_ADVICE]:
            assert f"{a['sentence']} ({a['group_sentence']})." in writeup
            verb, algorithm, _, size, low, high = ADVICE_SENTENCE.search(a["sentence"]).groups()
            assert algorithm == a["algorithm"] and verb == ("raises" if a["delta"] > 0
                                                            else "lowers")
            lo, hi = a["ci95"] if a["delta"] > 0 else (-a["ci95"][1], -a["ci95"][0])
            assert_close(size, abs(a["delta"]))
            assert_interval(f"[{low}, {high}]", lo, hi)
            quoted += 1
        improvements = [a["improvement"] for a in ranked]
        assert improvements == sorted(improvements, reverse=True)
        # Only cells beyond the noise after BH are advice.
        assert all(a["verdict_bh"] in ("better", "worse") for a in ranked)
    assert quoted == sum(min(len(o["advice"]), advice_numbers.SHOWN_ADVICE)
                         for o in results["advice"].values())


def test_every_advice_map_exists(writeup):
    for name in report.load_results()["advice"]:
        assert f"](figures/{name}_advice.png)" in writeup
        assert (report.FIGURES / f"{name}_advice.png").is_file()


# ---------------------------------------------------------------------------- 5. practical calls
CALLS = ("better", "worse", "negligible", "equivalent", "inconclusive")


def call_of(low: float, high: float, min_effect: float, lower_is_better: bool = False) -> str:
    """docs/semantics.md, 13, written out again: the practical call of an interval."""
    inside = -min_effect < low and high < min_effect
    if low > 0 or high < 0:
        if inside:
            return "negligible"
        up = low > 0
        return "better" if up != lower_is_better else "worse"
    return "equivalent" if inside else "inconclusive"


def test_the_lead_counts_every_practical_call(results, tables, writeup):
    shown = tables["practical"].set_index(["dataset", "cells of"])
    totals = {"sweep": dict.fromkeys(CALLS, 0), "advise": dict.fromkeys(CALLS, 0)}
    for name, table in results["tables"].items():
        metric = headline(table)
        words, min_effects = [], set()
        for _, cell in table[table["ratio"] != 0].groupby(["feature", "ratio", "algorithm"]):
            word = cell[f"practical_{metric}"].dropna().unique()
            assert len(word) == 1  # one call per cell, on every row of it
            mean, low, high, _ = change(cell, metric)
            m = per_cell(cell, f"min_effect_{metric}")
            assert word[0] == call_of(low, high, m)
            words.append(word[0])
            min_effects.add(m)
        row = shown.loc[(name, "sweep")]
        assert float(row["min_effect"]) == min_effects.pop() and not min_effects
        assert int(row["cells"]) == len(words)
        for w in CALLS:
            assert int(row[w]) == words.count(w), (name, w)
            totals["sweep"][w] += words.count(w)
        cells = results["advice"][name]["cells"]
        row = shown.loc[(name, "advise")]
        assert int(row["cells"]) == len(cells)
        for w in CALLS:
            n = sum(c["practical"] == w for c in cells)
            assert int(row[w]) == n, (name, w)
            totals["advise"][w] += n
    text = re.sub(r"\s+", " ", writeup)
    for source, counts in totals.items():
        sentence = ", ".join(f"{counts[w]} {w}" for w in CALLS)
        assert sentence in text, (source, sentence)
    # Of the sweeps' better / worse calls (per cell), those beyond the noise after SciPy's BH.
    moved = controlled = 0
    for name, table in results["tables"].items():
        metric = headline(table)
        cells = changes_of(table, metric)
        words = [table[(table["feature"] == c.feature) & (table["ratio"] == c.ratio)
                       & (table["algorithm"] == c.algorithm)][f"practical_{metric}"].iloc[0]
                 for c in cells.itertuples()]
        flagged = np.isin(words, ["better", "worse"])
        moved += int(flagged.sum())
        controlled += int((flagged & cells["real"].to_numpy()).sum())
    assert f"{controlled} of the {moved} better or worse calls stay beyond the noise" in text
    # The lead comes first: before the summary and every section.
    assert writeup.index("<!-- table:practical -->") < writeup.index("**In short.**")


# ---------------------------------------------------------------------------- 6. positive control
CHECKED_CHUNKS = 4  # of the population's chunks, recomputed here (all of them take ~10 s)

def test_positive_control_detects_and_recovers_its_planted_effect(results, writeup):
    """The saved control's change is beyond the noise with a better/worse call and its
    interval holds the true size; the truth is recomputed here with a plain scikit-learn
    pipeline on the same population rows (k nearest neighbours is deterministic)."""
    from sklearn.compose import ColumnTransformer
    from sklearn.metrics import f1_score
    from sklearn.neighbors import KNeighborsClassifier
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, StandardScaler

    from distviz import synth
    from docs.report import control as ctl

    saved = results["control"]
    design, truth = saved["design"], saved["truth"]
    result = next(r for r in saved["run"]["results"] if r["algorithm"] == design["algorithm"])
    low, high = result["ci95"]["f1"]
    assert result["practical"]["f1"] in ("better", "worse")
    assert result["practical"]["f1"] == call_of(low, high,
                                                saved["run"]["interval"]["min_effect"]["f1"])
    assert low <= truth["delta"] <= high
    assert saved["run"]["shift"]["groups"][design["group"]]["after"] == 0
    per_seed = {s["f1"] - b["f1"] for s, b in zip(result["metrics_per_seed"],
                                                  result["baseline_per_seed"])}
    assert len(per_seed) == 1  # deterministic: the interval is the test sample's alone
    assert_close(numbers.signed(result["delta"]["f1"]), per_seed.pop())

    dataset = ctl.control_dataset()
    assert len(dataset.X_train) == saved["run"]["dataset"]["train_rows"]
    keep = (dataset.X_train[design["feature"]] != design["group"]).to_numpy()
    numeric = [c for c, k in dataset.kinds.items() if k == "numeric"]
    population = synth.make_planted_table(truth["population_rows"], share=design["share"],
                                          random_state=design["seed"], part=1)
    chunks = np.array_split(np.arange(len(population)), truth["chunks"])
    checked = population.iloc[np.concatenate(chunks[:CHECKED_CHUNKS])]  # a few, to stay quick
    y = checked[synth.TARGET].to_numpy()
    predictions = []
    for rows in (slice(None), keep):
        model = make_pipeline(
            ColumnTransformer([("n", StandardScaler(), numeric),
                               ("c", OneHotEncoder(handle_unknown="ignore"),
                                [design["feature"]])]),
            KNeighborsClassifier(n_neighbors=15))
        model.fit(dataset.X_train[rows], dataset.y_train[rows].astype(int))
        predictions.append(model.predict(checked[dataset.features]))
    start = 0
    for k in range(CHECKED_CHUNKS):  # each chunk's change, with scikit-learn's F1
        part = slice(start, start + len(chunks[k]))
        start += len(chunks[k])
        recomputed = (f1_score(y[part], predictions[1][part])
                      - f1_score(y[part], predictions[0][part]))
        assert abs(recomputed - truth["per_chunk"][k]) < 1e-9, k
    se = np.std(truth["per_chunk"], ddof=1) / np.sqrt(truth["chunks"])
    assert abs(se - truth["se"]) < 1e-12
    assert 0 < truth["se"] < (high - low) / 10  # the truth is known far finer than measured
    text = re.sub(r"\s+", " ", writeup)
    assert f"is **{numbers.signed(truth['delta'])}**" in text
    assert f"{numbers.signed(result['delta']['f1'])} {numbers.interval(low, high)}" in text


# ---------------------------------------------------------------------------- 7. mixes
def test_one_mix_per_dataset_lands_on_its_shares(results, tables, writeup):
    mixes = results["mixes"]
    assert set(mixes) == set(results["meta"]["datasets"])
    summary = tables["mixes"].set_index("dataset")
    for name, out in mixes.items():
        run, choice = out["run"], out["choice"]
        shift = run["shift"]
        assert shift["mix_name"] == choice["preset"] and shift["feature"] == choice["feature"]
        groups, asked = shift["groups"], shift["mix"]
        assert abs(sum(asked.values()) - 1) < 1e-5
        before = {g: c["before"] for g, c in groups.items()}
        total = shift["train_rows_after"]
        assert total == shift["train_rows_before"] == sum(c["after"] for c in groups.values())
        if choice["preset"] == "uniform":
            assert all(abs(s - 1 / len(groups)) < 1e-6 for s in asked.values())
        else:  # balanced-classes: the groups keep their shares, classes equal within each
            assert all(abs(asked[g] - n / total) < 1e-6 for g, n in before.items())
            for g, c in groups.items():
                after = [k["after"] for k in c["classes"].values()]
                assert max(after) - min(after) <= 1, (name, g)
        for g, c in groups.items():  # within one row of the asked share
            assert abs(c["after"] - asked[g] * total) <= 1, (name, g)
        moved = sum(abs(c["after"] - c["before"]) for c in groups.values()) / 2 / total
        if choice["preset"] == "uniform":
            assert abs(moved - choice["moved"]) < 1e-9
        shown = tables[f"{name}:mix_shares"].set_index("group")
        for g, c in groups.items():
            row = shown.loc[f"`{g}`"]
            assert int(row["rows before"]) == c["before"] and int(row["rows after"]) == c["after"]
            assert_close(row["share asked"], asked[g])
            assert_close(row["share after"], c["after"] / total)
        metric = run["best"]["metric"]
        effects = tables[f"{name}:mix_effects"].set_index("algorithm")
        m = run["interval"]["min_effect"][metric]
        calls = dict.fromkeys(CALLS, 0)
        for r in run["results"]:
            low, high = r["ci95"][metric]
            per_seed = [s[metric] - b[metric] for s, b in
                        zip(r["metrics_per_seed"], r["baseline_per_seed"])]
            row = effects.loc[r["algorithm"]]
            assert_close(row[f"Δ {numbers.METRIC_LABELS[metric]}"], np.mean(per_seed))
            assert_interval(row["95 % interval"], low, high)
            assert row["practical"] == r["practical"][metric] == call_of(low, high, m)
            calls[r["practical"][metric]] += 1
        for w in CALLS:
            assert int(summary.loc[name, w]) == calls[w]
        assert f"### 6." in writeup and f"{name}: `{choice['preset']}` over" in writeup
