"""How a curve's point states its practical call (:mod:`distviz.stats.practical`), in the
leaderboard's colours: better / worse filled green / red, negligible dark grey, equivalent
pale grey, inconclusive white (hollow); each point ringed in its curve's colour. A point
without a call (the baseline, one seed) is a small dot in the curve's colour."""

from __future__ import annotations

import math

from ..stats import CALLS, practical_call
from .style import BETTER, EQUIVALENT, INCONCLUSIVE, WORSE, escape

#: A point's fill per call (the leaderboard's: PRACTICAL_CSS in models_view).
CALL_FILL = {"better": BETTER, "worse": WORSE, "negligible": "#444444",
             "equivalent": EQUIVALENT, "inconclusive": INCONCLUSIVE}
CALLED_SIZE, PLAIN_SIZE = 10, 6
#: A point's columns beside its value (the marks and what its tooltip shows).
POINT_DIMS = ["algorithm", "fill", "size", "call", "change", "interval"]
POINT_TOOLTIPS = [("algorithm", "@algorithm"), ("ratio", "@ratio{+0.[00]}"),
                  ("value", "@value{0.000}"), ("change vs baseline", "@change"),
                  ("95 % interval", "@interval"), ("practical", "@call")]
#: What each call says against a smallest change that matters ``{m}`` (the legend's words).
CALL_WORDS = {"better": "better", "worse": "worse", "negligible": "negligible (under {m})",
              "equivalent": "equivalent (no change over {m})",
              "inconclusive": "inconclusive (can't tell at {m})"}


def point_call(metric: str, low: float, high: float, min_effect: float | None, *,
               beyond: bool | None = None) -> str | None:
    """The practical call of a point's change ``[low, high]`` against ``min_effect``
    (:func:`distviz.stats.practical_call`; None without an interval or a min_effect)."""
    if min_effect is None:
        return None
    return practical_call(metric, float(low), float(high), float(min_effect), beyond=beyond)


def marks(calls, colour: str) -> dict[str, list]:
    """Per point: ``fill`` (its call's, the curve's ``colour`` without a call), ``size`` and
    ``call`` (the text its tooltip shows, "" without a call)."""
    calls = list(calls)
    return {"fill": [CALL_FILL.get(c, colour) for c in calls],
            "size": [CALLED_SIZE if c in CALL_FILL else PLAIN_SIZE for c in calls],
            "call": [c or "" for c in calls]}


def practical_key(min_effect: float | None, metric: str, *, how: str) -> str:
    """The one-line legend of the points' calls against ``min_effect`` of ``metric`` (HTML);
    ``how`` says how a point is judged beyond the noise (e.g. "alone")."""
    if min_effect is None or not math.isfinite(min_effect):
        return ""
    m = f"{min_effect:.3g}"

    def dot(call):
        return (f'<span style="white-space:nowrap;margin-left:8px"><span style="display:'
                f'inline-block;width:10px;height:10px;border-radius:50%;border:1.5px solid '
                f'#666;background:{CALL_FILL[call]};vertical-align:middle;margin-right:3px">'
                f'</span>{escape(CALL_WORDS[call].format(m=m))}</span>')
    return (f"Points: the change's practical call ({escape(metric.upper())}, smallest change "
            f"that matters {m}; beyond the noise {escape(how)}):" + "".join(map(dot, CALLS)))

