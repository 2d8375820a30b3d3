"""The tiny hand-built dataset every model test starts from (see tiny_dataset.py)."""

from __future__ import annotations

import pytest
from tiny_dataset import TinyProject


@pytest.fixture
def tiny(tmp_path) -> TinyProject:
    return TinyProject(tmp_path / "project")
