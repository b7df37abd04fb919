"""The write-up's mixes (issue 29): one mix of every group's share per bundled dataset, its
before/after shares and each algorithm's change with its practical call.

Which mix: the first preset of ``PRESETS`` and the highest-ranked feature (Gini) on which it
moves at least ``MIN_MOVED`` of the training rows (rows that change group, or class within a
group) and stays within ``max_ratio``. A numeric feature's quantile bins already hold equal
shares, so ``uniform`` moves almost nothing there; when no candidate moves that much, the
default (top-ranked) feature's ``uniform`` is run and the text says how little it moves.
"""

from __future__ import annotations

import json
from pathlib import Path

from distviz.stats import CALLS

from .calls import calls_sentence
from .common import METRIC_LABELS, effect_number, fmt, interval, md_table, signed

PRESETS = ("uniform", "balanced-classes")
MIN_MOVED = 0.05


def moved_share(dataset, spec) -> float:
    """The share of training rows a mix moves: half the rows gained or lost over its cells."""
    from distviz.shift.mix import mix_counts
    counts = mix_counts(dataset, spec)
    moved = sum(abs(n - counts.cells_before.get(cell, 0)) for cell, n in counts.cells.items())
    return moved / 2 / len(dataset.X_train)


def choose_mix(dataset, ranked: list[str]) -> dict:
    """The mix the write-up runs for ``dataset`` (module docstring), as ``feature``,
    ``preset``, ``moved`` and ``rule`` (which rule picked it)."""
    from distviz.errors import DistvizError
    from distviz.shift.mix import check_mix
    from distviz.shift.presets import mix_spec
    from distviz.shift.spec import MAX_RATIO

    def moved(feature, preset):
        try:
            spec = mix_spec(dataset, feature, preset)
            if spec.is_baseline:
                return 0.0
            check_mix(dataset, spec, max_ratio=MAX_RATIO)
        except DistvizError:
            return None
        return moved_share(dataset, spec)

    for preset in PRESETS:
        for feature in ranked:
            share = moved(feature, preset)
            if share is not None and share >= MIN_MOVED:
                return {"feature": feature, "preset": preset, "moved": share, "rule": "moves"}
    return {"feature": ranked[0], "preset": PRESETS[0], "moved": moved(ranked[0], PRESETS[0]),
            "rule": "default"}


def run_mixes(rankings: dict[str, list[str]], directory: Path, *, cache, n_jobs: int,
              repeats: int) -> None:
    """Per dataset (``rankings``: its features by Gini importance), run its chosen mix with the
    sweeps' algorithms and seeds; save the ``distviz run --json`` object with the choice as
    ``<dataset>_mix.json``."""
    from distviz.data import Dataset
    from distviz.loop import ModelLoop
    from distviz.output import to_json
    from distviz.shift import Resampler

    for name, ranked in rankings.items():
        dataset = Dataset(source=name)
        choice = choose_mix(dataset, ranked)
        print(f"{name}: mix {choice['preset']} of {choice['feature']} ...", flush=True)
        loop = ModelLoop(dataset=dataset, n_jobs=n_jobs, cache=cache, repeats=repeats)
        shift = Resampler(dataset=dataset, feature=choice["feature"], mode="mix",
                          mix=choice["preset"])
        result = loop.run(shift.spec)
        saved = {"choice": choice, "run": result.to_dict()}
        (directory / f"{name}_mix.json").write_text(to_json(saved) + "\n")
        print(f"{name}: {result.computed} fits computed, {result.cached} cached, "
              f"{result.seconds:.0f} s", flush=True)


def load_mixes(directory: Path, names) -> dict:
    return {name: json.loads((directory / f"{name}_mix.json").read_text())
            for name in names if (directory / f"{name}_mix.json").exists()}


def mix_context(saved: dict) -> dict | None:
    """Every number the mixes section says: per dataset the share table and the effects
    table, and a summary table (key ``mixes``) of the practical calls."""
    if not saved:
        return None
    datasets, rows = [], []
    for name, out in saved.items():
        choice, run = out["choice"], out["run"]
        shift, metric = run["shift"], run["best"]["metric"]
        label = METRIC_LABELS[metric]
        before_total, after_total = shift["train_rows_before"], shift["train_rows_after"]
        balanced = shift.get("group_classes") == "balanced"
        shares = []
        for group, counts in shift["groups"].items():
            shares.append([f"`{group}`", counts["before"], fmt(counts["before"] / before_total),
                           fmt(shift["mix"][group]), counts["after"],
                           fmt(counts["after"] / after_total)]
                          + ([_classes(counts["classes"])] if balanced else []))
        effects, calls = [], dict.fromkeys(CALLS, 0)
        for r in run["results"]:
            if r.get("error"):
                effects.append([r["algorithm"], "error", "", "", "", ""])
                continue
            low, high = r["ci95"][metric]
            call = r["practical"][metric]
            calls[call] += 1
            effects.append([r["algorithm"], fmt(r["baseline"][metric]),
                            signed(r["delta"][metric]), interval(low, high),
                            r["verdict"][metric], call,
                            effect_number(r["detectable"][metric])])
        min_effect = run["interval"]["min_effect"][metric]
        datasets.append({
            "name": name, "feature": choice["feature"], "preset": choice["preset"],
            "rule": choice["rule"], "moved": f"{100 * choice['moved']:.1f} %",
            "label": label, "min_effect": effect_number(min_effect),
            "rows_before": before_total, "rows_after": after_total,
            "balanced": balanced,
            "notes": shift.get("notes", []),
            "shares": md_table(f"{name}:mix_shares",
                               ["group", "rows before", "share before", "share asked",
                                "rows after", "share after"]
                               + (["classes before → after"] if balanced else []), shares),
            "effects": md_table(f"{name}:mix_effects",
                                ["algorithm", f"baseline {label}", f"Δ {label}",
                                 "95 % interval", "verdict", "practical", "detectable"],
                                effects),
            "calls": calls})
        rows.append([name, f"`{choice['feature']}`", choice["preset"],
                     f"{100 * choice['moved']:.1f} %", label, effect_number(min_effect)]
                    + [calls[w] for w in CALLS])
    return {"datasets": datasets, "presets": list(PRESETS),
            "min_moved": f"{100 * MIN_MOVED:.0f} %",
            "table": md_table("mixes", ["dataset", "feature", "mix", "rows moved", "metric",
                                        "min_effect", *CALLS], rows),
            "sentence": calls_sentence({w: sum(d["calls"][w] for d in datasets)
                                        for w in CALLS})}


def _classes(counts: dict[str, dict[str, int]]) -> str:
    """'benign 70 → 53, malignant 37 → 54'."""
    return ", ".join(f"{c} {n['before']} → {n['after']}" for c, n in counts.items())
