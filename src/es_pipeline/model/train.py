"""One weighted XGBoost classifier per trade mode, early-stopped on held-out training months.

The histogram cut points are computed once, from the training rows' features alone (no label,
no weight), and shared by every mode: quantising 3 million rows costs ~10 s at 185 months, paid
once instead of six times, and nothing about the early-stopping or validation months shapes the bins. A fixed
seed and thread count with the histogram method give byte-identical boosters for the same rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xgboost as xgb

from es_pipeline.features.frame import FEATURE_NAMES
from es_pipeline.model.metrics import single_class
from es_pipeline.model.params import BoosterParams
from es_pipeline.model.rows import Rows


@dataclass(frozen=True)
class Fitted:
    """A mode's booster (None if it could not be trained, ``reason`` says why) and its rounds."""

    booster: xgb.Booster | None
    reason: str | None = None
    best_iteration: int | None = None
    rounds_run: int = 0


class Matrices:
    """The training and early-stopping rows as XGBoost matrices, quantised once for every mode.

    Only the labels and weights of the rows are kept beside the matrices: the caller can drop
    the float features once this is built.
    """

    def __init__(self, train: Rows, early_stopping: Rows | None, params: BoosterParams):
        names = list(FEATURE_NAMES)
        self.train = xgb.QuantileDMatrix(train.features, feature_names=names, max_bin=params.max_bin,
                                         nthread=params.threads)
        self.train_won, self.train_weight = train.won, train.weight
        self.early_stopping = None
        if early_stopping is not None:
            self.stop_won, self.stop_weight = early_stopping.won, early_stopping.weight
            if len(early_stopping):
                self.early_stopping = xgb.QuantileDMatrix(early_stopping.features, feature_names=names,
                                                          ref=self.train, max_bin=params.max_bin,
                                                          nthread=params.threads)
        self.watches = early_stopping is not None


def fit_mode(matrices: Matrices, column: int, params: BoosterParams) -> Fitted:
    """Train mode ``column`` on the training rows with its decayed weights; stop on the held-out months."""
    reason = single_class(matrices.train_won[:, column], "training months")
    if reason is None and matrices.watches and matrices.early_stopping is None:
        reason = "no rows in the early-stopping months"
    if reason is not None:
        return Fitted(None, reason)
    matrices.train.set_info(label=matrices.train_won[:, column], weight=matrices.train_weight[:, column])
    evals = []
    if matrices.early_stopping is not None:
        matrices.early_stopping.set_info(label=matrices.stop_won[:, column], weight=matrices.stop_weight[:, column])
        evals = [(matrices.early_stopping, "early_stopping")]
    booster = xgb.train(params.xgboost(), matrices.train, num_boost_round=params.rounds, evals=evals,
                        early_stopping_rounds=params.early_stopping_rounds if evals else None, verbose_eval=False)
    rounds_run = booster.num_boosted_rounds()
    best = booster.best_iteration if evals else rounds_run - 1
    kept = booster[: best + 1]  # the saved booster ends at the best round (slicing drops the attributes)
    kept.set_attr(best_iteration=str(best), rounds_run=str(rounds_run))
    return Fitted(kept, None, best, rounds_run)


def predict(booster: xgb.Booster, features: np.ndarray, threads: int) -> np.ndarray:
    """Win probabilities for float32 feature rows (FEATURE_NAMES order)."""
    if not len(features):
        return np.zeros(0, dtype=np.float32)
    booster.set_param({"nthread": threads})
    return booster.inplace_predict(features, validate_features=False)


def top_features(booster: xgb.Booster, count: int = 15) -> list[tuple[str, float]]:
    """Features by total gain (the loss reduction of every split on them), largest first; names break ties."""
    gains = [(name, gain) for name, gain in booster.get_score(importance_type="total_gain").items()
             if isinstance(gain, float)]  # one number per feature (lists are for multi-output models)
    return sorted(gains, key=lambda kv: (-kv[1], kv[0]))[:count]
