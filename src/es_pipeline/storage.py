"""Where raw months live: a local folder or an S3 bucket/prefix, named by a DVC remote.

The DVC remote ``raw`` is the single source of truth for the raw location, so DVC (which
hashes ``remote://raw/<object>`` dependencies) and the filter stage (which reads them)
can never disagree. S3 goes through boto3 and the standard AWS credential chain; an
``endpointurl`` in the remote's config points both at an S3-compatible store.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path

import pandas as pd

from es_pipeline.errors import RawDataError
from es_pipeline.ingest import definition_path_for, read_raw

REMOTE_REF = re.compile(r"^remote://(?P<remote>[^/]+)/(?P<object>.+)$")


@dataclass(frozen=True)
class Location:
    """A folder of objects: a local directory or ``s3://bucket/prefix``."""

    url: str
    endpoint_url: str | None = None
    region: str | None = None
    profile: str | None = None

    @property
    def is_s3(self) -> bool:
        return self.url.startswith("s3://")

    @property
    def _bucket_prefix(self) -> tuple[str, str]:
        bucket, _, prefix = self.url[len("s3://"):].partition("/")
        return bucket, prefix.strip("/")

    def _key(self, name: str) -> str:
        prefix = self._bucket_prefix[1]
        return f"{prefix}/{name}" if prefix else name

    @cached_property
    def _client(self):
        import boto3

        session = boto3.session.Session(profile_name=self.profile)
        return session.client("s3", endpoint_url=self.endpoint_url, region_name=self.region)

    def describe(self, name: str) -> str:
        """A printable address of an object (never includes credentials)."""
        return f"{self.url.rstrip('/')}/{name}"

    def read_bytes(self, name: str) -> bytes:
        if not self.is_s3:
            path = Path(self.url) / name
            if not path.exists():
                raise RawDataError(self.describe(name), "file not found")
            return path.read_bytes()
        from botocore.exceptions import ClientError

        try:
            return self._client.get_object(Bucket=self._bucket_prefix[0], Key=self._key(name))["Body"].read()
        except ClientError as exc:
            raise RawDataError(self.describe(name), f"cannot read object ({exc})") from None

    def exists(self, name: str) -> bool:
        if not self.is_s3:
            return (Path(self.url) / name).exists()
        from botocore.exceptions import ClientError

        try:
            self._client.head_object(Bucket=self._bucket_prefix[0], Key=self._key(name))
        except ClientError:
            return False
        return True

    def write_bytes(self, name: str, data: bytes) -> None:
        if not self.is_s3:
            path = Path(self.url) / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(data)
            return
        self._client.put_object(Bucket=self._bucket_prefix[0], Key=self._key(name), Body=data)

    def list(self) -> list[str]:
        """Object names directly inside the location, sorted."""
        if not self.is_s3:
            folder = Path(self.url)
            return sorted(p.name for p in folder.iterdir() if p.is_file()) if folder.is_dir() else []
        bucket, prefix = self._bucket_prefix
        names = []
        paginator = self._client.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=bucket, Prefix=f"{prefix}/" if prefix else ""):
            names += [obj["Key"][len(prefix) + 1 if prefix else 0:] for obj in page.get("Contents", [])]
        return sorted(name for name in names if "/" not in name)


def remote_location(remote: str = "raw", repo_root: str | Path = ".") -> Location:
    """Resolve a DVC remote (all config levels merged, ``--local`` overrides included)."""
    from dvc.repo import Repo

    with Repo(str(repo_root)) as repo:
        remotes = repo.config["remote"]
    if remote not in remotes:
        raise RawDataError(f"DVC remote '{remote}'", f"is not configured (known: {', '.join(remotes) or 'none'})")
    config = remotes[remote]
    return Location(
        url=str(config["url"]),
        endpoint_url=config.get("endpointurl"),
        region=config.get("region"),
        profile=config.get("profile"),
    )


def resolve(ref: str | Path, repo_root: str | Path = ".") -> tuple[Location, str]:
    """Split a raw reference (``remote://raw/X``, ``s3://bucket/X`` or a path) into location + name."""
    ref = str(ref)
    match = REMOTE_REF.match(ref)
    if match:
        return remote_location(match["remote"], repo_root), match["object"]
    if ref.startswith("s3://"):
        folder, _, name = ref.rpartition("/")
        return Location(folder), name
    path = Path(ref)
    return Location(str(path.parent)), path.name


def read_raw_month(ref: str | Path, repo_root: str | Path = ".") -> pd.DataFrame:
    """Fetch a raw month (and its definition file, if stored beside it) and decode it."""
    location, name = resolve(ref, repo_root)
    data = location.read_bytes(name)
    definition_name = definition_path_for(name).name
    definition = location.read_bytes(definition_name) if location.exists(definition_name) else None
    return read_raw(data, name=location.describe(name), definition=definition)
