"""code-<step> fingerprints: DVC's own hashes and params values of a stage, byte-stable."""

from __future__ import annotations

import hashlib
import json
import shutil
import subprocess
from pathlib import Path

import pytest

from es_pipeline.core.errors import PipelineError
from es_pipeline.ops.fingerprint import write_fingerprint

PARAMS = Path(__file__).resolve().parents[3] / "params"

DVC_YAML = """\
stages:
  code-step:
    cmd: es-pipeline fingerprint code-step --out fingerprint.json
    deps: [step.py, pkg]
    params:
      - params.yaml:
          - step
    outs:
      - fingerprint.json:
          cache: false
"""


@pytest.fixture
def repo(tmp_path):
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / "dvc.yaml").write_text(DVC_YAML)
    (tmp_path / "step.py").write_text("WINDOW = 60\n")
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "a.py").write_text("A = 1\n")
    (tmp_path / "params.yaml").write_text("step:\n  threshold: 0.5\n  modes: [a, b]\nother: 1\n")
    return tmp_path


def fingerprint(repo) -> tuple[dict, bytes]:
    found = write_fingerprint("code-step", repo / "fingerprint.json", root=repo)
    return found, (repo / "fingerprint.json").read_bytes()


def test_holds_each_files_md5_and_the_stages_params_values(repo):
    found, text = fingerprint(repo)
    deps = found["dependencies"]
    assert deps["step.py"] == {"md5": hashlib.md5(b"WINDOW = 60\n").hexdigest()}
    assert deps["pkg"]["md5"].endswith(".dir")
    assert deps["params.yaml"] == {"step": {"threshold": 0.5, "modes": ["a", "b"]}}  # not `other`
    assert json.loads(text) == found and found["stage"] == "code-step"


def test_same_inputs_same_bytes_and_any_edit_changes_them(repo):
    _, first = fingerprint(repo)
    assert fingerprint(repo)[1] == first
    edits = [("step.py", "WINDOW = 61\n"), ("pkg/a.py", "A = 2\n"),
             ("params.yaml", "step:\n  threshold: 0.6\n  modes: [a, b]\nother: 1\n")]
    seen = {first}
    for path, text in edits:
        (repo / path).write_text(text)
        seen.add(fingerprint(repo)[1])
    assert len(seen) == 1 + len(edits)
    (repo / "params.yaml").write_text("step:\n  threshold: 0.6\n  modes: [a, b]\nother: 2\n")
    assert fingerprint(repo)[1] in seen  # a key the stage does not read changes nothing


def test_a_missing_dependency_or_stage_is_a_clear_error_and_writes_nothing(repo):
    (repo / "step.py").unlink()
    with pytest.raises(PipelineError, match="code-step: dependency step.py is missing"):
        fingerprint(repo)
    with pytest.raises(PipelineError, match="no stage 'code-other'"):
        write_fingerprint("code-other", repo / "fingerprint.json", root=repo)
    assert not (repo / "fingerprint.json").exists()


def test_the_steps_params_are_validated_before_anything_is_written(repo):
    (repo / "dvc.yaml").write_text(DVC_YAML.replace("code-step", "code-label"))
    shutil.copytree(PARAMS, repo / "params")
    label = repo / "params" / "label.yaml"
    label.write_text(label.read_text().replace("timeout_seconds: 900", "timeout_seconds: -5"))
    with pytest.raises(PipelineError, match="label.timeout_seconds must be an integer"):
        write_fingerprint("code-label", repo / "fingerprint.json", root=repo, params_dir="params")
    assert not (repo / "fingerprint.json").exists()
    shutil.copy(PARAMS / "label.yaml", label)
    (repo / "params" / "filter.yaml").write_text("filter: {calendar: MOON}\n")  # not the label step's keys
    assert write_fingerprint("code-label", repo / "fingerprint.json", root=repo, params_dir="params")
