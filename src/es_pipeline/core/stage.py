"""What every stage runner shares: the injected-parameters check of a notebook run, and metrics files."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.files import atomic_path
from es_pipeline.core.logs import log, setup_logging
from es_pipeline.core.periods import MONTH_PATTERN


def notebook_parameters(notebook: str, **values: str | None) -> None:
    """Refuse a notebook run without injected parameters (its defaults cell holds None, never a real month)."""
    missing = [name for name, value in values.items() if value is None]
    month = values.get("month", "0000-01")
    if missing or not MONTH_PATTERN.match(str(month)):
        raise PipelineError(
            f"{notebook} runs only with injected parameters (dvc repro, or es-pipeline notebook "
            f"... -p month YYYY-MM): not set: {', '.join(missing) or 'none'}; month={month!r}")
    setup_logging(notebook=True)


def _plain(value: object) -> object:
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        return _plain(value.item())
    if isinstance(value, float) and not np.isfinite(value):
        return None
    return value


def write_metrics(metrics: dict, path: str | Path | None) -> None:
    """Metrics as sorted, indented JSON (stable bytes; readable by dvc metrics show/diff)."""
    if path is None:
        return
    with atomic_path(path) as tmp:
        tmp.write_text(json.dumps(_plain(metrics), indent=2, sort_keys=True) + "\n")
    log.info("wrote metrics %s", path)
