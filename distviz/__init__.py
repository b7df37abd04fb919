"""distviz: how would my models score if the training data had more or fewer rows of this kind?"""

from .errors import DatasetError, DistvizError, ShiftError, UsageError

__version__ = "0.1.0"

__all__ = ["DatasetError", "DistvizError", "ShiftError", "UsageError", "__version__"]
