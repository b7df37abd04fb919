"""The leaderboard as an HTML table: one builder for the dashboard's leaderboard and the
snapshot's metrics table, so both show the same cells in the same colours.

A plain table, not a Tabulator: the leaderboard is read-only and unsorted, and a Tabulator
redraws every row twice per update (new data, then new cell styles), about a quarter of a
revisited move's time in the browser (bench_browser, RESULTS.md).
"""

from __future__ import annotations

import html

import numpy as np
import pandas as pd

from .style import BETTER, EQUIVALENT, WORSE

BEYOND_NOISE = ("better", "worse")
# The practical call's cell: better / worse coloured as the delta is (beyond the noise);
# "no change that matters" pale grey, "can't tell" white and italic; negligible plain.
PRACTICAL_CSS = {"better": f"color: {BETTER}; font-weight: bold",
                 "worse": f"color: {WORSE}; font-weight: bold",
                 "negligible": "color: #444",
                 "equivalent": f"background-color: {EQUIVALENT}; color: #333",
                 "inconclusive": "background-color: #ffffff; color: #666; font-style: italic"}
BEST_ROW = "background-color: #fbe9e4"
# Every column of plots.leaderboard shown on the page, in order (`detectable` is shown inside
# the practical cell); the snapshot shows the first seven.
COLUMNS = ["algorithm", "baseline", "now", "delta", "interval", "verdict", "practical",
           "seeds", "rank_change", "best", "fit_s", "train_rows", "note"]
SNAPSHOT_COLUMNS = COLUMNS[:7]
TITLES = {"interval": "95 % interval", "rank_change": "rank change", "fit_s": "fit s",
          "train_rows": "train rows"}
ALIGN = {"baseline": "right", "now": "right", "delta": "right", "interval": "center",
         "seeds": "right", "rank_change": "right", "best": "center", "fit_s": "right",
         "train_rows": "right"}
# Least widths (px, padding included) where a cell's text should not break:
# "logistic_regression", "inconclusive"; numbers never break. Other columns are as narrow as
# their header's longest word (headers break between words only, cells anywhere), so the table
# fits the 840 px a 1280 px window leaves it.
LEAST = {"algorithm": 132, "practical": 86}
NUMBERS = ("baseline", "now", "delta", "interval", "rank_change", "fit_s", "train_rows")
INTEGERS = ("rank_change", "train_rows")  # a float column where a failed algorithm has none
PAD = 5  # px left and right of a cell's text
CELL = f"padding:3px {PAD}px;border-bottom:1px solid #ddd;vertical-align:top"


def delta_css(verdict, value) -> str:
    """A leaderboard delta's style: green or red only when the change is beyond the noise."""
    if verdict not in BEYOND_NOISE or not isinstance(value, (int, float)) \
            or not np.isfinite(value):
        return ""
    return f"color: {BETTER if verdict == 'better' else WORSE}; font-weight: bold"


def cell_css(row, column: str) -> str:
    """A cell's style: the leader's row shaded; the delta, the practical call and a rank change
    coloured by what they say (only beyond the noise)."""
    styles = [BEST_ROW] if row.get("best") else []
    if column == "delta":
        styles.append(delta_css(row.get("verdict"), row["delta"]))
    elif column == "practical":
        styles.append(PRACTICAL_CSS.get(row[column], ""))
    elif column == "rank_change" and row[column]:  # only overtakes beyond the noise
        styles.append(f"color: {BETTER if row[column] > 0 else WORSE}")
    return "; ".join(s for s in styles if s)


def cell_text(row, column: str) -> str:
    """A cell as shown (not escaped): numbers to 4 places, the practical call with what the run
    can detect, a tick on the leader."""
    value = row[column]
    if column == "practical":
        detectable = row.get("detectable")
        shown = (f" ±{detectable:.3f}" if value and detectable is not None
                 and pd.notna(detectable) else "")
        return f"{value}{shown}"
    if column == "best":
        return "✓" if value else ""
    if isinstance(value, (float, np.floating)):
        if not np.isfinite(value):
            return ""
        if column in INTEGERS:
            return f"{value:.0f}"
        return f"{value:.2f}" if column == "fit_s" else f"{value:.4f}"
    return "" if value is None else str(value)


def leaderboard_html(board: pd.DataFrame, columns=COLUMNS, css_class="distviz-leaderboard",
                     width: str = "100%") -> str:
    """``board`` (plots.leaderboard) as an HTML table: a row per algorithm
    (``data-algorithm``), a cell per column (``data-field``)."""
    def td(row, column):
        style = f"{CELL};text-align:{ALIGN.get(column, 'left')}" + (
            ";white-space:nowrap" if column in NUMBERS else "")
        css = cell_css(row, column)
        text = html.escape(cell_text(row, column))
        if column == "algorithm":  # narrower still, a name breaks after an underscore
            text = text.replace("_", "_<wbr>")
        return f'<td data-field="{column}" style="{style}{";" + css if css else ""}">{text}</td>'
    head = "".join(
        f'<th data-field="{c}" style="{CELL};border-bottom:2px solid #bbb;overflow-wrap:normal;'
        f'text-align:{ALIGN.get(c, "left")};min-width:{max(LEAST.get(c, 0) - 2 * PAD, 0)}px">'
        f"{html.escape(TITLES.get(c, c))}</th>" for c in columns)
    rows = "".join(f'<tr data-algorithm="{html.escape(str(row["algorithm"]))}">'
                   + "".join(td(row, c) for c in columns) + "</tr>"
                   for row in board.to_dict("records"))
    return (f'<table class="{css_class}" style="border-collapse:collapse;width:{width};'
            f'font-size:13px;overflow-wrap:anywhere"><thead><tr>{head}</tr></thead>'
            f"<tbody>{rows}</tbody></table>")
