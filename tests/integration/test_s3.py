"""The pipeline against S3 for real over HTTP: an S3-compatible server (moto) on loopback.

Raw months are read from the `raw` remote in S3, outputs are pushed to the default remote
in S3, and a fresh clone pulls identical files — the same code paths as with AWS.
"""

from __future__ import annotations

import shutil
import socket
import subprocess

import boto3
import pytest

from es_pipeline.ops.pipelines import lock_files
from tests.conftest import S3_CREDENTIALS
from tests.integration.project import Project, raw_name

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("s3")]
MONTH = "2025-12"
RAW = raw_name(MONTH)


def point_remotes_at_s3(project: Project, endpoint: str, bucket: str) -> None:
    for remote, prefix in (("raw", "raw"), ("storage", "dvc")):
        project.dvc("remote", "modify", "--local", remote, "url", f"s3://{bucket}/{prefix}")
        project.dvc("remote", "modify", "--local", remote, "endpointurl", endpoint)


def one_month_from_s3(project: Project, s3, bucket: str) -> None:
    project.set_months([MONTH])
    local_raw = project.generate(MONTH, days=1, folder="generated")
    s3.upload_file(str(local_raw), bucket, f"raw/{RAW}")
    shutil.rmtree(project.root / "generated")


def test_repro_from_s3_push_and_pull_into_a_fresh_clone(tmp_path, s3_bucket):
    endpoint, bucket = s3_bucket
    s3 = boto3.client("s3", endpoint_url=endpoint)
    project = Project.copy_of_repo(tmp_path / "origin")
    one_month_from_s3(project, s3, bucket)
    point_remotes_at_s3(project, endpoint, bucket)

    logs = project.dvc("repro")
    logs = logs.stdout + logs.stderr + project.dvc("push").stdout
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "one month from S3")
    lock = (project.root / "pipelines" / MONTH[:4] / "dvc.lock").read_text()
    assert f"remote://raw/{RAW}" in lock and "etag" in lock
    assert not (project.root / "storage").exists(), "nothing may fall back to the local folders"
    pushed = s3.list_objects_v2(Bucket=bucket, Prefix="dvc/")["KeyCount"]
    assert pushed >= 10  # data, executed notebooks, dataset partitions, report

    clone = Project(tmp_path / "clone", project.env)
    subprocess.run(["git", "clone", "-q", str(project.root), str(clone.root)], check=True)
    shutil.copy(project.root / ".dvc" / "config.local", clone.root / ".dvc" / "config.local")
    clone.dvc("pull")
    outputs = ("data/**/*.parquet", "reports/**/*.ipynb", "reports/*.html", "metrics/**/*.json")
    assert clone.snapshot(*outputs) == project.snapshot(*outputs)
    assert (clone.root / "reports" / "filter" / f"{MONTH}.ipynb").exists()

    secret = S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"]
    written = [p for folder in ("data", "reports", "metrics", "plots", "params", ".dvc")
               for p in (project.root / folder).rglob("*") if p.is_file()]
    for path in [*written, *lock_files(project.root)]:
        assert secret.encode() not in path.read_bytes(), f"credential leaked into {path}"
    assert secret not in logs and f"raw/{RAW}" in logs

    assert project.changed_stages() == set()
    other = project.generate(MONTH, days=2, folder="generated")
    s3.upload_file(str(other), bucket, f"raw/{RAW}")
    assert project.changed_stages() == {f"filter@{MONTH}"}


def test_credentials_only_in_dvc_config_local_serve_dvc_and_the_filter_stage(tmp_path, s3_bucket):
    """Before: DVC used them but the stage's own boto3 client failed with NoCredentialsError."""
    endpoint, bucket = s3_bucket
    s3 = boto3.client("s3", endpoint_url=endpoint)
    no_aws_env = {"AWS_ACCESS_KEY_ID": "", "AWS_SECRET_ACCESS_KEY": "", "AWS_EC2_METADATA_DISABLED": "true",
                  "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"), "AWS_CONFIG_FILE": str(tmp_path / "none")}
    project = Project.copy_of_repo(tmp_path / "origin", env=no_aws_env)
    one_month_from_s3(project, s3, bucket)
    point_remotes_at_s3(project, endpoint, bucket)
    for remote in ("raw", "storage"):
        project.dvc("remote", "modify", "--local", remote, "access_key_id", S3_CREDENTIALS["AWS_ACCESS_KEY_ID"])
        project.dvc("remote", "modify", "--local", remote, "secret_access_key", S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"])

    project.dvc("repro", f"pipelines/{MONTH[:4]}/dvc.yaml:filter@{MONTH}")
    assert (project.root / "data" / "filtered" / f"{MONTH}.parquet").exists()
    project.dvc("push", f"pipelines/{MONTH[:4]}/dvc.yaml:filter@{MONTH}")
    assert s3.list_objects_v2(Bucket=bucket, Prefix="dvc/")["KeyCount"] >= 2

    with socket.socket() as sock:  # a loopback port nothing listens on
        sock.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{sock.getsockname()[1]}"
    project.dvc("remote", "modify", "--local", "raw", "endpointurl", closed)
    result = project.es("filter", f"remote://raw/{RAW}", "--month", MONTH, "--out", "f.parquet", check=False)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"error: s3://{bucket}/raw/{RAW}, month {MONTH}: cannot connect to the storage endpoint" in result.stderr
    assert S3_CREDENTIALS["AWS_SECRET_ACCESS_KEY"] not in result.stdout + result.stderr
