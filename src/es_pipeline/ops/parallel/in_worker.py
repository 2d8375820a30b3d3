"""An ``es-pipeline`` stage command run inside the Dask worker's own process, already warm.

Each stage command started as a new process spent ~0.85 s of CPU (a notebook stage) or ~0.6 s
(the dataset stage) starting Python, importing papermill, nbconvert, pandas and the pipeline, and
compiling the page templates, before any work: on two cores, a quarter of a label experiment.
A worker process keeps all of that from its first stage, so it runs the same command line
through the same entry point (``es_pipeline.cli.main``), with the command's working folder, its
standard output and error (the stage log, the kernel's included) in a file of the stage's own,
and its own peak memory. Commands that are not a plain ``es-pipeline`` call go through the shell.

One stage at a time per process: the working folder and file descriptors 1 and 2 belong to the
whole process, so a second thread of a multi-threaded worker runs its command as a new process.
"""

from __future__ import annotations

import os
import re
import shlex
import sys
import tempfile
import threading
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

from es_pipeline.core.memory import peak_memory_mb, reset_peak_memory

SHELL_SYNTAX = re.compile(r"[;&|<>`$(){}*?~\n]")
_one_stage = threading.Lock()


def es_pipeline_args(cmd: str) -> list[str] | None:
    """The arguments of a plain ``es-pipeline ...`` command line; None for anything the shell must run."""
    if SHELL_SYNTAX.search(cmd):
        return None
    words = shlex.split(cmd)
    return words[1:] if words and words[0] == "es-pipeline" else None


@contextmanager
def _output_into(file: IO[bytes]) -> Iterator[None]:
    """File descriptors 1 and 2 of this process, and Python's ``sys.stdout``/``sys.stderr`` (which a
    host such as pytest may have replaced), write to ``file`` for the block."""
    streams = sys.stdout, sys.stderr
    for stream in streams:
        stream.flush()
    saved = os.dup(1), os.dup(2)
    os.dup2(file.fileno(), 1)
    os.dup2(file.fileno(), 2)
    # never closed: a logging handler set up during the block keeps writing to fd 2 after it
    sys.stdout, sys.stderr = (open(fd, "w", buffering=1, closefd=False) for fd in (1, 2))
    try:
        yield
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        sys.stdout, sys.stderr = streams
        for fd, copy in zip((1, 2), saved, strict=True):
            os.dup2(copy, fd)
            os.close(copy)


@contextmanager
def _in_folder(folder: Path) -> Iterator[None]:
    """The working folder and environment are the command's for the block, then as they were."""
    before, environment = os.getcwd(), dict(os.environ)
    os.chdir(folder)
    try:
        yield
    finally:
        os.chdir(before)
        os.environ.clear()
        os.environ.update(environment)


def _main(args: list[str]) -> int:
    """``es-pipeline ARGS`` as its console script runs it: an exit status, and a bug's traceback on stderr."""
    from es_pipeline.cli import main

    try:
        return main(args)
    except SystemExit as exc:  # argparse's usage errors, --help
        return exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except Exception:
        traceback.print_exc()
        return 1


def run_in_worker(args: list[str], cwd: Path) -> tuple[int, str, float] | None:
    """Run ``es-pipeline ARGS`` in ``cwd`` in this process: (exit status, its output, peak MB of this process
    while it ran); None if another thread of this process is running a stage (the caller starts a process)."""
    if not _one_stage.acquire(blocking=False):
        return None
    try:
        with tempfile.TemporaryFile() as file:
            reset_peak_memory()
            with _output_into(file), _in_folder(cwd):
                status = _main(args)
            file.seek(0)
            return status, file.read().decode(errors="replace"), peak_memory_mb()
    finally:
        _one_stage.release()
