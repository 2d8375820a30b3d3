"""The calendar names pandas_market_calendars knows, kept in a small file per installed version.

Listing them imports pandas and every calendar (about 0.5 s), and every stage validates its
parameters before its kernel starts: at 185 months and four stages that import alone would cost
minutes. The list depends only on the installed pandas_market_calendars and exchange_calendars
(its mirrored calendars), so it is stored once under a name made of both versions
(``$XDG_CACHE_HOME/es-pipeline``, else ``~/.cache/es-pipeline``) and read from there afterwards.
"""

from __future__ import annotations

import json
import os
from importlib.metadata import version
from pathlib import Path

from es_pipeline.core.errors import OutputWriteError
from es_pipeline.core.files import atomic_path

SOURCES = ("pandas_market_calendars", "exchange_calendars")


def names_file() -> Path:
    """Where the list for the installed versions lives."""
    root = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return root / "es-pipeline" / ("calendars-" + "-".join(f"{p}-{version(p)}" for p in SOURCES) + ".json")


def calendar_names() -> frozenset[str]:
    """Every name ``pandas_market_calendars.get_calendar(name)`` accepts, from the file when it is there."""
    path = names_file()
    try:
        return frozenset(json.loads(path.read_text(encoding="utf-8")))
    except (OSError, ValueError, TypeError):
        pass  # not stored yet (or unreadable): list them and store them
    import pandas_market_calendars as mcal

    names = sorted(mcal.get_calendar_names())
    try:
        with atomic_path(path) as tmp:
            tmp.write_text(json.dumps(names), encoding="utf-8")
    except (OSError, OutputWriteError):
        pass  # a read-only or full cache folder only means listing them again next time
    return frozenset(names)
