"""``distviz sweep``: the loop over many features and ratios, as a tidy table."""

from __future__ import annotations

import sys

from ..shift.spec import DEFAULT_RATIOS
from .common import (
    Progress,
    add_data,
    add_loop,
    add_shift,
    check_features_or_top,
    check_settings,
    load_dataset,
    make_loop,
    parse_floats,
    parse_mixes,
    parse_names,
    settings_line,
)


def add_parser(sub):
    p = sub.add_parser("sweep", help="run the loop over many features and ratios")
    add_data(p)
    p.add_argument("--features", help="comma-separated features")
    p.add_argument("--top", type=int, help="the K top-ranked features (default 3)")
    p.add_argument("--method", default="gini", choices=["gini", "permutation", "shap"],
                   help="ranking used by --top")
    p.add_argument("--ratios", help="comma-separated ratios (default -0.8 to 3 in 9 steps; "
                                    "none with --mixes unless given)")
    p.add_argument("--mixes", help="comma-separated mix presets, each a row set with a 'mix' "
                                   "column: uniform, sqrt, balanced-classes, original")
    add_shift(p)
    p.add_argument("--out", help="FILE.csv or FILE.parquet")
    p.add_argument("--scheduler", help="'local' for a dask LocalCluster, or tcp://HOST:PORT")
    add_loop(p)


def run(args) -> int:
    from ..sweep import Sweep, check_output, format_summary, write_table
    check_features_or_top(args)
    check_settings(args)
    if args.out:
        check_output(args.out)
    mixes = parse_mixes(args.mixes) if args.mixes is not None else []
    ratios = (parse_floats(args.ratios, "--ratios") if args.ratios
              else [] if mixes else list(DEFAULT_RATIOS))
    dataset = load_dataset(args)
    loop = make_loop(args, dataset)
    sweep = Sweep(dataset=dataset, loop=loop,
                  features=parse_names(args.features) if args.features else None,
                  top=args.top or 3, method=args.method, ratios=ratios, mixes=mixes,
                  algorithms=list(loop.algorithms), upsampler=args.upsampler,
                  class_balance=args.class_balance, scheduler=args.scheduler)
    with Progress("sweep") as progress:
        table = sweep.run(progress=progress)
    print(format_summary(table, sweep.stats))
    print(settings_line(sweep.stats.settings))
    if args.out:
        path = write_table(table, args.out)
        print(f"wrote {len(table)} rows to {path}")
    sys.stdout.flush()
    return 0
