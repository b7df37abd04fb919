"""Pure functions: results -> tables and HoloViews elements (no Panel, no state).

Every label that comes from the user's data (column names, categories) reaches Bokeh as plain
text (axis labels, tick labels, table cells), never as HTML.
"""

from __future__ import annotations

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401 - options need a loaded plotting backend
import numpy as np
import pandas as pd

from ..tasks import LOWER_IS_BETTER
from .style import AFTER, BEFORE, PALETTE



# ------------------------------------------------------------------------------ tables
def leaderboard(run, metric: str) -> pd.DataFrame:
    """One row per algorithm: baseline, now, delta with its interval and verdict (better /
    worse / within noise, or no interval below two seed pairs; "baseline" at the baseline
    itself), its practical call against the smallest change that matters (``practical``: one of
    :data:`distviz.stats.CALLS`, read off the same interval; ``detectable``: the smallest change
    this run calls beyond the noise; empty without an interval and at the baseline), seeds in,
    rank change. Both claims about the order are gated by the noise, as the best-model line
    is: ``best`` marks the leader only when its lead over the runner-up is beyond the noise,
    and ``rank_change`` counts only overtakes beyond the noise (:func:`rank_changes`)."""
    rows = []
    for a in run.algorithms:
        row = {"algorithm": a.algorithm, "baseline": np.nan, "now": np.nan, "delta": np.nan,
               "interval": "", "verdict": "", "practical": "", "detectable": np.nan,
               "seeds": f"{a.n_seeds} of {a.seeds_planned or run.repeats}",
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
                call = (a.practical_calls or {}).get(metric)
                if call is not None and call.call is not None:
                    row.update(practical=call.call, detectable=call.detectable)
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
    table["rank_change"] = table["algorithm"].map(rank_changes(run, metric))
    best, _, lead = run.lead(metric)
    table["best"] = table["algorithm"].eq(best) & bool(lead is not None and lead.significant)
    return table[["algorithm", "baseline", "now", "delta", "interval", "verdict", "practical",
                  "detectable", "seeds", "rank_change", "best", "fit_s", "train_rows", "note"]]


def rank_changes(run, metric: str) -> dict[str, int]:
    """Places each algorithm gained (+) or lost (-) since the baseline, counting a pair of
    algorithms only when its order flipped and both orders are beyond the noise (paired by
    seed, :meth:`~distviz.results.RunResult.compare`); when every comparison is beyond the
    noise this is the plain change of rank."""
    sign = -1 if metric in LOWER_IS_BETTER else 1
    scored = [a for a in run.algorithms if a.ok and a.baseline
              and np.isfinite(a.baseline[metric]) and np.isfinite(a.metrics[metric])]
    places = {a.algorithm: 0 for a in run.algorithms}
    for i, first in enumerate(scored):
        for second in scored[i + 1:]:
            was = sign * (first.baseline[metric] - second.baseline[metric])
            now = sign * (first.metrics[metric] - second.metrics[metric])
            if was * now >= 0:  # same order, or a tie: no place changed hands
                continue
            beyond = [run.compare(first, second, metric, stage=stage)
                      for stage in ("baseline", "shifted")]
            if all(effect is not None and effect.significant for effect in beyond):
                places[first.algorithm] += 1 if now > 0 else -1
                places[second.algorithm] -= 1 if now > 0 else -1
    return places


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


def share_bars(before: dict[str, float], after: dict[str, float], title: str, *,
               width: int | None = 420, height: int = 220) -> hv.Bars:
    """Every group's share of the training set before and after a shift (a mix), side by
    side; ``before`` gives the groups and their order."""
    frame = pd.DataFrame([(g, stage, float(shares.get(g, 0.0))) for g in before
                          for stage, shares in (("before", before), ("after", after))],
                         columns=["group", "stage", "share"]).astype({"group": object})
    return _paired_bars(frame, "share", ("before", "after"), title=title, width=width,
                        height=height, ylabel="share of training rows")


def importance_bars(table: pd.DataFrame, *, width: int | None = 520) -> hv.Bars:
    """Normalised importance per method, side by side, features in ranking order
    (``width=None``: the width it is given)."""
    methods = [m for m in ("gini", "permutation", "shap") if m in table.columns]
    long = table.melt(id_vars=["feature"], value_vars=methods, var_name="method",
                      value_name="importance").astype({"feature": object})
    method = hv.Dimension("method", values=methods)
    rotation = label_rotation(table["feature"], width or 1000)
    # Slanted names take height from the bars: the plot grows by what they take.
    longest = max((len(str(f)) for f in table["feature"]), default=0)
    return hv.Bars(long, ["feature", method], "importance").opts(
        title="Feature importance (each method sums to 1)",
        height=340 + int(7 * longest * np.sin(np.radians(rotation))),
        color="method", cmap=dict(zip(("gini", "permutation", "shap"), PALETTE[:3])),
        xrotation=rotation, tools=["hover"], toolbar=None,
        multi_level=False, show_legend=True, legend_position="top", legend_opts=SMALL_LEGEND,
        fontsize={"title": 10}, xlabel="", **WHEEL_ZOOM_OFF, **size_opts(width))


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


def label_rotation(labels, width: int) -> int:
    """Category labels flat when they fit side by side, else slanted just enough that
    neighbours (one slot apart) do not overlap: about 14 px between them across the text."""
    labels = [str(label) for label in labels]
    if sum(len(label) for label in labels) * 7 <= width * 0.6:
        return 0
    slot = width / max(len(labels), 1)
    return next((angle for angle in (30, 60) if slot * np.sin(np.radians(angle)) >= 14), 90)


def _wheel_zoom_off(plot, element) -> None:
    plot.state.toolbar.active_scroll = None


# The mouse wheel scrolls the page: no plot zooms on it until the user picks the wheel-zoom tool
# in its toolbar (HoloViews turns it on, and Bokeh's "auto" would after a click in the plot).
WHEEL_ZOOM_OFF = {"active_tools": ["pan"], "hooks": [_wheel_zoom_off]}


def size_opts(width: int | None, *, min_width: int = 260) -> dict:
    """Plot options for a fixed width, or (None) the width of the pane it is drawn in."""
    return {"width": width} if width else {"responsive": True, "min_width": min_width}


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
    groups = pd.unique(frame["group"])
    first = str(groups[0]) if len(groups) else ""
    rotation = label_rotation(groups, width or 280)
    if width and _left_room(first, rotation):  # the bars get what the first label leaves
        rotation = label_rotation(groups, width - _left_room(first, rotation))
    return hv.Bars(frame, ["group", stage], value).opts(
        title=title, height=height, color="stage",
        cmap={stages[0]: BEFORE, stages[1]: AFTER}, xrotation=rotation,
        tools=["hover"], toolbar=None, multi_level=False, show_legend=True,
        legend_position="top", legend_opts=SMALL_LEGEND, fontsize={"title": 10}, xlabel="",
        ylabel=ylabel or value, **{**WHEEL_ZOOM_OFF, "hooks": [
            _wheel_zoom_off, _min_border_left(_left_room(first, rotation))]},
        **size_opts(width))


def _left_room(first: str, rotation: int) -> int:
    """Pixels left of the bars a slanted first label takes (at most 240)."""
    return min(int(6.5 * len(first) * np.cos(np.radians(rotation))), 240) \
        if 0 < rotation < 90 else 0


def _min_border_left(pixels: int):
    """A hook leaving ``pixels`` left of the bars for the first slanted label (a long one,
    such as a crossed group's, is otherwise pushed inside the canvas, over its neighbour)."""
    def hook(plot, element) -> None:
        plot.state.min_border_left = max(plot.state.min_border_left or 0, pixels)
    return hook
