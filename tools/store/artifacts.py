"""Content-addressed files: a key is the sha256 of the bytes plus a suffix.

Writes go to a temporary file in the same directory tree and are renamed into
place, so a reader never sees a partial file. Storing the same content again
renames it over the old copy: the bytes are the same, and the fresh modification
time tells the garbage collector that a writer is about to reference the key.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import BinaryIO, NamedTuple

__all__ = ["ArtifactFile", "ArtifactStore"]

_KEY = re.compile(r"[0-9a-f]{64}(\.[a-z0-9]{1,10})?")
_CHUNK = 1 << 20
_INCOMING = ".incoming-"


class ArtifactFile(NamedTuple):
    """A file found in the artifact directory; `key` is None for an unfinished write."""

    key: str | None
    path: Path
    size: int
    modified: float


class ArtifactStore:
    """Files under `root`, stored at `root/<key[:2]>/<key[2:]>`.

    Example:
        >>> key = artifacts.put_bytes(b"hello", ".txt")
        >>> artifacts.path(key).read_bytes()
        b'hello'
    """

    def __init__(self, root: Path) -> None:
        self.root = root

    def put_file(self, path: Path, suffix: str | None = None) -> str:
        """Store a copy of `path`; `suffix` defaults to the file's own (e.g. ".mp4")."""
        with Path(path).open("rb") as source:
            return self._put(_read_chunks(source), path.suffix if suffix is None else suffix)

    def put_bytes(self, data: bytes, suffix: str) -> str:
        """Store `data` and return its key."""
        return self._put([data], suffix)

    def path(self, key: str) -> Path:
        """Where the artifact `key` lives (whether or not it exists)."""
        if not _KEY.fullmatch(key):
            raise ValueError(f"not an artifact key: {key!r}")
        return self.root / key[:2] / key[2:]

    def exists(self, key: str) -> bool:
        """Whether `key` is a valid key whose file is present."""
        return bool(_KEY.fullmatch(key)) and self.path(key).is_file()

    def scan(self) -> Iterator[ArtifactFile]:
        """Every stored artifact, and every temporary file a crashed write left behind."""
        if not self.root.is_dir():
            return
        for entry in self.root.iterdir():
            if entry.name.startswith(_INCOMING):
                yield from _described(None, entry)
            elif entry.is_dir() and len(entry.name) == 2:
                for file in entry.iterdir():
                    key = entry.name + file.name
                    if _KEY.fullmatch(key):
                        yield from _described(key, file)

    def _put(self, chunks: Iterable[bytes], suffix: str) -> str:
        suffix = _normalise_suffix(suffix)
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


def _described(key: str | None, path: Path) -> Iterator[ArtifactFile]:
    """The file's size and age, or nothing if it vanished meanwhile."""
    try:
        status = path.stat()
    except FileNotFoundError:
        return
    yield ArtifactFile(key, path, status.st_size, status.st_mtime)


def _read_chunks(source: BinaryIO) -> Iterable[bytes]:
    while chunk := source.read(_CHUNK):
        yield chunk


def _normalise_suffix(suffix: str) -> str:
    """ ".MP4" and "mp4" both become ".mp4"; "" means no suffix."""
    bare = suffix.lower().removeprefix(".")
    if bare and not re.fullmatch(r"[a-z0-9]{1,10}", bare):
        raise ValueError(f"artifact suffix must be 1-10 letters or digits: {suffix!r}")
    return f".{bare}" if bare else ""
