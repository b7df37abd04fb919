"""What every subcommand shares: the parser, the common options, and building the chain
(Dataset -> Resampler -> ModelLoop) from them."""

from __future__ import annotations

import argparse
import math
import re
import sys

from ..errors import UsageError
from ..loop.policy import FIRST_SEED, SAMPLE_ROWS, TRAIN_ROWS, dataset_options


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


REPEATS_HELP = ("seeds per state (default: the settings policy's, as the page: 5 up to "
                "20,000 training rows and 3 above; 1 reports no interval)")


def add_loop(parser):
    """The algorithms and the settings knobs (each default: the settings policy's, as the page
    uses; every output states what was used)."""
    parser.add_argument("--algorithms", help="comma-separated registry names "
                                             "(default xgboost,mlp,random_forest,svm)")
    parser.add_argument("--repeats", type=int, default=None, help=REPEATS_HELP)
    parser.add_argument("--seed", type=int, default=None,
                        help=f"first seed (default {FIRST_SEED})")
    parser.add_argument("--train-rows", metavar="N|all", default=None,
                        help=f"training rows a fit may use, for every algorithm (default "
                             f"{TRAIN_ROWS:,}, as the page; 'all': no such budget, an "
                             "algorithm's own, e.g. the SVM's, still applies)")
    parser.add_argument("--all-seeds", action="store_true",
                        help="fit every seed of every shifted state (default: its first seeds, "
                             "the rest only where they may change the call)")
    parser.add_argument("--n-jobs", type=int, default=None, help="parallel fits (default 2)")
    parser.add_argument("--lift-budgets", action="store_true",
                        help="fit every algorithm on all training rows (no budget at all)")
    parser.add_argument("--min-effect", metavar="M", type=min_effect_option,
                        help="the smallest change that matters, for the practical calls: a "
                             "number for the headline metric and/or metric=value pairs, e.g. "
                             "0.02 or f1=0.02,roc_auc=0.005 (default 0.01; RMSE/MAE 1 %% of "
                             "a constant prediction's error)")
    rows = parser.add_mutually_exclusive_group()
    rows.add_argument("--sample", type=int, metavar="N",
                      help=f"explore a file of more than N rows on a seeded sample of N rows, "
                           f"stratified, taken before the split (default {SAMPLE_ROWS:,}, as "
                           "the page)")
    rows.add_argument("--all-rows", action="store_true",
                      help="use every row of a large file (no sample)")
    add_cache(parser)


def min_effect_option(text: str) -> str:
    """``--min-effect``'s text, checked as it is parsed (before any data loads)."""
    from ..stats import parse_min_effect
    try:
        parse_min_effect(text)
    except UsageError as exc:
        raise argparse.ArgumentTypeError(str(exc).rstrip(".")) from None
    return text


def add_mix(parser):
    """A mix: every group's share of the training set at once (docs/semantics.md, 12)."""
    parser.add_argument("--mix", metavar="G1=s1,G2=s2|PRESET",
                        help="set every group's share of the training set: group=share pairs "
                             "summing to 1, or a preset: original, uniform, sqrt (shares in "
                             "proportion to the square root of the counts), balanced-classes "
                             "(classes balanced within every group)")
    parser.add_argument("--match", metavar="PATH",
                        help="a mix taking a reference table's shares of the feature's groups "
                             "(CSV or Parquet, e.g. data from where the model is deployed)")
    parser.add_argument("--mix-keep", choices=["total", "largest"], default=None,
                        help="what a mix keeps: the training-set size (default) or the rows of "
                             "the group with the largest share")


def mix_options(args) -> tuple[str | None, str | None]:
    """(mix, reference) of --mix / --match, checked against the one-group options before any
    data loads: (None, None) when no mix is asked."""
    if args.mix is not None and args.match is not None:
        raise UsageError("give either --mix or --match (a mix taken from a reference table), "
                         "not both.")
    mix = "match" if args.match is not None else args.mix
    if mix is None:
        if args.mix_keep is not None:
            raise UsageError("--mix-keep applies to a mix; add --mix or --match, or drop it.")
        return None, None
    if not mix.strip():
        raise UsageError("--mix is empty; give group=share pairs (e.g. female=0.5,male=0.5) or "
                         "a preset: original, uniform, sqrt, balanced-classes.")
    if args.group is not None or args.ratio != 0:
        raise UsageError("--group and --ratio shift one group; --mix and --match set every "
                         "group's share: give one or the other.")
    args.mix_keep = args.mix_keep or "total"
    return mix, args.match


def add_shift(parser):
    parser.add_argument("--upsampler", choices=["random", "smote"], default="random")
    parser.add_argument("--class-balance", choices=["none", "under", "over", "smote"],
                        default="none")


def load_dataset(args):
    """The dataset, sampled as the settings policy says unless --sample / --all-rows."""
    from ..data import Dataset
    sample = getattr(args, "sample", None)
    if sample is not None and sample < 100:
        raise UsageError(f"--sample must be at least 100 rows, got {sample}; or use "
                         "--all-rows.")
    options = dataset_options(sample_rows=sample or SAMPLE_ROWS,
                              all_rows=getattr(args, "all_rows", False))
    return Dataset(source=args.data, target=args.target, task=args.task, **options)


def make_cache(args):
    """The on-disk cache, so that re-running a command is served from it (memory only with
    --no-cache)."""
    from ..loop import ResultCache, default_cache_dir
    if getattr(args, "no_cache", False):
        return ResultCache()
    return ResultCache(args.cache_dir or default_cache_dir())


def check_settings(args) -> None:
    """The settings knobs, checked before any data loads."""
    if args.repeats is not None and args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}.")
    if args.n_jobs is not None and args.n_jobs < 1:
        raise UsageError(f"--n-jobs must be at least 1, got {args.n_jobs}.")
    train_rows(args)


def train_rows(args) -> tuple[bool, int | None]:
    """(given, budget) of --train-rows: a number of at least 100, or 'all' (no budget)."""
    text = args.train_rows
    if text is None:
        return False, None
    if text.strip().lower() == "all":
        return True, None
    try:
        rows = int(text)
    except ValueError:
        rows = 0
    if rows < 100:
        raise UsageError(f"--train-rows takes a number of rows of at least 100, or 'all'; got "
                         f"{text!r}.")
    return True, rows


def make_loop(args, dataset, **params):
    """The ModelLoop the options describe (``params``: e.g. a resampler to follow). A setting
    not given on the command line is the settings policy's for ``dataset``."""
    from .. import models
    from ..loop import ModelLoop
    check_settings(args)
    names = args.algorithms or ",".join(models.default_algorithms(dataset.task_name))
    algorithms = [a.name for a in models.resolve(names, dataset.task_name)]
    settings = dict(dataset=dataset, algorithms=algorithms, lift_budgets=args.lift_budgets,
                    cache=make_cache(args))
    if args.repeats is not None:
        settings["repeats"] = args.repeats
    if args.seed is not None:
        settings["random_state"] = args.seed
    if getattr(args, "all_seeds", False):
        settings["adaptive_seeds"] = False
    given, budget = train_rows(args)
    if given:
        settings["max_train_rows"] = budget
    if args.n_jobs:
        settings["n_jobs"] = args.n_jobs
    loop = ModelLoop(**settings, min_effect=args.min_effect, **params)
    loop.min_effects()  # a metric the task does not report fails before any fit
    return loop


def settings_line(settings: dict) -> str:
    """The settings an output used, as one line of text."""
    from ..loop.policy import describe
    return f"settings: {describe(settings)}"


def parse_floats(text: str, option: str) -> list[float]:
    try:
        values = [float(v) for v in text.split(",") if v.strip()]
    except ValueError:
        raise UsageError(f"{option} takes comma-separated numbers, got {text!r}.") from None
    if not values or any(math.isnan(v) for v in values):
        raise UsageError(f"{option} takes comma-separated numbers, got {text!r}.")
    return values


def parse_mixes(text: str) -> list[str]:
    """``--mixes``: comma-separated presets, checked before any data loads."""
    from ..shift.presets import PRESETS
    names = parse_names(text)
    unknown = [n for n in names if n not in PRESETS]
    if not names or unknown:
        raise UsageError(f"--mixes takes comma-separated presets: {', '.join(PRESETS)}; got "
                         f"{text!r}.")
    return names


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
