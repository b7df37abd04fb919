"""The example notebook executes headless: no errors, nothing on stderr, the dashboard embedded
with its libraries inline, and the chain's, leaderboard's and sweep's tables shown.
(tests/ui/test_notebook_ui.py runs it in JupyterLab and Chromium.)"""

from pathlib import Path

import nbformat
from nbclient import NotebookClient

NOTEBOOK = Path(__file__).resolve().parents[1] / "examples" / "dashboard.ipynb"
LOAD_MIME = "application/vnd.holoviews_load.v0+json"
EXEC_MIME = "application/vnd.holoviews_exec.v0+json"


def _shown(notebook, marker: str) -> str:
    cell = next(c for c in notebook.cells if c.cell_type == "code" and marker in c.source)
    result = next(o for o in cell.outputs if o.output_type == "execute_result")
    return result["data"]["text/plain"]


def test_notebook_executes():
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    NotebookClient(notebook, timeout=600, kernel_name="python3",
                   resources={"metadata": {"path": str(NOTEBOOK.parent)}}).execute()
    outputs = [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert not [o for o in outputs if o.output_type == "stream" and o.name == "stderr"], \
        [o.text for o in outputs if o.output_type == "stream"]
    # BokehJS travels inside the notebook, not as a <script src=> to a CDN.
    loads = [o["data"][LOAD_MIME] for o in outputs if LOAD_MIME in o.get("data", {})]
    assert loads and any("Bokeh" in js and len(js) > 500_000 for js in loads)
    assert not any("cdn.bokeh.org" in js for js in loads)
    assert any(EXEC_MIME in o.get("data", {}) for o in outputs)  # the dashboard, the curves
    for marker in ("rs.ratio = -0.5", "leaderboard()", "summary.head()"):
        shown = _shown(notebook, marker)
        assert "xgboost" in shown and "logistic_regression" in shown
