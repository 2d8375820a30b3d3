"""definitions fetch: Databento's own client against a loopback stand-in of its HTTP API.

The stand-in is a tiny HTTPS server on 127.0.0.1 (the client only speaks https) with a
self-signed certificate that requests is told to trust; it serves a real DBN definition
payload written with databento-dbn and records what the client asked for.
"""

from __future__ import annotations

import base64
import datetime as dt
import ipaddress
import ssl
import threading
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from es_pipeline.cli import main
from es_pipeline.core.errors import PipelineError
from es_pipeline.core.periods import month_utc_range
from es_pipeline.filter.ingest import read_raw
from es_pipeline.filter.storage import Location
from es_pipeline.ops.definitions import fetch
from es_pipeline.synth import generate_month

KEY = "db-loopback-key-5c1e"
MONTH = "2025-11"
RAW = f"ES.FUT.{MONTH}.ohlcv-1s.dbn.zst"


def _certificate(folder):
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(1).not_valid_before(now - dt.timedelta(days=1)).not_valid_after(now + dt.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False)
            .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
            .sign(key, hashes.SHA256()))
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                           serialization.NoEncryption()))
    return cert_file, key_file


@pytest.fixture
def month_files(tmp_path):
    """A parent-symbology month and its definition file (the payload the stand-in serves)."""
    summary = generate_month(MONTH, tmp_path / "gen" / RAW, days=1, symbology="parent")
    return (tmp_path / "gen" / RAW).read_bytes(), summary.definition_path.read_bytes()


@pytest.fixture
def databento_api(tmp_path, month_files, monkeypatch):
    """The stand-in: (gateway URL, list of received requests, settable response)."""
    requests_seen: list[dict] = []
    response = {"status": 200, "body": month_files[1]}

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self):  # noqa: N802 (http.server's name)
            body = self.rfile.read(int(self.headers["Content-Length"]))
            auth = base64.b64decode(self.headers["Authorization"].split()[1]).decode()
            requests_seen.append({"path": self.path, "user": auth.split(":")[0],
                                  **dict(urllib.parse.parse_qsl(body.decode()))})
            self.send_response(response["status"])
            self.send_header("Content-Type", "application/octet-stream")
            self.send_header("Content-Length", str(len(response["body"])))
            self.end_headers()
            self.wfile.write(response["body"])

        def log_message(self, *args):
            pass

    cert_file, key_file = _certificate(tmp_path)
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert_file, key_file)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    monkeypatch.setenv("REQUESTS_CA_BUNDLE", str(cert_file))
    monkeypatch.setenv("DATABENTO_API_KEY", KEY)
    yield f"https://127.0.0.1:{server.server_address[1]}", requests_seen, response
    server.shutdown()


def test_month_range_covers_the_calendar_month():
    assert month_utc_range("2025-12") == (dt.datetime(2025, 12, 1, tzinfo=dt.UTC),
                                      dt.datetime(2026, 1, 1, tzinfo=dt.UTC))


def test_fetch_stores_the_definitions_beside_the_raw_month(tmp_path, month_files, databento_api):
    gateway, seen, _ = databento_api
    location = Location.at(str(tmp_path / "raw"))
    location.write_bytes(RAW, month_files[0])
    name = fetch(MONTH, location, gateway=gateway)
    assert name == f"ES.FUT.{MONTH}.definition.dbn.zst"
    assert location.read_bytes(name) == month_files[1]
    assert len(seen) == 1
    request = seen[0]
    assert request["path"] == "/v0/timeseries.get_range" and request["user"] == KEY
    assert {k: request[k] for k in ("dataset", "symbols", "stype_in", "schema")} == {
        "dataset": "GLBX.MDP3", "symbols": "ES.FUT", "stype_in": "parent", "schema": "definition"}
    assert request["start"].startswith("2025-11-01T00:00:00") and request["end"].startswith("2025-12-01T00:00:00")
    frame = read_raw(month_files[0], name=RAW, definition=location.read_bytes(name))
    assert frame["symbol"].str.startswith("ES").all()
    assert all(KEY.encode() not in p.read_bytes() for p in (tmp_path / "raw").iterdir())


def test_cli_fetch_into_the_raw_remote(tmp_path, month_files, databento_api, monkeypatch, capsys):
    import shutil
    import subprocess
    import sys

    from tests.conftest import REPO_ROOT

    gateway, seen, _ = databento_api
    repo = tmp_path / "repo"
    shutil.copytree(REPO_ROOT / "params", repo / "params")
    (repo / "pipelines").mkdir()
    shutil.copy(REPO_ROOT / "pipelines" / "per-month.yaml", repo / "pipelines")
    subprocess.run(["git", "init", "-q"], cwd=repo, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=repo, check=True)
    (repo / ".dvc" / "config").write_text("['remote \"raw\"']\n    url = ../storage/raw\n")
    (repo / "storage" / "raw").mkdir(parents=True)
    (repo / "storage" / "raw" / RAW).write_bytes(month_files[0])
    monkeypatch.chdir(repo)
    assert main(["definitions", "fetch", "--month", MONTH, "--gateway", gateway]) == 0
    assert (repo / "storage" / "raw" / f"ES.FUT.{MONTH}.definition.dbn.zst").read_bytes() == month_files[1]
    assert main(["months", "sync"]) == 0
    assert f"symbols: ES.FUT.{MONTH}.definition.dbn.zst" in (repo / "params" / "months.yaml").read_text()
    assert KEY not in capsys.readouterr().out


def test_fetch_fails_clearly_and_stores_nothing(tmp_path, month_files, databento_api, monkeypatch):
    gateway, _, response = databento_api
    location = Location.at(str(tmp_path / "raw"))
    location.write_bytes(RAW, month_files[0])
    response.update(status=401, body=b'{"detail": "Authentication failed."}')
    with pytest.raises(PipelineError, match=r"ES.FUT month 2025-11: download failed \(BentoClientError") as err:
        fetch(MONTH, location, gateway=gateway)
    assert KEY not in str(err.value)
    response.update(status=200, body=month_files[0])  # ohlcv records, not definitions
    with pytest.raises(PipelineError, match="expected definitions; nothing stored"):
        fetch(MONTH, location, gateway=gateway)
    with pytest.raises(PipelineError, match="month 2025-10: no raw"):
        fetch("2025-10", location, gateway=gateway)
    monkeypatch.delenv("DATABENTO_API_KEY")
    with pytest.raises(PipelineError, match="DATABENTO_API_KEY"):
        fetch(MONTH, location, gateway=gateway)
    assert location.list() == [RAW]
