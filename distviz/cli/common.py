"""What every subcommand shares: the parser, the common options, and building the chain
(Dataset -> Resampler -> ModelLoop) from them."""

from __future__ import annotations

import argparse
import math
import re
import sys

from ..errors import UsageError


class Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one ``error:`` line, exit 2."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Python < 3.13 reads "--ratios -0.5,0,1" as an unknown option; 3.13's rule fixes it.
        self._negative_number_matcher = re.compile(r"-\.?\d")

    def error(self, message):
        raise UsageError(f"{message}; run '{self.prog} --help' for usage.")


def add_data(parser, required=True):
    parser.add_argument("--data", required=required, metavar="SRC",
                        help="a bundled dataset's name or a path to a CSV or Parquet file")
    parser.add_argument("--target", help="the column to predict (required for a file)")
    parser.add_argument("--task", choices=["auto", "classification", "regression"],
                        default="auto", help="override the detected task")


def add_cache(parser):
    parser.add_argument("--cache-dir", help="where results persist (default $DISTVIZ_CACHE_DIR "
                                            "or ~/.cache/distviz)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the "
                                                                "on-disk cache")


AUTO_REPEATS_HELP = ("seeds per state (default: enough for a 95 %% interval, 5 up to 20,000 "
                     "training rows and 3 above; 1 reports no interval)")


def add_loop(parser, *, repeats: int | None = 1, repeats_help: str | None = None):
    parser.add_argument("--algorithms", help="comma-separated registry names "
                                             "(default xgboost,mlp,random_forest,svm)")
    parser.add_argument("--repeats", type=int, default=repeats,
                        help=repeats_help or f"seeds per state (default {repeats})")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--n-jobs", type=int, default=None, help="parallel fits (default 2)")
    parser.add_argument("--lift-budgets", action="store_true",
                        help="fit every algorithm on all training rows")
    parser.add_argument("--min-effect", metavar="M", type=min_effect_option,
                        help="the smallest change that matters, for the practical calls: a "
                             "number for the headline metric and/or metric=value pairs, e.g. "
                             "0.02 or f1=0.02,roc_auc=0.005 (default 0.01; RMSE/MAE 1 %% of "
                             "a constant prediction's error)")
    add_cache(parser)


def min_effect_option(text: str) -> str:
    """``--min-effect``'s text, checked as it is parsed (before any data loads)."""
    from ..stats import parse_min_effect
    try:
        parse_min_effect(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None
    return text


def add_shift(parser):
    parser.add_argument("--upsampler", choices=["random", "smote"], default="random")
    parser.add_argument("--class-balance", choices=["none", "under", "over", "smote"],
                        default="none")


def load_dataset(args):
    from ..data import Dataset
    return Dataset(source=args.data, target=args.target, task=args.task)


def make_cache(args):
    """The on-disk cache, so that re-running a command is served from it (memory only with
    --no-cache)."""
    from ..loop import ResultCache, default_cache_dir
    if getattr(args, "no_cache", False):
        return ResultCache()
    return ResultCache(args.cache_dir or default_cache_dir())


def make_loop(args, dataset, *, auto_repeats: bool = False, **params):
    """The ModelLoop the options describe (``params``: e.g. a resampler to follow).

    Without ``--repeats``: ``distviz.noise.default_repeats`` of the training rows when
    ``auto_repeats`` (``distviz run``), else 1."""
    from .. import models
    from ..loop import ModelLoop
    names = args.algorithms or ",".join(models.default_algorithms(dataset.task_name))
    algorithms = [a.name for a in models.resolve(names, dataset.task_name)]
    if args.repeats is not None and args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}.")
    if args.n_jobs is not None and args.n_jobs < 1:
        raise UsageError(f"--n-jobs must be at least 1, got {args.n_jobs}.")
    repeats = args.repeats
    if repeats is None:
        from ..noise import default_repeats
        repeats = default_repeats(len(dataset.y_train)) if auto_repeats else 1
    settings = dict(dataset=dataset, algorithms=algorithms, repeats=repeats,
                    random_state=args.seed, lift_budgets=args.lift_budgets,
                    cache=make_cache(args))
    if args.n_jobs:
        settings["n_jobs"] = args.n_jobs
    loop = ModelLoop(**settings, min_effect=args.min_effect, **params)
    loop.min_effects()  # a metric the task does not report fails before any fit
    return loop


def parse_floats(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{option} takes comma-separated numbers, got {text!r}.") from None
    if not values or any(math.isnan(v) for v in values):
        raise UsageError(f"{option} takes comma-separated numbers, got {text!r}.")
    return values


def parse_names(text: str) -> list[str]:
    return [v.strip() for v in text.split(",") if v.strip()]


def print_json(obj) -> None:
    from ..output import to_json
    print(to_json(obj))


class Progress:
    """A progress bar on stderr when it is a terminal; silent otherwise."""

    def __init__(self, description: str):
        self.bar = None
        self.description = description

    def __call__(self, done, total, *_):
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            from tqdm import tqdm
            self.bar = tqdm(total=total, desc=self.description, unit="fit", leave=False)
        self.bar.n = done
        self.bar.refresh()

    def close(self):
        if self.bar is not None:
            self.bar.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def check_features_or_top(args) -> None:
    """``--features`` and ``--top`` choose the features two ways: one at a time, top >= 1."""
    if args.features and args.top is not None:
        raise UsageError("give either --features or --top, not both.")
    if args.top is not None and args.top < 1:
        raise UsageError(f"--top must be at least 1, got {args.top}.")
