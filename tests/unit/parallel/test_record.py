"""The caller records finished stages in a child process and says so when that fails."""

from __future__ import annotations

import pytest

from es_pipeline.errors import PipelineError
from es_pipeline.parallel.record import Recorder


def test_adding_a_batch_returns_while_the_child_records_and_finish_reports_its_failure(tmp_path):
    recorder = Recorder(tmp_path, handed_back=False)  # not a DVC project: recording must fail
    with pytest.raises(PipelineError, match=r"recording finished stages in .*dvc\.lock failed"):
        recorder.add([{"stage": "label@2025-11", "lock": {}}])
        assert recorder.child is not None and recorder.pending == {}  # handed over, not done here
        recorder.add([{"stage": "featurize@2025-11", "lock": {}}])  # raises here if the child already failed
        recorder.finish()


def test_nothing_finished_starts_no_child(tmp_path):
    recorder = Recorder(tmp_path, handed_back=True)
    recorder.add([])
    recorder.finish()
    assert recorder.child is None
