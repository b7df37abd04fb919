"""Colours and text shared by every view: one palette, one colour mix, one escape."""

from __future__ import annotations

import html

PALETTE = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf")
BEFORE, AFTER = "#9aa5b1", "#d6604d"
BETTER, WORSE = "#1a7f37", "#c62828"
#: Within the noise, the practical call tells "no change that matters" (grey) from "can't
#: tell" (white, hatched on a map: Bokeh's right-diagonal lines; italic in a table): the
#: write-up's figures use the same.
EQUIVALENT, INCONCLUSIVE, INCONCLUSIVE_HATCH = "#c8c8c8", "#ffffff", "/"
#: The page's accent (input borders, buttons, the active tab): a calm slate beside the header;
#: a red one made every input read as a validation error.
ACCENT = "#4d6a87"
#: The ratio axis of every curve against the shift.
RATIO_LABEL = "ratio (group rows x (1 + r))"


def algorithm_colors(algorithms) -> dict[str, str]:
    """A stable colour per algorithm, in the order first listed."""
    return {a: PALETTE[i % len(PALETTE)] for i, a in enumerate(dict.fromkeys(algorithms))}


def mix(a: str, b: str, t: float) -> str:
    """The colour a fraction ``t`` (0..1) of the way from hex colour ``a`` to ``b``."""
    t = min(max(t, 0.0), 1.0)
    ca = [int(a[i:i + 2], 16) for i in (1, 3, 5)]
    cb = [int(b[i:i + 2], 16) for i in (1, 3, 5)]
    return "#" + "".join(f"{round(x + (y - x) * t):02x}" for x, y in zip(ca, cb))


def escape(text) -> str:
    """User-supplied text shown in Markdown/HTML panes is always escaped."""
    return html.escape(str(text), quote=True).replace("*", "&#42;").replace("_", "&#95;")
