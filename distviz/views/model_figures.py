"""The Models tab's plots (confusion matrices, predicted vs actual and residuals, the ROC
overlay) as plain Bokeh figures, built once per shape and then updated by new data only.

A slider move changes numbers, not the shape of a plot, so it only replaces the data of
ColumnDataSources and the text of titles: a *frame* (``{model name: {property: value}}``). The
dashboard applies a frame in Python (Bokeh sends the changed columns to the browser); the HTML
snapshot embeds one frame per state and applies it in the browser (:func:`frame_switcher`), so
the two show the same plots. (Through HoloViews, each frame of each plot re-ran its range and
glyph computations: about 0.6 s of a cached slider move on titanic; here it is milliseconds.)

The ``*_cells`` / ``*_lines`` / ``*_points`` functions are pure: results in, columns out.
"""

from __future__ import annotations

import math

import numpy as np
from bokeh.layouts import row
from bokeh.models import (
    ColumnDataSource,
    CustomJS,
    FactorRange,
    HoverTool,
    Legend,
    LegendItem,
    Range1d,
)
from bokeh.plotting import figure

from .style import algorithm_colors, mix

MATRIX_SIZE = 260
#: A regression plot shows at most this many test rows (a fixed random sample, said in its
#: title): the browser draws every point of every model on every move.
MAX_POINTS = 2000
_VALUE_COLOURS = ("#ffffff", "#8fbde0")  # shaded by value: white to blue
_CHANGE_COLOURS = ("#e7877f", "#ffffff", "#7cc68a")  # worse, none, better
# The columns of each plot's data source (a frame of a plot with no fit sends them empty).
MATRIX_COLUMNS = ("predicted", "actual", "value", "change", "text", "fill")
POINT_COLUMNS, DIAGONAL_COLUMNS, BIN_COLUMNS = ("actual", "predicted"), ("x", "y"), \
    ("left", "right", "rows")


def _empty(columns) -> dict[str, list]:
    return {c: [] for c in columns}


# ------------------------------------------------------------------------------ pure data
def confusion_cells(counts, labels, *, normalise: bool = False, baseline=None, change=None,
                    coloured: bool = True) -> dict[str, list]:
    """A confusion matrix's cells as columns: rows are true classes, columns predictions; each
    cell's text is its count with one decimal (``counts`` may be a mean over seeds) or its
    row share.

    Given a baseline (or the ``change`` of the counts directly, e.g. their mean over seeds),
    each cell's text also shows its change and, when ``coloured`` (the change is beyond the
    noise), the cell is coloured by whether it is for the better (green: more correct
    predictions on the diagonal, fewer errors off it) or the worse (red); otherwise cells are
    shaded by value.
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
    n = len(labels)
    diagonal = np.eye(n, dtype=bool)
    better = np.where(diagonal, change, -change)
    if compared and coloured:
        # Small changes stay pale: the colour range is at least 5 % of a row (or 0.05).
        floor = 0.05 if normalise else max(1.0, 0.05 * counts.sum() / max(n, 1))
        extent = max(float(np.abs(better).max()), floor)
        fill = [mix(_CHANGE_COLOURS[1], _CHANGE_COLOURS[2 if b > 0 else 0], abs(b) / extent)
                for b in better.ravel()]
    else:
        top = float(shown.max()) or 1.0  # an empty matrix stays white
        fill = [mix(*_VALUE_COLOURS, v / top) for v in shown.ravel()]
    text = []
    for i in range(n):
        for j in range(n):
            cell = f"{shown[i, j]:.2f}" if normalise else f"{counts[i, j]:.1f}"
            c = change[i, j]
            if compared and round(c, 2 if normalise else 1):
                cell += f"\n({c:+.2f})" if normalise else f"\n({c:+.1f})"
            text.append(cell)
    return {"predicted": [str(labels[j]) for i in range(n) for j in range(n)],
            "actual": [str(labels[i]) for i in range(n) for j in range(n)],
            "value": shown.ravel().tolist(), "change": change.ravel().tolist(),
            "text": text, "fill": fill}


def change_caption(run, a, metric: str) -> str:
    """A plot title's second line: the change of ``metric`` against the baseline and its
    practical call, e.g. "Δ +0.004: inconclusive", or "Δ +0.004 (1 seed)" before there is an
    interval ("the baseline" at the baseline: a title keeps its two lines, so a snapshot
    switching titles in the browser needs no new layout). Short enough for the narrowest plot
    (4 to a row in a 1280 px window: "+0.004 vs baseline: inconclusive" was cut there)."""
    if run.at_baseline:
        return "\nthe baseline"
    if not a.delta or not np.isfinite(a.delta.get(metric, np.nan)):
        return ""
    call = (a.practical_calls or {}).get(metric)
    word = (f": {call.call}" if call is not None and call.call
            else " (1 seed)" if a.n_seeds == 1 else " (no interval)")
    return f"\nΔ {a.delta[metric]:+.3f}{word}"


def matrix_axis_label(result) -> str:
    """A matrix's x-axis label: what its counts are (the mean over how many seeds)."""
    seeds = 0 if result is None else sum(1 for f in result.fits if f.error is None)
    return ("predicted" if seeds == 0 else "predicted (1 seed)" if seeds == 1
            else f"predicted (mean of {seeds} seeds)")


def roc_lines(run, colors: dict[str, str]) -> dict[str, list]:
    """ROC curves of the positive class (one-vs-rest with three or more classes), first seed,
    per algorithm: baseline dashed, now solid."""
    data = {"xs": [], "ys": [], "color": [], "dash": [], "width": [], "alpha": [], "label": []}
    for a in run.algorithms:
        for baseline in (True, False):
            roc = run.roc(a.algorithm, baseline=baseline)
            if roc is None:
                continue
            data["xs"].append(roc["fpr"].tolist())
            data["ys"].append(roc["tpr"].tolist())
            data["color"].append(colors.get(a.algorithm, "#555555"))
            data["dash"].append("dashed" if baseline else "solid")
            data["width"].append(1.5 if baseline else 2.5)
            data["alpha"].append(0.6 if baseline else 1.0)
            data["label"].append(f"{a.algorithm} ({'baseline' if baseline else 'now'})")
    return data


def operating_points(run, colors: dict[str, str]) -> tuple[dict, dict]:
    """The operating point (1 - specificity, sensitivity) per algorithm, averaged over seeds,
    and each seed's point (its spread), both in the algorithm's colour."""
    points = {"fpr": [], "tpr": [], "algorithm": [], "color": []}
    spread = {"fpr": [], "tpr": [], "algorithm": [], "seed": [], "color": []}
    for a in run.algorithms:
        if not a.ok:
            continue
        colour = colors.get(a.algorithm, "#555555")
        points["fpr"].append(1 - a.metrics["specificity"])
        points["tpr"].append(a.metrics["recall"])
        points["algorithm"].append(a.algorithm)
        points["color"].append(colour)
        seeds = [f for f in a.fits if f.error is None and f.metrics]
        if len(seeds) > 1:
            for f in seeds:
                spread["fpr"].append(1 - f.metrics["specificity"])
                spread["tpr"].append(f.metrics["recall"])
                spread["algorithm"].append(a.algorithm)
                spread["seed"].append(f.seed)
                spread["color"].append(colour)
    return points, spread


def roc_title(dataset) -> str:
    positive = f"class {dataset.positive}" + (" vs the rest" if len(dataset.classes) > 2 else "")
    return f"Sensitivity vs specificity ({positive}): solid now, dashed baseline"


def sample_rows(n: int, max_points: int = MAX_POINTS) -> np.ndarray:
    """The test rows a regression plot shows: all, or a fixed random sample of ``max_points``."""
    if n <= max_points:
        return np.arange(n)
    return np.sort(np.random.default_rng(0).choice(n, max_points, replace=False))


def regression_points(y_true, y_pred, rows) -> tuple[dict, dict]:
    """Predicted against actual (the chosen rows), and the diagonal over the shown range."""
    y_true, y_pred = np.asarray(y_true, dtype=float), np.asarray(y_pred, dtype=float)
    low = float(min(y_true.min(), y_pred.min()))
    high = float(max(y_true.max(), y_pred.max()))
    return ({"actual": y_true[rows].tolist(), "predicted": y_pred[rows].tolist()},
            {"x": [low, high], "y": [low, high]})


def residual_bins(y_true, y_pred, bins: int = 30) -> dict[str, list]:
    """A histogram of the residuals (predicted - actual) over every test row."""
    residuals = np.asarray(y_pred, dtype=float) - np.asarray(y_true, dtype=float)
    rows, edges = np.histogram(residuals, bins=bins)
    return {"left": edges[:-1].tolist(), "right": edges[1:].tolist(), "rows": rows.tolist()}


# ------------------------------------------------------------------------------ figures
def _plain(fig) -> None:
    fig.title.text_font_size = "10pt"
    fig.outline_line_color = None
    fig.min_border_right = 10


class ModelFigures:
    """Every algorithm's plot(s) and the ROC overlay, for one shape: task, class labels and
    algorithms. Any of those changing needs a new ``ModelFigures`` (see ``shape``).

    ``targets`` maps the names used in frames to the Bokeh models they change.
    """

    def __init__(self, *, task: str, labels: list[str] | None, algorithms: list[str],
                 size: int = MATRIX_SIZE):
        self.shape = self.shape_of(task, labels, algorithms)
        self.task, self.labels, self.algorithms = task, list(labels or []), list(algorithms)
        self.colors = algorithm_colors(algorithms)
        self.targets: dict = {}
        self.plots: dict[str, object] = {}  # algorithm -> its figure (or row of two)
        for name in algorithms:
            self.plots[name] = (self._matrix(name, size) if task == "classification"
                                else self._regression(name, size))
        self.roc = self._roc() if task == "classification" else None

    @property
    def per_row(self) -> int:
        """Plots to a row: four 2-class matrices (or two regressors' two plots) fit a 1280 px
        window; matrices with slanted labels are wider (three)."""
        return 3 if self.task == "classification" and self._slanted() else 4

    def panels(self, name: str) -> list:
        """``name``'s plots one by one, so a grid can narrow each (a regressor's pair as one
        row kept its 2 x 260 px and overlapped its neighbour in a 1400 px window)."""
        plot = self.plots[name]
        return list(plot.children) if self.task != "classification" else [plot]

    def _slanted(self) -> bool:
        """Whether the class names are slanted (more than two, or long ones overlap)."""
        labels = self.labels
        return len(labels) > 2 or max((len(c) for c in labels), default=0) > 6

    @staticmethod
    def shape_of(task: str, labels: list[str] | None, algorithms: list[str]) -> tuple:
        """What a set of figures is built for: a run of another shape needs new figures."""
        return task, tuple(labels or ()), tuple(algorithms)

    # -- construction -------------------------------------------------------------------
    def _source(self, key: str, columns) -> ColumnDataSource:
        source = ColumnDataSource({c: [] for c in columns}, name=key)
        self.targets[key] = source
        return source

    def _titled(self, key: str, fig):
        self.targets[key] = fig.title
        _plain(fig)
        return fig

    def _matrix(self, name: str, size: int):
        labels = self.labels
        slant = self._slanted()  # side by side, more than two (or long) class names overlap
        fig = figure(x_range=FactorRange(*labels), y_range=FactorRange(*reversed(labels)),
                     width=size + (40 if slant else 0), height=size + (30 if slant else 0),
                     toolbar_location=None, tools="", title=f"{name}: training...",
                     x_axis_label="predicted", y_axis_label="true")
        source = self._source(f"matrix:{name}", MATRIX_COLUMNS)
        cells = fig.rect("predicted", "actual", 1, 1, source=source, fill_color="fill",
                         line_color="white", line_width=2)
        fig.text("predicted", "actual", text="text", source=source, text_align="center",
                 text_baseline="middle", text_font_size="10pt", text_color="#111111")
        fig.add_tools(HoverTool(renderers=[cells], tooltips=[
            ("true", "@actual"), ("predicted", "@predicted"), ("shown", "@value{0.[00]}"),
            ("change", "@change{+0.[00]}")]))
        self.targets[f"xaxis:{name}"] = fig.xaxis[0]  # says over how many seeds
        fig.grid.visible = False
        fig.axis.axis_line_color = None
        fig.axis.major_tick_line_color = None
        fig.axis.axis_label_text_font_size = "9pt"
        if slant:
            fig.xaxis.major_label_orientation = math.radians(35)
        return self._titled(f"title:{name}", fig)

    def _regression(self, name: str, size: int):
        scatter = figure(width=size, height=size, toolbar_location=None, tools="",
                         title=f"{name}: training...", x_axis_label="actual",
                         y_axis_label="predicted")
        points = self._source(f"points:{name}", POINT_COLUMNS)
        diagonal = self._source(f"diagonal:{name}", DIAGONAL_COLUMNS)
        scatter.scatter("actual", "predicted", source=points, size=3, alpha=0.5,
                        color="#1f77b4")
        scatter.line("x", "y", source=diagonal, color="#999999", line_dash="dashed")
        scatter.xaxis.ticker.desired_num_ticks = 4  # a plot narrowed to 215 px ran them together
        histogram = figure(width=size, height=size, toolbar_location=None, tools="",
                           title=f"{name} residuals", x_axis_label="predicted - actual",
                           y_axis_label="test rows")
        bins = self._source(f"residuals:{name}", BIN_COLUMNS)
        histogram.quad(left="left", right="right", top="rows", bottom=0, source=bins,
                       color="#d6604d", line_color="white")
        histogram.xaxis.ticker.desired_num_ticks = 4  # wide residuals' labels ran together
        self._titled(f"title:{name}", scatter)
        self._titled(f"residuals_title:{name}", histogram)
        return row(scatter, histogram)

    def _roc(self):
        fig = figure(width=760, height=400, x_range=Range1d(0, 1), y_range=Range1d(0, 1.02),
                     toolbar_location="above", tools="pan,wheel_zoom,box_zoom,reset,save",
                     x_axis_label="FPR (1 - specificity)", y_axis_label="TPR (sensitivity)",
                     title="Sensitivity vs specificity")
        fig.toolbar.active_scroll = None  # the wheel scrolls the page; zoom is in the toolbar
        fig.line([0, 1], [0, 1], color="#cccccc", line_dash="dotted")
        lines = self._source("roc_lines", ("xs", "ys", "color", "dash", "width", "alpha",
                                           "label"))
        spread = self._source("roc_spread", ("fpr", "tpr", "algorithm", "seed", "color"))
        points = self._source("roc_points", ("fpr", "tpr", "algorithm", "color"))
        curves = fig.multi_line("xs", "ys", source=lines, line_color="color", line_dash="dash",
                                line_width="width", line_alpha="alpha")
        each = fig.scatter("fpr", "tpr", source=spread, fill_color="color", line_color="color",
                           size=4, alpha=0.45)
        mean = fig.scatter("fpr", "tpr", source=points, fill_color="color",
                           line_color="black", size=9)
        fig.add_tools(HoverTool(renderers=[each, mean], tooltips=[
            ("model", "@algorithm"), ("FPR", "@fpr{0.000}"), ("TPR", "@tpr{0.000}")]))
        legend = Legend(items=[
            LegendItem(label={"field": "label"}, renderers=[curves]),
            LegendItem(label="operating point (mean over seeds)", renderers=[mean]),
            LegendItem(label="operating point, each seed", renderers=[each])],
            label_text_font_size="8pt", spacing=0, padding=4)
        fig.add_layout(legend, "right")
        return self._titled("roc_title", fig)

    # -- frames -------------------------------------------------------------------------
    def frame(self, run, *, normalise: bool = False, compare: bool = True,
              coloured=lambda a: False, metric: str | None = None) -> dict[str, dict]:
        """What ``run`` looks like in these figures: ``{target name: {property: value}}``.

        ``coloured(a)`` says whether an algorithm's matrix is coloured by change (its headline
        change beyond the noise); ``compare`` adds the change against the baseline to every
        cell (never at the baseline itself, where every change is 0).
        """
        ds = run.dataset
        metric = metric or ds.headline_metric
        by_name = {a.algorithm: a for a in run.algorithms}
        out: dict[str, dict] = {}
        rows = sample_rows(len(ds.y_test)) if not ds.is_classification else None
        for name in self.algorithms:
            a = by_name.get(name)
            fit = a.first_fit if a is not None else None
            if a is None:
                title = f"{name}: training..."
            elif fit is None:
                title = f"{name}: failed (the table says why)"
            else:
                title = f"{name} {metric.upper()} {a.metrics[metric]:.3f}"
                if not ds.is_classification and len(rows) < len(ds.y_test):
                    title += f" ({len(rows):,} of {len(ds.y_test):,} rows)"
                title += change_caption(run, a, metric)
            out[f"title:{name}"] = {"text": title}
            if ds.is_classification:
                out[f"xaxis:{name}"] = {"axis_label": matrix_axis_label(a)}
                if fit is None:
                    cells = _empty(MATRIX_COLUMNS)
                else:
                    compared = compare and not run.at_baseline
                    cells = confusion_cells(
                        run.confusion(name), self.labels, normalise=normalise,
                        baseline=run.confusion(name, baseline=True) if compared else None,
                        change=run.confusion_change(name) if compared else None,
                        coloured=coloured(a))
                out[f"matrix:{name}"] = {"data": cells}
            else:
                if fit is None:
                    points, diagonal = _empty(POINT_COLUMNS), _empty(DIAGONAL_COLUMNS)
                    bins = _empty(BIN_COLUMNS)
                else:
                    points, diagonal = regression_points(ds.y_test, fit.y_pred, rows)
                    bins = residual_bins(ds.y_test, fit.y_pred)
                out[f"points:{name}"] = {"data": points}
                out[f"diagonal:{name}"] = {"data": diagonal}
                out[f"residuals:{name}"] = {"data": bins}
                out[f"residuals_title:{name}"] = {"text": f"{name} residuals"}
        if self.roc is not None:
            points, spread = operating_points(run, self.colors)
            out["roc_lines"] = {"data": roc_lines(run, self.colors)}
            out["roc_points"] = {"data": points}
            out["roc_spread"] = {"data": spread}
            out["roc_title"] = {"text": roc_title(ds)}
        return out

    def apply(self, frame: dict[str, dict]) -> None:
        """Set every property of ``frame`` on its model (only what changed is sent)."""
        for name, properties in frame.items():
            model = self.targets[name]
            for attribute, value in properties.items():
                if getattr(model, attribute) != value:
                    setattr(model, attribute, value)

    def shown(self, name: str) -> dict:
        """A target's current properties, e.g. ``shown("matrix:xgboost")["data"]["text"]``."""
        model = self.targets[name]
        return {"data": dict(model.data)} if isinstance(model, ColumnDataSource) else \
            {"text": model.text}


def frame_switcher(targets: dict, frames: dict[str, dict], key_code: str, **args) -> CustomJS:
    """A browser callback that applies ``frames[key]`` to ``targets`` (as
    :meth:`ModelFigures.apply` does in Python); ``key_code`` is JavaScript that computes
    ``key`` from ``args`` (passed to the callback by name)."""
    return CustomJS(args={"targets": targets, "frames": frames, **args}, code=key_code + """
// Bokeh decodes a dict as a Map or a plain object, depending on its keys.
const get = (obj, k) => obj instanceof Map ? obj.get(k) : obj[k];
const items = obj => obj instanceof Map ? [...obj.entries()] : Object.entries(obj);
const frame = get(frames, key);
if (frame !== undefined) {
  for (const [name, properties] of items(frame)) {
    const model = get(targets, name);
    if (model === undefined) continue;
    for (const [attribute, value] of items(properties)) model[attribute] = value;
  }
}""")
