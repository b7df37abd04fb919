"""The write-up's numbers about one dataset's sweep: its tables, verdicts and sentences."""

from __future__ import annotations

import numpy as np
import pandas as pd

from distviz.metrics import LOWER_IS_BETTER
from distviz.stats import flagged_by_chance
from distviz.sweep import paired_lead, summarize, winners

from docs.report.cells import cell_stats
from docs.report.common import METRIC_LABELS, fmt, interval, md_table, ratio_text, signed

TINY_GROUP = 10  # training rows below which the write-up warns that a group is tiny
def verdict(low, high) -> str:
    """How the write-up names a change: 'up' / 'down' when its interval excludes 0."""
    if not (np.isfinite(low) and np.isfinite(high)):
        return "no interval"
    return "up" if low > 0 else "down" if high < 0 else "noise"


def baseline_rows(table: pd.DataFrame) -> pd.DataFrame:
    """The ratio-0 rows (the same fits under every feature: take the first feature's)."""
    first = table["feature"].iloc[0]
    return table[(table["ratio"] == 0) & (table["feature"] == first)]


def dataset_context(name: str, table: pd.DataFrame, ranking: pd.DataFrame, meta: dict) -> dict:
    """Every number the write-up says about one dataset, with its tables."""
    info = meta["datasets"][name]
    summary = info["summary"]
    classification = summary["task"] == "classification"
    metric = "f1" if classification else "r2"
    sign = -1 if metric in LOWER_IS_BETTER else 1
    label = METRIC_LABELS[metric]
    algorithms = list(info["algorithms"])
    ratios = sorted(table["ratio"].unique())
    down, up = min(ratios), max(ratios)
    features = list(dict.fromkeys(table["feature"]))
    groups = {f: table.loc[table["feature"] == f, "group"].iloc[0] for f in features}

    # Baseline: every algorithm at ratio 0.
    base = baseline_rows(table)
    side = ["recall", "specificity"] if classification else ["rmse", "mae"]
    base_rows, base_values = [], {}
    base_levels = cell_stats(base, metric).set_index("algorithm")
    for algorithm in algorithms:
        cell = base[base["algorithm"] == algorithm]
        mean, low, high = base_levels.loc[algorithm, ["mean", "low", "high"]]
        base_values[algorithm] = mean
        base_rows.append([algorithm, fmt(mean), interval(low, high, sign=False)]
                         + [fmt(cell[m].mean()) for m in side]
                         + [fmt(cell["train_rows_used"].mean(), 0), fmt(cell["fit_seconds"].mean(), 2)])
    best_base = max(algorithms, key=lambda a: sign * base_values[a])
    runner_up = max((a for a in algorithms if a != best_base), key=lambda a: sign * base_values[a])
    lead = paired_lead(table, features[0], 0.0, best_base, runner_up, metric)
    baseline_table = md_table(
        f"{name}:baseline",
        ["algorithm", label, "95 % interval", *(METRIC_LABELS[m] for m in side),
         "training rows used", "fit seconds"], base_rows)

    # The swept features and their groups.
    gini = ranking.set_index("feature")["gini"]
    kinds = ranking.set_index("feature")["kind"]
    feature_rows, feature_info = [], []
    train_rows = summary["train_rows"]
    for rank, feature in enumerate(features, start=1):
        group_table = pd.DataFrame(info["groups"][feature]).set_index("group")
        n_group = int(group_table.loc[groups[feature], "train_rows"])
        feature_info.append({"feature": feature, "group": groups[feature], "rows": n_group,
                             "share": n_group / train_rows, "kind": kinds[feature],
                             "n_groups": len(group_table), "rank": rank,
                             "rows_down": int(round(n_group * (1 + down))),
                             "rows_up": int(round(n_group * (1 + up)))})
        feature_rows.append([rank, feature, kinds[feature], fmt(gini[feature]),
                             f"`{groups[feature]}`", len(group_table), n_group,
                             f"{100 * n_group / train_rows:.1f} %"])
    features_table = md_table(
        f"{name}:features",
        ["rank", "feature", "kind", "Gini importance", "group shifted", "groups",
         "group training rows", "share of training set"], feature_rows)

    # Who wins at each ratio: named only when the lead over every other algorithm is beyond
    # the noise (distviz.sweep.winners), else "within noise: ...".
    best_cells = winners(summarize(table, metric))
    winner_rows, changes = [], []
    for ratio in ratios:
        row = [ratio_text(ratio)]
        for feature in features:
            best = best_cells[(best_cells["feature"] == feature)
                              & (best_cells["ratio"] == ratio)].iloc[0]
            row.append(f"{best['best']} {fmt(best['value'])}")
            if best["leader"] != best_base:
                d, lo, hi = paired_lead(table, feature, ratio, best["leader"], best_base,
                                        metric)
                changes.append({"feature": feature, "group": groups[feature],
                                "ratio": ratio_text(ratio), "best": best["leader"],
                                "value": fmt(best["value"]), "lead": signed(d),
                                "interval": interval(lo, hi), "verdict": verdict(lo, hi),
                                "real": bool(np.isfinite(lo) and lo > 0)})
        winner_rows.append(row)
    winners_table = md_table(f"{name}:winners",
                             ["ratio", *(f"`{f} = {groups[f]}`" for f in features)],
                             winner_rows)
    leads_table = md_table(
        f"{name}:leads",
        ["feature", "ratio", "best", label, f"lead over {best_base}", "95 % interval",
         "verdict"],
        [[c["feature"], c["ratio"], c["best"], c["value"], c["lead"], c["interval"],
          "real lead" if c["real"] else "within the noise"] for c in changes]) \
        if changes else None

    # Effects: the change against baseline at the extremes, and where it is real.
    deltas = cell_stats(table, f"delta_{metric}")
    effect_rows, per_feature = [], []
    for feature in features:
        fd = deltas[deltas["feature"] == feature]
        feature_summary = {"feature": feature, "group": groups[feature], "down": {}, "up": {}}
        for algorithm in algorithms:
            ad = fd[fd["algorithm"] == algorithm].set_index("ratio")
            real = [f"{ratio_text(r)} {ad.loc[r, 'real']}" for r in ratios
                    if r != 0 and ad.loc[r, "real"] in ("up", "down")]
            effect_rows.append([feature, algorithm,
                                signed(ad.loc[down, "mean"]),
                                interval(ad.loc[down, "low"], ad.loc[down, "high"]),
                                signed(ad.loc[up, "mean"]),
                                interval(ad.loc[up, "low"], ad.loc[up, "high"]),
                                ", ".join(real) if real else "none"])
        for end, ratio in (("down", down), ("up", up)):
            at = fd[fd["ratio"] == ratio]
            verdicts = at["real"].tolist()
            feature_summary[end] = {
                "ratio": ratio_text(ratio), "mean": signed(at["mean"].mean()),
                "lowest": signed(at["mean"].min()), "highest": signed(at["mean"].max()),
                "real_up": verdicts.count("up"), "real_down": verdicts.count("down"),
                "noise": verdicts.count("noise"), "n": len(verdicts),
                "verdict": _verdict_sentence(verdicts)}
        per_feature.append(feature_summary)
    effects_table = md_table(
        f"{name}:effects",
        ["feature", "algorithm", f"Δ {label} at r = {ratio_text(down)}", "95 % interval",
         f"Δ {label} at r = {ratio_text(up)}", "95 % interval", "real changes (ratio, direction)"],
        effect_rows)

    # Sensitivity vs specificity (classification).
    sensspec_table, sensspec = None, []
    side_stats = {m: cell_stats(table, f"delta_{m}") for m in ("recall", "specificity")} \
        if classification else {}
    if classification:
        rows = []
        for feature in features:
            for ratio in (down, up):
                entry = [feature, ratio_text(ratio)]
                summary_entry = {"feature": feature, "ratio": ratio_text(ratio)}
                for m in ("recall", "specificity"):
                    st = side_stats[m]
                    st = st[(st["feature"] == feature) & (st["ratio"] == ratio)]
                    verdicts = st["real"].tolist()
                    entry += [signed(st["mean"].mean()),
                              f"{verdicts.count('up')} up, {verdicts.count('down')} down"]
                    summary_entry[m] = {"mean": signed(st["mean"].mean()),
                                        "up": verdicts.count("up"),
                                        "down": verdicts.count("down")}
                rows.append(entry)
                sensspec.append(summary_entry)
        sensspec_table = md_table(
            f"{name}:sensspec",
            ["feature", "ratio", "mean Δ recall (sensitivity)", "algorithms with a real change",
             "mean Δ specificity", "algorithms with a real change"], rows)

    # Noise: how many shifted cells moved beyond their interval.
    shifted = deltas[deltas["ratio"] != 0]
    verdicts = shifted["real"].tolist()
    real = shifted[[v in ("up", "down") for v in verdicts]]
    noise = shifted[[v == "noise" for v in verdicts]]
    per_cell = int(((shifted["low"] > 0) | (shifted["high"] < 0)).sum())
    chance = flagged_by_chance(len(shifted))
    biggest_real = real.loc[real["mean"].abs().idxmax()] if len(real) else None
    biggest_noise = noise.loc[noise["mean"].abs().idxmax()] if len(noise) else None
    identical = int(((real["high"] - real["low"]).abs() < 1e-12).sum())
    noise_row = [name, label, len(shifted), len(real), verdicts.count("up"),
                 verdicts.count("down"), per_cell, f"{chance.expected:.1f}", identical,
                 _describe(biggest_real), _describe(biggest_noise)]
    tiny = [f for f in feature_info if f["rows"] < TINY_GROUP]

    algorithm_rows = []
    for algorithm in algorithms:
        cells = shifted[shifted["algorithm"] == algorithm]
        cell_verdicts = cells["real"].tolist()
        algorithm_rows.append([name, algorithm, len(cells), fmt(cells["mean"].abs().mean()),
                               fmt(cells["mean"].abs().max()),
                               fmt((cells["high"] - cells["low"]).median()),
                               sum(v in ("up", "down") for v in cell_verdicts)])

    sensspec_totals = {}
    if classification:
        for m in ("recall", "specificity"):
            st = side_stats[m]
            st = st[st["ratio"] != 0]
            v = st["real"].tolist()
            sensspec_totals[m] = {"up": v.count("up"), "down": v.count("down"), "n": len(v)}

    stats = info["stats"]
    return {
        "name": name, "summary": summary, "classification": classification,
        "metric": metric, "label": label, "algorithms": algorithms,
        "labels": info["labels"], "budgets": info["budgets"],
        "ratios": [ratio_text(r) for r in ratios], "down": ratio_text(down),
        "up": ratio_text(up), "down_share": f"{100 * (1 + down):.0f} %",
        "up_factor": f"{1 + up:g}", "repeats": int(table["repeat"].max()) + 1,
        "features": feature_info, "best_base": best_base,
        "best_base_value": fmt(base_values[best_base]), "runner_up": runner_up,
        "runner_up_value": fmt(base_values[runner_up]), "lead": signed(lead[0]),
        "lead_interval": interval(lead[1], lead[2]), "lead_verdict": verdict(lead[1], lead[2]),
        "changes": changes, "real_changes": [c for c in changes if c["real"]],
        "lead_summary": _lead_summary(changes),
        "per_feature": per_feature, "sensspec": sensspec,
        "cells": len(shifted), "real": len(real), "per_cell": per_cell,
        "expected_by_chance": f"{chance.expected:.1f}", "chance_upper": chance.upper,
        "rows": len(table), "fits": stats["fits"], "computed": stats["computed"],
        "cached": stats["cached"], "seconds": f"{stats['seconds']:.0f}",
        "tables": {"baseline": baseline_table, "features": features_table,
                   "winners": winners_table, "leads": leads_table, "effects": effects_table,
                   "sensspec": sensspec_table},
        "noise_row": noise_row, "identical": identical, "tiny": tiny,
        "algorithm_rows": algorithm_rows, "sensspec_totals": sensspec_totals,
        "multiclass": classification and len(summary.get("classes", [])) > 2,
        "figures": {k: f"figures/{name}_{k}.png" for k in
                    (["curves", "delta", "sensspec"] if classification else ["curves", "delta"])},
    }


def _lead_summary(changes: list[dict]) -> str:
    real = sum(c["real"] for c in changes)
    if real:
        return (f"another algorithm takes the lead beyond the noise in {real} "
                f"cell{'s' if real != 1 else ''}")
    if changes:
        return (f"the lead changes hands in {len(changes)} cell{'s' if len(changes) != 1 else ''}"
                ", never by more than the noise")
    return "no shift takes the lead from it"


def _verdict_sentence(verdicts: list[str]) -> str:
    down, up = verdicts.count("down"), verdicts.count("up")
    if not down and not up:
        return f"no algorithm's change is beyond the noise ({len(verdicts)} of {len(verdicts)} within it)"
    parts = [f"{n} real {word}{'s' if n != 1 else ''}"
             for n, word in ((down, "decrease"), (up, "increase")) if n]
    return f"{' and '.join(parts)} of {len(verdicts)} algorithms, the rest within the noise"


def _describe(row) -> str:
    if row is None:
        return "none"
    return (f"{row['algorithm']}, `{row['feature']} = {row['group']}`, r = "
            f"{ratio_text(row['ratio'])}: {signed(row['mean'])} {interval(row['low'], row['high'])}")
