"""Where would more (or fewer) rows of a group help, and which model? (issue 14)

:func:`advise` shifts every group of each chosen feature at every ratio (default: halve and
double the group in training; the grid is a :class:`~distviz.sweep.plan.Plan`) and runs every
algorithm through one :class:`ModelLoop`: all fits are scheduled at once (locally, or on a Dask
cluster, by the very path of ``distviz sweep``: :func:`~distviz.sweep.fitting.fit_plan`), land
in the loop's cache (so a re-run resumes), and every (group, ratio, algorithm) becomes a
:class:`Cell`:

- ``delta``, ``ci95``, ``p_value``, ``verdict``: the change of the headline metric on the whole
  frozen test set, exactly what :meth:`ModelLoop.run` reports for that shift (so exactly
  ``distviz run --json``): :func:`distviz.stats.paired_delta`, seed + resampling draw + test
  sample, judged per cell at 5 %.
- ``p_adjusted``, ``verdict_bh``: the same change after Benjamini–Hochberg over all cells of the
  call (false-discovery rate ``alpha``, default 5 %).
- ``practical``, ``detectable``, ``min_effect``, ``to_detect``: the change's practical call
  against the loop's smallest change that matters (:mod:`distviz.stats.practical`), exactly what
  ``distviz run --json`` reports for that shift. The advice is the cells beyond the noise after
  Benjamini–Hochberg whose practical call is ``better`` or ``worse``: a real change smaller than
  ``min_effect`` (``negligible``) is never advised.
- ``group_delta``, ``group_ci95``, ``group_verdict``: the change of the same headline metric on
  the group's own test rows ("does adding women's rows help the model on women?"), with the same
  paired bootstrap restricted to those rows (:func:`distviz.stats.paired_delta` on the subset:
  the bootstrap resamples the group's test rows, with the group's size fixed). No interval when
  the group has fewer than ``MIN_GROUP_TEST_ROWS`` test rows (``group_note`` says so). Not part of
  the multiple-comparison control: it explains a cell, it does not select one.

A group that cannot be shifted honestly at a ratio is reported in ``skipped`` with its reason,
never dropped silently: fewer than ``min_rows`` training rows (default 10), or a ratio that
changes none of its rows (``round(n * (1 + r)) == n``).

:func:`response_curve` gives, for one group, the headline metric against the ratio per algorithm
with its interval and a shape label (the rule is in its docstring and docs/semantics.md).

The modules: :mod:`~distviz.advise.cells` (Cell, Skipped, Advice and its JSON),
:mod:`~distviz.advise.running` (advise, cells_of, judge, rejudge, group_effect),
:mod:`~distviz.advise.curves` (response_curve, curve_shape), :mod:`~distviz.advise.run`
(AdviseRun: the dashboard's map, computed in the background, published as it fills); the grid
is
:mod:`distviz.sweep.plan`'s and every sentence :mod:`distviz.sentences`'.
"""

from ..sentences import (
    METRIC_LABELS,
    action,
    curve_sentence,
    group_sentence,
    metric_label,
    sentence,
)
from ..sweep.plan import (
    DEFAULT_ADVISE_RATIOS,
    MIN_SHIFT_ROWS,
    Plan,
    Skipped,
    resolve_ratios,
    skip_reason,
)
from .cells import Advice, Cell
from .curves import SHAPES, Curve, CurvePoint, curve_shape, response_curve
from .running import (
    MIN_GROUP_TEST_ROWS,
    advise,
    cells_of,
    group_effect,
    judge,
    rejudge,
)
from .run import AdviseRun

__all__ = ["DEFAULT_ADVISE_RATIOS", "METRIC_LABELS", "MIN_GROUP_TEST_ROWS", "MIN_SHIFT_ROWS",
           "SHAPES", "Advice", "AdviseRun", "Cell", "Curve", "CurvePoint", "Plan", "Skipped",
           "action", "advise", "cells_of", "curve_sentence", "curve_shape", "group_effect",
           "group_sentence", "judge", "metric_label", "rejudge", "resolve_ratios", "response_curve",
           "sentence", "skip_reason"]
