"""The model step's parameters (``params/model.yaml``, SPEC 8a): split, row sampling, booster settings.

Ranges are what XGBoost accepts and what keeps a run byte-reproducible (a fixed thread count and
seed). Whether the listed months allow the split is decided at run time (``rows.split_months``):
a split that needs 25 months is a fine parameter for a history that has only 2 yet.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from es_pipeline.core.params import (
    Integer,
    MonthEntry,
    Number,
    OptionalMonth,
    Section,
    load_file,
    load_market,
    load_months,
)
from es_pipeline.label import params as label_params


@dataclass(frozen=True)
class BoosterParams:
    rounds: Annotated[int, Integer(1, 100_000, help="at most this many boosting rounds (trees)")]
    early_stopping_rounds: Annotated[int, Integer(1, 100_000, help=(
        "stop after this many rounds without a lower early-stopping log-loss; the saved booster ends at the "
        "best round"))]
    learning_rate: Annotated[float, Number(1e-6, 1.0, help="shrinkage of each tree (eta)")]
    max_depth: Annotated[int, Integer(1, 20, help="depth of each tree")]
    min_child_weight: Annotated[float, Number(0.0, 1e9, help="least summed hessian (weight) in a leaf")]
    max_bin: Annotated[int, Integer(2, 1024, help="histogram bins per feature (cut points from the training rows)")]
    threads: Annotated[int, Integer(1, 256, help="fixed thread count: with the seed, same inputs give "
                                                 "byte-identical boosters")]
    seed: Annotated[int, Integer(0, 2**31 - 1, help="XGBoost's random seed")]

    def xgboost(self) -> dict:
        """XGBoost's own parameter names; histogram method, log-loss as the early-stopping metric."""
        return {"objective": "binary:logistic", "eval_metric": "logloss", "tree_method": "hist",
                "learning_rate": self.learning_rate, "max_depth": self.max_depth,
                "min_child_weight": self.min_child_weight, "max_bin": self.max_bin,
                "nthread": self.threads, "seed": self.seed}


@dataclass(frozen=True)
class ModelParams:
    months: tuple[MonthEntry, ...]  # the listed months (params/months.yaml), split by month
    label: label_params.LabelParams  # the trade modes: one booster each, stop and target for the expectancy
    validation_months: Annotated[int, Integer(1, 1200, help=(
        "the last N listed months validate; every earlier month trains"))]
    early_stopping_months: Annotated[int, Integer(0, 1200, help=(
        "the last N training months are not trained on: early stopping watches their weighted log-loss "
        "(0: no early stopping, every round is kept)"))]
    row_stride: Annotated[int, Integer(1, 86_400, help=(
        "rows used: every N-th second of each session (from its first), in every split"))]
    top_share: Annotated[float, Number(1e-6, 1.0, help=(
        "the share of validation rows with the highest predicted probability whose win rate and expectancy "
        "are reported beside those of all validation rows"))]
    booster: Annotated[BoosterParams, Section(help="XGBoost, histogram method, objective binary:logistic")]
    first_validation_month: Annotated[str | None, OptionalMonth(help=(
        "or YYYY-MM: this month and every later one validate (replaces validation_months)"))] = None

    @property
    def month_names(self) -> list[str]:
        return [m.month for m in self.months]


def load(params_dir: str | Path = "params") -> ModelParams:
    load_market(params_dir)
    return load_file(params_dir, "model", ModelParams, months=load_months(params_dir),
                     label=label_params.load(params_dir))
