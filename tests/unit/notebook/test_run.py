"""The notebook runner keeps executed notebooks byte-stable and shows exactly one parameter set."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import nbformat
import pytest
from nbformat.v4 import new_code_cell, new_notebook

from es_pipeline.cli import main
from es_pipeline.core.errors import DEBUG_ENV, ParamsError, PipelineError
from es_pipeline.core.stage import notebook_parameters
from es_pipeline.notebook.run import _exporter, _hidden, _warm_up, page, stable

REPO = Path(__file__).resolve().parents[3]

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
    assert nb.metadata["papermill"] == {"parameters": {"month": "2025-11"},
                                        "output_path": "reports/filter/2025-11.ipynb"}
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


def test_a_warmed_up_exporter_renders_the_same_bytes():
    nb = stable(executed(), "x.ipynb")
    _exporter.cache_clear()
    cold = page(nb, "filter 2025-11", "../index.html")
    _exporter.cache_clear()
    _warm_up()
    assert page(nb, "filter 2025-11", "../index.html") == cold


def test_hidden_modules_fail_to_import_only_inside_the_block():
    name = "tabnanny"  # a standard module nothing here imports
    assert name not in sys.modules
    with _hidden((name, "json")):
        with pytest.raises(ImportError):
            __import__(name)
        assert sys.modules["json"] is not None  # already imported: left alone
    assert name not in sys.modules
    assert __import__(name).__name__ == name


def stage_args(root: Path) -> list[str]:
    """``es-pipeline notebook`` for label 2025-11 with ``root`` as the notebook's working folder."""
    return ["notebook", str(REPO / "notebooks" / "label.ipynb"), str(root / "reports" / "label" / "2025-11.ipynb"),
            "--html", str(root / "reports" / "label" / "2025-11.html"), "--cwd", str(root),
            "-p", "month", "2025-11", "-p", "filtered", "data/filtered/2025-11.parquet",
            "-p", "out", "data/labels/2025-11.parquet", "-p", "params_dir", "params"]


@pytest.fixture
def bad_timeout(tmp_path) -> Path:
    shutil.copytree(REPO / "params", tmp_path / "params")
    label = tmp_path / "params" / "label.yaml"
    label.write_text(label.read_text().replace("timeout_seconds: 900", "timeout_seconds: -5", 1))
    return tmp_path


def test_a_bad_parameter_fails_in_one_line_before_the_kernel_or_any_output(bad_timeout, capsys, monkeypatch):
    monkeypatch.delenv(DEBUG_ENV, raising=False)
    assert main(stage_args(bad_timeout)) == 2
    assert capsys.readouterr().err == (f"error: {bad_timeout}/params/label.yaml: label.timeout_seconds must be "
                                       "an integer in [1, 86400], got -5\n")
    assert sorted(p.name for p in bad_timeout.iterdir()) == ["params"]


def test_debug_shows_the_traceback_of_a_bad_parameter(bad_timeout, monkeypatch):
    monkeypatch.setenv(DEBUG_ENV, "1")
    with pytest.raises(ParamsError, match="label.timeout_seconds"):
        main(stage_args(bad_timeout))
    assert not (bad_timeout / "reports").exists()
