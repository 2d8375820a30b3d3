"""Every step's parameters from one folder, each loaded through its step's own declarations.

Tests and benchmarks use the committed ``params/`` (or an edited copy) rather than dataclass
defaults, so what they exercise is what the pipeline runs.
"""

from __future__ import annotations

from pathlib import Path
from types import SimpleNamespace

from es_pipeline.core.params import load_market, load_months
from es_pipeline.dataset.params import load as load_dataset
from es_pipeline.features.params import load as load_features
from es_pipeline.filter.params import load as load_filter
from es_pipeline.label.params import load as load_label

REPO_PARAMS = Path(__file__).resolve().parents[1] / "params"


def load_params(params_dir: str | Path = REPO_PARAMS) -> SimpleNamespace:
    return SimpleNamespace(market=load_market(params_dir), months=load_months(params_dir),
                           filter=load_filter(params_dir), label=load_label(params_dir),
                           features=load_features(params_dir), dataset=load_dataset(params_dir))
