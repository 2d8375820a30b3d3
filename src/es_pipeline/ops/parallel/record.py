"""Recording finished stages in their lock files from a child process, one batch at a time, while the run goes on.

DVC loads the pipeline, hashes and commits each output and re-dumps each lock file it writes into:
CPU-bound Python. Done in the caller's own process it holds the GIL that the Dask scheduler of a
LocalCluster (which lives in that process) needs, and the workers go idle. So the caller hands each
batch to ``python -m es_pipeline.ops.parallel.record`` and goes on; the next batch collects meanwhile.
A recording has a fixed cost (starting Python, importing and loading DVC's pipeline), so a new one
starts at most every ``min_interval`` seconds: started back to back, recording took a large share of
the two cores the stages run on.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from es_pipeline.core.errors import PipelineError
from es_pipeline.ops.parallel.worker import collect, dump_per_file, record_lock_entries

if TYPE_CHECKING:
    from dvc.output import Output
    from dvc_data.hashfile.db import HashFileDB


def _link(odb: HashFileDB, md5: str, source: Path) -> None:
    target = Path(odb.oid_to_path(md5))
    if target.exists():
        return
    target.parent.mkdir(parents=True, exist_ok=True)
    staged = target.with_name(f"{target.name}.es-pipeline-link")
    staged.unlink(missing_ok=True)
    os.link(source, staged)
    os.replace(staged, target)


def link_into_cache(out: Output) -> None:
    """Store a saved output in the cache as hard links of its workspace files.

    DVC's commit without relink copies each file into the cache (twice the bytes); with relink it
    deletes the workspace file and links it back, while other stages of the run may be reading it
    (a month's dataset stage reads its features). A link made from the workspace file does
    neither, so the commit that follows finds every object in place and copies nothing.
    """
    if not out.use_cache or "hardlink" not in out.cache.cache_types:
        return
    files = [(entry.value, Path(out.fs_path, *key)) for key, _, entry in out.obj] if out.hash_info.isdir \
        else [(out.hash_info.value, Path(out.fs_path))]
    try:
        for md5, source in files:
            _link(out.cache, md5, source)
    except OSError:  # another filesystem, or no hard links there: DVC's commit copies instead
        return


def commit_here(root: Path, names: list[str]) -> None:
    """What ``dvc commit -f`` does for these stages, with one write of each lock file for the batch."""
    from dvc.repo import Repo

    with Repo(str(root)) as repo, repo.lock:
        stages = collect(repo, names)
        for stage in stages:
            stage.save()
            for out in stage.outs:
                link_into_cache(out)
            stage.commit(relink=False)  # the workspace files stay as they are (see link_into_cache)
        dump_per_file(stages)


class Recorder:
    """Keeps at most one recording child running; finished stages wait for the next one."""

    def __init__(self, root: Path, handed_back: bool, min_interval: float = 30.0,
                 clock: Callable[[], float] = time.monotonic):
        self.root, self.handed_back = root, handed_back  # handed_back: workers return lock entries
        self.min_interval, self.clock = min_interval, clock
        self.pending: dict[str, dict[str, Any]] = {}
        self.child: subprocess.Popen[str] | None = None
        self.batch_file: Path | None = None
        self.started_at = float("-inf")

    def add(self, results: list[dict[str, Any]]) -> None:
        for result in results:
            self.pending[result["stage"]] = result["lock"].get(result["stage"], {})
        idle = self.child is None or self.child.poll() is not None
        if idle and self.clock() - self.started_at >= self.min_interval:
            self._collect()
            self._start()

    def finish(self) -> None:
        """Record everything still pending; raises if any recording failed."""
        self._collect()
        self._start()
        self._collect()

    def _start(self) -> None:
        if not self.pending:
            return
        batch = {"entries": self.pending} if self.handed_back else {"commit": sorted(self.pending)}
        with tempfile.NamedTemporaryFile("w", suffix=".json", prefix="es-pipeline-record-", delete=False) as file:
            json.dump(batch, file)
        self.batch_file, self.pending, self.started_at = Path(file.name), {}, self.clock()
        self.child = subprocess.Popen([sys.executable, "-m", __name__, str(self.root), str(self.batch_file)],
                                      stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)

    def _collect(self) -> None:
        if self.child is None:
            return
        output, _ = self.child.communicate()
        failed = self.child.returncode != 0
        self.child = None
        assert self.batch_file is not None  # set with the child
        self.batch_file.unlink(missing_ok=True)
        if failed:
            raise PipelineError(f"recording finished stages in the lock files of {self.root} failed:\n{output[-3000:]}")


def main(root: str, batch_file: str) -> None:
    batch = json.loads(Path(batch_file).read_text())
    if "entries" in batch:
        record_lock_entries(root, batch["entries"])
    else:
        commit_here(Path(root), batch["commit"])


if __name__ == "__main__":
    main(*sys.argv[1:3])
