"""A mode's validation scores, overall and month by month, and the few headline numbers across modes.

Pure: predictions in, plain dicts out (the metrics files are these dicts as JSON).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from es_pipeline.label.params import TradeMode
from es_pipeline.model.metrics import Scores, score, single_class
from es_pipeline.model.rows import Rows


@dataclass(frozen=True)
class ModeResult:
    """Everything the page and the metrics files show for one mode."""

    mode: TradeMode
    reason: str | None  # why the model's scores are null (not trained, or a single class in validation)
    trained: bool
    rows: dict[str, int]  # rows per role: train, early_stopping, validation
    best_iteration: int | None = None
    rounds_run: int = 0
    overall: Scores | None = None
    by_month: dict[str, Scores] = field(default_factory=dict)
    top_features: list[tuple[str, float]] = field(default_factory=list)
    prob: np.ndarray | None = None  # validation predictions (for the curves), None if not trained

    def as_dict(self) -> dict:
        return {
            "trained": self.trained, "reason": self.reason, "rows": self.rows,
            "best_iteration": self.best_iteration, "rounds_run": self.rounds_run,
            "validation": None if self.overall is None else self.overall.as_dict(),
            "months": {m: s.as_dict() for m, s in self.by_month.items()},
            "top_features": [[name, gain] for name, gain in self.top_features],
        }


def validation_scores(validation: Rows, column: int, prob: np.ndarray, mode: TradeMode,
                      top_share: float) -> tuple[Scores, dict[str, Scores], str | None]:
    """All validation rows, then each validation month; the reason is set if validation has one class."""
    if validation.stopped is None:
        raise ValueError("validation rows are read with their outcomes (read_rows(..., outcomes=True))")
    won, stopped = validation.won[:, column], validation.stopped[:, column]
    overall = score(won, stopped, prob, mode.stop_ticks, mode.target_ticks, top_share)
    by_month = {}
    for index, month in enumerate(validation.months):
        rows = validation.month_index == index
        by_month[month] = score(won[rows], stopped[rows], prob[rows], mode.stop_ticks, mode.target_ticks, top_share)
    return overall, by_month, single_class(won, "validation months")


# short names: `make compare` shows these beside the win rates in a 200-column terminal
HEADLINE = {"auc": "auc", "logloss": "log_loss", "win": "base_win_rate", "top_win": "top_win_rate",
            "ticks": "expectancy_ticks", "top_ticks": "top_expectancy_ticks"}


def headline(results: list[ModeResult]) -> dict:
    """Means over the modes with validation scores (``modes``: how many), so the columns never multiply:
    ROC AUC, log-loss, win rate and expectancy in ticks of all validation rows and of the top share."""
    scored = [r.overall for r in results if r.overall is not None and r.overall.auc is not None]
    means = {key: (float(np.mean([getattr(s, name) for s in scored])) if scored else None)
             for key, name in HEADLINE.items()}
    return {"model": {**means, "modes": len(scored)}}
