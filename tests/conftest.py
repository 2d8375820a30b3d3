"""Fixtures shared by unit and integration tests: paths, a real S3-compatible server, a headless browser."""

from __future__ import annotations

import logging
import socket
from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parents[1]
DATABENTO_FIXTURES = REPO_ROOT / "tests" / "fixtures" / "databento"
S3_CREDENTIALS = {
    "AWS_ACCESS_KEY_ID": "testing",
    "AWS_SECRET_ACCESS_KEY": "loopback-only-secret-7f3a9c",
    "AWS_DEFAULT_REGION": "us-east-1",
}


@pytest.fixture(autouse=True)
def pipeline_logger_restored():
    """``setup_logging`` (a runner or the CLI called in a test) points the pipeline's logger at that test's
    captured stream, closed when the test ends, and stops propagation, which hides records from
    ``caplog``: every test gets the logger back as it found it, whatever ran before it on the worker."""
    log = logging.getLogger("es_pipeline")
    saved = (list(log.handlers), log.propagate, log.level)
    yield
    log.handlers[:] = saved[0]
    log.propagate, log.level = saved[1], saved[2]


@pytest.fixture(scope="session")
def databento_fixtures() -> Path:
    assert DATABENTO_FIXTURES.is_dir(), f"Databento sample files expected at {DATABENTO_FIXTURES}"
    return DATABENTO_FIXTURES


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="session")
def s3_server():
    """moto's S3 server on loopback, reached over real HTTP by boto3 and by DVC subprocesses."""
    from moto.server import ThreadedMotoServer

    logging.getLogger("werkzeug").setLevel(logging.WARNING)  # one line per request otherwise
    port = _free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    yield f"http://127.0.0.1:{port}"
    server.stop()


@pytest.fixture
def s3_env(s3_server, monkeypatch):
    """Credentials for the loopback server only; returns its endpoint URL."""
    for key, value in S3_CREDENTIALS.items():
        monkeypatch.setenv(key, value)
    for key in ("AWS_PROFILE", "AWS_SESSION_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    return s3_server


@pytest.fixture
def s3_bucket(s3_env):
    """A fresh bucket on the loopback server: (endpoint_url, bucket name)."""
    import uuid

    import boto3

    name = f"es-{uuid.uuid4().hex[:12]}"
    boto3.client("s3", endpoint_url=s3_env).create_bucket(Bucket=name)
    return s3_env, name


@pytest.fixture(scope="session")
def browser():
    """Debian's chromium, headless and offline (see tests/browser.py)."""
    from playwright.sync_api import sync_playwright

    from tests.browser import OfflineBrowser

    with sync_playwright() as playwright:
        offline = OfflineBrowser(playwright)
        yield offline
        offline.close()
