"""``distviz export``: a standalone HTML snapshot whose slider (or, with ``--mix`` / ``--match``,
whose choice of mix) works offline."""

from __future__ import annotations

import time

from ..errors import UsageError
from ..output import check_output
from ..shift.spec import RATIOS
from .common import (add_data, add_loop, add_mix, add_shift, check_settings, load_dataset,
                     make_loop, mix_options, parse_floats, parse_names, settings_line)


def add_parser(sub):
    p = sub.add_parser("export", help="write a standalone HTML snapshot whose slider (or choice "
                                      "of mix) works offline")
    add_data(p)
    p.add_argument("--out", required=True, help="FILE.html")
    p.add_argument("--features", help="comma-separated features (default: the top one)")
    p.add_argument("--ratios", help="comma-separated ratios (default: the page's slider "
                                    "positions, -1 to 3 in 13 steps)")
    p.add_argument("--feature", help="with --mix or --match: the feature whose groups the mix "
                                     "sets (default: the top-ranked one), or two joined by a "
                                     "comma to cross their groups, e.g. sex,class")
    add_mix(p)  # the snapshot offers the mix beside the baseline and the other presets
    add_shift(p)
    add_loop(p)
    p.set_defaults(group=None, ratio=0.0)  # a mix's checks ask for them (distviz run has both)


def run(args) -> int:
    from ..importance import choose_features
    from ..views.export import export_html
    check_output(args.out, (".html", ".htm"))  # fail before any fitting
    check_settings(args)
    mix, _ = mix_options(args)
    check_mix_options(args, mix)
    dataset = load_dataset(args)
    loop = make_loop(args, dataset)
    started = time.perf_counter()
    if mix is not None:
        from ..shift import validate_spec
        from .run import make_resampler
        spec = make_resampler(args, dataset).spec
        validate_spec(dataset, spec, max_ratio=loop.max_ratio)  # before any fitting
        path = export_html(args.out, loop, mix=spec, keep=args.mix_keep)
        states = f"the mixes of {spec.feature}"
    else:
        features = choose_features(dataset, parse_names(args.features) if args.features
                                   else None, top=1)
        ratios = parse_floats(args.ratios, "--ratios") if args.ratios else RATIOS
        path = export_html(args.out, loop, features, ratios=ratios, upsampler=args.upsampler,
                           class_balance=args.class_balance)
        states = f"{len(features)} feature(s) x {len(set(ratios) | {0.0})} ratios"
    size = path.stat().st_size / 2**20
    print(f"wrote {path} ({size:.1f} MB, {states}, {time.perf_counter() - started:.1f} s); "
          "it opens offline in any browser")
    print(settings_line(loop.stated_settings()))
    return 0


def check_mix_options(args, mix: str | None) -> None:
    """A snapshot holds a group's ratios (--features, --ratios) or a feature's mixes (--mix or
    --match with --feature), not both."""
    if mix is not None and (args.features or args.ratios):
        raise UsageError("--features and --ratios set the slider's states; a mix snapshot "
                         "offers one feature's mixes: give --feature F with --mix, or drop "
                         "--mix.")
    if mix is None and args.feature:
        raise UsageError("--feature names the feature a mix sets; add --mix or --match, or "
                         "give --features for the slider's states.")
