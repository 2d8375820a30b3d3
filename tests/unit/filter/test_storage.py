"""Raw locations: local folders and S3 over real HTTP (moto server on loopback), through the
filesystem DVC builds for the remote (so every remote option applies), with clear errors."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from es_pipeline.core.errors import RawDataError
from es_pipeline.filter.storage import (
    Location,
    read_raw_month,
    remote_location,
    resolve,
)
from tests.conftest import S3_CREDENTIALS, _free_port


@pytest.fixture
def sample(databento_fixtures) -> bytes:
    return (databento_fixtures / "test_data.ohlcv-1s.dbn.zst").read_bytes()


def test_local_location_round_trip(tmp_path, sample):
    loc = Location.at(str(tmp_path / "raw"))
    assert loc.list() == []
    loc.write_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst", sample)
    assert loc.exists("ES.FUT.2020-12.ohlcv-1s.dbn.zst") and not loc.exists("other")
    assert loc.list() == ["ES.FUT.2020-12.ohlcv-1s.dbn.zst"]
    raw = read_raw_month(tmp_path / "raw" / "ES.FUT.2020-12.ohlcv-1s.dbn.zst")
    assert raw["volume"].tolist() == [13, 1, 14, 3]


def test_s3_location_round_trip(s3_bucket, sample):
    endpoint, bucket = s3_bucket
    loc = Location.at(f"s3://{bucket}/es/raw", endpointurl=endpoint)
    loc.write_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst", sample)
    loc.write_bytes("notes.txt", b"x")
    Location.at(f"s3://{bucket}/es/other", endpointurl=endpoint).write_bytes("decoy.dbn.zst", b"x")
    assert loc.list() == ["ES.FUT.2020-12.ohlcv-1s.dbn.zst", "notes.txt"]
    assert loc.read_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst") == sample
    assert loc.exists("notes.txt") and not loc.exists("missing")
    with pytest.raises(RawDataError, match=rf"s3://{bucket}/es/raw/missing, month 2020-12: object not found"):
        loc.read_bytes("missing", "2020-12")


def test_remote_refs_resolve_through_the_dvc_config(tmp_path, s3_bucket, sample, monkeypatch):
    endpoint, bucket = s3_bucket
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    (repo / ".dvc" / "config").write_text('[\'remote "raw"\']\n    url = ../storage/raw\n')
    local = remote_location("raw", repo)
    assert local.url == str(repo / "storage" / "raw")

    subprocess.run([sys.executable, "-m", "dvc", "remote", "modify", "--local", "raw", "url", f"s3://{bucket}/raw"],
                   cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "remote", "modify", "--local", "raw", "endpointurl", endpoint],
                   cwd=repo, check=True)
    location, name = resolve("remote://raw/ES.FUT.2020-12.ohlcv-1s.dbn.zst", repo)
    assert (location.url, location.fs.fs.client_kwargs["endpoint_url"], name) == (
        f"s3://{bucket}/raw", endpoint, "ES.FUT.2020-12.ohlcv-1s.dbn.zst")
    location.write_bytes(name, sample)
    raw = read_raw_month("remote://raw/ES.FUT.2020-12.ohlcv-1s.dbn.zst", repo_root=repo)
    assert raw["symbol"].unique().tolist() == ["ESH1"]
    assert "testing" not in location.describe(name)

    with pytest.raises(RawDataError, match="DVC remote 'elsewhere'.*is not configured"):
        remote_location("elsewhere", repo)


def _dvc_repo(tmp_path, *settings: tuple[str, str]):
    repo = tmp_path / "repo"
    repo.mkdir()
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    for key, value in settings:
        subprocess.run([sys.executable, "-m", "dvc", "remote", "add" if key == "url" else "modify", "--local",
                        *(["raw", value] if key == "url" else ["raw", key, value])], cwd=repo, check=True)
    return repo


def test_credentials_only_in_dvc_config_local_reach_the_stage(tmp_path, s3_bucket, sample, monkeypatch):
    """Before: the hand-written boto3 client ignored access_key_id/secret_access_key (NoCredentialsError)."""
    endpoint, bucket = s3_bucket
    for key in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY"):
        monkeypatch.delenv(key)
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")  # never ask a metadata service
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "none"))
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "none"))
    repo = _dvc_repo(tmp_path, ("url", f"s3://{bucket}/raw"), ("endpointurl", endpoint))
    ref = "remote://raw/ES.FUT.2020-12.ohlcv-1s.dbn.zst"
    with pytest.raises(RawDataError, match=r"ES.FUT.2020-12.ohlcv-1s.dbn.zst, month 2020-12: no credentials"):
        read_raw_month(ref, month="2020-12", repo_root=repo)
    for key, name in (("access_key_id", "AWS_ACCESS_KEY_ID"), ("secret_access_key", "AWS_SECRET_ACCESS_KEY")):
        subprocess.run([sys.executable, "-m", "dvc", "remote", "modify", "--local", "raw", key,
                        S3_CREDENTIALS[name]], cwd=repo, check=True)
    remote_location("raw", repo).write_bytes("ES.FUT.2020-12.ohlcv-1s.dbn.zst", sample)
    assert read_raw_month(ref, repo_root=repo)["volume"].tolist() == [13, 1, 14, 3]


SECRET = S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]


def _with_test_keys(port: int) -> Location:
    """s3://bucket/raw on a loopback endpoint, keys given as DVC remote options."""
    return Location.at("s3://bucket/raw", endpointurl=f"http://127.0.0.1:{port}", access_key_id="testing",
                       secret_access_key=SECRET)


def test_refused_connection_and_missing_object_are_named_without_credentials(tmp_path, sample):
    port = _free_port()  # nothing listens on it
    with pytest.raises(RawDataError, match=r"s3://bucket/raw/X.dbn.zst, month 2025-01: cannot connect") as err:
        _with_test_keys(port).read_bytes("X.dbn.zst", "2025-01")
    assert SECRET not in str(err.value)
    with pytest.raises(RawDataError, match=r"raw/ES.FUT.2020-12.ohlcv-1s.dbn.zst, month 2020-12: object not found"):
        read_raw_month(tmp_path / "raw" / "ES.FUT.2020-12.ohlcv-1s.dbn.zst", month="2020-12")


def test_only_the_named_definition_file_is_read(tmp_path, sample):
    """A file named like the month's definition file beside it is never probed unless declared."""
    raw = tmp_path / "ES.FUT.2020-12.ohlcv-1s.dbn.zst"
    raw.write_bytes(sample)
    (tmp_path / "ES.FUT.2020-12.definition.dbn.zst").mkdir()  # unreadable as a file: any read would fail
    assert read_raw_month(raw)["volume"].tolist() == [13, 1, 14, 3]
    with pytest.raises(RawDataError, match="ES.FUT.2020-12.definition.dbn.zst, month 2020-12: cannot read"):
        read_raw_month(raw, tmp_path / "ES.FUT.2020-12.definition.dbn.zst", month="2020-12")


def test_denied_access_is_named_without_credentials(tmp_path):
    """A second loopback S3 server that enforces IAM auth: the unknown key is refused (HTTP 403)."""
    import socket
    import time

    port = _free_port()
    server = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "0"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        for _ in range(200):  # until it listens (bounded)
            with socket.socket() as probe:
                if probe.connect_ex(("127.0.0.1", port)) == 0:
                    break
            time.sleep(0.05)
        with pytest.raises(RawDataError, match=r"s3://bucket/raw/X.dbn.zst, month 2025-01: access denied") as err:
            _with_test_keys(port).read_bytes("X.dbn.zst", "2025-01")
        assert SECRET not in str(err.value)
    finally:
        server.terminate()
        server.wait()
