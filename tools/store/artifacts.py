"""Content-addressed artifacts: one interface, with a local directory and S3 behind it.

A key is the sha256 of the bytes plus a suffix (`"<64 hex digits>.mp4"`), the same on
every back end, so storing the same content twice is harmless and a node that runs
again stores nothing new. The database names keys; `garbage` deletes the objects no
row names once they are older than a grace period, so storing content that is already
stored must count as a fresh write (each back end says how it does that).

The local directory (`LocalArtifacts`) is the default; `S3Artifacts` in
`tools.store.s3_artifacts` keeps the objects in a bucket, for workers on many machines.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import re
import tempfile
from abc import ABC, abstractmethod
from collections.abc import AsyncIterator, Collection, Iterable, Iterator
from datetime import timedelta
from pathlib import Path
from typing import BinaryIO, NamedTuple

from tools.store.errors import StoreUnavailableError

__all__ = [
    "CHUNK",
    "ArtifactStore",
    "ArtifactStream",
    "LocalArtifacts",
    "RangeNotSatisfiableError",
    "StoredObject",
    "byte_span",
    "ensure_writable",
    "file_digest",
    "is_key",
    "normalise_suffix",
    "write_chunks",
]

CHUNK = 1 << 20
"""Bytes per read, write and streamed chunk."""

_KEY = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,10})?")
_INCOMING = ".incoming-"
_LEFTOVER = re.compile(re.escape(_INCOMING) + r"[A-Za-z0-9_]+")


class StoredObject(NamedTuple):
    """An object `scan` found: an artifact, or the leftover of a crashed local write."""

    name: str
    """What `delete` takes: the key, or the leftover's file name."""
    size: int
    modified: float
    """Unix time of the last write."""

    @property
    def key(self) -> str | None:
        """The artifact key, or None for a leftover."""
        return self.name if is_key(self.name) else None


class ArtifactStream(NamedTuple):
    """Bytes `start` to `stop` (exclusive) of an object of `size` bytes, in chunks."""

    size: int
    start: int
    stop: int
    chunks: AsyncIterator[bytes]


class RangeNotSatisfiableError(ValueError):
    """A byte range that starts past the end of the object (HTTP 416)."""

    def __init__(self, size: int) -> None:
        super().__init__(f"the range starts past the end of the {size}-byte object")
        self.size = size


class ArtifactStore(ABC):
    """Where artifacts live; every method that touches them is a coroutine.

    Example:
        >>> key = await artifacts.put_bytes(b"hello", ".txt")
        >>> await artifacts.read_bytes(key)
        b'hello'
        >>> async with store.scratch("frames-") as work:
        ...     video = await artifacts.local_copy(key, work)  # a file ffmpeg can read
    """

    @abstractmethod
    async def put_file(self, path: Path, suffix: str | None = None) -> str:
        """Store a copy of `path` and return its key; `suffix` defaults to the file's own.

        Raises:
            FileNotFoundError: there is no such file.
        """

    @abstractmethod
    async def put_bytes(self, data: bytes, suffix: str) -> str:
        """Store `data` and return its key."""

    @abstractmethod
    async def exists(self, key: str) -> bool:
        """Whether `key` is a valid key whose object is stored."""

    @abstractmethod
    async def read_bytes(self, key: str) -> bytes:
        """The whole object (meant for small ones: frames, manifests).

        Raises:
            FileNotFoundError: nothing is stored under `key`.
        """

    @abstractmethod
    async def open_stream(
        self, key: str, first: int | None = None, last: int | None = None
    ) -> ArtifactStream:
        """The object in chunks, for a streamed download: all of it, or the bytes an HTTP
        range `first-last` names (see `byte_span`). Opening fails before any chunk is read.

        Raises:
            FileNotFoundError: nothing is stored under `key`.
            RangeNotSatisfiableError: the range starts past the end.
        """

    @abstractmethod
    async def local_copy(self, key: str, directory: Path) -> Path:
        """A local file holding the object, for a tool that reads files (ffmpeg): the local
        back end's own file, or a download into `directory`. Never write to it.

        Raises:
            FileNotFoundError: nothing is stored under `key`.
        """

    @abstractmethod
    async def presigned_url(self, key: str, expires: timedelta) -> str | None:
        """A URL anyone may GET the object from until `expires` has passed, or None when
        the back end cannot sign one (the local directory)."""

    @abstractmethod
    def scan(self) -> AsyncIterator[StoredObject]:
        """Every stored object with its size and last write, for garbage collection."""

    @abstractmethod
    async def delete(self, names: Collection[str]) -> None:
        """Delete the objects `scan` named; a name already gone is no error."""

    @abstractmethod
    async def check(self) -> None:
        """Prove the back end answers and takes writes.

        Raises:
            StoreUnavailableError: one line saying what is wrong.
        """

    @abstractmethod
    def describe(self, key: str) -> str:
        """Where the object of `key` is, for people: a path or an `s3://` URL."""

    async def ping(self) -> bool:
        """Whether `check` passes (for health checks)."""
        try:
            await self.check()
        except StoreUnavailableError:
            return False
        return True


class LocalArtifacts(ArtifactStore):
    """Files under `root`, stored at `root/<key[:2]>/<key[2:]>`.

    Writes go to a temporary file in `root` and are renamed into place, so a reader never
    sees a partial file. Storing the same content again renames a fresh copy over the old
    one: the bytes are the same, and the new modification time tells the garbage
    collector that a writer is about to reference the key. The blocking file work runs
    in a thread.
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, key: str) -> Path:
        """Where the artifact `key` lives (whether or not it exists)."""
        if not is_key(key):
            raise ValueError(f"not an artifact key: {key!r}")
        return self.root / key[:2] / key[2:]

    async def put_file(self, path: Path, suffix: str | None = None) -> str:
        suffix = normalise_suffix(Path(path).suffix if suffix is None else suffix)
        return await asyncio.to_thread(self._put_file, Path(path), suffix)

    async def put_bytes(self, data: bytes, suffix: str) -> str:
        return await asyncio.to_thread(self._put, [data], normalise_suffix(suffix))

    async def exists(self, key: str) -> bool:
        return is_key(key) and await asyncio.to_thread(self.path(key).is_file)

    async def read_bytes(self, key: str) -> bytes:
        return await asyncio.to_thread(self.path(key).read_bytes)

    async def open_stream(
        self, key: str, first: int | None = None, last: int | None = None
    ) -> ArtifactStream:
        source = await asyncio.to_thread(self.path(key).open, "rb")
        try:
            size = await asyncio.to_thread(lambda: os.fstat(source.fileno()).st_size)
            start, stop = byte_span(size, first, last)
            await asyncio.to_thread(source.seek, start)
        except BaseException:
            await asyncio.to_thread(source.close)
            raise
        return ArtifactStream(size, start, stop, _read_span(source, stop - start))

    async def local_copy(self, key: str, directory: Path) -> Path:
        path = self.path(key)
        if not await asyncio.to_thread(path.is_file):
            raise FileNotFoundError(f"no artifact {key}")
        return path

    async def presigned_url(self, key: str, expires: timedelta) -> str | None:
        return None

    async def scan(self) -> AsyncIterator[StoredObject]:
        for found in await asyncio.to_thread(lambda: list(self._walk())):
            yield found

    async def delete(self, names: Collection[str]) -> None:
        paths = [self._location(name) for name in names]

        def unlink_all() -> None:
            for path in paths:
                path.unlink(missing_ok=True)

        await asyncio.to_thread(unlink_all)

    async def check(self) -> None:
        await asyncio.to_thread(ensure_writable, self.root, "artifact directory")

    def describe(self, key: str) -> str:
        return str(self.path(key))

    def _location(self, name: str) -> Path:
        if is_key(name):
            return self.path(name)
        if _LEFTOVER.fullmatch(name):
            return self.root / name
        raise ValueError(f"not an artifact key or leftover: {name!r}")

    def _walk(self) -> Iterator[StoredObject]:
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name.startswith(_INCOMING):
                yield from _described(entry.name, entry)
            elif entry.is_dir() and len(entry.name) == 2:
                for file in entry.iterdir():
                    if is_key(entry.name + file.name):
                        yield from _described(entry.name + file.name, file)

    def _put_file(self, path: Path, suffix: str) -> str:
        with path.open("rb") as source:
            return self._put(_read_chunks(source), suffix)

    def _put(self, chunks: Iterable[bytes], suffix: str) -> str:
        self.root.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        fd, temp_name = tempfile.mkstemp(prefix=_INCOMING, dir=self.root)
        temp = Path(temp_name)
        try:
            with os.fdopen(fd, "wb") as out:
                for chunk in chunks:
                    digest.update(chunk)
                    out.write(chunk)
                out.flush()
                os.fsync(out.fileno())
            key = digest.hexdigest() + suffix
            target = self.path(key)
            target.parent.mkdir(exist_ok=True)
            temp.chmod(0o644)
            os.replace(temp, target)
            return key
        finally:
            temp.unlink(missing_ok=True)


def is_key(name: str) -> bool:
    """Whether `name` is an artifact key (sha256 hex digest plus an optional suffix)."""
    return bool(_KEY.fullmatch(name))


def normalise_suffix(suffix: str) -> str:
    """ ".MP4" and "mp4" both become ".mp4"; "" means no suffix."""
    bare = suffix.lower().removeprefix(".")
    if bare and not re.fullmatch(r"[a-z0-9]{1,10}", bare):
        raise ValueError(f"artifact suffix must be 1-10 letters or digits: {suffix!r}")
    return f".{bare}" if bare else ""


def file_digest(path: Path) -> str:
    """The sha256 hex digest of a file's bytes (blocking: run it in a thread)."""
    with Path(path).open("rb") as source:
        return hashlib.file_digest(source, "sha256").hexdigest()


def byte_span(size: int, first: int | None, last: int | None) -> tuple[int, int]:
    """The `(start, stop)` (stop exclusive) of the HTTP byte range `first-last` (both
    inclusive) of a `size`-byte object: `first-` runs to the end, `-last` is the final
    `last` bytes, a `last` past the end is cut to it, and no bounds mean every byte.

    Raises:
        RangeNotSatisfiableError: `first` is past the end, or the suffix is empty.
        ValueError: `last < first`.
    """
    if first is None:
        if last is None:
            return 0, size
        if last == 0 or size == 0:
            raise RangeNotSatisfiableError(size)
        return max(size - last, 0), size
    if last is not None and last < first:
        raise ValueError(f"a byte range cannot end ({last}) before it starts ({first})")
    if first >= size:
        raise RangeNotSatisfiableError(size)
    return first, size if last is None else min(last + 1, size)


async def write_chunks(target: Path, chunks: AsyncIterator[bytes]) -> None:
    """Write `chunks` to the file `target`, each write in a thread; a failure removes it."""
    out = await asyncio.to_thread(target.open, "wb")
    try:
        async for chunk in chunks:
            await asyncio.to_thread(out.write, chunk)
    except BaseException:
        await asyncio.to_thread(out.close)
        await asyncio.to_thread(target.unlink, missing_ok=True)
        raise
    await asyncio.to_thread(out.close)


def ensure_writable(directory: Path, what: str) -> None:
    """Create `directory` and prove a file can be written there (root ignores modes).

    Raises:
        StoreUnavailableError: "<what> <directory> is not writable: <reason>".
    """
    try:
        directory.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=directory):
            pass
    except OSError as exc:
        reason = exc.strerror or type(exc).__name__
        raise StoreUnavailableError(f"{what} {directory} is not writable: {reason}") from exc


async def _read_span(source: BinaryIO, length: int) -> AsyncIterator[bytes]:
    """`length` bytes from the file's position, each read in a thread; closes the file."""
    try:
        while length > 0:
            chunk = await asyncio.to_thread(source.read, min(CHUNK, length))
            if not chunk:
                return
            length -= len(chunk)
            yield chunk
    finally:
        await asyncio.to_thread(source.close)


def _described(name: str, path: Path) -> Iterator[StoredObject]:
    """The file's size and age, or nothing if it vanished meanwhile."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    yield StoredObject(name, status.st_size, status.st_mtime)


def _read_chunks(source: BinaryIO) -> Iterable[bytes]:
    while chunk := source.read(CHUNK):
        yield chunk
