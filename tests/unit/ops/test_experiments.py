"""`-S` values read as DVC reads them: one experiment, a sweep, a clear error; applied like dvc exp run."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml

from es_pipeline.core.errors import PipelineError
from es_pipeline.ops.experiments import Experiment, apply, expand

PARAMS = Path(__file__).resolve().parents[3] / "params"
TIMEOUT = "params/label.yaml:label.timeout_seconds"


def test_one_change_is_one_experiment_grouped_by_file():
    [experiment] = expand([f"{TIMEOUT}=600", "params/label.yaml:label.modes.low_vol_long.stop_ticks=7",
                           "params/dataset.yaml:dataset.decay_rate=0.1"], "mix")
    assert experiment == Experiment("mix", {
        "params/label.yaml": ["label.timeout_seconds=600", "label.modes.low_vol_long.stop_ticks=7"],
        "params/dataset.yaml": ["dataset.decay_rate=0.1"]})


def test_a_sweep_is_one_experiment_per_point_named_after_the_sweep():
    experiments = expand([f"{TIMEOUT}=300,600,900"], "t")
    assert [e.name for e in experiments] == ["t-1", "t-2", "t-3"]
    assert [e.overrides["params/label.yaml"] for e in experiments] == [
        ["label.timeout_seconds=300"], ["label.timeout_seconds=600"], ["label.timeout_seconds=900"]]
    two_by_two = expand([f"{TIMEOUT}=300,600", "params/dataset.yaml:dataset.decay_rate=0.0,0.1"], None)
    assert len(two_by_two) == 4 and all(e.name is None for e in two_by_two)


def test_a_malformed_override_is_one_clear_error():
    with pytest.raises(PipelineError, match="not a valid override"):
        expand([f"{TIMEOUT}=[600"])


def test_apply_changes_only_the_value_and_keeps_the_comments(tmp_path):
    """DVC's own writer (as `dvc exp run -S`): comments stay; it re-spaces inline mappings."""
    shutil.copytree(PARAMS, tmp_path / "params")
    before = (tmp_path / "params" / "label.yaml").read_text()
    [experiment] = expand([f"{TIMEOUT}=600"])
    apply(tmp_path, experiment)
    after = (tmp_path / "params" / "label.yaml").read_text()
    expected = yaml.safe_load(before)
    expected["label"]["timeout_seconds"] = 600
    assert yaml.safe_load(after) == expected
    comments = [line.split("#", 1)[1] for line in before.splitlines() if "#" in line]
    assert comments and all(comment in after for comment in comments)


def test_apply_refuses_a_file_that_is_not_there(tmp_path):
    [experiment] = expand(["params/nope.yaml:x=1"])
    with pytest.raises(PipelineError, match="is not a params file"):
        apply(tmp_path, experiment)
