"""The example notebook executes headless and embeds the dashboard."""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "dashboard.ipynb"


def test_notebook_executes():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    # The dashboard renders as a Panel/Bokeh view, and the code cell reports a real delta.
    assert any("application/vnd.holoviews_load.v0+json" in o.get("data", {}) or
               "application/vnd.bokehjs_exec.v0+json" in o.get("data", {}) for o in outputs)
    delta_cell = next(c for c in notebook.cells if "['delta']" in c.source)
    result = next(o for o in delta_cell.outputs if o.output_type == "execute_result")
    shown = result["data"]["text/plain"]
    assert "'f1'" in shown and "'accuracy'" in shown
