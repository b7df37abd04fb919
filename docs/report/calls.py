"""The write-up's lead: how many cells of each dataset get each practical call
(distviz.stats.practical: better / worse / negligible / equivalent / inconclusive), in the
saved sweeps (the ``practical_<metric>`` column, one call per cell) and advise runs (each
cell's ``practical``), against the ``min_effect`` the runs used."""

from __future__ import annotations

import pandas as pd

from distviz.stats import CALLS
from distviz.sweep import summarize

from .common import METRIC_LABELS, and_join, effect_number, md_table


def sweep_calls(table: pd.DataFrame, metric: str) -> tuple[dict[str, int], float | None, int]:
    """Per call, the shifted (ratio != 0) cells of a sweep table that get it, the
    ``min_effect`` they were judged against, and how many better / worse cells stay beyond
    the noise after Benjamini–Hochberg over the sweep (the sweep's calls are per cell)."""
    summary = summarize(table, metric)
    shifted = summary[summary["ratio"] != 0]
    counts = shifted["practical"].value_counts()
    min_effects = shifted["min_effect"].dropna().unique()
    moved = shifted["practical"].isin(["better", "worse"])
    controlled = int((moved & (shifted["significant_bh"] == True)).sum())  # noqa: E712
    return ({word: int(counts.get(word, 0)) for word in CALLS},
            float(min_effects[0]) if len(min_effects) == 1 else None, controlled)


def advice_calls(out: dict) -> tuple[dict[str, int], float | None]:
    """Per call, the advise run's cells that get it, and its ``min_effect`` (headline)."""
    words = [c.get("practical") for c in out["cells"]]
    min_effect = ((out.get("interval") or {}).get("min_effect") or {}).get(out["metric"])
    return {word: words.count(word) for word in CALLS}, min_effect, None


def calls_context(tables: dict[str, pd.DataFrame], advice: dict[str, dict]) -> dict:
    """The lead's table (key ``practical``) and the totals its sentences say."""
    rows, totals, min_effects, labels = [], {"sweep": dict.fromkeys(CALLS, 0),
                                             "advise": dict.fromkeys(CALLS, 0)}, set(), set()
    controlled = 0
    for name, table in tables.items():
        metric = "f1" if "f1" in table.columns else "r2"
        parts = [("sweep", *sweep_calls(table, metric))]
        if name in advice:
            parts.append(("advise", *advice_calls(advice[name])))
        for source, counts, min_effect, kept in parts:
            controlled += kept or 0
            rows.append([name, source, METRIC_LABELS[metric], effect_number(min_effect),
                         sum(counts.values())] + [counts[w] for w in CALLS])
            for word in CALLS:
                totals[source][word] += counts[word]
            if min_effect is not None:
                min_effects.add(effect_number(min_effect))
            labels.add(METRIC_LABELS[metric])
    table = md_table("practical", ["dataset", "cells of", "metric", "min_effect", "cells",
                                   *CALLS], rows)
    return {"table": table, "totals": totals, "calls": list(CALLS),
            "min_effect": and_join(sorted(min_effects)), "metrics": and_join(sorted(labels)),
            "cells": {s: sum(c.values()) for s, c in totals.items()},
            "sentences": {s: calls_sentence(c) for s, c in totals.items()},
            "moved": totals["sweep"]["better"] + totals["sweep"]["worse"],
            "controlled": controlled}


def calls_sentence(counts: dict[str, int]) -> str:
    """'1 better, 8 worse, 0 negligible, 76 equivalent, 299 inconclusive'."""
    return ", ".join(f"{counts[w]} {w}" for w in CALLS)
