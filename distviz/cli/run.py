"""``distviz run``: shift one group's training rows, or set every group's share (a mix), and
run the model loop once."""

from __future__ import annotations

from ..sentences import leader, practical_meaning
from .common import (Progress, add_data, add_loop, add_mix, add_shift, check_settings,
                     load_dataset, make_loop, mix_options, print_json, settings_line)


def add_parser(sub):
    p = sub.add_parser("run", help="shift one group's training rows (or every group's share) "
                                   "and run the model loop")
    add_data(p)
    p.add_argument("--feature", help="feature to shift (default: the top-ranked one), or two "
                                     "joined by a comma to cross their groups, e.g. sex,class")
    p.add_argument("--group", help="group of the feature (default: besides its largest group, "
                                   "its smallest group with at least 10%% of the training "
                                   "rows, else the largest); a crossed group as "
                                   "\"sex=female & class=1st\"")
    p.add_argument("--ratio", type=float, default=0.0,
                   help="-1 removes the group, 0 is the baseline, 1 doubles it (max 3)")
    add_mix(p)
    add_shift(p)
    p.add_argument("--shifted-test", action="store_true",
                   help="also score on a test set shifted the same way")
    add_loop(p)
    p.add_argument("--scheduler", help="fit on a dask cluster: 'local' for a LocalCluster, or "
                                       "tcp://HOST:PORT (same numbers as a local run)")
    p.add_argument("--json", action="store_true")


def make_resampler(args, dataset):
    """The Resampler the options describe (defaults: the top-ranked feature, its default
    group; a mix with --mix or --match)."""
    from ..shift import Resampler
    mix, reference = mix_options(args)
    if mix is not None:
        return Resampler(dataset=dataset, feature=args.feature, mode="mix", mix=mix,
                         reference=reference, keep=args.mix_keep, upsampler=args.upsampler,
                         class_balance=args.class_balance)
    return Resampler(dataset=dataset, feature=args.feature, group=args.group, ratio=args.ratio,
                     upsampler=args.upsampler, class_balance=args.class_balance)


def run(args) -> int:
    import sys

    from ..loop import FitExecutor
    from ..loop.cluster import check_scheduler
    check_settings(args)  # before the data loads
    mix_options(args)
    dataset = load_dataset(args)
    resampler = make_resampler(args, dataset)
    with FitExecutor() as executor:
        on_cluster = {}
        if args.scheduler:  # every fit on the cluster; one error line if it is not there
            executor.connect(check_scheduler(args.scheduler))
            on_cluster = {"cluster": args.scheduler}
        loop = make_loop(args, dataset, shifted_test=args.shifted_test, executor=executor,
                         **on_cluster)
        with Progress("model loop" + (f" on dask ({args.scheduler})" if on_cluster else "")
                      ) as progress:
            result = loop.run(resampler.spec, progress=progress)
    if loop.notice:  # the cluster went away mid-run: the rest was fitted here
        print(f"note: {loop.notice}", file=sys.stderr)
    if args.json:
        print_json(result.to_dict())
    else:
        print(format_run(result))
    return 0


def format_run(result) -> str:
    """A plain-text leaderboard of one run, with each change's interval and verdict."""
    spec, metric = result.spec, result.metric
    shift = result.shift
    lines = shift_lines(result) + [""]
    header = (f"{'algorithm':<24}{'baseline':>10}{'now':>10}{'delta':>10}  "
              f"{'95% interval':<20}{'verdict':<14}{'practical':<14}{'detectable':>10}")
    seeds = result.seeds_label()
    counts = ("; the interval counts the seed, the resampling draw and the test sample"
              if result.repeats > 1 else "")
    lines += [f"{metric.upper()} on the frozen test set ({seeds}{counts})", header,
              "-" * len(header)]
    needs: list[str] = []
    for a in result.algorithms:
        if not a.ok:
            lines.append(f"{a.algorithm:<24}  error: {a.error}")
            continue
        interval, mark = "no interval", f"({a.n_seeds} seed)" if a.n_seeds == 1 else ""
        practical, detectable = "", ""
        if a.ci95 and a.significant.get(metric) is not None:
            low, high = a.ci95[metric]
            interval, mark = f"[{low:+.3f}, {high:+.3f}]", a.verdict[metric]
        call = (a.practical_calls or {}).get(metric)
        if call is not None and call.call is not None:
            practical, detectable = call.call, f"{call.detectable:.3f}"
            if call.call == "inconclusive":
                needs.append(f"  {a.algorithm}: {call.needs()}")
        budget = f"  (trained on {a.train_rows_used} rows: budget)" if a.budget_applied else ""
        delta = a.delta[metric] if a.delta else float("nan")
        lines.append(f"{a.algorithm:<24}{a.baseline[metric]:>10.3f}{a.metrics[metric]:>10.3f}"
                     f"{delta:>+10.3f}  {interval:<20}{mark:<14}{practical:<14}"
                     f"{detectable:>10}{budget}")
    if result.repeats > 1 and result.min_effect:
        lines += ["", practical_legend(metric, result.min_effect[metric])] + needs
    lines += ["", f"best at baseline: {leader(result, 'baseline')}",
              f"best now: {leader(result, 'shifted')}",
              f"{result.computed} fits computed, {result.cached} from cache, "
              f"{result.seconds:.2f} s",
              settings_line(result.settings)]
    if result.repeats < 2:
        from ..stats.seeds import NO_INTERVAL_NOTE
        lines.append("note: " + NO_INTERVAL_NOTE)
    return "\n".join(lines)


def shift_lines(result) -> list[str]:
    """What the run shifted: one line for a group's ratio; for a mix, a line, then every
    group's rows and share before and after, then the mix's notes."""
    spec, shift, name = result.spec, result.shift, result.dataset.name
    rows = f"training rows {shift.train_rows_before} -> {shift.train_rows_after}"
    if not (spec.is_mix or spec.mix_name):
        how = (spec.upsampler if spec.ratio > 0 else "down-sampled" if spec.ratio < 0
               else "baseline")
        return [f"{name}: {spec.feature} = {spec.group}, ratio {spec.ratio:+g} ({how}, class "
                f"balance {spec.class_balance}); {rows}"]
    keeps = "the largest group's rows" if spec.keep == "largest" else "the training-set size"
    how = (f"{spec.mix_name or 'shares as given'}, keeping {keeps}, {spec.upsampler} where a "
           f"group grows" if spec.is_mix else f"{spec.mix_name}: every group keeps its rows, "
                                              "the baseline")
    within = "; classes balanced within every group" if spec.group_classes == "balanced" else ""
    lines = [f"{name}: mix of {spec.feature} ({how}, class balance {spec.class_balance}"
             f"{within}); {rows}"]
    summary = shift.summary()
    width = max(len(g) for g in summary["groups"])
    for group, counts in summary["groups"].items():
        before, after = counts["before"], counts["after"]
        lines.append(f"  {group:<{width}}  {before:>7,} -> {after:>7,} rows  (share "
                     f"{before / max(shift.train_rows_before, 1):.3f} -> "
                     f"{after / max(shift.train_rows_after, 1):.3f})")
    return lines + [f"note: {n}" for n in shift.notes]


def practical_legend(metric: str, min_effect: float) -> str:
    """What the practical column's words mean, against the smallest change that matters."""
    import textwrap
    m = f"{min_effect:.3g}"
    return textwrap.fill(f"practical, against a smallest change that matters of {m} ({metric}; "
                         f"--min-effect): {practical_meaning(min_effect)}. detectable = the "
                         "smallest change this run calls beyond the noise.", width=100)
