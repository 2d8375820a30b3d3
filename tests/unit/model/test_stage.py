"""The model stage on a tiny dataset with real XGBoost: honest split, determinism, single-class modes.

Six months: three train, one stops early, the last two validate (tiny_dataset.MODEL, adjusted per test).
"""

from __future__ import annotations

import json

import pytest
from tiny_dataset import MODEL, MONTHS

from es_pipeline.model.stage import run


def stage(tiny, out: str):
    """Run the stage with outputs under ``out``; (booster bytes per mode, metrics files' text, result)."""
    base = tiny.root / out
    result = run(dataset=tiny.dataset, models_dir=base / "models", metrics_dir=base / "metrics",
                 plots_dir=base / "plots", params_dir=tiny.params)
    boosters = {p.name: p.read_bytes() for p in sorted((base / "models").glob("*"))}
    files = {name: (base / name).read_text() for name in ("metrics/model.json", "metrics/model_modes.json",
                                                           "plots/model_months.csv")}
    return boosters, files, result


def test_every_mode_gets_a_booster_and_scores(tiny):
    boosters, files, result = stage(tiny, "a")
    assert sorted(boosters) == sorted(f"{m}.ubj" for m in tiny.modes)
    modes = json.loads(files["metrics/model_modes.json"])
    assert modes["split"] == {"train": list(MONTHS[:3]), "early_stopping": [MONTHS[3]],
                              "validation": list(MONTHS[4:]), "reason": None}
    for found in modes["modes"].values():
        assert found["trained"] and found["reason"] is None
        assert found["rows"] == {"train": 3 * 240, "early_stopping": 240, "validation": 2 * 240}  # stride 2
        assert 0.6 < found["validation"]["auc"] <= 1.0  # winners follow one feature: learnable
        assert set(found["months"]) == set(MONTHS[4:])
        assert found["rounds_run"] <= MODEL["booster"]["rounds"] and found["top_features"]
    headline = json.loads(files["metrics/model.json"])["model"]
    assert headline["modes"] == len(tiny.modes) and set(headline) == {
        "auc", "logloss", "win", "top_win", "ticks", "top_ticks", "modes"}
    scores = [found["validation"] for found in modes["modes"].values()]
    assert headline["auc"] == pytest.approx(sum(s["auc"] for s in scores) / len(scores))
    assert headline["top_ticks"] == pytest.approx(sum(s["top_expectancy_ticks"] for s in scores) / len(scores))
    assert files["plots/model_months.csv"].count("\n") == 1 + 2 * len(tiny.modes)


def test_same_inputs_give_byte_identical_boosters_and_metrics(tiny):
    first, second = stage(tiny, "a"), stage(tiny, "b")
    assert first[0] == second[0] and first[1] == second[1]


def test_validation_months_data_changes_no_booster(tiny):
    boosters, files, _ = stage(tiny, "before")
    for month in MONTHS[4:]:
        tiny.rewrite(month)  # other features, labels, outcomes and weights
    after_boosters, after_files, _ = stage(tiny, "after")
    assert after_boosters == boosters
    assert after_files["metrics/model.json"] != files["metrics/model.json"]  # the new rows were scored


def test_early_stopping_and_training_months_do_change_the_boosters(tiny):
    """The check above has power: the boosters do depend on the months before validation."""
    boosters, _, _ = stage(tiny, "before")
    tiny.rewrite(MONTHS[3])
    stopped_on_other_rows, _, _ = stage(tiny, "stop")
    tiny.rewrite(MONTHS[0])
    trained_on_other_rows, _, _ = stage(tiny, "train")
    assert stopped_on_other_rows != boosters and trained_on_other_rows != stopped_on_other_rows


def test_a_mode_without_winners_is_reported_not_trained(tiny):
    first, second = tiny.modes[:2]
    for month in MONTHS[:3]:
        tiny.rewrite(month, winners={first: False})  # no winners in training
    for month in MONTHS[4:]:
        tiny.rewrite(month, winners={second: False})  # no winners in validation
    boosters, files, result = stage(tiny, "a")
    modes = json.loads(files["metrics/model_modes.json"])["modes"]
    assert f"{first}.ubj" not in boosters and f"{second}.ubj" in boosters
    assert modes[first]["trained"] is False and modes[first]["validation"] is None
    assert modes[first]["reason"] == "no winners in the training months (720 rows)"
    assert modes[second]["trained"] and modes[second]["validation"]["auc"] is None
    assert modes[second]["validation"]["base_win_rate"] == 0.0
    assert modes[second]["reason"] == "no winners in the validation months (480 rows)"
    assert json.loads(files["metrics/model.json"])["model"]["modes"] == len(tiny.modes) - 2


def test_too_few_months_writes_null_metrics_and_a_reason(tiny):
    tiny.set_model({**MODEL, "validation_months": 6})
    boosters, files, result = stage(tiny, "a")
    assert boosters == {}
    headline = json.loads(files["metrics/model.json"])["model"]
    assert headline["modes"] == 0 and headline["auc"] is None
    reason = json.loads(files["metrics/model_modes.json"])["split"]["reason"]
    assert "6 month(s) listed, 6 validate" in reason
    assert all(r.reason == reason and not r.trained for r in result.results)


def test_no_early_stopping_keeps_every_round(tiny):
    tiny.set_model({**MODEL, "early_stopping_months": 0})
    _, files, _ = stage(tiny, "a")
    for found in json.loads(files["metrics/model_modes.json"])["modes"].values():
        assert found["rounds_run"] == MODEL["booster"]["rounds"] == found["best_iteration"] + 1
        assert found["rows"]["early_stopping"] == 0


@pytest.mark.parametrize("threads", [1, 2])
def test_a_saved_booster_loads_and_predicts_as_scored(tiny, threads):
    import numpy as np
    import xgboost as xgb

    from es_pipeline.model.rows import read_rows

    tiny.set_model({**MODEL, "booster": {**MODEL["booster"], "threads": threads}})
    boosters, _, result = stage(tiny, "a")
    booster = xgb.Booster(model_file=str(tiny.root / "a" / "models" / f"{tiny.modes[0]}.ubj"))
    assert booster.feature_names[:2] == ["volume_ratio_30s", "volume_slope_30s"]
    validation = read_rows(str(tiny.dataset), MONTHS[4:], tiny.modes, 2, outcomes=True)
    np.testing.assert_array_equal(booster.inplace_predict(validation.features), result.results[0].prob)
