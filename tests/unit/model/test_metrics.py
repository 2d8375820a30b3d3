"""The validation scores against hand-computed answers and brute-force definitions."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from es_pipeline.model.metrics import (
    calibration,
    expectancy_ticks,
    log_loss,
    precision_by_threshold,
    roc_auc,
    roc_points,
    score,
    single_class,
    top_rows,
)


@pytest.mark.parametrize(("won", "prob", "auc"), [
    ([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], 0.75),  # the textbook example
    ([1, 0, 1, 0, 1], [0.9, 0.8, 0.8, 0.3, 0.1], 3.5 / 6),  # a tie between a winner and a loser counts half
    ([0, 1], [0.5, 0.5], 0.5),
    ([1, 1, 0], [0.2, 0.3, 0.1], 1.0),
    ([1, 1, 0], [0.0, 0.3, 0.9], 0.0),
])
def test_roc_auc_known_answers(won, prob, auc):
    assert roc_auc(np.array(won), np.array(prob)) == pytest.approx(auc)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(st.booleans(), st.integers(0, 6)), min_size=2, max_size=40))
def test_roc_auc_is_the_share_of_ordered_winner_loser_pairs(pairs):
    won = np.array([w for w, _ in pairs])
    prob = np.array([p / 6 for _, p in pairs])  # few distinct values: many ties
    if won.all() or not won.any():
        with pytest.raises(ValueError):
            roc_auc(won, prob)
        return
    wins, losses = prob[won], prob[~won]
    brute = np.mean([(w > x) + 0.5 * (w == x) for w in wins for x in losses])
    assert roc_auc(won, prob) == pytest.approx(brute)


def test_log_loss_known_answer_and_clipping():
    assert log_loss(np.array([1, 0]), np.array([0.8, 0.3])) == pytest.approx(-(math.log(0.8) + math.log(0.7)) / 2)
    assert log_loss(np.array([1]), np.array([0.0])) == pytest.approx(-math.log(1e-15))


def test_expectancy_counts_wins_and_stops_only():
    won = np.array([1, 0, 0, 0, 1], bool)
    stopped = np.array([0, 1, 1, 0, 0], bool)  # the fourth row timed out: 0 ticks
    assert expectancy_ticks(won, stopped, stop_ticks=8, target_ticks=16) == pytest.approx((2 * 16 - 2 * 8) / 5)


def test_top_rows_takes_the_ceiling_and_breaks_ties_by_row_order():
    prob = np.array([0.2, 0.9, 0.5, 0.9, 0.1] * 8)  # 40 rows: 5% is 2 rows
    assert list(top_rows(prob, 0.05)) == [1, 3]
    assert len(top_rows(prob, 0.051)) == 3


def test_score_of_a_set_with_both_classes():
    won = np.array([1, 0, 0, 1, 0, 0, 0, 0, 0, 0], bool)
    stopped = np.array([0, 1, 1, 0, 1, 0, 0, 1, 0, 0], bool)
    prob = np.array([0.9, 0.1, 0.2, 0.3, 0.4, 0.05, 0.15, 0.25, 0.35, 0.45])
    s = score(won, stopped, prob, stop_ticks=6, target_ticks=12, top_share=0.2)
    assert (s.rows, s.wins, s.base_win_rate) == (10, 2, 0.2)
    assert s.expectancy_ticks == pytest.approx((2 * 12 - 4 * 6) / 10)
    assert s.top_win_rate == 0.5  # the top 2 rows: 0.9 (win) and 0.45 (no win)
    assert s.top_expectancy_ticks == pytest.approx(12 / 2)
    assert s.auc == pytest.approx(roc_auc(won, prob)) and s.log_loss == pytest.approx(log_loss(won, prob))


def test_single_class_rows_keep_their_counts_and_have_no_model_scores():
    s = score(np.zeros(4, bool), np.array([1, 0, 1, 0], bool), np.full(4, 0.3), 8, 16, 0.05)
    assert (s.rows, s.wins, s.base_win_rate, s.expectancy_ticks) == (4, 0, 0.0, -4.0)
    assert s.auc is s.log_loss is s.top_win_rate is s.top_expectancy_ticks is None
    assert score(np.zeros(0, bool), np.zeros(0, bool), np.zeros(0), 8, 16, 0.05).rows == 0
    assert single_class(np.zeros(3), "training months") == "no winners in the training months (3 rows)"
    assert single_class(np.ones(2), "validation months") == "only winners in the validation months (2 rows)"
    assert single_class(np.zeros(0), "validation months") == "no rows in the validation months"
    assert single_class(np.array([0, 1]), "x") is None


def test_roc_points_run_from_origin_to_corner_and_never_fall():
    rng = np.random.default_rng(0)
    won = rng.random(500) < 0.3
    prob = np.round(rng.random(500) + 0.3 * won, 2)
    fpr, tpr = roc_points(won, prob, points=50)
    assert (fpr[0], tpr[0], fpr[-1], tpr[-1]) == (0.0, 0.0, 1.0, 1.0)
    assert (np.diff(fpr) >= 0).all() and (np.diff(tpr) >= 0).all() and len(fpr) <= 51
    assert np.trapezoid(tpr, fpr) == pytest.approx(roc_auc(won, prob), abs=0.02)


def test_precision_by_threshold_starts_at_the_base_rate_of_all_rows():
    won = np.array([0, 0, 1, 0, 1, 1], bool)
    prob = np.array([0.1, 0.2, 0.3, 0.4, 0.5, 0.6])
    threshold, precision, kept = precision_by_threshold(won, prob, points=6)
    assert threshold[0] == 0.1 and precision[0] == pytest.approx(0.5) and kept[0] == 1.0
    at_half = list(threshold).index(0.5)
    assert precision[at_half] == 1.0 and kept[at_half] == pytest.approx(2 / 6)


def test_calibration_groups_rows_by_predicted_probability():
    prob = np.array([0.1, 0.1, 0.2, 0.2, 0.8, 0.9])
    won = np.array([0, 0, 0, 1, 1, 1], bool)
    predicted, observed, rows = calibration(won, prob, bins=3)
    assert predicted == pytest.approx([0.1, 0.2, 0.85]) and observed == pytest.approx([0.0, 0.5, 1.0])
    assert list(rows) == [2, 2, 2]
