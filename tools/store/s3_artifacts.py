"""Artifacts in S3-compatible object storage, for API and worker processes on many machines.

`MANIMGRAPH_ARTIFACTS_URL=s3://bucket/prefix` names the place; the standard AWS settings
(`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`) say how
to reach it, and an `http://` endpoint (a local S3 server) is allowed. The object of key
`k` is `prefix/k`: the same keys as the local directory, flat.

Writes are conditional (`If-None-Match: *`), so a PUT never replaces an object; an
object that already exists holds the same bytes, and counts as success. Such an object
is written again only when it is old (see `REFRESH_AFTER`): garbage collection spares
young objects, and the writer is about to name this one in a row.

Example:
    >>> artifacts = S3Artifacts.from_url("s3://media/manimgraph")
    >>> key = await artifacts.put_file(Path("scene.mp4"))
    >>> artifacts.describe(key)
    's3://media/manimgraph/9f86d0….mp4'
"""

from __future__ import annotations

import asyncio
import hashlib
import mimetypes
import os
from collections.abc import AsyncIterator, Collection
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

import obstore
from obstore.exceptions import AlreadyExistsError, BaseError
from obstore.store import S3Store

from tools.store.artifacts import (
    CHUNK,
    ArtifactStore,
    ArtifactStream,
    StoredObject,
    byte_span,
    file_digest,
    is_key,
    normalise_suffix,
    write_chunks,
)
from tools.store.errors import StoreUnavailableError

if TYPE_CHECKING:
    from obstore import Attributes

__all__ = ["REFRESH_AFTER", "S3Artifacts"]

REFRESH_AFTER = timedelta(minutes=10)
"""An existing object older than this is written again when its content is stored, so
that it looks as young to garbage collection as a new one; well below `GARBAGE_GRACE`."""

_LIST_PAGE = 1000


class S3Artifacts(ArtifactStore):
    """Objects under `prefix` in one bucket, through obstore's async client.

    An upload is one conditional PUT, so the file is held in memory while it travels
    (renders and assembled videos are megabytes, far below S3's 5 GB limit for one PUT).
    """

    def __init__(
        self, store: S3Store, url: str, *, refresh_after: timedelta = REFRESH_AFTER
    ) -> None:
        self._store = store
        self._url = url.rstrip("/")
        self.refresh_after = refresh_after

    @classmethod
    def from_url(cls, url: str, *, refresh_after: timedelta = REFRESH_AFTER) -> S3Artifacts:
        """The bucket and prefix of `s3://bucket/prefix`, reached as the AWS_* variables say.

        Raises:
            StoreUnavailableError: `url` is not an `s3://bucket[/prefix]` URL.
        """
        bucket = url.removeprefix("s3://").split("/", 1)[0]
        if not url.startswith("s3://") or not bucket:
            raise StoreUnavailableError(f"artifacts URL must be s3://bucket[/prefix], not {url!r}")
        endpoint = os.environ.get("AWS_ENDPOINT_URL", "")
        try:
            store = S3Store.from_url(
                url, client_options={"allow_http": endpoint.startswith("http://")}
            )
        except BaseError as exc:
            raise StoreUnavailableError(f"cannot use {url}: {_first_line(exc)}") from exc
        return cls(store, url, refresh_after=refresh_after)

    async def put_file(self, path: Path, suffix: str | None = None) -> str:
        suffix = normalise_suffix(Path(path).suffix if suffix is None else suffix)
        key = await asyncio.to_thread(file_digest, path) + suffix
        await self._put(key, Path(path))
        return key

    async def put_bytes(self, data: bytes, suffix: str) -> str:
        key = hashlib.sha256(data).hexdigest() + normalise_suffix(suffix)
        await self._put(key, data)
        return key

    async def exists(self, key: str) -> bool:
        if not is_key(key):
            return False
        try:
            await obstore.head_async(self._store, key)
        except FileNotFoundError:
            return False
        return True

    async def read_bytes(self, key: str) -> bytes:
        result = await obstore.get_async(self._store, _checked(key))
        return bytes(await result.bytes_async())

    async def open_stream(
        self, key: str, first: int | None = None, last: int | None = None
    ) -> ArtifactStream:
        if first is None and last is None:
            result = await obstore.get_async(self._store, _checked(key))
            size = result.meta["size"]
            return ArtifactStream(size, 0, size, result.stream(CHUNK))
        size = (await obstore.head_async(self._store, _checked(key)))["size"]
        start, stop = byte_span(size, first, last)
        result = await obstore.get_async(self._store, key, options={"range": (start, stop)})
        return ArtifactStream(size, start, stop, result.stream(CHUNK))

    async def local_copy(self, key: str, directory: Path) -> Path:
        result = await obstore.get_async(self._store, _checked(key))
        target = Path(directory) / key
        await write_chunks(target, result.stream(CHUNK))
        return target

    async def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return await obstore.sign_async(self._store, "GET", _checked(key), expires)

    async def scan(self) -> AsyncIterator[StoredObject]:
        """Only keys: other objects under the prefix are not ours to delete."""
        async for page in obstore.list(self._store, chunk_size=_LIST_PAGE):
            for meta in page:
                name, written = meta["path"], meta["last_modified"].timestamp()
                if is_key(name):
                    yield StoredObject(name, meta["size"], written)

    async def delete(self, names: Collection[str]) -> None:
        if names:
            await obstore.delete_async(self._store, [_checked(name) for name in names])

    async def check(self) -> None:
        """List one object: that needs the endpoint, the credentials and the bucket."""
        try:
            await anext(aiter(obstore.list(self._store, chunk_size=1)), None)
        except BaseError as exc:
            raise StoreUnavailableError(
                f"cannot reach the artifacts at {self._url}: {_first_line(exc)}"
            ) from exc

    def describe(self, key: str) -> str:
        return f"{self._url}/{_checked(key)}"

    async def _put(self, key: str, content: Path | bytes) -> None:
        attributes: Attributes = {}
        media_type = mimetypes.guess_type(f"file{Path(key).suffix}")[0]
        if media_type is not None:
            attributes["Content-Type"] = media_type
        try:
            await obstore.put_async(self._store, key, content, mode="create", attributes=attributes)
        except AlreadyExistsError:
            try:
                written = (await obstore.head_async(self._store, key))["last_modified"]
            except FileNotFoundError:  # garbage collection took it meanwhile
                written = None
            if written is None or datetime.now(UTC) - written > self.refresh_after:
                await obstore.put_async(self._store, key, content, attributes=attributes)


def _checked(key: str) -> str:
    if not is_key(key):
        raise ValueError(f"not an artifact key: {key!r}")
    return key


def _first_line(exc: BaseException) -> str:
    """obstore's messages run over many lines of debug output; the first says it."""
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]
