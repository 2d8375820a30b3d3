"""The month list is synced from a listing of the raw location."""

from __future__ import annotations

import pytest

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.params import MonthEntry
from es_pipeline.filter.storage import Location
from es_pipeline.ops.months import month_of, months_in, sync


@pytest.mark.parametrize(("name", "month"), [
    ("ES.FUT.2025-11.ohlcv-1s.dbn.zst", "2025-11"),
    ("glbx-mdp3-20100701-20100731.ohlcv-1s.dbn.zst", "2010-07"),
    ("ES.FUT.ohlcv-1s.dbn.zst", None),
])
def test_month_from_object_name(name, month):
    assert month_of(name) == month


def test_listing_keeps_raw_months_only_and_rejects_two_files_for_a_month():
    names = ["ES.FUT.2025-12.ohlcv-1s.dbn.zst", "ES.FUT.2025-12.definition.dbn.zst",
             "README.md", "ES.FUT.2025-11.ohlcv-1s.dbn.zst"]
    assert months_in(names) == {"2025-11": MonthEntry.of("2025-11", names[3], names[3]),
                                "2025-12": MonthEntry.of("2025-12", names[0], names[1])}
    with pytest.raises(PipelineError, match="two raw files hold month 2025-11"):
        months_in(names + ["glbx-mdp3-20251101-20251130.ohlcv-1s.dbn.zst"])


def test_sync_rewrites_the_month_list_and_the_year_files(tmp_path):
    import shutil
    from pathlib import Path

    from tests.params import load_params

    params = tmp_path / "params"
    shutil.copytree(Path(__file__).resolve().parents[3] / "params", params)
    shutil.copytree(Path(__file__).resolve().parents[3] / "pipelines", tmp_path / "pipelines",
                    ignore=shutil.ignore_patterns("2*"))  # the template only
    raw = Location.at(str(tmp_path / "raw"))
    for month in ("2026-01", "2025-11", "2025-12"):
        raw.write_bytes(f"ES.FUT.{month}.ohlcv-1s.dbn.zst", b"x")
    raw.write_bytes("ES.FUT.2025-12.definition.dbn.zst", b"x")
    assert list(sync(raw, tmp_path)) == ["2025-11", "2025-12", "2026-01"]
    loaded = load_params(params)
    assert [m.month for m in loaded.months] == ["2025-11", "2025-12", "2026-01"]
    assert loaded.months[-1].raw == "ES.FUT.2026-01.ohlcv-1s.dbn.zst"
    assert [m.definition for m in loaded.months] == [None, "ES.FUT.2025-12.definition.dbn.zst", None]
    assert ('"2025-12": {raw: ES.FUT.2025-12.ohlcv-1s.dbn.zst, symbols: ES.FUT.2025-12.definition.dbn.zst, '
            'partition: year=2025/month=12}'
            in (params / "months.yaml").read_text())

    with pytest.raises(PipelineError, match="no \\*.ohlcv-1s.dbn.zst files"):
        sync(Location.at(str(tmp_path / "empty")), tmp_path)
    assert [m.month for m in load_params(params).months][-1] == "2026-01"
    assert sorted(str(p.relative_to(tmp_path)) for p in tmp_path.glob("pipelines/*/dvc.yaml")) == [
        "pipelines/2025/dvc.yaml", "pipelines/2026/dvc.yaml"]
    assert '"2026-01": {raw: ES.FUT.2026-01.ohlcv-1s.dbn.zst' in (tmp_path / "pipelines/2026/dvc.yaml").read_text()
