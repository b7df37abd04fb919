"""Sweeps: the model loop over features x groups x ratios, as tidy tables, locally or on Dask."""

from ..output import check_output, write_table
from ..shift.spec import DEFAULT_RATIOS
from .dask import check_scheduler, connect, fit_on_dask
from .sweep import KEY_COLUMNS, Sweep, SweepStats
from .tables import format_summary, headline_metric, paired_lead, summarize, winners

__all__ = ["DEFAULT_RATIOS", "KEY_COLUMNS", "Sweep", "SweepStats", "check_output",
           "check_scheduler", "connect", "fit_on_dask", "format_summary",
           "headline_metric", "paired_lead", "summarize", "winners", "write_table"]
