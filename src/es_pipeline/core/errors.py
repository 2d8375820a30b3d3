"""Errors a user can act on: each names what was being read, the rule broken and the count."""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

DEBUG_ENV = "ES_PIPELINE_DEBUG"  # set to 1 for full tracebacks in notebooks


class PipelineError(Exception):
    """Base class for every error the pipeline raises on bad input or bad configuration."""

    @property
    def _render_traceback_(self) -> Callable[[], list[str]]:
        """IPython (so a papermill notebook) shows the one-line message, not a traceback.

        The message already names the file, key or rule; the stack adds nothing for a user.
        With ES_PIPELINE_DEBUG=1 the attribute is absent, so IPython renders its usual traceback
        (IPython asks ``hasattr`` first; a renderer that raises would be shown instead of the error).
        """
        if os.environ.get(DEBUG_ENV, "") not in ("", "0"):
            raise AttributeError("_render_traceback_")
        return lambda: [f"{type(self).__name__}: {self}"]


MISSING = object()  # a ParamsError's value when the key is absent (nothing to show after "got")


class ParamsError(PipelineError):
    def __init__(self, file: Path | str, key: str, allowed: str, value: Any):
        self.file, self.key, self.allowed, self.value = str(file), key, allowed, value
        got = "" if value is MISSING else f", got {value!r}"
        super().__init__(f"{file}: {key} must be {allowed}{got}")


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


def storage_failure(exc: BaseException) -> str:
    """A short, credential-free description of a filesystem or object-store failure."""
    names = {type(e).__name__ for e in (exc, exc.__cause__, exc.__context__) if e is not None}
    text = " ".join(str(e) for e in (exc, exc.__cause__) if e is not None)
    if "NoSuchBucket" in names or "NoSuchBucket" in text or "bucket does not exist" in text:
        return "bucket not found: check the remote's url (bucket name) and endpointurl"
    if isinstance(exc, FileNotFoundError):
        return "object not found"
    if names & {"NoCredentialsError", "PartialCredentialsError", "NoAuthTokenError"}:
        return ("no credentials for this remote: set them for DVC (e.g. `dvc remote modify --local raw "
                "access_key_id ...`), an AWS profile or the AWS_* environment variables")
    if isinstance(exc, PermissionError) or "AccessDenied" in text or "Forbidden" in text:
        return "access denied: the credentials in use are wrong (key or secret) or may not read this object"
    if (names & {"EndpointConnectionError", "ConnectTimeoutError", "ClientConnectorError"}
            or isinstance(exc, ConnectionError) or "Could not connect" in text):
        return "cannot connect to the storage endpoint (is it running and is endpointurl right?)"
    return f"cannot read ({type(exc).__name__})"
