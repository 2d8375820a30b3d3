"""Decay stage runner: the per-month time decay table for the current parameters."""

from __future__ import annotations

from pathlib import Path

from es_pipeline.decay import write_decay
from es_pipeline.params import load_params
from es_pipeline.stages.common import log


def run(out: str | Path = "data/dataset/_decay.csv", params_dir: str | Path = "params") -> None:
    params = load_params(params_dir)
    table = write_decay(params, out)
    log.info("time decay of %d month(s) against %s written to %s", len(table), params.reference_month, out)
