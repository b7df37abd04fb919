"""The mouse wheel scrolls the page: no plot the views draw zooms on it by default (not even after
a click into it, Bokeh's "auto"), and the plots that show a toolbar still offer the wheel zoom
there. Every pure plot function and the Models tab's figures, rendered to Bokeh
(tests/ui/test_wheel_zoom_ui.py checks the served page)."""

import holoviews as hv
import holoviews.plotting.bokeh  # noqa: F401 - the plots' options need a plotting backend
import pandas as pd
import pytest
from bokeh.models import Plot, WheelZoomTool

from distviz.advise import Curve, CurvePoint
from distviz.loop import ModelLoop, ResultCache
from distviz.shift import ShiftSpec
from distviz.views import advise_plots, plots, sweep_plots
from distviz.views.model_figures import ModelFigures


def wheel_zooms(figure) -> bool:
    """Whether the wheel zooms this Bokeh plot now or once it is clicked ("auto")."""
    scroll = figure.toolbar.active_scroll
    has_wheel = any(isinstance(tool, WheelZoomTool) for tool in figure.toolbar.tools)
    return isinstance(scroll, WheelZoomTool) or (scroll == "auto" and has_wheel)


def figures_of(element) -> list:
    """Every Bokeh plot a HoloViews element renders to (a layout holds several)."""
    root = hv.render(element, backend="bokeh")
    return [root] if isinstance(root, Plot) else list(root.select({"type": Plot}))


@pytest.fixture(scope="module")
def run(titanic):
    loop = ModelLoop(dataset=titanic, algorithms=["xgboost", "logistic_regression"], repeats=1,
                     n_jobs=1, cache=ResultCache())
    return loop.run(ShiftSpec("sex", "female", 1.0))


def _summary():
    rows = [("sex", "female", r, a, 0.7 + r / 10, r / 10) for r in (-0.5, 0.0, 1.0)
            for a in ("xgboost", "mlp")]
    frame = pd.DataFrame(rows, columns=["feature", "group", "ratio", "algorithm", "value",
                                        "delta"])
    return frame.assign(metric="f1", value_low=frame["value"] - 0.02,
                        value_high=frame["value"] + 0.02, ci_low=frame["delta"] - 0.02,
                        ci_high=frame["delta"] + 0.02)


def _curve(name):
    points = [CurvePoint(r, 0.7 + r / 10, 0.68, 0.72, r / 10, -0.01, 0.01, "within noise")
              for r in (-0.5, 0.0, 1.0)]
    return Curve(name, "f1", points, "rising", 1.0, "")


def test_no_plot_function_zooms_on_the_wheel(titanic, run):
    best = run.best("shifted")
    frame = advise_plots.cell_frame([], [("sex", "female")], ["xgboost"], [1.0])
    elements = {
        "distribution": plots.distribution(titanic, run.shift, "sex", highlight="female"),
        "group_effect": plots.group_effect(run.group_metrics(best),
                                           run.group_metrics(best, baseline=True),
                                           plots.GROUP_METRICS["classification"], title="sex"),
        "importance_bars": plots.importance_bars(pd.DataFrame(
            {"feature": titanic.features, "gini": [0.5, 0.3, 0.2]})),
        "feature_curves": sweep_plots.feature_curves(_summary(), "sex", kind="delta", ratio=1.0),
        "sweep_curves": sweep_plots.sweep_curves(_summary(), width=None),
        "curves_plot": advise_plots.curves_plot({"xgboost": _curve("xgboost")}, "sex",
                                                "female", ratio=1.0),
        "no_curves": advise_plots.no_curves("nothing yet"),
        "heatmap": advise_plots.heatmap(frame, 1.0, metric="f1"),
        "outline": advise_plots.outline([("sex", "female")], ["xgboost"], 1.0,
                                        ("sex", "female", 1.0)),
    }
    for name, element in elements.items():
        figures = figures_of(element)
        assert figures, name
        assert not [f for f in figures if wheel_zooms(f)], name
    # Where a toolbar is shown, the wheel zoom is still one click away.
    curves, = figures_of(elements["feature_curves"])
    assert curves.toolbar_location == "above"
    assert any(isinstance(tool, WheelZoomTool) for tool in curves.toolbar.tools)


@pytest.mark.parametrize("task, labels", [("classification", ["0", "1"]),
                                          ("regression", None)])
def test_the_models_figures_do_not_zoom_on_the_wheel(task, labels):
    figures = ModelFigures(task=task, labels=labels, algorithms=["xgboost", "mlp"])
    plots_ = [p for layout in figures.plots.values() for p in
              ([layout] if isinstance(layout, Plot) else layout.select({"type": Plot}))]
    if task == "classification":
        plots_.append(figures.roc)
        assert any(isinstance(tool, WheelZoomTool) for tool in figures.roc.toolbar.tools)
    assert plots_
    assert not [p for p in plots_ if wheel_zooms(p)]


@pytest.mark.parametrize("task, labels, per_row", [
    ("classification", ["0", "1"], 4), ("classification", ["Adelie", "Chinstrap", "Gentoo"], 3),
    ("classification", ["no", "a long class name"], 3), ("regression", None, 4)])
def test_the_matrices_wider_for_slanted_labels_go_fewer_to_a_row(task, labels, per_row):
    """Four 3-class matrices (slanted labels, 40 px wider each) overflowed a 1280-1400 px
    window's main area; three to a row fit (seen in Chromium on penguins)."""
    figures = ModelFigures(task=task, labels=labels, algorithms=["a", "b", "c", "d"])
    assert figures.per_row == per_row
    # a row of plots (a regressor's two count as two) no wider than four plain matrices
    widths = [fig.width for name in figures.algorithms for fig in figures.panels(name)]
    assert per_row * max(widths) <= 4 * 260
