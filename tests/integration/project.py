"""A throw-away copy of this repository in which tests run the real dvc / papermill commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "es-pipeline tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "es-pipeline tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}
RESULTS = ("data", "reports", "metrics", "plots", "storage", "dvc.lock")


class Project:
    def __init__(self, root: Path, env: dict[str, str] | None = None):
        self.root = root
        self.env = {**os.environ, **GIT_IDENTITY, "PATH": f"{BIN}{os.pathsep}{os.environ['PATH']}",
                    "DVC_NO_ANALYTICS": "1", **(env or {})}

    @classmethod
    def copy_of_repo(cls, target: Path, env: dict[str, str] | None = None) -> Project:
        """Copy the files git would ship (no results, no caches), then commit them in a new repo."""
        listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=REPO_ROOT,
                                check=True, capture_output=True, text=True).stdout.split("\n")
        for name in filter(None, listed):
            if name.split("/")[0] in RESULTS or not (REPO_ROOT / name).is_file():
                continue
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, target / name)
        project = cls(target, env)
        project.git("init", "-q", "-b", "main")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "copy")
        return project

    @classmethod
    def reproduced(cls, target: Path, months: tuple[str, ...], days: int) -> Project:
        """A copy with ``days`` generated trading days per month, after a full ``dvc repro``."""
        project = cls.copy_of_repo(target)
        for month in months:
            project.generate(month, days=days)
        project.dvc("repro")
        return project

    @classmethod
    def committed_month(cls, target: Path, month: str, days: int = 1) -> Project:
        """A copy listing only ``month`` (``days`` trading days), reproduced and committed as the baseline."""
        project = cls.copy_of_repo(target)
        project.generate(month, days=days)
        project.es("months", "sync")
        project.dvc("repro")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "reproduced")
        return project

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def git(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("git", *args)

    def dvc(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "dvc"), *args, check=check)

    def es(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "es-pipeline"), *args, check=check)

    def generate(self, month: str, days: int, folder: str = "storage/raw") -> Path:
        path = self.root / folder / f"ES.FUT.{month}.ohlcv-1s.dbn.zst"
        self.es("generate", "--month", month, "--out", str(path), "--days", str(days))
        return path

    def changed_stages(self) -> set[str]:
        """Stages `dvc status` reports as changed (would rerun)."""
        return set(json.loads(self.dvc("status", "--json").stdout or "{}"))

    def read_json(self, name: str) -> dict:
        return json.loads((self.root / name).read_text())

    def snapshot(self, *patterns: str) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes()
                for pattern in patterns for p in sorted(self.root.glob(pattern)) if p.is_file()}
