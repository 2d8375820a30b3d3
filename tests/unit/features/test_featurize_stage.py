"""The featurize stage runner, its views and its notebook (structure only; papermill runs elsewhere)."""

from __future__ import annotations

import json
from pathlib import Path

import matplotlib
import nbformat
import numpy as np
import pandas as pd
import pyarrow.parquet as pq
import pytest
from feature_bars import concat_sessions, random_walk_day

from es_pipeline.core.errors import StageInputError
from es_pipeline.core.tables import FILTERED_SCHEMA, read_table, write_table
from es_pipeline.features import views
from es_pipeline.features.frame import FEATURE_NAMES, FEATURES_SCHEMA
from es_pipeline.features.stage import FeatureResult, run

matplotlib.use("Agg")
REPO_ROOT = Path(__file__).resolve().parents[3]
PARAMS = REPO_ROOT / "params"


@pytest.fixture
def filtered(tmp_path) -> Path:
    bars = concat_sessions(random_walk_day("2025-12-01", 1_200, seed=1), random_walk_day("2025-12-02", 1_000, seed=2))
    path = tmp_path / "filtered" / "2025-12.parquet"
    write_table(bars, path, FILTERED_SCHEMA)
    return path


def test_round_trip_and_byte_identical_rerun(filtered, tmp_path):
    out, metrics_out = tmp_path / "features" / "2025-12.parquet", tmp_path / "metrics" / "2025-12.json"
    result = run(filtered=filtered, out=out, metrics_out=metrics_out, params_dir=PARAMS, month="2025-12")
    assert isinstance(result, FeatureResult)
    assert pq.read_schema(out).remove_metadata() == FEATURES_SCHEMA
    back = read_table(out)
    pd.testing.assert_frame_equal(back, result.features, check_exact=True)
    assert list(back.columns) == ["ts_event", *FEATURE_NAMES]
    metrics = json.loads(metrics_out.read_text())
    assert metrics["rows"] == 2200 and metrics["sessions"] == 2 and metrics["month"] == "2025-12"
    assert metrics["nan_check_failures"] == 0 and metrics["grid_gaps"] == 0
    assert set(metrics["nan_share"]) == set(FEATURE_NAMES) and 0 < metrics["nan_share"]["atr_300s"] < 1
    assert set(result.stats["features"]["atr_30s"]) == {"mean", "std", "min", "max", "nan_share"}
    # same inputs -> same bytes, to a new place and over the old outputs
    out2, metrics2 = tmp_path / "again" / "f.parquet", tmp_path / "again" / "m.json"
    run(filtered=filtered, out=out2, metrics_out=metrics2, params_dir=PARAMS, month="2025-12")
    run(filtered=filtered, out=out, metrics_out=metrics_out, params_dir=PARAMS, month="2025-12")
    assert out.read_bytes() == out2.read_bytes()
    assert metrics_out.read_bytes() == metrics2.read_bytes()
    assert not list(out.parent.glob("*.tmp"))


def test_month_mismatch_and_bad_input_are_errors(filtered, tmp_path):
    with pytest.raises(StageInputError, match="outside month 2026-01"):
        run(filtered=filtered, out=tmp_path / "f.parquet", metrics_out=None, params_dir=PARAMS, month="2026-01")
    with pytest.raises(StageInputError, match="file not found"):
        run(filtered=tmp_path / "missing.parquet", out=tmp_path / "f.parquet", metrics_out=None, params_dir=PARAMS)
    assert not (tmp_path / "f.parquet").exists()


def test_views(filtered, tmp_path):
    result = run(filtered=filtered, out=tmp_path / "f.parquet", metrics_out=None, params_dir=PARAMS, month="2025-12")
    table = views.feature_table(result).frame
    assert list(table["feature"]) == list(FEATURE_NAMES)
    assert list(table.columns) == ["feature", "group", "mean", "std", "min", "max", "NaN share"]
    assert result.nan_check["passed"].all() and len(result.nan_check) == 43
    assert result.nan_check.set_index("feature").loc["atr_percentile", "expected_nan"] == 2 * 328
    assert views.nan_check_table(result).frame["value"].tolist() == ["43", "all pass: NaN only in warm-up rows"]
    sessions = views.sessions_table(result).frame
    assert sessions["rows per session"].tolist() == [1200, 1000] and sessions["sessions"].tolist() == [1, 1]
    summary = views.run_summary(result).frame.set_index("item")["value"]
    assert summary["rows"] == "2,200" and not any("seconds" in item for item in summary.index)
    fig = views.feature_histograms(result)
    assert len([ax for ax in fig.axes if ax.get_title()]) == len(views.KEY_FEATURES)
    matplotlib.pyplot.close(fig)


def test_notebook_is_thin_and_parameterised():
    nb = nbformat.read(REPO_ROOT / "notebooks" / "featurize.ipynb", as_version=4)
    nbformat.validate(nb)
    assert nb.metadata.kernelspec == {"name": "es-pipeline", "display_name": "Python (es-pipeline)",
                                      "language": "python"}
    code = [c for c in nb.cells if c.cell_type == "code"]
    assert code[0].metadata.get("tags") == ["parameters"]
    namespace: dict = {}
    exec(code[0].source, namespace)
    assert {k: v for k, v in namespace.items() if not k.startswith("__")} == dict.fromkeys(
        ("month", "filtered", "out", "metrics_out", "params_dir"))  # None: no default is a real month
    call = "result = run(filtered=filtered, out=out, metrics_out=metrics_out, params_dir=params_dir, month=month)"
    assert call in code[1].source
    assert all(not c.outputs and c.execution_count is None for c in code)
    assert sum(len(c.source.splitlines()) for c in code) < 60
    assert np.all([("def " not in c.source and "for " not in c.source) for c in code])
