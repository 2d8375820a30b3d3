"""The notebook runner keeps executed notebooks byte-stable and shows exactly one parameter set."""

from __future__ import annotations

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from es_pipeline.errors import PipelineError
from es_pipeline.notebook import page, stable
from es_pipeline.stages.common import notebook_parameters

TIMES = {"start_time": "2026-01-01T00:00:00", "end_time": "2026-01-01T00:00:01", "duration": 1.0}


def executed() -> nbformat.NotebookNode:
    nb = new_notebook(cells=[
        new_code_cell("month = None", metadata={"tags": ["parameters"], "papermill": dict(TIMES)}),
        new_code_cell('month = "2025-11"', metadata={"tags": ["injected-parameters"], "papermill": dict(TIMES)}),
        new_code_cell("print(month)", metadata={"papermill": {**TIMES, "status": "completed"},
                                                "execution": {"iopub.execute_input": "2026-01-01T00:00:00"}},
                      outputs=[nbformat.v4.new_output("stream", name="stdout", text="2025-11\n")]),
    ])
    nb.metadata["papermill"] = {**TIMES, "parameters": {"month": "2025-11"}, "output_path": "/tmp/.x.executing.ipynb"}
    return nb


def test_stable_drops_times_and_the_defaults_cell():
    nb = stable(executed(), "reports/filter/2025-11.ipynb")
    text = nbformat.writes(nb)
    assert nb.cells[0].id == "injected-parameters-0"  # papermill gives the cell a random id
    assert "2026-01-01" not in text and "duration" not in text
    assert [c.source for c in nb.cells] == ['month = "2025-11"', "print(month)"]
    assert nb.metadata["papermill"] == {"parameters": {"month": "2025-11"}, "output_path": "reports/filter/2025-11.ipynb"}
    assert nb.cells[1].metadata["papermill"] == {"status": "completed"}


def test_page_hides_code_and_loads_nothing_from_the_network():
    nb = stable(executed(), "x.ipynb")
    html = page(nb, "filter 2025-11", "../index.html")
    assert "print(month)" not in html and "2025-11" in html and 'href="../index.html"' in html
    assert "<script src" not in html and "cdnjs" not in html and "mathjax" not in html.lower()
    assert page(nb, "filter 2025-11", "../index.html") == html


@pytest.mark.parametrize("month", [None, "2025-13", "latest"])
def test_a_notebook_without_injected_parameters_refuses_to_run(month):
    with pytest.raises(PipelineError, match="notebooks/filter.ipynb runs only with injected parameters"):
        notebook_parameters("notebooks/filter.ipynb", month=month, raw="r.dbn.zst")


def test_a_missing_path_parameter_is_named():
    with pytest.raises(PipelineError, match="not set: out"):
        notebook_parameters("notebooks/label.ipynb", month="2025-11", out=None)
