"""Pure functions: results -> tables and HoloViews elements (no Panel, no state).

Every label that comes from the user's data (column names, categories) reaches Bokeh as plain
text (axis labels, tick labels, table cells), never as HTML.
"""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd

from .evaluate import LOWER_IS_BETTER

PALETTE = ["#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2",
           "#7f7f7f", "#bcbd22", "#17becf"]
BEFORE, AFTER = "#9aa5b1", "#d6604d"


def algorithm_colors(algorithms) -> dict[str, str]:
    return {name: PALETTE[i % len(PALETTE)] for i, name in enumerate(algorithms)}


# ------------------------------------------------------------------------------ tables
def leaderboard(run, metric: str) -> pd.DataFrame:
    """One row per algorithm: baseline, now, delta with interval and significance, ranks."""
    rows = []
    for a in run.algorithms:
        row = {"algorithm": a.algorithm, "baseline": np.nan, "now": np.nan, "delta": np.nan,
               "interval": "", "significant": "", "rank_change": 0,
               "fit_s": round(a.fit_seconds, 2), "train_rows": a.train_rows_used,
               "note": ""}
        if a.ok and a.baseline:
            row.update(baseline=a.baseline[metric], now=a.metrics[metric],
                       delta=a.delta[metric])
            if a.ci95:
                low, high = a.ci95[metric]
                row["interval"] = f"[{low:+.3f}, {high:+.3f}]"
                row["significant"] = "yes" if a.significant[metric] else "no (noise)"
            else:
                row["significant"] = "n/a (1 repeat)"
        notes = []
        if a.error:
            notes.append(f"error: {a.error}")
        if a.budget_applied:
            notes.append(f"budget: trained on {a.train_rows_used} rows")
        if a.from_cache:
            notes.append("cached")
        row["note"] = "; ".join(notes)
        rows.append(row)
    table = pd.DataFrame(rows)
    ascending = metric in LOWER_IS_BETTER
    for column in ("baseline", "now"):
        table[f"rank_{column}"] = table[column].rank(ascending=ascending, method="min")
    table["rank_change"] = (table["rank_baseline"] - table["rank_now"]).fillna(0).astype(int)
    table["best"] = table["rank_now"].eq(1)
    return table[["algorithm", "baseline", "now", "delta", "interval", "significant",
                  "rank_change", "best", "fit_s", "train_rows", "note"]]


# ------------------------------------------------------------------------------ classification
def confusion_heatmap(counts: np.ndarray, labels: list[str], *, title: str,
                      normalise: bool = False, baseline: np.ndarray | None = None,
                      size: int = 260) -> hv.Overlay:
    """A confusion matrix: rows are true classes, columns predictions; each cell labelled
    with its count (or row share), and, given a baseline, coloured by the change against it."""
    counts = np.asarray(counts, dtype=float)
    shown = counts / np.maximum(counts.sum(axis=1, keepdims=True), 1) if normalise else counts
    records = []
    for i, true in enumerate(labels):
        for j, pred in enumerate(labels):
            change = 0.0
            if baseline is not None:
                base = np.asarray(baseline, dtype=float)
                base_shown = (base / np.maximum(base.sum(axis=1, keepdims=True), 1)
                              if normalise else base)
                change = shown[i, j] - base_shown[i, j]
            text = f"{shown[i, j]:.2f}" if normalise else f"{int(counts[i, j])}"
            if baseline is not None and change:
                text += f"\n({change:+.2f})" if normalise else f"\n({int(change):+d})"
            records.append((f"pred {pred}", f"true {true}", shown[i, j], change, text))
    frame = pd.DataFrame(records, columns=["predicted", "actual", "value", "change", "text"])
    # HoloViews aggregates with numpy reshapes that pandas' Arrow strings do not support.
    frame = frame.astype({"predicted": object, "actual": object, "text": object})
    colour = "change" if baseline is not None else "value"
    # At the baseline every change is 0: a degenerate (0, 0) colour range breaks the plot.
    extent = float(frame[colour].abs().max()) or 1.0
    clim = (-extent, extent) if baseline is not None else (0, extent)
    heatmap = hv.HeatMap(frame, ["predicted", "actual"], [colour, "value", "text"]).opts(
        cmap="RdBu_r" if baseline is not None else "Blues", colorbar=False, title=title,
        width=size, height=size, toolbar=None, invert_yaxis=True, xlabel="", ylabel="",
        clim=clim, tools=["hover"], fontsize={"title": 10}, alpha=0.75)
    text = hv.Labels(frame, ["predicted", "actual"], "text").opts(text_font_size="9pt",
                                                                  text_color="#111111")
    return heatmap * text


def roc_overlay(run, *, colors: dict[str, str] | None = None) -> hv.Overlay:
    """ROC of the positive class per algorithm (solid: now, dashed: baseline) with the
    operating point (1 - specificity, sensitivity) of each model's predictions."""
    colors = colors or algorithm_colors([a.algorithm for a in run.algorithms])
    layers = [hv.Curve([(0, 0), (1, 1)], "FPR (1 - specificity)", "TPR (sensitivity)").opts(
        color="#cccccc", line_dash="dotted")]
    points = []
    for a in run.algorithms:
        for baseline, dash in ((True, "dashed"), (False, "solid")):
            roc = run.roc(a.algorithm, baseline=baseline)
            if roc is None:
                continue
            label = f"{a.algorithm} ({'baseline' if baseline else 'now'})"
            layers.append(hv.Curve(roc, "fpr", "tpr", label=label).opts(
                color=colors[a.algorithm], line_dash=dash, line_width=1.5 if baseline else 2.5,
                alpha=0.6 if baseline else 1.0))
        if a.ok:
            points.append((1 - a.metrics["specificity"], a.metrics["recall"], a.algorithm))
    if points:
        layers.append(hv.Scatter(pd.DataFrame(points, columns=["fpr", "tpr", "algorithm"]),
                                 "fpr", ["tpr", "algorithm"], label="operating point").opts(
            color="black", size=8, marker="circle", tools=["hover"]))
    return hv.Overlay(layers).opts(
        title="Sensitivity vs specificity (positive class)", width=460, height=380,
        legend_position="bottom_right", xlim=(0, 1), ylim=(0, 1.02), toolbar="above",
        fontsize={"legend": 8})


# ------------------------------------------------------------------------------ regression
def predicted_vs_actual(y_true, y_pred, *, title: str, size: int = 260) -> hv.Overlay:
    low, high = float(min(np.min(y_true), np.min(y_pred))), float(max(np.max(y_true),
                                                                        np.max(y_pred)))
    scatter = hv.Scatter((y_true, y_pred), "actual", "predicted").opts(
        size=3, alpha=0.5, color="#1f77b4")
    return (scatter * hv.Curve([(low, low), (high, high)]).opts(
        color="#999999", line_dash="dashed")).opts(title=title, width=size, height=size,
                                                   toolbar=None)


def residuals_histogram(y_true, y_pred, *, title: str, size: int = 260) -> hv.Histogram:
    residuals = np.asarray(y_pred) - np.asarray(y_true)
    edges = np.histogram_bin_edges(residuals, bins=30)
    return hv.Histogram(np.histogram(residuals, bins=edges),
                        kdims=["residual (predicted - actual)"], vdims=["rows"]).opts(title=title, width=size, height=size // 1.3,
                                     color="#d6604d", toolbar=None)


# ------------------------------------------------------------------------------ data
def distribution(dataset, shift, feature: str, *, highlight: str | None = None,
                 width: int = 440) -> hv.Element:
    """Training rows per group of ``feature`` before and after the shift."""
    before = dataset.group_labels(feature).value_counts()
    after = dataset.group_labels(feature, shift.X).value_counts()
    order = [g for g in dataset.groups(feature)["group"] if g in before.index or g in after.index]
    frame = pd.DataFrame([(g, stage, int(counts.get(g, 0))) for g in order
                          for stage, counts in (("before", before), ("after", after))],
                         columns=["group", "stage", "rows"])
    title = f"Training rows of {feature}, before and after the shift"
    if highlight:
        title += f" (shifted: {highlight})"
    stage = hv.Dimension("stage", values=["before", "after"])
    return hv.Bars(frame, ["group", stage], "rows").opts(
        title=title, width=width, height=300, color="stage",
        cmap={"before": BEFORE, "after": AFTER}, xrotation=30, tools=["hover"], toolbar=None,
        legend_position="top_right", fontsize={"title": 10}, show_legend=True, multi_level=True)


def importance_bars(table: pd.DataFrame, *, width: int = 440) -> hv.Bars:
    """Normalised importance per method, side by side, features in ranking order."""
    methods = [m for m in ("gini", "permutation", "shap") if m in table.columns]
    long = table.melt(id_vars=["feature"], value_vars=methods, var_name="method",
                      value_name="importance")
    return hv.Bars(long, ["feature", "method"], "importance").opts(
        title="Feature importance (each method sums to 1)", width=width, height=320,
        color="method", cmap=dict(zip(("gini", "permutation", "shap"), PALETTE[:3])),
        xrotation=40, tools=["hover"], toolbar=None, multi_level=True, fontsize={"title": 10})


def group_effect(now: pd.DataFrame, baseline: pd.DataFrame, metric: str, *,
                 title: str, width: int = 440) -> hv.Bars:
    """A per-group metric of the chosen feature on the test set, baseline vs now."""
    frame = pd.concat([baseline.assign(stage="baseline"), now.assign(stage="now")])
    stage = hv.Dimension("stage", values=["baseline", "now"])
    return hv.Bars(frame, ["group", stage], metric).opts(
        title=title, width=width, height=280, color="stage",
        cmap={"baseline": BEFORE, "now": AFTER}, xrotation=30, tools=["hover"], toolbar=None,
        multi_level=True, fontsize={"title": 10})
