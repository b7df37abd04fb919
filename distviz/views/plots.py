"""Pure functions: results -> tables and HoloViews elements (no Panel, no state).

Every label that comes from the user's data (column names, categories) reaches Bokeh as plain
text (axis labels, tick labels, table cells), never as HTML.
"""

from __future__ import annotations

import holoviews as hv
import numpy as np
import pandas as pd

from ..tasks import LOWER_IS_BETTER
from .style import AFTER, BEFORE, PALETTE, algorithm_colors



# ------------------------------------------------------------------------------ tables
def leaderboard(run, metric: str) -> pd.DataFrame:
    """One row per algorithm: baseline, now, delta with its interval and verdict (better /
    worse / within noise, or no interval below two seed pairs; "baseline" at the baseline
    itself), seeds in, ranks. ``best``
    marks the leader only when its lead over the runner-up is beyond the noise."""
    rows = []
    for a in run.algorithms:
        row = {"algorithm": a.algorithm, "baseline": np.nan, "now": np.nan, "delta": np.nan,
               "interval": "", "verdict": "", "seeds": f"{a.n_seeds} of {run.repeats}",
               "rank_change": 0, "fit_s": round(a.fit_seconds, 2),
               "train_rows": a.train_rows_used, "note": ""}
        if a.ok and a.baseline:
            row.update(baseline=a.baseline[metric], now=a.metrics[metric],
                       delta=a.delta[metric])
            if run.at_baseline:
                row["verdict"] = "baseline"  # the reference itself: no change to judge
            elif a.ci95 and a.verdict and a.verdict.get(metric):
                low, high = a.ci95[metric]
                row["interval"] = f"[{low:+.3f}, {high:+.3f}]"
                row["verdict"] = a.verdict[metric]
            else:
                row["verdict"] = f"no interval ({a.n_seeds} seed{'s' * (a.n_seeds != 1)})"
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
    best, _, lead = run.lead(metric)
    table["best"] = table["algorithm"].eq(best) & bool(lead is not None and lead.significant)
    return table[["algorithm", "baseline", "now", "delta", "interval", "verdict", "seeds",
                  "rank_change", "best", "fit_s", "train_rows", "note"]]


# ------------------------------------------------------------------------------ classification
def confusion_heatmap(counts: np.ndarray, labels: list[str], *, title: str,
                      normalise: bool = False, baseline: np.ndarray | None = None,
                      change: np.ndarray | None = None, coloured: bool = True,
                      size: int = 260) -> hv.Overlay:
    """A confusion matrix: rows are true classes, columns predictions; each cell labelled
    with its count (or row share).

    Given a baseline (or the ``change`` of the counts directly, e.g. their mean over seeds),
    each cell also shows its change and, when ``coloured`` (the change is beyond the noise),
    is coloured by whether it is for the better (green: more correct predictions on the
    diagonal, fewer errors off it) or the worse (red); otherwise cells are shaded by value.
    """
    counts = np.asarray(counts, dtype=float)

    def rows_normalised(matrix):
        return matrix / np.maximum(matrix.sum(axis=1, keepdims=True), 1)
    shown = rows_normalised(counts) if normalise else counts
    if baseline is not None and (normalise or change is None):
        base = np.asarray(baseline, dtype=float)
        change = shown - (rows_normalised(base) if normalise else base)
    compared = change is not None
    change = np.zeros_like(shown) if change is None else np.asarray(change, dtype=float)
    records = []
    for i, true in enumerate(labels):
        for j, pred in enumerate(labels):
            text = f"{shown[i, j]:.2f}" if normalise else f"{int(counts[i, j])}"
            if compared and round(change[i, j], 2):
                whole = float(change[i, j]).is_integer()
                text += (f"\n({change[i, j]:+.2f})" if normalise else
                         f"\n({int(change[i, j]):+d})" if whole else f"\n({change[i, j]:+.1f})")
            better = change[i, j] if i == j else -change[i, j]
            records.append((f"pred {pred}", f"true {true}", shown[i, j], change[i, j], better,
                            text))
    frame = pd.DataFrame(records, columns=["predicted", "actual", "value", "change", "better",
                                           "text"])
    # HoloViews aggregates with numpy reshapes that pandas' Arrow strings do not support.
    frame = frame.astype({"predicted": object, "actual": object, "text": object})
    if compared and coloured:
        # Small changes stay pale: the colour range is at least 5 % of a row (or 0.05).
        floor = 0.05 if normalise else max(1.0, 0.05 * counts.sum() / max(len(labels), 1))
        extent = max(float(frame["better"].abs().max()), floor)
        colour, cmap, clim = "better", ["#e7877f", "#ffffff", "#7cc68a"], (-extent, extent)
    else:
        # At a degenerate (0, 0) colour range the plot breaks; 1 keeps an empty matrix white.
        colour, cmap, clim = "value", ["#ffffff", "#8fbde0"], (0, float(shown.max()) or 1.0)
    # Side by side, more than two (or long) class names overlap: slant them.
    slant = 35 if len(labels) > 2 or max(len(str(c)) for c in labels) > 6 else 0
    heatmap = hv.HeatMap(frame, ["predicted", "actual"], [colour, "value", "change", "text"]
                         ).opts(cmap=cmap, colorbar=False, title=title,
                                width=size + (40 if slant else 0),
                                height=size + (30 if slant else 0), xrotation=slant,
                                toolbar=None, invert_yaxis=True, xlabel="",
                                ylabel="", clim=clim, tools=["hover"], fontsize={"title": 10},
                                line_color="white", line_width=2)
    text = hv.Labels(frame, ["predicted", "actual"], "text").opts(text_font_size="10pt",
                                                                  text_color="#111111")
    return heatmap * text


def roc_overlay(run, *, colors: dict[str, str] | None = None) -> hv.Overlay:
    """ROC of the positive class per algorithm (one-vs-rest with three or more classes; solid:
    now, dashed: baseline; first seed) with
    the operating point (1 - specificity, sensitivity) averaged over seeds and, with several
    seeds, each seed's point (its spread)."""
    colors = colors or algorithm_colors([a.algorithm for a in run.algorithms])
    layers = [hv.Curve([(0, 0), (1, 1)], "FPR (1 - specificity)", "TPR (sensitivity)").opts(
        color="#cccccc", line_dash="dotted")]
    points, spread = [], []
    # A point has its model's colour (the curves' colours), so each is known at a glance.
    by_algorithm = hv.dim("algorithm").categorize(colors, default="#555555")
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
            spread.extend((1 - f.metrics["specificity"], f.metrics["recall"], a.algorithm,
                           f.seed) for f in a.fits if f.error is None and f.metrics)
    if len(spread) > len(points):  # the spread of the operating point over seeds
        layers.append(hv.Scatter(pd.DataFrame(spread, columns=["fpr", "tpr", "algorithm", "seed"]),
                                 "fpr", ["tpr", "algorithm", "seed"],
                                 label="operating point, each seed").opts(
            color=by_algorithm, size=4, alpha=0.45, marker="circle", tools=["hover"]))
    if points:
        layers.append(hv.Scatter(pd.DataFrame(points, columns=["fpr", "tpr", "algorithm"]),
                                 "fpr", ["tpr", "algorithm"], label="operating point").opts(
            color=by_algorithm, line_color="black", size=9, marker="circle", tools=["hover"]))
    ds = run.dataset
    positive = f"class {ds.positive}" + (" vs the rest" if len(ds.classes) > 2 else "")
    return hv.Overlay(layers).opts(
        title=f"Sensitivity vs specificity ({positive}): solid now, dashed baseline",
        width=720, height=400, legend_position="right", xlim=(0, 1), ylim=(0, 1.02),
        toolbar="above", fontsize={"legend": 8, "title": 10})


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
                        kdims=["residual (predicted - actual)"], vdims=["rows"]).opts(
        title=title, width=size, height=int(size / 1.3), color="#d6604d", toolbar=None)


# ------------------------------------------------------------------------------ data
def distribution(dataset, shift, feature: str, *, highlight: str | None = None,
                 width: int | None = 440, height: int = 300) -> hv.Element:
    """Training rows per group of ``feature`` before and after the shift (``width=None``:
    the width it is given)."""
    before = dataset.group_labels(feature).value_counts()
    after = dataset.group_labels(feature, shift.X).value_counts()
    order = [g for g in dataset.groups(feature)["group"] if g in before.index or g in after.index]
    frame = pd.DataFrame([(g, stage, int(counts.get(g, 0))) for g in order
                          for stage, counts in (("before", before), ("after", after))],
                         columns=["group", "stage", "rows"]).astype({"group": object})
    # Short: a plot a third of the main area wide cuts a longer title (the axis says "rows").
    title = f"{feature} (shifted group: {highlight})" if highlight else feature
    return _paired_bars(frame, "rows", ("before", "after"), title=title, width=width,
                        height=height, ylabel="training rows")


def importance_bars(table: pd.DataFrame, *, width: int | None = 520) -> hv.Bars:
    """Normalised importance per method, side by side, features in ranking order
    (``width=None``: the width it is given)."""
    methods = [m for m in ("gini", "permutation", "shap") if m in table.columns]
    long = table.melt(id_vars=["feature"], value_vars=methods, var_name="method",
                      value_name="importance").astype({"feature": object})
    method = hv.Dimension("method", values=methods)
    rotation = _label_rotation(table["feature"], width or 1000)
    # Slanted names take height from the bars: the plot grows by what they take.
    longest = max((len(str(f)) for f in table["feature"]), default=0)
    return hv.Bars(long, ["feature", method], "importance").opts(
        title="Feature importance (each method sums to 1)",
        height=340 + int(7 * longest * np.sin(np.radians(rotation))),
        color="method", cmap=dict(zip(("gini", "permutation", "shap"), PALETTE[:3])),
        xrotation=rotation, tools=["hover"], toolbar=None,
        multi_level=False, show_legend=True, legend_position="top", legend_opts=SMALL_LEGEND,
        fontsize={"title": 10}, xlabel="", **_size(width))


GROUP_METRICS = {"classification": ("f1", "tpr", "fpr", "selection_rate"),
                 "regression": ("r2", "mae")}


def group_effect(now: pd.DataFrame, baseline: pd.DataFrame, metrics=("f1",), *,
                 title: str, width: int | None = 330, height: int = 300) -> hv.Layout:
    """Per-group metrics of the chosen feature on the test set, baseline vs now: one bar
    chart per metric (``width=None``: each the width it is given)."""
    metrics = [metrics] if isinstance(metrics, str) else list(metrics)
    frame = pd.concat([baseline.assign(stage="baseline"), now.assign(stage="now")]).astype(
        {"group": object})
    charts = [_paired_bars(frame, metric, ("baseline", "now"),
                           title=f"{metric.upper().replace('_', ' ')}: {title}", width=width,
                           height=height, ylabel=metric.replace("_", " "))
              for metric in metrics]
    return hv.Layout(charts).cols(2).opts(shared_axes=False, toolbar=None)


def _label_rotation(labels, width: int) -> int:
    """Category labels flat when they fit side by side, else slanted just enough that
    neighbours (one slot apart) do not overlap: about 14 px between them across the text."""
    labels = [str(label) for label in labels]
    if sum(len(label) for label in labels) * 7 <= width * 0.6:
        return 0
    slot = width / max(len(labels), 1)
    return next((angle for angle in (30, 60) if slot * np.sin(np.radians(angle)) >= 14), 90)


def _size(width: int | None) -> dict:
    """A fixed width, or (None) the width of the pane it is drawn in."""
    return {"width": width} if width else {"responsive": True, "min_width": 260}


# A legend above the plot, in one short row: it never covers a bar.
SMALL_LEGEND = {"label_text_font_size": "8pt", "glyph_height": 10, "glyph_width": 10,
                "label_height": 10, "padding": 2, "spacing": 6, "margin": 0}


def _paired_bars(frame: pd.DataFrame, value: str, stages: tuple[str, str], *, title: str,
                 width: int | None, height: int, ylabel: str | None = None) -> hv.Bars:
    """Bars per group, two stages side by side (grey: first, red: second), a small legend
    above the bars. ``width=None`` fills the pane's width."""
    stage = hv.Dimension("stage", values=list(stages))
    # Colours follow row order: keep every first-stage row before the second-stage rows.
    frame = frame.sort_values("stage", key=lambda s: s.map({stages[0]: 0, stages[1]: 1}),
                              kind="stable")
    # A responsive plot is at least ~280 px wide in the dashboard's main area at 1500 px.
    rotation = _label_rotation(pd.unique(frame["group"]), width or 280)
    return hv.Bars(frame, ["group", stage], value).opts(
        title=title, height=height, color="stage",
        cmap={stages[0]: BEFORE, stages[1]: AFTER}, xrotation=rotation,
        tools=["hover"], toolbar=None, multi_level=False, show_legend=True,
        legend_position="top", legend_opts=SMALL_LEGEND, fontsize={"title": 10}, xlabel="",
        ylabel=ylabel or value, **_size(width))
