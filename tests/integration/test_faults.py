"""Faults of issue 20 that need the real thing: `dvc repro`, `es-pipeline repro` on a Dask LocalCluster, S3.

One reproduced project (2025-11 and 2025-12, one trading day each, committed like a user's
repository after `make demo`); the tests run in order on one worker and each leaves it clean.
The README's own flows are run as the README writes them.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time

import boto3
import pytest
import yaml
import zstandard

from tests.conftest import S3_CREDENTIALS, _free_port
from tests.integration.project import BIN, REPO_ROOT, Project

pytestmark = [pytest.mark.integration, pytest.mark.xdist_group("faults")]
MONTHS = ("2025-11", "2025-12")
WAIT = 900  # seconds: a bound on every wait for a child process, far above the expected time
OUTPUTS = ("data/**/*", "metrics/**/*", "plots/**/*")


@pytest.fixture(scope="module")
def project(tmp_path_factory) -> Project:
    return Project.reproduced(tmp_path_factory.mktemp("faults"), MONTHS, days=1, commit=True)


def es_repro(project: Project, **env: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / "es-pipeline"), "repro", "--jobs", "2"], cwd=project.root,
                          env={**project.env, **env}, capture_output=True, text=True, timeout=WAIT)


def error_line(result: subprocess.CompletedProcess) -> str:
    """The command's one `error:` line (and no traceback)."""
    errors = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert result.returncode == 2 and len(errors) == 1 and "Traceback" not in result.stderr, result.stderr
    return errors[0]


def raw(month: str) -> str:
    return f"storage/raw/ES.FUT.{month}.ohlcv-1s.dbn.zst"


def progress(result: subprocess.CompletedProcess) -> list[str]:
    return [line for line in result.stdout.splitlines() if line.startswith("[")]


def readme_blocks(heading: str) -> list[list[str]]:
    """The commands of each bash block in a README section (up to the next heading of its level)."""
    level, blocks, inside, fence = len(heading.split()[0]), [], False, None
    for line in (REPO_ROOT / "README.md").read_text().splitlines():
        if line.startswith("```"):
            fence = None if fence is not None else line
            if fence == "```bash" and inside:
                blocks.append([])
        elif fence is None and line.startswith("#"):
            if inside and len(line.split()[0]) <= level:
                break
            inside = inside or line.startswith(heading)
        elif inside and fence == "```bash" and line.strip() and not line.startswith("#"):
            blocks[-1].append(line.split("  #", 1)[0].strip())
    return blocks


@pytest.mark.parametrize(("name", "old", "new"), [
    ("market", "tick_size: 0.25", "tick_size: -1"),
    ("filter", "bad_rows: error", "bad_rows: maybe"),
    ("label", "timeout_seconds: 900", "timeout_seconds: -5"),
    ("features", "vwap_price: typical", "vwap_price: mid"),
    ("dataset", "decay_rate: 0.05", "decay_rate: -0.1"),  # deleted data/dataset/_decay.csv
])
def test_a_bad_value_deletes_nothing_in_any_stage(project, name, old, new):
    before = project.snapshot(*OUTPUTS)
    path = project.root / "params" / f"{name}.yaml"
    path.write_text(path.read_text().replace(old, new))
    try:
        assert project.dvc("repro", check=False).returncode != 0
        assert project.snapshot(*OUTPUTS) == before
        assert error_line(es_repro(project)).startswith(f"error: {project.root}/params/{name}.yaml: {name}.")
        assert project.snapshot(*OUTPUTS) == before
    finally:
        project.git("checkout", "-q", "HEAD", "--", "params")
    assert project.changed_stages() == set()


def test_a_failed_month_keeps_its_outputs_and_its_fix_reruns_one_stage(project):
    keep = ("data/filtered/2025-12.parquet", "metrics/filter/2025-12.json", "data/labels/2025-12.parquet")
    before = project.snapshot(*keep)
    good = (project.root / raw("2025-12")).read_bytes()
    (project.root / raw("2025-12")).write_bytes(good[: len(good) // 2])  # a truncated download
    failed = es_repro(project)
    assert failed.returncode == 1 and "failed month(s): 2025-12" in failed.stderr and "truncated" in failed.stderr
    assert project.snapshot(*keep) == before  # deleted, metrics included, by the old worker
    assert "truncated" in (project.root / "reports/filter/2025-12.ipynb").read_text()

    (project.root / raw("2025-12")).write_bytes(good)
    fixed = es_repro(project)
    assert fixed.returncode == 0, fixed.stdout + fixed.stderr
    ran = [line for line in progress(fixed) if "skipped" not in line]
    assert len(ran) == 1 and "2025-12 filter" in ran[0], fixed.stdout  # the old plan ran 4
    assert len([line for line in progress(fixed) if "skipped: its inputs are as recorded" in line]) == 3
    assert project.snapshot(*keep) == before and project.changed_stages() == set()


def test_a_raw_object_rewritten_with_the_same_records_reruns_only_its_filter(project):
    """As when the raw remote moves to S3 (only the ETags change): the filter reruns, its output is the same."""
    path = project.root / raw("2025-11")
    plain = zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes())
    path.write_bytes(zstandard.ZstdCompressor(level=1).compress(plain))
    assert project.changed_stages() == {"filter@2025-11"}
    result = es_repro(project)
    assert result.returncode == 0, result.stdout + result.stderr
    assert [line for line in progress(result) if "skipped" not in line][0].split()[1:3] == ["2025-11", "filter"]
    assert len(progress(result)) == 4 and project.changed_stages() == set()
    project.git("commit", "-q", "-am", "2025-11 raw rewritten")


def test_a_second_run_in_the_workspace_is_refused_in_one_line(project):
    path = project.root / raw("2025-11")
    compressor = zstandard.ZstdCompressor().compressobj()  # a streamed frame: other bytes than the one-shot one
    path.write_bytes(compressor.compress(zstandard.ZstdDecompressor().decompressobj().decompress(path.read_bytes()))
                     + compressor.flush())
    assert project.changed_stages() == {"filter@2025-11"}
    first = subprocess.Popen([str(BIN / "es-pipeline"), "repro", "--jobs", "1"], cwd=project.root, env=project.env,
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        seen = []
        for line in first.stdout:  # the first run is in its Dask phase once it has counted its stages
            seen.append(line)
            if "stale per-month stage(s)" in line:
                break
        assert first.poll() is None, "".join(seen)
        first.send_signal(signal.SIGSTOP)  # hold it there: the second run must meet it whatever the timing
        try:
            second = es_repro(project)
        finally:
            first.send_signal(signal.SIGCONT)
        assert error_line(second).startswith(f"error: another es-pipeline repro (PID {first.pid}) is running in "
                                             f"{project.root}")
        rest = first.stdout.read()
        assert first.wait(timeout=WAIT) == 0, rest
    finally:
        if first.poll() is None:
            first.kill()
    assert project.changed_stages() == set()
    project.git("commit", "-q", "-am", "2025-11 raw rewritten again")


def test_readme_go_back_after_a_workspace_experiment(project):
    """An experiment in the workspace, then the README's way back: core.autostage staged the new lock files."""
    commands = [c for block in readme_blocks("## Experiments") for c in block]
    project.run("bash", "-c", next(c for c in commands if " exp run -n " in c and "--queue" not in c))
    assert project.git("status", "--porcelain", "--untracked-files=no").stdout  # the experiment's results
    for back in [c for c in commands if "dvc checkout" in c]:
        project.run("bash", "-c", back)
        assert project.git("status", "--porcelain", "--untracked-files=no").stdout == ""
        assert project.changed_stages() == set()


def test_readme_adding_a_month_never_pushes_a_corrupt_object(project):
    """The README's commands, with a byte flipped in the new month's cache object before the push.

    Outputs are hard links into the cache, so the workspace file is corrupt too: the repair is
    the README's for an output without a good copy (verify --repair drops it, dvc repro -f rebuilds).
    """
    project.generate("2026-01", days=1)
    commands = readme_blocks("### Adding a month")[0]
    push = next(c for c in commands if "push" in c)
    assert push == "es-pipeline push" and not [c for c in commands if c.startswith("dvc push")]
    for line in commands[: commands.index(push)]:
        project.run("bash", "-c", line)
    lock = yaml.safe_load((project.root / "pipelines/2026/dvc.lock").read_text())["stages"]  # a new year's file
    md5 = next(o["md5"] for o in lock["filter@2026-01"]["outs"] if o["path"].endswith(".parquet"))
    obj = project.root / ".dvc/cache/files/md5" / md5[:2] / md5[2:]
    remote = project.root / "storage/dvc-remote/files/md5" / md5[:2] / md5[2:]
    mode = obj.stat().st_mode
    os.chmod(obj, 0o644)
    obj.write_bytes(obj.read_bytes()[:-1] + b"\0")
    os.chmod(obj, mode)
    refused = project.run("bash", "-c", push, check=False)
    assert refused.returncode != 0 and f"cache {obj} (data/filtered/2026-01.parquet)" in refused.stderr
    assert not remote.exists()
    assert "removed:  data/filtered/2026-01.parquet" in project.es("verify", "--repair", check=False).stdout
    project.dvc("repro", "-f", "-s", "pipelines/2026/dvc.yaml:filter@2026-01")
    for line in commands[commands.index(push):]:
        project.run("bash", "-c", line)
    assert remote.exists() and project.git("status", "--porcelain", "--untracked-files=no").stdout == ""


def test_a_raw_remote_on_a_missing_bucket_is_one_line_and_deletes_nothing(project, s3_server):
    before = project.snapshot(*OUTPUTS)
    project.dvc("remote", "modify", "--local", "raw", "url", "s3://es-no-such-bucket/raw")
    project.dvc("remote", "modify", "--local", "raw", "endpointurl", s3_server)
    try:
        assert "no credentials for this remote" in error_line(es_repro(project))  # none in the environment
        result = es_repro(project, **S3_CREDENTIALS)
        assert "bucket not found" in result.stderr and "Traceback" not in result.stderr, result.stderr
        assert result.returncode != 0 and project.snapshot(*OUTPUTS) == before
    finally:
        (project.root / ".dvc" / "config.local").unlink()


@pytest.fixture(scope="module")
def s3_checking_signatures():
    """moto's S3 server with IAM on (signatures checked), one user allowed everything: (endpoint, key id, secret).

    Its own process: moto reads INITIAL_NO_AUTH_ACTION_COUNT once, at import (the first three requests,
    creating the user, its key and its policy, go unchecked).
    """
    port = _free_port()
    server = subprocess.Popen([str(BIN / "moto_server"), "-H", "127.0.0.1", "-p", str(port)],
                              env={**os.environ, "INITIAL_NO_AUTH_ACTION_COUNT": "3"},
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        while True:
            try:
                socket.create_connection(("127.0.0.1", port)).close()
                break
            except ConnectionRefusedError:
                assert server.poll() is None, "moto_server exited"
                time.sleep(0.1)
        endpoint = f"http://127.0.0.1:{port}"
        iam = boto3.client("iam", endpoint_url=endpoint, region_name="us-east-1",
                           aws_access_key_id="setup", aws_secret_access_key="setup")
        iam.create_user(UserName="es")
        key = iam.create_access_key(UserName="es")["AccessKey"]
        iam.put_user_policy(UserName="es", PolicyName="all", PolicyDocument=json.dumps(
            {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}))
        yield endpoint, key["AccessKeyId"], key["SecretAccessKey"]
    finally:
        server.terminate()
        server.wait(timeout=60)


def test_a_wrong_s3_secret_is_one_line_and_deletes_nothing(project, s3_checking_signatures):
    endpoint, key_id, secret = s3_checking_signatures
    s3 = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1", aws_access_key_id=key_id,
                      aws_secret_access_key=secret)
    s3.create_bucket(Bucket="es-raw")
    for path in (project.root / "storage/raw").iterdir():
        s3.upload_file(str(path), "es-raw", f"raw/{path.name}")
    before = project.snapshot(*OUTPUTS)
    for option, value in (("url", "s3://es-raw/raw"), ("endpointurl", endpoint), ("access_key_id", key_id),
                          ("secret_access_key", "not-the-secret")):
        project.dvc("remote", "modify", "--local", "raw", option, value)
    try:
        line = error_line(es_repro(project))
        assert "access denied: the credentials in use are wrong" in line and "not-the-secret" not in line
        assert project.snapshot(*OUTPUTS) == before
    finally:
        (project.root / ".dvc" / "config.local").unlink()
