"""Re-hash the DVC cache and the workspace outputs against the lock files, before anything is pushed.

DVC trusts its local cache: an object made read-only when it was stored is never hashed
again, so a flipped byte in ``.dvc/cache`` passes ``dvc status``, is uploaded by ``dvc push``
under its good hash and is even checked out over a freshly correct output by ``dvc repro -f``
(the object "already exists"). This re-hashes every object and output the lock files name, the
way DVC computes them (md5 of the bytes, ``.dir`` objects included), and reports each
mismatch. ``repair`` removes corrupt objects from the cache (as DVC's own check does) and
stores them again from workspace files that hash correctly; what cannot be restored that
way comes back with ``dvc repro -f <stage>`` or ``dvc pull``.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING

from es_pipeline.core.errors import PipelineError
from es_pipeline.core.logs import log

if TYPE_CHECKING:
    from dvc.output import Output
    from dvc.repo import Repo
    from dvc_data.hashfile.db import HashFileDB


MISSING = "missing"  # a Mismatch's ``actual`` when the cache holds no object at all


@dataclass(frozen=True)
class Mismatch:
    where: str  # "cache" or "workspace"
    path: str  # the file that was hashed
    output: str  # the recorded output (and file inside a directory output) it should hold
    expected: str
    actual: str

    def __str__(self) -> str:
        return f"{self.where} {self.path} ({self.output}): expected {self.expected}, actual {self.actual}"


@dataclass
class Report:
    checked: int = 0
    missing: list[str] = field(default_factory=list)  # absent from cache or workspace: nothing to check
    mismatches: list[Mismatch] = field(default_factory=list)
    repaired: list[str] = field(default_factory=list)  # stored again from a good workspace file
    removed: list[str] = field(default_factory=list)  # dropped from the cache, to be rebuilt or pulled

    @property
    def ok(self) -> bool:
        return not self.mismatches


class _Checker:
    def __init__(self, report: Report):
        self.report = report
        self.seen: set[tuple[str, str]] = set()

    def file(self, where: str, path: str, output: str, expected: str, name: str) -> bool:
        """Hash one file; True if it holds ``expected``.

        A missing cache object is a mismatch: ``dvc push`` would leave the remote without it. A
        workspace output that is not checked out is only counted (push reads the cache).
        """
        from dvc_data.hashfile.hash import file_md5

        if not os.path.isfile(path):
            if where == "cache":
                self.report.mismatches.append(Mismatch(where, path, output, expected, MISSING))
            else:
                self.report.missing.append(f"{where} {path} ({output})")
            return False
        self.report.checked += 1
        actual = file_md5(path, name=name) + (".dir" if expected.endswith(".dir") else "")
        if actual != expected:
            self.report.mismatches.append(Mismatch(where, path, output, expected, actual))
            return False
        return True

    def tree(self, path: str, output: str, expected: str, name: str) -> None:
        """An uncached directory (no .dir object to list it): rebuild its tree hash from the files."""
        from dvc_data.hashfile.build import build
        from dvc_data.hashfile.db import HashFileDB
        from dvc_objects.fs.local import LocalFileSystem

        if not os.path.isdir(path):
            self.report.missing.append(f"workspace {path} ({output})")
            return
        fs = LocalFileSystem()
        _, _, obj = build(HashFileDB(fs, path), path, fs, name, dry_run=True)  # no state: every file re-read
        self.report.checked += 1
        if obj.hash_info.value != expected:
            self.report.mismatches.append(Mismatch("workspace", path, output, expected, str(obj.hash_info.value)))

    def cached(self, odb: HashFileDB, output: str, expected: str, name: str) -> bool:
        path = odb.oid_to_path(expected)
        if (path, expected) in self.seen:
            return not any(m.path == path for m in self.report.mismatches)
        self.seen.add((path, expected))
        return self.file("cache", path, output, expected, name)


def _check_output(out: Output, checker: _Checker) -> None:
    from dvc_data.hashfile.tree import Tree

    info, name = out.hash_info, out.hash_info.name
    target = str(out)
    if not out.use_cache and info.isdir:
        checker.tree(out.fs_path, target, info.value, name)
        return
    if not out.use_cache:
        checker.file("workspace", out.fs_path, target, info.value, name)
        return
    if not info.isdir:
        checker.cached(out.cache, target, info.value, name)
        checker.file("workspace", out.fs_path, target, info.value, name)
        return
    if not checker.cached(out.cache, target, info.value, name):
        return  # an unreadable listing names no files to check
    for key, _, entry in Tree.load(out.cache, info):
        inside = f"{target}/{'/'.join(key)}"
        checker.cached(out.cache, inside, entry.value, entry.name)
        checker.file("workspace", os.path.join(out.fs_path, *key), inside, entry.value, entry.name)


def _repair(repo: Repo, report: Report) -> None:
    """Drop corrupt cache objects; store again those whose workspace file hashes correctly."""
    from dvc_data.hashfile.hash import file_md5

    for bad in [m for m in report.mismatches if m.where == "cache"]:
        Path(bad.path).unlink(missing_ok=True)
        source = os.path.join(repo.root_dir, bad.output)
        if not bad.expected.endswith(".dir") and os.path.isfile(source) and file_md5(source) == bad.expected:
            repo.cache.local.add(source, repo.cache.local.fs, bad.expected)
            report.repaired.append(bad.output)
        else:
            report.removed.append(bad.output)


def verify(root: str | Path = ".", repair: bool = False) -> Report:
    """Re-hash every cache object and workspace output the lock files name."""
    from dvc.repo import Repo

    report = Report()
    with Repo(str(root)) as repo:
        checker = _Checker(report)
        for stage in repo.index.stages:
            for out in stage.outs:
                if out.hash_info and out.hash_info.value:
                    _check_output(out, checker)
        if repair and report.mismatches:
            _repair(repo, report)
    log.info("verified %s file(s) against the lock files: %s mismatch(es), %s not present", report.checked,
             len(report.mismatches), len(report.missing))
    return report


def check_before_push(root: str | Path = ".") -> None:
    """Refuse to go on (to ``dvc push``) while any cached or workspace file differs from the lock files."""
    report = verify(root)
    if not report.ok:
        lines = "\n".join(f"  {m}" for m in report.mismatches)
        raise PipelineError(f"{len(report.mismatches)} file(s) differ from the lock files or are missing from the "
                            f"cache (pushing now would spread the damage):\n{lines}\n"
                            "repair with `es-pipeline verify --repair` (README: Verifying)")


def push(root: str | Path = ".") -> None:
    """``dvc push``, only after every cached and workspace file matched the lock files (nothing corrupt is shared)."""
    check_before_push(root)
    log.info("$ dvc push")
    if subprocess.run(["dvc", "push"], cwd=root).returncode != 0:
        raise PipelineError(f"`dvc push` failed in {Path(root).resolve()} (its output is above)")
