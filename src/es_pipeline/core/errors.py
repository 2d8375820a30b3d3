"""Errors a user can act on: each names what was being read, the rule broken and the count."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

DEBUG_ENV = "ES_PIPELINE_DEBUG"  # set to 1 for full tracebacks in notebooks


class PipelineError(Exception):
    """Base class for every error the pipeline raises on bad input or bad configuration."""

    def _render_traceback_(self) -> list[str]:
        """IPython (so a papermill notebook) shows the one-line message, not a traceback.

        The message already names the file, key or rule; the stack adds nothing for a user.
        With ES_PIPELINE_DEBUG=1 IPython falls back to its full traceback.
        """
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise NotImplementedError  # IPython's signal to render the usual traceback
        return [f"{type(self).__name__}: {self}"]


class ParamsError(PipelineError):
    def __init__(self, file: Path | str, key: str, allowed: str, value: Any):
        self.file, self.key, self.allowed, self.value = str(file), key, allowed, value
        super().__init__(f"{file}: {key} must be {allowed}, got {value!r}")


class RawDataError(PipelineError):
    """The raw input cannot be read or breaks a rule; names file, month, rule and count."""

    def __init__(self, source: str, problem: str, *, month: str | None = None,
                 rule: str | None = None, count: int | None = None):
        self.source, self.problem, self.month, self.rule, self.count = source, problem, month, rule, count
        parts = [f"{source}"]
        if month:
            parts.append(f"month {month}")
        if rule:
            parts.append(f"rule '{rule}'")
        if count is not None:
            parts.append(f"{count:,} record(s)")
        super().__init__(f"{': '.join([', '.join(parts), problem])}")

    def in_month(self, month: str) -> RawDataError:
        """The same error naming ``month`` (readers know the file, only the stage knows the month)."""
        if self.month:
            return self
        return RawDataError(self.source, self.problem, month=month, rule=self.rule, count=self.count)


class OutputWriteError(PipelineError):
    """A stage output could not be written (e.g. the disk is full); names month, file and rule."""

    def __init__(self, path: str, problem: str, *, month: str | None = None, rule: str = "disk_full"):
        self.path, self.problem, self.month, self.rule = path, problem, month, rule
        where = f"{path}, month {month}" if month else path
        super().__init__(f"{where}, rule '{rule}': {problem}")

    def in_month(self, month: str) -> OutputWriteError:
        return self if self.month else OutputWriteError(self.path, self.problem, month=month, rule=self.rule)


class StageInputError(PipelineError):
    """A stage's input table is malformed (missing columns, unsorted, NaN prices ...)."""

    def __init__(self, source: str, problem: str, count: int | None = None):
        self.source, self.problem, self.count = source, problem, count
        suffix = f" ({count:,} row(s))" if count is not None else ""
        super().__init__(f"{source}: {problem}{suffix}")
