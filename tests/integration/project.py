"""A throw-away copy of this repository in which tests run the real dvc / papermill commands."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterable
from pathlib import Path

import yaml

from es_pipeline.core.params import MonthEntry
from es_pipeline.ops.months import write
from es_pipeline.ops.pipelines import lock_files

REPO_ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
GIT_IDENTITY = {
    "GIT_AUTHOR_NAME": "es-pipeline tests", "GIT_AUTHOR_EMAIL": "tests@example.invalid",
    "GIT_COMMITTER_NAME": "es-pipeline tests", "GIT_COMMITTER_EMAIL": "tests@example.invalid",
}
RESULTS = ("data", "reports", "metrics", "plots", "storage", "dvc.lock")


def raw_name(month: str) -> str:
    return f"ES.FUT.{month}.ohlcv-1s.dbn.zst"


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
            if name.split("/")[0] in RESULTS or name.endswith("/dvc.lock") or not (REPO_ROOT / name).is_file():
                continue
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(REPO_ROOT / name, target / name)
        project = cls(target, env)
        project.git("init", "-q", "-b", "main")
        project.git("add", "-A")
        project.git("commit", "-q", "-m", "copy")
        return project

    @classmethod
    def reproduced(cls, target: Path, months: tuple[str, ...], days: int, commit: bool = False) -> Project:
        """A copy with ``days`` generated trading days per month, after a full ``dvc repro`` (committed if asked)."""
        project = cls.copy_of_repo(target)
        for month in months:
            project.generate(month, days=days)
        project.dvc("repro")
        if commit:
            project.commit_all("reproduced")
        return project

    @classmethod
    def committed_month(cls, target: Path, month: str, days: int = 1) -> Project:
        """A copy listing only ``month`` (``days`` trading days), reproduced and committed as the baseline."""
        project = cls.copy_of_repo(target)
        project.generate(month, days=days)
        project.es("months", "sync")
        project.dvc("repro")
        project.commit_all("reproduced")
        return project

    def run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        result = subprocess.run(list(args), cwd=self.root, env=self.env, capture_output=True, text=True)
        if check and result.returncode != 0:
            raise AssertionError(f"{' '.join(args)} failed ({result.returncode}):\n{result.stdout}\n{result.stderr}")
        return result

    def git(self, *args: str) -> subprocess.CompletedProcess:
        return self.run("git", *args)

    def commit_all(self, message: str) -> None:
        self.git("add", "-A")
        self.git("commit", "-q", "-m", message)

    def dvc(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "dvc"), *args, check=check)

    def es(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        return self.run(str(BIN / "es-pipeline"), *args, check=check)

    def generate(self, month: str, days: int, folder: str = "storage/raw") -> Path:
        path = self.root / folder / raw_name(month)
        self.es("generate", "--month", month, "--out", str(path), "--days", str(days))
        return path

    def set_months(self, months: dict[str, MonthEntry] | Iterable[str]) -> None:
        """List these months, as `es-pipeline months sync` would (params/months.yaml and the year files);
        months given by name hold the raw files ``generate`` writes."""
        if not isinstance(months, dict):
            months = {m: MonthEntry.of(m, raw_name(m), raw_name(m)) for m in months}
        write(months, self.root)

    def changed_stages(self) -> set[str]:
        """Names of the stages `dvc status` reports as changed (would rerun), without their pipeline file."""
        return {key.rsplit(":", 1)[-1] for key in json.loads(self.dvc("status", "--json").stdout or "{}")}

    def lock_stages(self, rev: str | None = None) -> dict[str, dict]:
        """Every stage's lock entry from all lock files: in the workspace, or at git revision ``rev``."""
        if rev is None:
            texts = [p.read_text() for p in lock_files(self.root)]
        else:
            names = self.git("ls-tree", "-r", "--name-only", rev, "--", "dvc.lock", "pipelines").stdout.split()
            texts = [self.git("show", f"{rev}:{name}").stdout for name in names if name.endswith("dvc.lock")]
        return {name: entry for text in texts for name, entry in (yaml.safe_load(text) or {}).get("stages", {}).items()}

    def data_hashes(self, rev: str | None = None) -> dict[str, str]:
        """md5 of every recorded data output (not the executed notebooks and pages)."""
        return {o["path"]: o["md5"] for stage in self.lock_stages(rev).values() for o in stage.get("outs", [])
                if o["path"].startswith("data/")}

    def lock_bytes(self) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes() for p in lock_files(self.root)}

    def read_json(self, name: str) -> dict:
        return json.loads((self.root / name).read_text())

    def snapshot(self, *patterns: str) -> dict[str, bytes]:
        return {str(p.relative_to(self.root)): p.read_bytes()
                for pattern in patterns for p in sorted(self.root.glob(pattern)) if p.is_file()}
