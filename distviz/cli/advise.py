"""``distviz advise``: where would more (or fewer) rows of a group help, and which model?"""

from __future__ import annotations

import math

from ..errors import UsageError
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
    parse_names,
    print_json,
    settings_line,
)


def add_parser(sub):
    p = sub.add_parser("advise", help="which groups' rows to collect more (or fewer) of, and "
                                      "which model that helps")
    add_data(p)
    p.add_argument("--features", help="comma-separated features (default: the --top ranked)")
    p.add_argument("--top", type=int, help="the K top-ranked features (default 3)")
    p.add_argument("--method", default="gini", choices=["gini", "permutation", "shap"],
                   help="ranking used by --top")
    p.add_argument("--ratios", help="comma-separated non-zero ratios (default -0.5,1: halve "
                                    "and double each group)")
    add_shift(p)
    p.add_argument("--min-rows", type=int, default=None,
                   help="skip groups with fewer training rows (default 10)")
    p.add_argument("--fdr", type=float, default=0.05,
                   help="false-discovery rate of the Benjamini-Hochberg step (default 0.05)")
    p.add_argument("--curves", action="store_true",
                   help="also give each group's response curve (metric against ratio) with "
                        "its shape")
    p.add_argument("--scheduler", help="'local' for a dask LocalCluster, or tcp://HOST:PORT")
    add_loop(p)
    p.add_argument("--json", action="store_true")


def run(args) -> int:
    from ..advise import DEFAULT_ADVISE_RATIOS, MIN_SHIFT_ROWS, advise, resolve_ratios
    check_features_or_top(args)
    check_settings(args)
    if args.min_rows is not None and args.min_rows < 1:
        raise UsageError(f"--min-rows must be at least 1, got {args.min_rows}.")
    if not 0 < args.fdr < 1:
        raise UsageError(f"--fdr must lie between 0 and 1, got {args.fdr:g}.")
    if args.scheduler:
        from ..sweep import check_scheduler
        check_scheduler(args.scheduler)
    ratios = parse_floats(args.ratios, "--ratios") if args.ratios else list(DEFAULT_ADVISE_RATIOS)
    resolve_ratios(ratios)  # a bad ratio fails before the data loads
    features = parse_names(args.features) if args.features is not None else None
    if args.features is not None and not features:
        raise UsageError("--features needs at least one feature name, e.g. --features sex.")
    dataset = load_dataset(args)
    loop = make_loop(args, dataset)
    with Progress("advise") as progress:
        result = advise(loop, features=features, top=args.top or 3, method=args.method,
                        ratios=ratios, upsampler=args.upsampler,
                        class_balance=args.class_balance,
                        min_rows=args.min_rows or MIN_SHIFT_ROWS, alpha=args.fdr,
                        scheduler=args.scheduler, progress=progress)
    curves = _curves(loop, result, args) if args.curves else None
    if args.json:
        out = result.to_dict()
        if curves is not None:
            out["curves"] = [{"feature": f, "group": g, **c.to_dict()} for f, g, c in curves]
        print_json(out)
    else:
        print(format_advice(result, curves))
    return 0


def _curves(loop, result, args):
    from ..advise import response_curve
    seen, out = [], []
    for cell in result.cells:
        if (cell.feature, cell.group) not in seen:
            seen.append((cell.feature, cell.group))
    for feature, group in seen:
        curves = response_curve(loop, feature, group, result.ratios, upsampler=args.upsampler,
                                class_balance=args.class_balance, alpha=args.fdr)
        out += [(feature, group, c) for c in curves.values()]
    return out


def _fmt(x, signed=True):
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return f"{x:+.3f}" if signed else f"{x:.3f}"


def format_advice(result, curves=None) -> str:
    """The readable table, the advice sentences and what was skipped."""
    from ..sentences import group_sentence, metric_label, practical_calls_sentence, sentence
    label = metric_label(result.metric)
    name = getattr(result.dataset, "name", "dataset")
    seeds = f"{result.repeats} seed{'s' if result.repeats != 1 else ''}"
    lines = [(f"{name}: where more or fewer rows help; {label} on the frozen test set "
             f"({seeds}; intervals count the seed, the resampling draw and the test sample; "
             f"verdicts after Benjamini-Hochberg over all cells)"), ""]
    header = (f"{'feature':<14}{'group':<18}{'ratio':>6}  {'algorithm':<24}{'delta':>8}  "
              f"{'95% interval':<18}{'verdict':<14}{'practical':<14}{'group delta':>12}  "
              f"{'interval':<18}")
    lines += [header, "-" * len(header)]
    for c in result.cells:
        if c.error and c.delta is None:
            lines.append(f"{c.feature[:13]:<14}{c.group[:17]:<18}{c.ratio:>+6g}  "
                         f"{c.algorithm:<24}error: {c.error}")
            continue
        interval = f"[{c.ci95[0]:+.3f}, {c.ci95[1]:+.3f}]" if c.ci95 else "no interval"
        g_interval = (f"[{c.group_ci95[0]:+.3f}, {c.group_ci95[1]:+.3f}]" if c.group_ci95
                      else "no interval")
        lines.append(f"{c.feature[:13]:<14}{c.group[:17]:<18}{c.ratio:>+6g}  "
                     f"{c.algorithm:<24}{_fmt(c.delta):>8}  {interval:<18}"
                     f"{c.verdict_bh or '-':<14}{c.practical or '-':<14}"
                     f"{_fmt(c.group_delta):>12}  {g_interval:<18}")
    min_effect = (result.min_effect or {}).get(result.metric)
    larger = f" and past +-{min_effect:.3g}" if min_effect else ""
    lines += ["", f"Advice (beyond the noise{larger}, best improvement first):"]
    advice = result.advice
    if not advice:
        lines.append(f"  none: no change is beyond the noise{larger}.")
    for c in advice:
        lines.append(f"  {sentence(c)}")
        lines.append(f"      ({group_sentence(c)})")
    chance = result.chance()
    lines += ["", chance["sentence"]]
    if min_effect and result.judged:
        lines.append(practical_calls_sentence(chance["practical"], min_effect))
    if result.skipped:
        lines += ["", "Skipped:"]
        lines += [f"  {s.feature} = {s.group} at ratio {s.ratio:+g}: {s.reason}"
                  for s in result.skipped]
    if curves:
        from ..sentences import curve_sentence
        lines += ["", "Response curves:"]
        for feature, group, curve in curves:
            lines.append(f"  {curve_sentence(feature, group, curve)}")
    lines += [f"  note: {n}" for n in result.notes]
    lines += ["", (f"{result.fits} fits ({result.computed} computed, "
                  f"{result.fits - result.computed} from cache), {result.seconds:.1f} s, "
                  f"{result.backend}")]
    if result.settings:
        lines.append(settings_line(result.settings))
    return "\n".join(lines)
