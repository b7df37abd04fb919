"""What distviz says in English, in one place: a metric's name, a shift as an action, an advice
cell's change and its change on the group's own rows, a response curve's shape, how many cells
chance alone would flag, and the practical calls counted. The CLI, the advice JSON, the sweep's
summary and the views all take their sentences from here."""

from __future__ import annotations

import math
from collections.abc import Mapping

from .data.crossed import group_phrase
from .stats.practical import CALLS

METRIC_LABELS = {"f1": "F1", "precision": "precision", "recall": "recall",
                 "specificity": "specificity", "accuracy": "accuracy",
                 "balanced_accuracy": "balanced accuracy", "roc_auc": "ROC AUC", "r2": "R²",
                 "rmse": "RMSE", "mae": "MAE"}


def metric_label(metric: str) -> str:
    return METRIC_LABELS.get(metric, metric)


def _number(x: float) -> str:
    return f"{x:.3f}" if abs(x) < 100 else f"{x:,.1f}"


def action(feature: str, group: str, ratio: float) -> str:
    """'halving rows with sex = female', 'doubling rows with ...', 'adding 50 % more ...'."""
    subject = f"rows with {group_phrase(feature, group)}"
    named = {-1.0: "removing", -0.5: "halving", 1.0: "doubling", 2.0: "tripling",
             3.0: "quadrupling"}
    if ratio in named:
        return f"{named[ratio]} {subject}"
    if ratio < 0:
        return f"cutting {subject} by {-ratio:.0%}"
    return f"adding {ratio:.0%} more {subject}"


def sentence(cell) -> str:
    """One line for an advice cell: 'halving rows with batch = d raises logistic_regression's
    F1 by 0.058 [0.036, 0.081]'. The number is the size of the change and the bracket its 95 %
    interval (for a fall, the interval of the fall's size)."""
    low, high = cell.ci95
    verb, size, lo, hi = ("raises", cell.delta, low, high) if cell.delta >= 0 else \
        ("lowers", -cell.delta, -high, -low)
    return (f"{action(cell.feature, cell.group, cell.ratio)} {verb} {cell.algorithm}'s "
            f"{metric_label(cell.metric)} by {_number(size)} [{_number(lo)}, {_number(hi)}]")


def group_sentence(cell) -> str:
    """The same shift's change on the group's own test rows, with its interval when it has one."""
    label = metric_label(cell.metric)
    where = f"on its {cell.test_rows} test rows with {group_phrase(cell.feature, cell.group)}"
    if cell.group_delta is None or not math.isfinite(cell.group_delta):
        return f"{where}: {cell.group_note or 'no change can be computed'}"
    text = f"{where}, {label} changes by {cell.group_delta:+.3f}"
    if cell.group_ci95 is not None:
        text += (f" [{cell.group_ci95[0]:+.3f}, {cell.group_ci95[1]:+.3f}], "
                 f"{cell.group_verdict}")
    else:
        text += f" ({cell.group_note})"
    return text


def curve_sentence(feature: str, group: str, curve) -> str:
    """A response curve's shape and why, e.g. "mlp's F1 against the share of sex = female:
    rising (ratio +1 beats -0.5 beyond the noise)"."""
    label = metric_label(curve.metric)
    where = f"{curve.algorithm}'s {label} against the share of {group_phrase(feature, group)}"
    if curve.shape == "peaked":
        return f"{where}: peaked at ratio {curve.best_ratio:+g} ({curve.reason})"
    if curve.shape == "flat":
        return f"{where}: flat within the noise ({curve.reason})"
    return f"{where}: {curve.shape} ({curve.reason})"


def chance_sentence(flags, *, beyond: int, per_cell: int, fdr: float, cells: str = "cells",
                    over: str = "repeats", negligible: int = 0,
                    min_effect: float | None = None) -> str:
    """Many cells judged at once: how many are beyond the noise after Benjamini-Hochberg, how
    many a per-cell test flags, and how many it would flag by chance alone (``flags``, a
    :class:`distviz.stats.ChanceFlags`); and how many of those beyond the noise are negligible
    (inside +-``min_effect``), so not advised."""
    text = (f"{beyond} of {flags.cells} {cells} are beyond the noise after Benjamini-Hochberg "
            f"(false-discovery rate {fdr * 100:g} %); a per-cell {flags.alpha * 100:g} % test "
            f"flags {per_cell}, where {flags.expected:.1f} would be flagged by chance (up to "
            f"{flags.upper} in 95 % of {over}).")
    if negligible:
        text += (f" {negligible} of the {beyond} are negligible (the whole interval within "
                 f"+-{min_effect:.3g}) and not advised.")
    return text


def practical_calls_sentence(counts: Mapping[str, int], min_effect: float | None = None) -> str:
    """How many cells get each practical call, against which smallest change that matters."""
    against = f" (min_effect {min_effect:.3g})" if min_effect is not None else ""
    return ("practical calls per cell" + against + ": "
            + ", ".join(f"{int(counts.get(word, 0))} {word}" for word in CALLS)
            + "; equivalent = no change that matters, inconclusive = the data cannot tell.")


def practical_meaning(min_effect: float) -> str:
    """What the five practical calls mean against a smallest change that matters."""
    m = f"{min_effect:.3g}"
    return (f"better/worse = beyond the noise, possibly by more than {m}; negligible = beyond "
            f"the noise, but under {m}; equivalent = no change over {m}; inconclusive = can't "
            f"tell (the interval reaches past +-{m})")


def leader(run, stage: str = "shifted") -> str:
    """Who leads ``run`` on its headline metric at ``stage``, claimed as best only when the lead
    over the runner-up is beyond the noise: 'xgboost, ahead of mlp by 0.031 [+0.012, +0.050],
    beyond the noise' or 'no clear best (xgboost leads mlp by 0.004 [-0.010, +0.018])'."""
    best, second, lead = run.lead(stage=stage)
    if best is None:
        return "no model scored"
    if second is None:
        return f"{best} (the only model)"
    if lead is None:
        return f"{best} leads {second}, no interval (one seed)"
    amount = f"{_number(abs(lead.delta))} [{lead.low:+.3f}, {lead.high:+.3f}]"
    if lead.significant:
        return f"{best}, ahead of {second} by {amount}, beyond the noise"
    return f"no clear best ({best} leads {second} by {amount})"

