"""``distviz export``: a standalone HTML snapshot whose slider works offline."""

from __future__ import annotations

import time

from ..output import check_output
from ..shift.spec import RATIOS
from .common import (add_data, add_loop, check_settings, load_dataset, make_loop, parse_floats,
                     parse_names, settings_line)


def add_parser(sub):
    p = sub.add_parser("export", help="write a standalone HTML snapshot whose slider works "
                                      "offline")
    add_data(p)
    p.add_argument("--out", required=True, help="FILE.html")
    p.add_argument("--features", help="comma-separated features (default: the top one)")
    p.add_argument("--ratios", help="comma-separated ratios (default: the page's slider "
                                    "positions, -1 to 3 in 13 steps)")
    add_loop(p)


def run(args) -> int:
    from ..importance import choose_features
    from ..views.export import export_html
    check_output(args.out, (".html", ".htm"))  # fail before any fitting
    check_settings(args)
    dataset = load_dataset(args)
    loop = make_loop(args, dataset)
    features = choose_features(dataset, parse_names(args.features) if args.features else None,
                               top=1)
    ratios = parse_floats(args.ratios, "--ratios") if args.ratios else RATIOS
    started = time.perf_counter()
    path = export_html(args.out, loop, features, ratios=ratios)
    size = path.stat().st_size / 2**20
    print(f"wrote {path} ({size:.1f} MB, {len(features)} feature(s) x "
          f"{len(set(ratios) | {0.0})} ratios, {time.perf_counter() - started:.1f} s); "
          "it opens offline in any browser")
    print(settings_line(loop.stated_settings()))
    return 0
