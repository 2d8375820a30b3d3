"""How well a mode's predicted win probabilities rank and price its validation rows (SPEC 8a).

Pure numpy on one mode's validation rows: ``won`` (label 1), ``stopped`` (outcome ``stop``) and
the predicted probability. Unweighted: the sample weights shape training, while a score of
the yardstick must read as "of the validation rows". The expectancy of a set of rows, in ticks,
is ``target_ticks * P(win) - stop_ticks * P(stop)``; timeout and session_end rows count 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

EPSILON = 1e-15  # probabilities are clipped to [EPSILON, 1 - EPSILON] in the log-loss


def roc_auc(won: np.ndarray, prob: np.ndarray) -> float:
    """Area under the ROC curve: P(a random winner scores above a random loser), ties counting half.

    Mann-Whitney on average ranks, so it is exact (no curve approximation). Needs both classes.
    """
    won = np.asarray(won, dtype=bool)
    positives = int(won.sum())
    negatives = won.size - positives
    if positives == 0 or negatives == 0:
        raise ValueError("ROC AUC needs at least one winner and one loser")
    order = np.argsort(prob, kind="stable")
    ranked = np.asarray(prob)[order]
    starts = np.flatnonzero(np.r_[True, ranked[1:] != ranked[:-1]])
    ends = np.r_[starts[1:], ranked.size]
    average_rank = np.repeat((starts + ends + 1) / 2.0, ends - starts)  # 1-based ranks, ties averaged
    ranks = np.empty(ranked.size)
    ranks[order] = average_rank
    return float((ranks[won].sum() - positives * (positives + 1) / 2.0) / (positives * negatives))


def log_loss(won: np.ndarray, prob: np.ndarray) -> float:
    """Mean negative log-likelihood of the outcomes (natural log)."""
    p = np.clip(np.asarray(prob, dtype=np.float64), EPSILON, 1 - EPSILON)
    y = np.asarray(won, dtype=np.float64)
    return float(-np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)))


def expectancy_ticks(won: np.ndarray, stopped: np.ndarray, stop_ticks: int, target_ticks: int) -> float:
    """Average result per trade in ticks: target on a win, minus the stop on a stop, 0 otherwise."""
    return float(target_ticks * np.mean(won) - stop_ticks * np.mean(stopped))


def top_rows(prob: np.ndarray, share: float) -> np.ndarray:
    """Indices of the ``ceil(share * n)`` rows with the highest probability; ties go to the earlier row."""
    count = int(np.ceil(share * len(prob)))
    return np.argsort(-np.asarray(prob, dtype=np.float64), kind="stable")[:count]


@dataclass(frozen=True)
class Scores:
    """One mode's scores on a set of validation rows (a split or one month); None where undefined."""

    rows: int
    wins: int
    base_win_rate: float | None
    expectancy_ticks: float | None
    auc: float | None
    log_loss: float | None
    top_win_rate: float | None
    top_expectancy_ticks: float | None

    def as_dict(self) -> dict:
        return dict(self.__dict__)


def score(won: np.ndarray, stopped: np.ndarray, prob: np.ndarray, stop_ticks: int, target_ticks: int,
          top_share: float) -> Scores:
    """Every SPEC 8a number for these rows; the model's numbers are None unless both classes occur."""
    won, stopped = np.asarray(won, dtype=bool), np.asarray(stopped, dtype=bool)
    rows, wins = int(won.size), int(won.sum())
    if rows == 0:
        return Scores(0, 0, None, None, None, None, None, None)
    base = Scores(rows, wins, wins / rows, expectancy_ticks(won, stopped, stop_ticks, target_ticks),
                  None, None, None, None)
    if wins in (0, rows):
        return base
    top = top_rows(prob, top_share)
    return Scores(rows, wins, base.base_win_rate, base.expectancy_ticks, roc_auc(won, prob), log_loss(won, prob),
                  float(np.mean(won[top])), expectancy_ticks(won[top], stopped[top], stop_ticks, target_ticks))


def single_class(won: np.ndarray, where: str) -> str | None:
    """Why these rows cannot train or score a classifier (no rows, no winners, no losers), else None."""
    wins = int(np.count_nonzero(won))
    if len(won) == 0:
        return f"no rows in the {where}"
    if wins == 0:
        return f"no winners in the {where} ({len(won):,} rows)"
    if wins == len(won):
        return f"only winners in the {where} ({len(won):,} rows)"
    return None


def roc_points(won: np.ndarray, prob: np.ndarray, points: int = 200) -> tuple[np.ndarray, np.ndarray]:
    """(false positive rate, true positive rate) at up to ``points`` thresholds, from (0, 0) to (1, 1)."""
    won = np.asarray(won, dtype=bool)
    order = np.argsort(-np.asarray(prob, dtype=np.float64), kind="stable")
    ranked, hits = np.asarray(prob)[order], won[order]
    last_of_tie = np.flatnonzero(np.r_[ranked[1:] != ranked[:-1], True])  # a threshold keeps whole ties
    keep = last_of_tie[np.unique(np.linspace(0, len(last_of_tie) - 1, min(points, len(last_of_tie))).astype(int))]
    true_pos = np.cumsum(hits)[keep]
    false_pos = keep + 1 - true_pos
    return (np.r_[0.0, false_pos / max(1, (~won).sum())], np.r_[0.0, true_pos / max(1, won.sum())])


def precision_by_threshold(won: np.ndarray, prob: np.ndarray,
                           points: int = 100) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(threshold, win rate of rows at or above it, share of rows at or above it) at quantiles of the predictions."""
    prob = np.asarray(prob, dtype=np.float64)
    won = np.asarray(won, dtype=np.float64)
    thresholds = np.unique(np.quantile(prob, np.linspace(0.0, 0.995, points), method="lower"))
    order = np.argsort(prob, kind="stable")
    ranked = prob[order]
    wins_above = np.cumsum(won[order][::-1])[::-1]  # wins among rows from each sorted position up
    first = np.searchsorted(ranked, thresholds, side="left")
    kept = prob.size - first
    return thresholds, wins_above[first] / kept, kept / prob.size


def calibration(won: np.ndarray, prob: np.ndarray, bins: int = 10) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean predicted, observed win rate, rows) in ``bins`` groups of equal size by predicted probability."""
    order = np.argsort(np.asarray(prob, dtype=np.float64), kind="stable")
    groups = [g for g in np.array_split(order, bins) if len(g)]
    won = np.asarray(won, dtype=np.float64)
    return (np.array([np.mean(prob[g]) for g in groups]), np.array([np.mean(won[g]) for g in groups]),
            np.array([len(g) for g in groups]))
