"""distviz: how would my models score if the training data had more or fewer rows of this kind?

The reactive chain, Panel-free::

    from distviz import Dataset, Resampler, ModelLoop
    ds = Dataset(source="titanic")
    rs = Resampler(dataset=ds, feature="sex", group="female")
    loop = ModelLoop(resampler=rs, algorithms=["xgboost", "logistic_regression"])
    rs.ratio = -0.5          # retrains; loop.result holds the shifted run against the baseline
"""

from .errors import DatasetError, DistvizError, ShiftError, UsageError

__version__ = "0.1.0"

# The chain is imported on first use, so `import distviz.errors` (the CLI's start) stays light.
_LAZY = {"Dataset": "data", "Resampler": "shift", "ShiftSpec": "shift", "ModelLoop": "loop",
         "ResultCache": "loop", "RunResult": "results", "Sweep": "sweep",
         "rank_features": "importance", "response_curve": "advise"}


def __getattr__(name):
    if name in _LAZY:
        from importlib import import_module
        return getattr(import_module(f".{_LAZY[name]}", __name__), name)
    raise AttributeError(f"module 'distviz' has no attribute {name!r}")


__all__ = ["DatasetError", "DistvizError", "ShiftError", "UsageError", "__version__", *_LAZY]
