"""Ingest reads real Databento files with Databento's decoder and names the file on bad input."""

from __future__ import annotations

import shutil

import databento_dbn as dbn
import pandas as pd
import pytest
import zstandard

from es_pipeline.core.errors import RawDataError
from es_pipeline.filter.ingest import (
    RAW_COLUMNS,
    UNDEF_PRICE_POINTS,
    definition_path_for,
    open_store,
    read_raw,
    symbols_by_id,
)
from tests.conftest import DATABENTO_FIXTURES, REPO_ROOT
from tests.unit.dbn_edits import as_parent, header_only, in_version, streamed, with_record_prices


def test_reads_the_real_ohlcv_1s_sample(databento_fixtures):
    raw = read_raw(databento_fixtures / "test_data.ohlcv-1s.dbn.zst")
    assert list(raw.columns) == ["ts_event", "instrument_id", "symbol", "open", "high", "low", "close", "volume"]
    assert str(raw["ts_event"].dtype) == "datetime64[ns, UTC]"
    first = raw.iloc[0]
    assert first["ts_event"] == pd.Timestamp("2020-12-28 00:00:00", tz="UTC")
    assert first["symbol"] == "ESH1"
    assert first["instrument_id"] == 5482
    assert (first["open"], first["high"], first["low"], first["close"]) == (3702.75, 3702.75, 3702.5, 3702.5)
    assert first["volume"] == 13
    assert len(raw) == 4


@pytest.mark.parametrize("schema", ["ohlcv-1m", "ohlcv-1h", "trades", "definition"])
def test_other_schema_is_rejected_by_name(databento_fixtures, schema):
    path = databento_fixtures / f"test_data.{schema}.dbn.zst"
    with pytest.raises(RawDataError, match=rf"{path.name}.*expected schema ohlcv-1s, found {schema}"):
        read_raw(path)


def test_missing_file(tmp_path):
    with pytest.raises(RawDataError, match=r"nope\.dbn\.zst.*file not found"):
        read_raw(tmp_path / "nope.dbn.zst")


def test_empty_file(tmp_path):
    path = tmp_path / "empty.ohlcv-1s.dbn.zst"
    path.write_bytes(b"")
    with pytest.raises(RawDataError, match="empty.ohlcv-1s.dbn.zst.*empty file"):
        read_raw(path)


def test_truncated_zstd_file(databento_fixtures, tmp_path):
    data = (databento_fixtures / "test_data.ohlcv-1s.dbn.zst").read_bytes()
    path = tmp_path / "cut.ohlcv-1s.dbn.zst"
    path.write_bytes(data[:-5])
    with pytest.raises(RawDataError, match="cut.ohlcv-1s.dbn.zst.*truncated"):
        read_raw(path)


def test_truncated_record_inside_a_complete_frame(databento_fixtures, tmp_path):
    """The decoder only warns on a partial record; ingest must refuse it."""
    plain = zstandard.ZstdDecompressor().decompressobj().decompress(
        (databento_fixtures / "test_data.ohlcv-1s.dbn.zst").read_bytes())
    path = tmp_path / "partial.ohlcv-1s.dbn.zst"
    path.write_bytes(zstandard.ZstdCompressor().compress(plain[:-10]))
    with pytest.raises(RawDataError, match="partial.ohlcv-1s.dbn.zst.*not a readable DBN file"):
        read_raw(path)


def test_corrupt_bytes(tmp_path):
    path = tmp_path / "garbage.ohlcv-1s.dbn.zst"
    path.write_bytes(b"\x28\xb5\x2f\xfd" + bytes(range(256)) * 4)
    with pytest.raises(RawDataError, match="garbage.ohlcv-1s.dbn.zst"):
        read_raw(path)


def test_not_dbn_at_all(tmp_path):
    path = tmp_path / "notes.ohlcv-1s.dbn.zst"
    path.write_text("date,open,high\n2025-01-01,1,2\n")
    with pytest.raises(RawDataError, match="notes.ohlcv-1s.dbn.zst, rule 'not_dbn': not a DBN file") as caught:
        read_raw(path)
    assert " at 0x" not in str(caught.value) and "b'date,ope'" in str(caught.value)


def test_reads_bytes_with_a_name(databento_fixtures):
    data = (databento_fixtures / "test_data.ohlcv-1s.dbn.zst").read_bytes()
    raw = read_raw(data, name="s3://bucket/x.ohlcv-1s.dbn.zst")
    assert raw["symbol"].tolist() == ["ESH1"] * 4


def test_definition_path_is_beside_the_month():
    assert definition_path_for("/r/ES.FUT.2025-11.ohlcv-1s.dbn.zst").name == "ES.FUT.2025-11.definition.dbn.zst"


def test_reads_a_generated_month(tmp_path):
    from es_pipeline.synth import generate_month

    path = tmp_path / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    summary = generate_month("2025-12", path, days=1)
    raw = read_raw(path)
    assert len(raw) == summary.records
    assert raw["ts_event"].is_monotonic_increasing or raw.sort_values("ts_event").shape == raw.shape
    assert {"ESZ5", "ESH6", "ESZ5-ESH6"} <= set(raw["symbol"])
    outrights = raw[~raw["symbol"].str.contains("-")]
    assert ((outrights[["open", "high", "low", "close"]] * 4) % 1 == 0).all().all()


def test_parent_symbology_resolves_through_the_definition_file(tmp_path):
    from es_pipeline.synth import generate_month

    path = tmp_path / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    generate_month("2025-12", path, days=1, symbology="parent")
    assert definition_path_for(path).exists()
    assert {"ESZ5", "ESH6"} <= set(read_raw(path)["symbol"])



def test_parent_symbology_without_definitions_names_contracts_by_instrument_id(tmp_path):
    from es_pipeline.synth import generate_month

    path = tmp_path / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    generate_month("2025-12", path, days=1, symbology="parent")
    with_definitions = read_raw(path)
    lonely = tmp_path / "alone" / path.name
    lonely.parent.mkdir()
    shutil.copy(path, lonely)
    alone = read_raw(lonely)
    assert (alone["symbol"] == "id:" + alone["instrument_id"].astype(str)).all()
    pd.testing.assert_frame_equal(alone.drop(columns="symbol"), with_definitions.drop(columns="symbol"))


def test_real_parent_file_without_definitions(databento_fixtures):
    """The real ESH1 sample, re-headed as a parent request (records untouched): ids become symbols."""
    raw = read_raw(as_parent(databento_fixtures / "test_data.ohlcv-1s.dbn.zst"), name="ES.FUT.ohlcv-1s.dbn.zst")
    assert raw["symbol"].tolist() == ["id:5482"] * 4
    assert raw["close"].iloc[0] == 3702.5


def test_real_parent_file_resolves_through_the_real_definition_file(databento_fixtures):
    raw = read_raw(as_parent(databento_fixtures / "test_data.ohlcv-1s.dbn.zst"), name="ES.FUT.ohlcv-1s.dbn.zst",
                   definition=(databento_fixtures / "test_data.definition.dbn.zst").read_bytes())
    assert raw["symbol"].tolist() == ["ESH1"] * 4


def test_header_without_records_reads_as_an_empty_month(databento_fixtures):
    """No decoder crash: the frame is empty with the usual columns, and validation names the month."""
    raw = read_raw(header_only(databento_fixtures / "test_data.ohlcv-1s.dbn.zst"), name="x.ohlcv-1s.dbn.zst")
    assert raw.empty and list(raw.columns) == list(RAW_COLUMNS)
    assert str(raw["ts_event"].dtype) == "datetime64[ns, UTC]" and raw["open"].dtype == "float64"


def test_undefined_price_sentinel_is_kept_recognisable(databento_fixtures):
    raw = read_raw(with_record_prices(databento_fixtures / "test_data.ohlcv-1s.dbn.zst", high=dbn.UNDEF_PRICE),
                   name="x.ohlcv-1s.dbn.zst")
    assert (raw["high"] == UNDEF_PRICE_POINTS).all()


# ---------------------------------------------------------------- every DBN version a 15-year archive holds

VERSIONS = DATABENTO_FIXTURES / "versions"


def in_params(tmp_path, **filter_changes):
    """The repository's params with some filter keys changed (the samples trade at 07:00 CT)."""
    import yaml

    folder = tmp_path / "params"
    shutil.copytree(REPO_ROOT / "params", folder, dirs_exist_ok=True)
    data = yaml.safe_load((folder / "filter.yaml").read_text())
    data["filter"].update(filter_changes)
    (folder / "filter.yaml").write_text(yaml.safe_dump(data))
    return folder


def filtered(tmp_path, data: bytes, name: str) -> pd.DataFrame:
    from es_pipeline.filter import stage

    raw = tmp_path / name
    raw.write_bytes(data)
    return stage.run(raw=raw, month="2020-12", out=tmp_path / f"{name}.parquet",
                     params_dir=in_params(tmp_path, session_start="07:00")).bars


@pytest.mark.parametrize("name", ["test_data.ohlcv-1s.v1.dbn.zst", "test_data.ohlcv-1s.v2.dbn.zst",
                                  "test_data.ohlcv-1s.dbn"])
def test_every_dbn_version_decodes_and_filters_to_the_same_bars(tmp_path, name):
    v3 = (VERSIONS / "test_data.ohlcv-1s.v3.dbn.zst").read_bytes()
    expected = read_raw(v3, name="v3")
    assert expected["symbol"].tolist() == ["ESH1"] * 2 and expected["close"].tolist() == [372050.0] * 2
    pd.testing.assert_frame_equal(read_raw((VERSIONS / name).read_bytes(), name=name), expected)
    pd.testing.assert_frame_equal(filtered(tmp_path, (VERSIONS / name).read_bytes(), name),
                                  filtered(tmp_path, v3, "v3.dbn.zst"))


@pytest.mark.parametrize("name", ["test_data.definition.v1.dbn.zst", "test_data.definition.v2.dbn.zst",
                                  "test_data.definition.v3.dbn.zst", "test_data.definition.dbn"])
def test_definitions_map_ids_to_symbols_in_every_version(name):
    store, records = open_store((VERSIONS / name).read_bytes(), name, dbn.Schema.DEFINITION)
    assert symbols_by_id(records) == {6819: "MSFT", 6830: "MSFT"} and store.metadata.dataset == "XNAS.ITCH"


@pytest.mark.parametrize("version", [1, 2])
def test_a_generated_month_reads_the_same_under_a_v1_or_v2_header_and_a_streamed_frame(tmp_path, version):
    """Databento's downloads are streamed zstd frames that do not record their size; old ones have v1/v2 headers."""
    from es_pipeline.synth import generate_month

    path = tmp_path / "ES.FUT.2025-12.ohlcv-1s.dbn.zst"
    generate_month("2025-12", path, days=1)
    expected = read_raw(path.read_bytes(), name="v3")
    older = streamed(in_version(path, version))
    assert zstandard.get_frame_parameters(older).content_size == zstandard.CONTENTSIZE_UNKNOWN
    assert zstandard.get_frame_parameters(path.read_bytes()).content_size != zstandard.CONTENTSIZE_UNKNOWN
    assert open_store(older, "older")[0].metadata.version == version
    pd.testing.assert_frame_equal(read_raw(older, name="older"), expected)
