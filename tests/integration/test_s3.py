"""The pipeline against S3 for real over HTTP: an S3-compatible server (moto) on loopback.

Raw months are read from the `raw` remote in S3, outputs are pushed to the default remote
in S3, and a fresh clone pulls identical files — the same code paths as with AWS.
"""

from __future__ import annotations

import shutil
import subprocess

import boto3
import pytest

from tests.conftest import S3_CREDENTIALS
from tests.integration.project import Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("s3")]
MONTH = "2025-12"
RAW = f"ES.FUT.{MONTH}.ohlcv-1s.dbn.zst"


def point_remotes_at_s3(project: Project, endpoint: str, bucket: str) -> None:
    for remote, prefix in (("raw", "raw"), ("storage", "dvc")):
        project.dvc("remote", "modify", "--local", remote, "url", f"s3://{bucket}/{prefix}")
        project.dvc("remote", "modify", "--local", remote, "endpointurl", endpoint)


def test_repro_from_s3_push_and_pull_into_a_fresh_clone(tmp_path, s3_bucket):
    endpoint, bucket = s3_bucket
    s3 = boto3.client("s3", endpoint_url=endpoint)
    project = Project.copy_of_repo(tmp_path / "origin")
    (project.root / "params" / "months.yaml").write_text(
        f'months:\n  "{MONTH}": {{raw: {RAW}, partition: year=2025/month=12}}\n')
    local_raw = project.generate(MONTH, days=1, folder="generated")
    s3.upload_file(str(local_raw), bucket, f"raw/{RAW}")
    shutil.rmtree(project.root / "generated")
    point_remotes_at_s3(project, endpoint, bucket)

    logs = project.dvc("repro")
    logs = logs.stdout + logs.stderr + project.dvc("push").stdout
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "one month from S3")
    lock = (project.root / "dvc.lock").read_text()
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
    for path in [*written, project.root / "dvc.lock"]:
        assert secret.encode() not in path.read_bytes(), f"credential leaked into {path}"
    assert secret not in logs and f"raw/{RAW}" in logs

    assert project.changed_stages() == set()
    other = project.generate(MONTH, days=2, folder="generated")
    s3.upload_file(str(other), bucket, f"raw/{RAW}")
    assert project.changed_stages() == {f"filter@{MONTH}"}
