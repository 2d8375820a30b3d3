"""`es-pipeline repro` on Dask: a LocalCluster, and two "machines" sharing only git and S3.

The parallel run must leave DVC exactly where a serial `dvc repro` would: same data hashes in
the lock files, clean `dvc status`, nothing left for a second run; a corrupt month fails alone.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import boto3
import pytest
import zstandard

from tests.conftest import _free_port
from tests.integration.project import BIN, Project, raw_name

pytestmark = [pytest.mark.integration]
MONTHS = ("2025-10", "2025-11", "2025-12")
WAIT = 900  # seconds: a bound on every wait for a child process, far above the expected time


def es_repro(project: Project, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "es-pipeline"), "repro", *args], cwd=project.root, env=project.env,
                          capture_output=True, text=True, timeout=WAIT)


@pytest.mark.xdist_group("parallel")
def test_local_cluster_matches_serial_and_a_corrupt_month_fails_alone(tmp_path):
    serial = Project.copy_of_repo(tmp_path / "serial")
    serial.set_months(MONTHS)
    for month in MONTHS:
        serial.generate(month, days=1)
    serial.dvc("repro")

    project = Project.copy_of_repo(tmp_path / "parallel")
    project.set_months(MONTHS)
    shutil.copytree(serial.root / "storage" / "raw", project.root / "storage" / "raw")
    corrupt = project.root / "storage" / "raw" / f"ES.FUT.{MONTHS[1]}.ohlcv-1s.dbn.zst"
    good = corrupt.read_bytes()
    corrupt.write_bytes(b"not a DBN file")

    first = es_repro(project, "--jobs", "2")
    assert first.returncode == 1, first.stdout + first.stderr
    assert "failed month(s): 2025-11" in first.stderr
    assert f"filter@{MONTHS[1]}: on " in first.stderr and f"reports/filter/{MONTHS[1]}.ipynb" in first.stderr
    assert "dashboard http://127.0.0.1:" in first.stdout
    assert "[8/12] " in first.stdout and "[9/12] " not in first.stdout  # 3 months x 4 stages, one month failed
    assert (project.root / "reports" / "filter" / f"{MONTHS[1]}.ipynb").exists()  # holds the traceback
    assert project.changed_stages() == {f"{s}@{MONTHS[1]}" for s in ("filter", "label", "featurize", "dataset")} | {
        "decay", "report", "site", "code-model", "model"}  # the run stopped before `dvc repro` of the rest

    corrupt.write_bytes(good)
    second = es_repro(project, "--jobs", "2")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "4 stale per-month stage(s)" in second.stdout
    assert project.changed_stages() == set()
    assert project.data_hashes() == serial.data_hashes()
    assert len(project.data_hashes()) == 3 * 4 + 1 + 5  # filtered, labels, features, partition per month;
    # decay; the five code-<step> fingerprints (filter, label, featurize, dataset, model)
    assert "nothing to do" in es_repro(project, "--jobs", "2").stdout  # no cluster started
    assert "Running stage" not in project.dvc("repro").stdout


def start(args: list[str], cwd: Path, env: dict, log: Path) -> subprocess.Popen:
    cwd.mkdir(parents=True, exist_ok=True)
    return subprocess.Popen(args, cwd=cwd, env=env, stdout=log.open("w"), stderr=subprocess.STDOUT)


@pytest.mark.xdist_group("s3")
def test_two_machines_share_only_git_and_s3(tmp_path, s3_bucket):
    endpoint, bucket = s3_bucket
    months = MONTHS[1:]
    bare = tmp_path / "origin.git"
    subprocess.run(["git", "init", "-q", "--bare", str(bare)], check=True)
    project = Project.copy_of_repo(tmp_path / "caller")
    project.set_months(months)
    s3 = boto3.client("s3", endpoint_url=endpoint)
    for month in months:
        raw = project.generate(month, days=1, folder="generated")
        s3.upload_file(str(raw), bucket, f"raw/{raw.name}")
    shutil.rmtree(project.root / "generated")
    for remote, prefix in (("raw", "raw"), ("storage", "dvc")):  # committed: the workers' clones need them
        project.dvc("remote", "modify", remote, "url", f"s3://{bucket}/{prefix}")
        project.dvc("remote", "modify", remote, "endpointurl", endpoint)
    project.git("add", "-A")
    project.git("commit", "-q", "-m", "remotes on S3")
    project.git("remote", "add", "origin", str(bare))

    port = _free_port()
    env = {**project.env, "DASK_DISTRIBUTED__WORKER__DAEMON": "False"}
    logs = tmp_path / "logs"
    logs.mkdir()
    procs = [start([str(BIN / "dask"), "scheduler", "--host", "127.0.0.1", "--port", str(port),
                    "--dashboard-address", "127.0.0.1:0"], tmp_path / "scheduler", env, logs / "scheduler.log")]
    try:
        for n in (1, 2):
            procs.append(start([str(BIN / "dask"), "worker", f"tcp://127.0.0.1:{port}", "--nthreads", "1",
                                "--host", "127.0.0.1", "--no-nanny"], tmp_path / f"machine{n}", env,
                               logs / f"worker{n}.log"))
        from distributed import Client

        with Client(f"tcp://127.0.0.1:{port}", timeout="60s") as client:
            client.wait_for_workers(2, timeout=120)
        run = es_repro(project, "--scheduler", f"tcp://127.0.0.1:{port}", "--git-remote", "origin")
        assert run.returncode == 0, run.stdout + run.stderr + "".join(p.read_text() for p in logs.iterdir())

        # the raw month stored again, recompressed (a new ETag, the same records): its filter reruns in
        # a clone and writes the same bytes, so the month's other stages are skipped, not rerun
        key = f"raw/{raw_name(months[0])}"
        plain = zstandard.ZstdDecompressor().decompressobj().decompress(
            s3.get_object(Bucket=bucket, Key=key)["Body"].read())
        s3.put_object(Bucket=bucket, Key=key, Body=zstandard.ZstdCompressor(level=1).compress(plain))
        again = es_repro(project, "--scheduler", f"tcp://127.0.0.1:{port}", "--git-remote", "origin")
        assert again.returncode == 0, again.stdout + again.stderr
        progress = [line for line in again.stdout.splitlines() if line.startswith("[")]
        assert [line.split()[1:3] for line in progress if "skipped" not in line] == [[months[0], "filter"]]
        assert len([line for line in progress if "skipped: its inputs are as recorded" in line]) == 3
    finally:
        for proc in procs:
            proc.terminate()
            proc.wait(timeout=60)

    assert project.changed_stages() == set()
    assert not (project.root / "storage").exists()
    workers = {line.split()[-1] for line in run.stdout.splitlines() if line.startswith("[")}
    assert len(workers) == 2, run.stdout  # both machines took stages
    for n in (1, 2):  # each machine reproduced in its own clone
        assert list((tmp_path / f"machine{n}" / "es-pipeline-clones").iterdir())
    clones = [p for n in (1, 2) for p in (tmp_path / f"machine{n}" / "es-pipeline-clones").iterdir()]
    assert all(not str(p).startswith(str(project.root)) for p in clones)
    lock = project.lock_stages()
    assert {f"filter@{m}" for m in months} <= set(lock) and "report" in lock
    assert (project.root / "data" / "dataset" / "year=2025" / "month=12" / "part-0.parquet").exists()
    assert os.path.getsize(project.root / "reports" / "report.html") > 10_000
