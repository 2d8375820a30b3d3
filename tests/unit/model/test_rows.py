"""The split by month, the per-session row stride, and reading only the sampled rows (decayed)."""

from __future__ import annotations

import dataclasses
import math
import shutil

import numpy as np
import pyarrow.parquet as pq
import pytest
from tiny_dataset import MODEL, MONTHS, REPO_PARAMS, SESSION_SECONDS

from es_pipeline.core.errors import ParamsError, StageInputError
from es_pipeline.core.params import load_step
from es_pipeline.dataset.decay import read_dataset
from es_pipeline.features.frame import FEATURE_NAMES
from es_pipeline.model.params import load
from es_pipeline.model.rows import read_rows, session_positions, split_months

HISTORY = [f"{y}-{m:02d}" for y in (2023, 2024, 2025) for m in range(1, 13)][6:]  # 2023-07..2025-12: 30 months
DEFAULTS = load(REPO_PARAMS)  # the committed params/model.yaml (SPEC 8a's defaults)


def params(**changed):
    return dataclasses.replace(DEFAULTS, **changed)


def test_defaults_validate_the_last_22_months_and_stop_early_on_the_two_before():
    split = split_months(HISTORY, DEFAULTS)
    assert split.validation == tuple(HISTORY[-22:]) and split.early_stopping == ("2024-01", "2024-02")
    assert split.train == tuple(HISTORY[:6]) and split.reason is None


def test_an_explicit_first_validation_month_replaces_the_count():
    split = split_months(HISTORY, params(first_validation_month="2025-01", early_stopping_months=0))
    assert split.validation[0] == "2025-01" and len(split.validation) == 12
    assert split.early_stopping == () and split.train[-1] == "2024-12"


@pytest.mark.parametrize(("months", "changed", "says"), [
    (["2025-11", "2025-12"], {}, "2 month(s) listed, 2 validate"),
    (HISTORY[:24], {}, "none left to train on"),
    (HISTORY, {"first_validation_month": "2026-01"}, "no listed month is a validation month"),
])
def test_a_history_too_short_for_the_split_is_a_reason_not_an_error(months, changed, says):
    split = split_months(months, params(**changed))
    assert says in split.reason and split.train == ()


def test_session_positions_restart_at_each_session():
    dates = np.array(["2025-01-06"] * 3 + ["2025-01-07"] * 2, dtype="datetime64[D]")
    assert list(session_positions(dates)) == [0, 1, 2, 0, 1]
    assert len(session_positions(dates[:0])) == 0


def test_read_rows_keeps_every_nth_second_of_each_session_with_decayed_weights(tiny):
    modes = tiny.modes
    rows = read_rows(str(tiny.dataset), MONTHS[:2], modes, row_stride=7, outcomes=True)
    per_session = len(range(0, SESSION_SECONDS, 7))
    assert len(rows) == 2 * 2 * per_session and rows.features.dtype == np.float32
    assert list(np.bincount(rows.month_index)) == [2 * per_session, 2 * per_session]
    full = read_dataset(tiny.dataset, ["ts_event", "session_date", *FEATURE_NAMES,
                                      *(f"{p}_{m}" for p in ("label", "weight", "outcome") for m in modes)])
    frame = full.to_pandas().query("month in (1, 2)").reset_index(drop=True)
    frame["position"] = frame.groupby(["month", "session_date"]).cumcount()
    expected = frame[frame["position"] % 7 == 0]
    np.testing.assert_array_equal(rows.features, expected[list(FEATURE_NAMES)].to_numpy(np.float32))
    np.testing.assert_array_equal(rows.won, expected[[f"label_{m}" for m in modes]].to_numpy())
    np.testing.assert_allclose(rows.weight, expected[[f"weight_{m}" for m in modes]].to_numpy(), rtol=1e-6)
    np.testing.assert_array_equal(rows.stopped, expected[[f"outcome_{m}" for m in modes]].to_numpy() == "stop")
    january = pq.read_table(tiny.dataset / "year=2025" / "month=01" / "part-0.parquet").to_pandas()
    pre_decay = january[f"weight_{modes[0]}"].to_numpy()[::7][:per_session]  # the first session's sampled rows
    np.testing.assert_allclose(rows.weight[:per_session, 0], pre_decay * math.exp(-0.05 * 5), rtol=1e-6)


def test_training_rows_read_no_outcomes(tiny):
    assert read_rows(str(tiny.dataset), MONTHS[:1], tiny.modes, 30, outcomes=False).stopped is None


def test_model_params_are_validated_naming_file_and_key(tiny):
    loaded = load_step("model", tiny.params)  # as the notebook runner and code-model validate it
    assert loaded.booster.max_bin == MODEL["booster"]["max_bin"] and loaded.month_names == list(MONTHS)
    tiny.set_model({**MODEL, "row_stride": 0})
    with pytest.raises(ParamsError, match=r"model.yaml: model.row_stride must be an integer in \[1, 86400\]"):
        load(tiny.params)
    tiny.set_model({**MODEL, "booster": {**MODEL["booster"], "treads": 2}})
    with pytest.raises(ParamsError, match="did you mean model.booster.threads"):
        load(tiny.params)


def test_the_committed_values_are_the_specs():
    assert (DEFAULTS.validation_months, DEFAULTS.early_stopping_months, DEFAULTS.row_stride) == (22, 2, 30)
    assert DEFAULTS.first_validation_month is None and DEFAULTS.top_share == 0.05
    assert [m.name for m in DEFAULTS.label.modes][:2] == ["low_vol_long", "normal_vol_long"]


def test_a_missing_partition_or_decay_row_is_an_error_naming_the_month(tiny):
    shutil.rmtree(tiny.dataset / "year=2025" / "month=02")
    with pytest.raises(StageInputError, match=r"month=02: missing: the dataset stage has not run for 2025-02"):
        read_rows(str(tiny.dataset), MONTHS[:2], tiny.modes, 30, outcomes=False)
    with pytest.raises(StageInputError, match=r"_decay.csv: no time decay for month 2026-01"):
        read_rows(str(tiny.dataset), ("2026-01",), tiny.modes, 30, outcomes=False)
