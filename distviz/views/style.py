"""Colours and text hygiene shared by every view: one palette, one escape."""

from __future__ import annotations

import html

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
BEFORE, AFTER = "#9aa5b1", "#d6604d"
BETTER, WORSE = "#1a7f37", "#c62828"


def algorithm_colors(algorithms) -> dict[str, str]:
    """A stable colour per algorithm, in the order first listed."""
    return {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(dict.fromkeys(algorithms))}


def escape(text) -> str:
    """User-supplied text shown in Markdown/HTML panes is always escaped."""
    return html.escape(str(text), quote=True).replace("*", "&#42;").replace("_", "&#95;")
