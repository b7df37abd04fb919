"""The ``distviz`` command line (design.md, "Command line contract").

A user's mistake exits with status 2 and one line on stderr starting ``error:``; never a traceback.
"""

from __future__ import annotations

import argparse
import json
import math
import re
import sys
from typing import Sequence

import numpy as np

from .errors import DistvizError, UsageError

EXIT_USAGE = 2


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage mistake is one ``error:`` line, exit 2."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Python < 3.13 reads "--ratios -0.5,0,1" as an unknown option; 3.13's rule fixes it.
        self._negative_number_matcher = re.compile(r"-\.?\d")

    def error(self, message):
        raise UsageError(f"{message}; run '{self.prog} --help' for usage.")


def jsonable(value):
    """NaN/inf become null and numpy scalars plain numbers, so the output is strict JSON."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [jsonable(v) for v in value]
    if isinstance(value, np.ndarray):
        return jsonable(value.tolist())
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value) if math.isfinite(value) else None
    if isinstance(value, np.bool_):
        return bool(value)
    return value


def _print_json(obj) -> None:
    print(json.dumps(jsonable(obj), indent=2, allow_nan=False))


def _add_data(parser, required=True):
    parser.add_argument("--data", required=required, metavar="SRC",
                        help="a bundled dataset's name or a path to a CSV or Parquet file")
    parser.add_argument("--target", help="the column to predict (required for a file)")
    parser.add_argument("--task", choices=["auto", "classification", "regression"],
                        default="auto", help="override the detected task")


def _add_cache(parser):
    parser.add_argument("--cache-dir", help="where results persist (default $DISTVIZ_CACHE_DIR "
                                            "or ~/.cache/distviz)")
    parser.add_argument("--no-cache", action="store_true", help="do not read or write the "
                                                                "on-disk cache")


def _add_loop(parser):
    parser.add_argument("--algorithms", help="comma-separated registry names "
                                             "(default xgboost,mlp,random_forest,svm)")
    parser.add_argument("--repeats", type=int, default=1, help="seeds per state (default 1)")
    parser.add_argument("--seed", type=int, default=0, help="first seed (default 0)")
    parser.add_argument("--n-jobs", type=int, default=None, help="parallel fits (default 2)")
    parser.add_argument("--lift-budgets", action="store_true",
                        help="fit every algorithm on all training rows")
    _add_cache(parser)


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="distviz", description="If my training data had more or fewer rows "
                                                 "of this kind, how would my models score?")
    sub = parser.add_subparsers(dest="command", parser_class=_Parser, metavar="COMMAND")

    p = sub.add_parser("datasets", help="list the bundled datasets and those in data/")
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("rank", help="rank features by Gini, permutation or SHAP importance")
    _add_data(p)
    p.add_argument("--method", default="gini", choices=["gini", "permutation", "shap", "all"])
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("run", help="shift one group's training rows and run the model loop")
    _add_data(p)
    p.add_argument("--feature", help="feature to shift (default: the top-ranked one)")
    p.add_argument("--group", help="group of the feature (default: its smallest group)")
    p.add_argument("--ratio", type=float, default=0.0,
                   help="-1 removes the group, 0 is the baseline, 1 doubles it (max 3)")
    p.add_argument("--upsampler", choices=["random", "smote"], default="random")
    p.add_argument("--class-balance", choices=["none", "under", "over", "smote"],
                   default="none")
    p.add_argument("--shifted-test", action="store_true",
                   help="also score on a test set shifted the same way")
    _add_loop(p)
    p.add_argument("--json", action="store_true")

    p = sub.add_parser("sweep", help="run the loop over many features and ratios")
    _add_data(p)
    p.add_argument("--features", help="comma-separated features")
    p.add_argument("--top", type=int, help="the K top-ranked features (default 3)")
    p.add_argument("--method", default="gini", choices=["gini", "permutation", "shap"],
                   help="ranking used by --top")
    p.add_argument("--ratios", help="comma-separated ratios (default -0.8 to 3 in 9 steps)")
    p.add_argument("--upsampler", choices=["random", "smote"], default="random")
    p.add_argument("--class-balance", choices=["none", "under", "over", "smote"],
                   default="none")
    p.add_argument("--out", help="FILE.csv or FILE.parquet")
    p.add_argument("--scheduler", help="'local' for a dask LocalCluster, or tcp://HOST:PORT")
    _add_loop(p)
    p.set_defaults(repeats=None)

    p = sub.add_parser("export", help="write a standalone HTML snapshot whose slider works "
                                      "offline")
    _add_data(p)
    p.add_argument("--out", required=True, help="FILE.html")
    p.add_argument("--features", help="comma-separated features (default: top 3)")
    p.add_argument("--ratios", help="comma-separated ratios (default -0.8 to 3 in 9 steps)")
    _add_loop(p)

    p = sub.add_parser("serve", help="serve the dashboard")
    _add_data(p, required=False)
    p.add_argument("--port", type=int, default=5006)
    p.add_argument("--address", default="127.0.0.1",
                   help="interface to bind (default 127.0.0.1: this machine only)")
    p.add_argument("--allow-websocket-origin", action="append", default=None,
                   help="host:port a browser may connect from when exposed")
    p.add_argument("--show", action="store_true", help="open a browser tab")

    p = sub.add_parser("cache", help="show or clear the on-disk result cache")
    p.add_argument("action", choices=["info", "clear"])
    p.add_argument("--cache-dir")
    return parser


# ------------------------------------------------------------------------------ helpers
def load_dataset(args):
    from .data import Dataset
    return Dataset(source=args.data, target=args.target, task=args.task)


def make_cache(args):
    """The on-disk cache, so that re-running a command is served from it (memory only with
    --no-cache)."""
    from .loop import ResultCache, default_cache_dir
    if getattr(args, "no_cache", False):
        return ResultCache()
    return ResultCache(args.cache_dir or default_cache_dir())


def make_loop(args, dataset):
    from . import models
    from .loop import ModelLoop
    names = args.algorithms or ",".join(models.default_algorithms(dataset.task_name))
    algorithms = [a.name for a in models.resolve(names, dataset.task_name)]
    if args.repeats is not None and args.repeats < 1:
        raise UsageError(f"--repeats must be at least 1, got {args.repeats}.")
    if args.n_jobs is not None and args.n_jobs < 1:
        raise UsageError(f"--n-jobs must be at least 1, got {args.n_jobs}.")
    params = dict(dataset=dataset, algorithms=algorithms, repeats=args.repeats or 1,
                  random_state=args.seed, lift_budgets=args.lift_budgets,
                  cache=make_cache(args))
    if args.n_jobs:
        params["n_jobs"] = args.n_jobs
    return ModelLoop(**params)


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


class _Progress:
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


# ------------------------------------------------------------------------------ commands
def cmd_datasets(args) -> int:
    from .datasets import list_datasets
    table = list_datasets()
    if args.json:
        _print_json(table.to_dict("records"))
    else:
        print(table.to_string(index=False))
    return 0


def cmd_rank(args) -> int:
    from .importance import rank_features
    dataset = load_dataset(args)
    table = rank_features(dataset, method=args.method, random_state=args.seed)
    if args.json:
        _print_json({"dataset": dataset.summary(), "method": args.method,
                     "features": table.to_dict("records")})
    else:
        print(f"{dataset.name}: {len(dataset.features)} features, target "
              f"{dataset.target_name} ({dataset.task_name})")
        print(table.to_string(index=False, float_format=lambda v: f"{v:.3f}"))
    return 0


def resolve_shift(args, dataset):
    """Defaults of the contract: the top-ranked feature and its smallest group."""
    from .importance import top_features
    from .resample import ShiftSpec
    feature = args.feature or top_features(dataset, 1, random_state=args.seed)[0]
    dataset.check_feature(feature)
    group = args.group if args.group is not None else dataset.smallest_group(feature)
    dataset.check_group(feature, group)
    return ShiftSpec(feature, group, args.ratio, args.upsampler, args.class_balance)


def cmd_run(args) -> int:
    dataset = load_dataset(args)
    loop = make_loop(args, dataset)
    loop.shifted_test = args.shifted_test
    spec = resolve_shift(args, dataset)
    progress = _Progress("model loop")
    try:
        result = loop.run(spec, progress=progress)
    finally:
        progress.close()
    if args.json:
        _print_json(result.to_dict())
    else:
        print(format_run(result))
    return 0


def format_run(result) -> str:
    """A plain-text leaderboard of one run."""
    spec, metric = result.spec, result.metric
    shift = result.shift
    lines = [f"{result.dataset.name}: {spec.feature} = {spec.group}, ratio {spec.ratio:+g} "
             f"({spec.upsampler if spec.ratio > 0 else 'down-sampled' if spec.ratio < 0 else 'baseline'}"
             f", class balance {spec.class_balance}); training rows "
             f"{shift.train_rows_before} -> {shift.train_rows_after}", ""]
    header = f"{'algorithm':<24}{'baseline':>10}{'now':>10}{'delta':>10}  {'95% interval':<20}"
    lines += [f"{metric.upper()} on the frozen test set", header, "-" * len(header)]
    for a in result.algorithms:
        if not a.ok:
            lines.append(f"{a.algorithm:<24}  error: {a.error}")
            continue
        interval = ""
        if a.ci95:
            low, high = a.ci95[metric]
            mark = "significant" if a.significant[metric] else "noise"
            interval = f"[{low:+.3f}, {high:+.3f}] {mark}"
        budget = f"  (trained on {a.train_rows_used} rows: budget)" if a.budget_applied else ""
        lines.append(f"{a.algorithm:<24}{a.baseline[metric]:>10.3f}{a.metrics[metric]:>10.3f}"
                     f"{a.delta[metric]:>+10.3f}  {interval:<20}{budget}")
    lines += ["", f"best at baseline: {result.best('baseline')}; best now: "
                  f"{result.best('shifted')}; {result.computed} fits computed, "
                  f"{result.cached} from cache, {result.seconds:.2f} s"]
    return "\n".join(lines)


def cmd_sweep(args) -> int:
    from .sweep import run_from_cli
    return run_from_cli(args)


def cmd_export(args) -> int:
    from .export import run_from_cli
    return run_from_cli(args)


def cmd_serve(args) -> int:
    from .dashboard import serve_from_cli
    return serve_from_cli(args)


def cmd_cache(args) -> int:
    from .loop import ResultCache, default_cache_dir
    cache = ResultCache(args.cache_dir or default_cache_dir())
    if args.action == "clear":
        print(f"removed {cache.clear()} cached results from {cache.directory}")
    else:
        files = list(cache.directory.glob("*.json"))
        size = sum(p.stat().st_size for p in cache.directory.iterdir() if p.is_file())
        print(f"{cache.directory}: {len(files)} cached results, {size / 2**20:.1f} MiB")
    return 0


COMMANDS = {"datasets": cmd_datasets, "rank": cmd_rank, "run": cmd_run, "sweep": cmd_sweep,
            "export": cmd_export, "serve": cmd_serve, "cache": cmd_cache}


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
        if args.command is None:
            parser.print_help()
            return EXIT_USAGE
        return COMMANDS[args.command](args)
    except DistvizError as exc:
        message = " ".join(str(exc).split())  # always exactly one line
        print(f"error: {message}", file=sys.stderr)
        return EXIT_USAGE
    except KeyboardInterrupt:
        print("error: interrupted; results computed so far are cached.", file=sys.stderr)
        return 130
    except BrokenPipeError:
        return 0


if __name__ == "__main__":
    sys.exit(main())
