"""The demo's closing summary: rows per month, win rate per mode in params order, where to look."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from es_pipeline.ops.demo import summary_text

REPO_PARAMS = Path(__file__).resolve().parents[3] / "params"
MODES = ("low_vol_long", "normal_vol_long", "high_vol_long", "low_vol_short", "normal_vol_short", "high_vol_short")


def test_summary_lists_months_modes_and_outputs(tmp_path):
    shutil.copytree(REPO_PARAMS, tmp_path / "params")
    (tmp_path / "metrics").mkdir()
    (tmp_path / "plots").mkdir()
    (tmp_path / "metrics" / "summary.json").write_text(json.dumps({
        "rows": 529_200,
        "win": {"all": 0.035, **{mode: 0.01 * (i + 1) for i, mode in enumerate(sorted(MODES))}},
    }))
    (tmp_path / "plots" / "months.csv").write_text(
        "month,rows,sessions,early_close_sessions,filled_fraction,dropped\n"
        "2025-11,502200,19,1,0.0414,3\n2025-12,27000,1,0,0.5,0\n")
    text = summary_text(tmp_path / "metrics", "reports", tmp_path / "params", tmp_path / "plots")
    rows = {line.split()[0]: line.split()[1:] for line in text.splitlines() if line.startswith("2025-")}
    assert rows == {"2025-11": ["502,200", "19", "4.1%"], "2025-12": ["27,000", "1", "50.0%"]}
    mode_lines = [line.split()[0] for line in text.splitlines() if line.strip().startswith(MODES)]
    assert mode_lines == list(MODES)
    rates = {line.split()[0]: line.split()[1] for line in text.splitlines() if line.strip().startswith(MODES)}
    assert rates["high_vol_long"] == "1.0%"  # alphabetically first in the file, third printed
    assert "529,200" in text and "reports/report.html" in text and "reports/index.html" in text
    assert "model.html" not in text  # no model stage has run
    (tmp_path / "metrics" / "model_modes.json").write_text(json.dumps({"split": {"reason": "2 month(s) listed"}}))
    text = summary_text(tmp_path / "metrics", "reports", tmp_path / "params", tmp_path / "plots")
    assert "baseline model:      reports/model.html (not trained: 2 month(s) listed)" in text


def test_local_remotes_are_pinned_absolute_and_others_left_alone(tmp_path):
    import subprocess
    import sys

    from es_pipeline.ops.demo import pin_local_remotes

    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([sys.executable, "-m", "dvc", "init", "-q"], cwd=tmp_path, check=True)
    (tmp_path / ".dvc" / "config").write_text(
        "['remote \"raw\"']\n    url = ../storage/raw\n['remote \"storage\"']\n    url = ../storage/dvc-remote\n"
        "['remote \"s3\"']\n    url = s3://bucket/es\n")
    (tmp_path / ".dvc" / "config.local").write_text("['remote \"storage\"']\n    url = /elsewhere/dvc\n")
    assert pin_local_remotes(tmp_path) == {"raw": str(tmp_path / "storage" / "raw")}
    local = (tmp_path / ".dvc" / "config.local").read_text()
    assert f"url = {tmp_path / 'storage' / 'raw'}" in local and "url = /elsewhere/dvc" in local
    assert pin_local_remotes(tmp_path) == {}  # idempotent
