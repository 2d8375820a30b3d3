"""Where raw months live: a local folder or an S3 bucket/prefix, named by a DVC remote.

The DVC remote ``raw`` is the single source of truth for the raw location, and the stage
reads it through the very filesystem DVC builds for that remote (dvc-s3/s3fs for S3), so
every remote option (endpointurl, region, profile, credentials in ``.dvc/config.local`` ...)
applies to both and DVC (which hashes ``remote://raw/<object>`` dependencies) and the
filter stage (which reads them) can never disagree.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from es_pipeline.core.errors import RawDataError, storage_failure
from es_pipeline.filter.ingest import read_raw

REMOTE_REF = re.compile(r"^remote://(?P<remote>[^/]+)/(?P<object>.+)$")


@dataclass(frozen=True)
class Location:
    """A folder of objects on the filesystem DVC builds for a remote (local, S3, ...)."""

    url: str  # printable address (never includes credentials)
    fs: Any  # a dvc-objects FileSystem
    path: str  # the folder's path on ``fs``

    @classmethod
    def at(cls, url: str, repo_config: Any = None, **options: Any) -> Location:
        """The location at ``url``: a folder, ``s3://bucket/prefix`` or, with ``name=``, a DVC remote."""
        from dvc.fs import get_cloud_fs

        fs_cls, config, path = get_cloud_fs(repo_config, **({"url": url} | options))
        return cls(url=url, fs=fs_cls(**config), path=path)

    def _path(self, name: str) -> str:
        return self.fs.join(self.path, name)

    def describe(self, name: str) -> str:
        return name if self.url == "." else f"{self.url.rstrip('/')}/{name}"

    @contextmanager
    def _errors(self, name: str, month: str | None) -> Iterator[None]:
        try:
            yield
        except RawDataError:
            raise
        except Exception as exc:  # every backend's own exception types end here, named plainly
            raise RawDataError(self.describe(name), storage_failure(exc), month=month) from None

    def read_bytes(self, name: str, month: str | None = None) -> bytes:
        with self._errors(name, month):
            return self.fs.read_bytes(self._path(name))

    def exists(self, name: str) -> bool:
        with self._errors(name, None):
            return bool(self.fs.exists(self._path(name)))

    def write_bytes(self, name: str, data: bytes) -> None:
        with self._errors(name, None):
            self.fs.makedirs(self.path, exist_ok=True)
            self.fs.pipe_file(self._path(name), data)

    def list(self) -> list[str]:
        """Object names directly inside the location, sorted."""
        with self._errors("", None):
            if not self.fs.exists(self.path):
                return []
            entries = self.fs.ls(self.path, detail=True)
        return sorted(self.fs.name(e["name"]) for e in entries if e.get("type") == "file")


def remote_location(remote: str = "raw", repo_root: str | Path = ".") -> Location:
    """Resolve a DVC remote (all config levels merged, ``--local`` overrides included)."""
    from dvc.repo import Repo

    with Repo(str(repo_root)) as repo:
        config = repo.config
    if remote not in config["remote"]:
        known = ", ".join(config["remote"]) or "none"
        raise RawDataError(f"DVC remote '{remote}'", f"is not configured (known: {known})")
    return Location.at(str(config["remote"][remote]["url"]), config, name=remote)


def resolve(ref: str | Path, repo_root: str | Path = ".") -> tuple[Location, str]:
    """Split a raw reference (``remote://raw/X``, ``s3://bucket/X`` or a path) into location + name."""
    ref = str(ref)
    match = REMOTE_REF.match(ref)
    if match:
        return remote_location(match["remote"], repo_root), match["object"]
    folder, _, name = ref.rpartition("/") if ref.startswith("s3://") else (str(Path(ref).parent), "", Path(ref).name)
    return Location.at(folder), name


def read_raw_month(ref: str | Path, definition: str | Path | None = None, month: str | None = None,
                   repo_root: str | Path = ".", root: str = "ES") -> pd.DataFrame:
    """Fetch a raw month, and the definition file only if one is named, and decode them.

    Only named files are read (never a probe for a file beside the month), so what the
    filter stage reads is exactly what dvc.yaml declares as its dependencies. Errors name
    the file they are about: the month or its definition file.
    """
    location, name = resolve(ref, repo_root)
    data = location.read_bytes(name, month)
    definition_bytes, definition_name = None, None
    if definition is not None:
        definition_location, definition_object = resolve(definition, repo_root)
        definition_bytes = definition_location.read_bytes(definition_object, month)
        definition_name = definition_location.describe(definition_object)
    return read_raw(data, name=location.describe(name), definition=definition_bytes,
                    definition_name=definition_name, root=root)
