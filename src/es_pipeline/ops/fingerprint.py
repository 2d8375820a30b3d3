"""A step's code and parameters as one small file, so per-month stages depend on it alone.

At 185 months, ~18 code and params dependencies on each of 740 per-month stages made DVC hash,
compare and write ~13,000 lock entries on every ``dvc status`` and stage record. Instead one
``code-<step>`` stage per step depends on the step's notebook, src modules and params keys, and
writes their DVC hashes and values here; every month of the step depends on this file. An edit
still reruns exactly the months it reran before, one stage later in the graph.
"""

from __future__ import annotations

import json
from pathlib import Path

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.params import load_step


def stage_dependencies(stage_name: str, root: str | Path = ".") -> dict:
    """The stage's dependencies as DVC sees them: file and folder hashes, and params values."""
    from dvc.dependency.param import ParamsDependency
    from dvc.repo import Repo
    from dvc.stage.exceptions import StageNotFound

    with Repo(str(root)) as repo:
        try:
            stage = repo.stage.load_one(str(Path(repo.root_dir) / "dvc.yaml"), stage_name)
        except StageNotFound:
            raise PipelineError(f"dvc.yaml has no stage {stage_name!r} to fingerprint") from None
        found = {}
        for dep in stage.deps:
            if not dep.exists:
                raise PipelineError(f"{stage_name}: dependency {dep.def_path} is missing")
            value = dep.get_hash().value
            found[str(dep.def_path)] = value if isinstance(dep, ParamsDependency) else {"md5": value}
        return found


def write_fingerprint(stage_name: str, out: str | Path, root: str | Path = ".",
                      params_dir: str | Path | None = None) -> dict:
    """Write the stage's dependencies as sorted JSON: the same inputs give the same bytes.

    With ``params_dir``, the step's params (``code-<step>``) are validated first: a code stage is the
    first to read them, so a bad value fails there in one line and no month starts.
    """
    if params_dir is not None:
        load_step(stage_name.removeprefix("code-"), Path(root) / params_dir)
    found = {"stage": stage_name, "dependencies": stage_dependencies(stage_name, root)}
    with atomic_path(out) as tmp:
        tmp.write_text(json.dumps(found, indent=1, sort_keys=True, default=str) + "\n")
    return found
