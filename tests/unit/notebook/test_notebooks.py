"""The notebooks stay thin: a tagged parameters cell first, the project kernel, no stored outputs."""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

NOTEBOOKS = sorted((Path(__file__).resolve().parents[3] / "notebooks").glob("*.ipynb"))


def test_every_stage_has_a_notebook():
    assert [p.stem for p in NOTEBOOKS] == ["featurize", "filter", "label", "model", "report"]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_thin_and_parameterized(path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    assert nb.metadata["kernelspec"]["name"] == "es-pipeline"
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert "parameters" in code[0].metadata.get("tags", []), "the first code cell must be the parameters cell"
    assert all(not c.get("outputs") and c.get("execution_count") is None for c in code), "saved with outputs"
    assert sum(len(c.source.splitlines()) for c in code) <= 60, "logic belongs in src/"
    assert any(".stage import run" in c.source for c in code), "a notebook runs its stage through src"
