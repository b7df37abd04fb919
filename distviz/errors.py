"""Errors a user can cause. Each message says what is wrong and what to do."""


class DistvizError(ValueError):
    """Base class of every error a user can cause; the CLI prints it on one line."""


class DatasetError(DistvizError):
    """A data source cannot be used: missing, unreadable, malformed, or unsuitable."""


class ShiftError(DistvizError):
    """A shift specification (feature, group, ratio, sampler) is invalid for the dataset."""


class UsageError(DistvizError):
    """A command or option was used wrongly (unknown algorithm, bad number, ...)."""
