"""How a curve's point states its practical call (:mod:`distviz.stats.practical`), in the
leaderboard's colours: better / worse filled green / red (and pointing up / down, so that they
never read as a green or red curve's plain point), negligible dark grey, equivalent pale grey,
inconclusive white (hollow); each point ringed in its curve's colour. A point without a call
(the baseline, one seed) is a small dot in the curve's colour."""

from __future__ import annotations

import math

import holoviews as hv

from ..stats import CALLS, practical_call
from .style import BETTER, EQUIVALENT, INCONCLUSIVE, WORSE, escape

#: A point's fill per call (the leaderboard's: PRACTICAL_CSS in leaderboard_table).
CALL_FILL = {"better": BETTER, "worse": WORSE, "negligible": "#444444",
             "equivalent": EQUIVALENT, "inconclusive": INCONCLUSIVE}
CALL_MARKER = {"better": "triangle", "worse": "inverted_triangle"}
CALLED_SIZE, PLAIN_SIZE = 10, 6
#: A point's columns beside its value (the marks and what its tooltip shows).
POINT_DIMS = ["algorithm", "fill", "marker", "size", "call", "change", "interval"]
POINT_TOOLTIPS = [("algorithm", "@algorithm"), ("ratio", "@ratio{+0.[00]}"),
                  ("value", "@value{0.000}"), ("change vs baseline", "@change"),
                  ("95 % interval", "@interval"), ("practical", "@call")]
#: What each call says against a smallest change that matters ``{m}`` (the legend's words).
CALL_WORDS = {"better": "better", "worse": "worse", "negligible": "negligible (< {m})",
              "equivalent": "equivalent (no change > {m})",
              "inconclusive": "inconclusive (can't tell)"}


def point_opts(colour: str) -> dict:
    """A curve's points' options (a Scatter with :data:`POINT_DIMS`): filled and shaped by
    their calls, ringed in the curve's ``colour``, with tooltips."""
    return {"fill_color": hv.dim("fill"), "marker": hv.dim("marker"), "size": hv.dim("size"),
            "line_color": colour, "line_width": 2, "tools": ["hover"],
            "hover_tooltips": POINT_TOOLTIPS}


def point_call(metric: str, low: float, high: float, min_effect: float | None, *,
               beyond: bool | None = None) -> str | None:
    """The practical call of a point's change ``[low, high]`` against ``min_effect``
    (:func:`distviz.stats.practical_call`; None without an interval or a min_effect)."""
    if min_effect is None:
        return None
    return practical_call(metric, float(low), float(high), float(min_effect), beyond=beyond)


def marks(calls, colour: str) -> dict[str, list]:
    """Per point: ``fill`` (its call's, the curve's ``colour`` without a call), ``marker``,
    ``size`` and ``call`` (the text its tooltip shows, "" without a call)."""
    calls = list(calls)
    return {"fill": [CALL_FILL.get(c, colour) for c in calls],
            "marker": [CALL_MARKER.get(c, "circle") for c in calls],
            "size": [CALLED_SIZE if c in CALL_FILL else PLAIN_SIZE for c in calls],
            "call": [c or "" for c in calls]}


def practical_key(min_effect: float | None, metric: str, *, how: str) -> str:
    """The one-line legend of the points' calls against ``min_effect`` of ``metric`` (HTML);
    ``how`` says how a point is judged beyond the noise (e.g. "each judged alone")."""
    if min_effect is None or not math.isfinite(min_effect):
        return ""
    m = f"{min_effect:.3g}"

    def dot(call):
        arrow = {"triangle": "▲", "inverted_triangle": "▼"}.get(CALL_MARKER.get(call))
        mark = (f'<span style="color:{CALL_FILL[call]}">{arrow}</span>' if arrow else
                f'<span style="display:inline-block;width:9px;height:9px;border-radius:50%;'
                f'border:1.5px solid #666;background:{CALL_FILL[call]};vertical-align:middle">'
                '</span>')
        return (f'<span style="white-space:nowrap;margin-left:8px">{mark} '
                f'{escape(CALL_WORDS[call].format(m=m))}</span>')
    return (f"Points by practical call at {m} ({escape(metric.upper())}, {escape(how)}):"
            + "".join(map(dot, CALLS)))

