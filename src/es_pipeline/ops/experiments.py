"""``es-pipeline exp run``: a parameter experiment on the Dask path, saved as an ordinary DVC experiment.

``dvc exp run`` records each stage by re-dumping the whole ``dvc.lock`` (~35 s a stage at 185
months, hours for one label change). Here the change is applied with DVC's own ``-S`` parser
(sweeps included, so the params files get the same bytes), the stale stages run through
``es-pipeline repro`` (one Dask cluster, batched recording), and ``dvc exp save`` records the
result, so ``dvc exp show/diff/apply/branch/remove/push`` see it like any other experiment.
"""

from __future__ import annotations

import re
import subprocess
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from es_pipeline.core.errors import PipelineError


@dataclass(frozen=True)
class Experiment:
    name: str | None
    overrides: dict[str, list[str]]  # params file -> Hydra overrides, as `dvc exp run -S` groups them

    def describe(self) -> str:
        return " ".join(f"{path}:{value}" for path, values in self.overrides.items() for value in values)


def expand(sets: list[str], name: str | None = None) -> list[Experiment]:
    """``-S`` values as DVC reads them: one experiment, or one per point of a sweep (``key=1,2,3``)."""
    from dvc.exceptions import InvalidArgumentError
    from dvc.utils.cli_parse import to_path_overrides
    from dvc.utils.hydra import get_hydra_sweeps, to_hydra_overrides

    overrides = to_path_overrides(sets)
    try:
        sweep = any(o.is_sweep_override() for values in overrides.values() for o in to_hydra_overrides(values))
        points = get_hydra_sweeps(overrides) if sweep else [overrides]
    except InvalidArgumentError as exc:
        raise PipelineError(f"-S {' '.join(sets)}: {exc}") from None
    except Exception as exc:  # Hydra's parser raises its own errors for a malformed override
        raise PipelineError(f"-S {' '.join(sets)}: not a valid override ({exc})") from None
    if not sweep:
        return [Experiment(name, overrides)]
    return [Experiment(f"{name}-{i}" if name else None, point) for i, point in enumerate(points, 1)]


def apply(root: Path, experiment: Experiment) -> None:
    """Write the overrides into the params files, exactly as ``dvc exp run -S`` does."""
    from dvc.exceptions import InvalidArgumentError
    from dvc.utils.hydra import apply_overrides

    for path, values in experiment.overrides.items():
        target = root / path
        if not target.is_file():
            raise PipelineError(f"-S {path}:...: {target} is not a params file")
        try:
            apply_overrides(target, values)
        except InvalidArgumentError as exc:
            cause = exc.__cause__ or exc
            raise PipelineError(f"-S {experiment.describe()}: {cause}") from None


def save(root: Path, name: str | None) -> str:
    """``dvc exp save``: the workspace (params, dvc.lock, metrics, plots) as an experiment of HEAD."""
    command = ["dvc", "exp", "save", *(["-n", name] if name else [])]
    result = subprocess.run(command, cwd=root, capture_output=True, text=True)
    saved = re.search(r"saved as: (\S+)", result.stdout)
    if result.returncode != 0 or not saved:
        tail = (result.stderr or result.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PipelineError(f"`{' '.join(command)}` failed in {root}: {tail[0]}")
    return saved.group(1)


def run_in_workspace(experiment: Experiment, reproduce: Callable[[], int], root: Path = Path(".")) -> str | None:
    """Apply, reproduce, save: the workspace is left in the experiment's state, as ``dvc exp run`` leaves it."""
    apply(root, experiment)
    if reproduce() != 0:
        return None
    return save(root, experiment.name)
