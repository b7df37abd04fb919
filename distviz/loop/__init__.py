"""The model loop: its settings, the worker-side fit, the result cache, the fit executor."""

from .cache import ResultCache, default_cache_dir
from .executor import FitExecutor
from .model_loop import ModelLoop
from .settings import LoopSettings

__all__ = ["FitExecutor", "LoopSettings", "ModelLoop", "ResultCache", "default_cache_dir"]
