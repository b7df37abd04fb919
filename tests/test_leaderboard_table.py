"""The leaderboard's HTML table (views/leaderboard_table.py), as the page and the snapshot show
it: a row per algorithm, its cells' text and colours read back from the HTML."""

import html
import re

import numpy as np
import pandas as pd

from distviz.views.leaderboard_table import (BEST_ROW, COLUMNS, PRACTICAL_CSS, SNAPSHOT_COLUMNS,
                                             leaderboard_html)
from distviz.views.style import BETTER, WORSE


def _board() -> pd.DataFrame:
    rows = [dict(algorithm="a<b>", baseline=0.61234, now=0.65, delta=0.03766,
                 interval="[+0.010, +0.060]", verdict="better", practical="better",
                 detectable=0.0123, seeds="5 of 5", rank_change=1, best=True, fit_s=0.456,
                 train_rows=843, note=""),
            dict(algorithm="svm", baseline=0.6, now=0.58, delta=-0.02, interval="[-0.030, -0.010]",
                 verdict="worse", practical="inconclusive", detectable=0.02, seeds="3 of 3",
                 rank_change=-1, best=False, fit_s=1.5, train_rows=843, note="cached"),
            dict(algorithm="knn", baseline=np.nan, now=np.nan, delta=np.nan, interval="",
                 verdict="", practical="", detectable=np.nan, seeds="0 of 3", rank_change=0,
                 best=False, fit_s=0.0, train_rows=np.nan, note="error: no rows")]
    return pd.DataFrame(rows)


def _cells(text: str) -> dict[str, dict[str, tuple[str, str]]]:
    """Per algorithm, per field: (the cell's text, its style)."""
    out = {}
    for name, row in re.findall(r'<tr data-algorithm="([^"]*)">(.*?)</tr>', text):
        out[html.unescape(name)] = {
            field: (html.unescape(cell), style) for field, style, cell in
            re.findall(r'<td data-field="([^"]+)" style="([^"]*)">(.*?)</td>', row)}
    return out


def test_every_column_in_order_with_its_text():
    cells = _cells(leaderboard_html(_board()))
    assert list(cells) == ["a<b>", "svm", "knn"]  # the name escaped in the HTML, read back
    assert all(list(row) == COLUMNS for row in cells.values())
    leader = {field: text for field, (text, _) in cells["a<b>"].items()}
    assert leader == {"algorithm": "a<b>", "baseline": "0.6123", "now": "0.6500",
                      "delta": "0.0377", "interval": "[+0.010, +0.060]", "verdict": "better",
                      "practical": "better ±0.012", "seeds": "5 of 5", "rank_change": "1",
                      "best": "✓", "fit_s": "0.46", "train_rows": "843", "note": ""}
    # A failed algorithm: no numbers, no call; its rows count stays an integer elsewhere.
    failed = {field: text for field, (text, _) in cells["knn"].items()}
    assert failed["baseline"] == failed["delta"] == failed["practical"] == ""
    assert failed["train_rows"] == "" and cells["svm"]["train_rows"][0] == "843"
    assert failed["best"] == "" and failed["note"] == "error: no rows"


def test_colours_follow_the_verdicts_and_the_leader():
    cells = _cells(leaderboard_html(_board()))
    assert BETTER in cells["a<b>"]["delta"][1] and WORSE in cells["svm"]["delta"][1]
    assert BETTER in cells["a<b>"]["rank_change"][1] and WORSE in cells["svm"]["rank_change"][1]
    assert PRACTICAL_CSS["inconclusive"] in cells["svm"]["practical"][1]
    assert all(BEST_ROW in style for _, style in cells["a<b>"].values())
    assert not any(BEST_ROW in style for _, style in cells["svm"].values())
    # Nothing is coloured for a change without a verdict.
    assert "color" not in cells["knn"]["delta"][1] and "color" not in cells["knn"]["practical"][1]


def test_a_long_name_breaks_only_after_an_underscore():
    board = _board().assign(algorithm=["logistic_regression", "svm", "knn"])
    text = leaderboard_html(board)
    assert '<tr data-algorithm="logistic_regression">' in text
    assert ">logistic_<wbr>regression</td>" in text


def test_the_snapshot_shows_the_first_seven_columns():
    text = leaderboard_html(_board(), SNAPSHOT_COLUMNS, "distviz-metrics", width="auto")
    assert text.startswith('<table class="distviz-metrics"')
    assert all(list(row) == SNAPSHOT_COLUMNS for row in _cells(text).values())
