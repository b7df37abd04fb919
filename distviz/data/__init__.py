"""Data: where tables come from (catalog, reader, cleaning) and the :class:`Dataset` with its
groups and frozen split."""

from .catalog import BUNDLED, catalog, default_data_dir, list_datasets, load
from .cleaning import MIN_ROWS, Prepared, TargetSuggestion, prepare, suggest_target
from .dataset import MISSING, MIN_GROUP_SHARE, OTHER, Dataset, format_edge
from .reader import read_table

__all__ = ["BUNDLED", "MIN_GROUP_SHARE", "MIN_ROWS", "MISSING", "OTHER", "Dataset", "Prepared",
           "catalog", "default_data_dir", "format_edge", "list_datasets", "load", "prepare",
           "read_table", "suggest_target", "TargetSuggestion"]
