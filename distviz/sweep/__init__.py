"""Sweeps: the model loop over features x groups x ratios, as tidy tables, locally or on Dask;
the grid of shifts (:class:`Plan`) and the one path that fits it (:func:`fit_plan`), which
advise uses too."""

from ..output import check_output, write_table
from ..shift.spec import DEFAULT_RATIOS
from .dask import check_scheduler, connect, fit_on_dask
from .fitting import FitTracker, fit_plan
from .plan import DEFAULT_ADVISE_RATIOS, MIN_SHIFT_ROWS, Plan, PlannedGroup, Skipped
from .sweep import KEY_COLUMNS, Sweep, SweepStats
from .tables import format_summary, headline_metric, paired_lead, summarize, winners

__all__ = ["DEFAULT_ADVISE_RATIOS", "DEFAULT_RATIOS", "KEY_COLUMNS", "MIN_SHIFT_ROWS",
           "FitTracker", "Plan", "PlannedGroup", "Skipped", "Sweep", "SweepStats",
           "check_output", "check_scheduler", "connect", "fit_on_dask", "fit_plan",
           "format_summary", "headline_metric", "paired_lead", "summarize", "winners",
           "write_table"]
