"""The model loop: its settings, the worker-side fit, the result cache, the scheduler."""

from .cache import ResultCache, default_cache_dir, shared_cache
from .model_loop import ModelLoop, Prefetch
from .scheduler import Scheduler, default_scheduler
from .settings import LoopSettings

__all__ = ["LoopSettings", "ModelLoop", "Prefetch", "ResultCache", "Scheduler",
           "default_cache_dir", "default_scheduler", "shared_cache"]
