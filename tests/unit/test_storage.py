"""Raw locations: local folders and S3 over real HTTP (moto server on loopback), same code path."""

from __future__ import annotations

import subprocess
import sys

import pytest

from es_pipeline.errors import RawDataError
from es_pipeline.storage import Location, read_raw_month, remote_location, resolve


@pytest.fixture
def sample(databento_fixtures) -> bytes:
    return (databento_fixtures / "test_data.ohlcv-1s.dbn.zst").read_bytes()


def test_local_location_round_trip(tmp_path, sample):
    loc = Location(str(tmp_path / "raw"))
    assert loc.list() == []
    loc.write_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst", sample)
    assert loc.exists("ES.FUT.2020-12.ohlcv-1s.dbn.zst") and not loc.exists("other")
    assert loc.list() == ["ES.FUT.2020-12.ohlcv-1s.dbn.zst"]
    raw = read_raw_month(tmp_path / "raw" / "ES.FUT.2020-12.ohlcv-1s.dbn.zst")
    assert raw["volume"].tolist() == [13, 1, 14, 3]


def test_s3_location_round_trip(s3_bucket, sample):
    endpoint, bucket = s3_bucket
    loc = Location(f"s3://{bucket}/es/raw", endpoint_url=endpoint)
    loc.write_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst", sample)
    loc.write_bytes("notes.txt", b"x")
    Location(f"s3://{bucket}/es/other", endpoint_url=endpoint).write_bytes("decoy.dbn.zst", b"x")
    assert loc.list() == ["ES.FUT.2020-12.ohlcv-1s.dbn.zst", "notes.txt"]
    assert loc.read_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst") == sample
    assert loc.exists("notes.txt") and not loc.exists("missing")
    with pytest.raises(RawDataError, match=rf"s3://{bucket}/es/raw/missing.*cannot read object"):
        loc.read_bytes("missing")


def test_remote_refs_resolve_through_the_dvc_config(tmp_path, s3_bucket, sample, monkeypatch):
    endpoint, bucket = s3_bucket
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    (repo / ".dvc" / "config").write_text('[\'remote "raw"\']\n    url = ../storage/raw\n')
    local = remote_location("raw", repo)
    assert local.url == str(repo / "storage" / "raw")

    subprocess.run([sys.executable, "-m", "dvc", "remote", "modify", "--local", "raw", "url", f"s3://{bucket}/raw"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "remote", "modify", "--local", "raw", "endpointurl", endpoint], cwd=repo, check=True)
    location, name = resolve("remote://raw/ES.FUT.2020-12.ohlcv-1s.dbn.zst", repo)
    assert (location.url, location.endpoint_url, name) == (f"s3://{bucket}/raw", endpoint, "ES.FUT.2020-12.ohlcv-1s.dbn.zst")
    location.write_bytes(name, sample)
    raw = read_raw_month("remote://raw/ES.FUT.2020-12.ohlcv-1s.dbn.zst", repo)
    assert raw["symbol"].unique().tolist() == ["ESH1"]
    assert "testing" not in location.describe(name)

    with pytest.raises(RawDataError, match="DVC remote 'elsewhere'.*is not configured"):
        remote_location("elsewhere", repo)
