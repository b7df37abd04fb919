"""The write-up's "Where more data helps" numbers, from the saved ``distviz advise`` runs."""

from __future__ import annotations

from docs.report.common import METRIC_LABELS, md_table, ratio_text
from docs.report.common import and_join as _and
SHOWN_ADVICE = 5  # advice sentences quoted per dataset (the JSON holds them all)


def advice_context(advice: dict) -> dict | None:
    """Every number the "Where more data helps" section says, from the saved advise runs."""
    if not advice:
        return None
    datasets, rows = [], []
    for name, out in advice.items():
        cells = out["cells"]
        judged = [c for c in cells if c["verdict_bh"] is not None]
        better = [c for c in judged if c["verdict_bh"] == "better"]
        worse = [c for c in judged if c["verdict_bh"] == "worse"]
        chance = out["chance"]
        ranked = out["advice"]
        label = METRIC_LABELS.get(out["metric"], out["metric"])
        top = [{"sentence": a["sentence"], "group": a["group_sentence"]}
               for a in ranked[:SHOWN_ADVICE]]
        # The largest fall comes last in the advice (best improvement first).
        fall = next((a for a in reversed(ranked) if a["verdict_bh"] == "worse"), None)
        groups = len({(c["feature"], c["group"]) for c in cells})
        datasets.append({
            "name": name, "label": label, "features": _and(out["features"]), "groups": groups,
            "algorithms": out["algorithms"], "cells": len(cells), "judged": len(judged),
            "better": len(better), "worse": len(worse), "per_cell": chance["per_cell_flagged"],
            "expected": f"{chance['expected_by_chance']:.1f}", "top": top,
            "more": max(len(ranked) - SHOWN_ADVICE, 0),
            "worst": fall["sentence"] if fall is not None and fall not in ranked[:SHOWN_ADVICE]
            else None,
            "skipped": _skipped(out["skipped"]),
            "fits": out["fits"]["total"], "computed": out["fits"]["computed"],
            "seconds": f"{out['seconds']:.0f}", "figure": f"figures/{name}_advice.png"})
        best = ranked[0] if ranked and ranked[0]["verdict_bh"] == "better" else None
        rows.append([name, label, len(cells), len(better) + len(worse), len(better), len(worse),
                     chance["per_cell_flagged"], f"{chance['expected_by_chance']:.1f}",
                     best["sentence"] if best else "none"])
    first = next(iter(advice.values()))
    table_ = md_table("advice", ["dataset", "metric", "cells", "beyond the noise (BH)", "better",
                                 "worse", "beyond at 5 % per cell", "flagged by chance",
                                 "largest improvement"], rows)
    tasks = {}  # task -> its algorithms, as run
    for name, out in advice.items():
        tasks.setdefault(out["dataset"]["task"], out["algorithms"])
    return {"datasets": datasets, "table": table_, "top": len(first["features"]),
            "algorithms": "; ".join(f"{_and(names)} for {task}" for task, names in tasks.items()),
            "ratios": [ratio_text(r) for r in first["ratios"]], "repeats": first["repeats"],
            "fdr": f"{100 * first['multiple_comparisons']['fdr']:.0f} %",
            "cells": sum(d["cells"] for d in datasets),
            "beyond": sum(d["better"] + d["worse"] for d in datasets),
            "better": sum(d["better"] for d in datasets),
            "per_cell": sum(d["per_cell"] for d in datasets),
            "expected": f"{sum(float(d['expected']) for d in datasets):.0f}",
            "fits": sum(d["fits"] for d in datasets),
            "seconds": f"{sum(float(d['seconds']) for d in datasets):.0f}",
            "steps": [f"{edge:g}" for edge in _advice_steps()]}


def _skipped(skipped: list[dict]) -> list[str]:
    """What was not shifted, one entry per group and reason (with the ratios it applies to)."""
    ratios: dict[tuple, list] = {}
    for s in skipped:
        ratios.setdefault((s["feature"], s["group"], s["reason"]), []).append(s["ratio"])
    return [f"`{feature} = {group}` at r = {_and(ratio_text(r) for r in rs)} ({reason})"
            for (feature, group, reason), rs in ratios.items()]


def _advice_steps():
    from distviz.views.advise_plots import STEPS
    return STEPS
