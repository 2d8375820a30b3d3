"""The stage log (standard library only): timestamped on stderr, plain and time-free inside notebooks.

An executed notebook is a versioned output, so what it shows must not change between two runs
of the same inputs: inside a notebook the log is plain text on stdout without clock times, and
step durations (``timed``) are left out. The timestamped log with durations goes to the stage
command's stderr when ``es-pipeline notebook`` runs the notebook (it sets ``STAGE_LOG_ENV``).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TextIO

log = logging.getLogger("es_pipeline")
STAGE_LOG_ENV = "ES_PIPELINE_STAGE_LOG"
STAMPED = logging.Formatter("%(asctime)s %(levelname)s %(message)s", "%H:%M:%S")
TIMED_LINE = re.compile(r"^\d\d:\d\d:\d\d INFO .* in (?P<seconds>\d+\.\d+) s$", re.MULTILINE)


class _Untimed(logging.Filter):
    """Keeps records that carry no duration (``timed`` marks its records)."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not getattr(record, "timing", False)


def _handler(stream: TextIO | None, formatter: logging.Formatter, untimed: bool = False) -> logging.Handler:
    handler = logging.StreamHandler(stream)
    handler.setFormatter(formatter)
    if untimed:
        handler.addFilter(_Untimed())
    return handler


def setup_logging(level: int = logging.INFO, notebook: bool = False) -> None:
    """CLI: timestamped lines on stderr. Notebook: plain lines on stdout, plus the stage log when run by the runner."""
    for old in list(log.handlers):
        log.removeHandler(old)
    if notebook:
        log.addHandler(_handler(sys.stdout, logging.Formatter("%(levelname)s %(message)s"), untimed=True))
        if os.environ.get(STAGE_LOG_ENV):
            log.addHandler(_handler(sys.__stderr__, STAMPED))
    else:
        log.addHandler(_handler(sys.stderr, STAMPED))
    log.setLevel(level)
    log.propagate = False


@contextmanager
def timed(what: str) -> Iterator[None]:
    """Log how long a step took (stage log only: never inside an executed notebook)."""
    start = time.perf_counter()
    yield
    log.info("%s in %.2f s", what, time.perf_counter() - start, extra={"timing": True})


def timed_total(stage_log: str) -> float:
    """The seconds of every ``timed`` step in a stage log: the stage's own compute, without start-up."""
    return sum(float(match["seconds"]) for match in TIMED_LINE.finditer(stage_log))
