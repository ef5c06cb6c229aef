"""Read a render's outputs back without trusting the code that wrote them.

The work directory is writable by the scene, so any path in it may be a symlink to a
secret, a hard link to a host file, a FIFO, or a flood. Outputs are accepted only as
regular, singly-linked files reached without following a symlink, and the video only
when it is an MP4 file that ffprobe reads as a video. ffprobe runs outside the sandbox and
picks its demuxer by content, so the file must start as an MP4 before ffprobe sees it: an
HLS playlist or an ffconcat list named `.mp4` would have it open other files (a FIFO
stalls it for good).
"""

from __future__ import annotations

import asyncio
import os
import stat
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from tools.media import MediaError, probe
from tools.render.models import RenderError, RenderSettings

__all__ = [
    "DISK_POLL_S",
    "OutputTail",
    "UnsafeOutput",
    "WorkdirUsage",
    "checked_file",
    "checked_png",
    "checked_video",
    "disk_overflow",
    "guard_disk",
    "workdir_usage",
]

DISK_POLL_S = 0.5
PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
OUTPUT_HEAD_BYTES = 1024
OUTPUT_TAIL_BYTES = 3072

# An MP4 (ISO base media) file opens with its `ftyp` box: 4 bytes of size, then the type.
MP4_FILE_TYPE = b"ftyp"
MP4_HEAD_BYTES = 8


class OutputTail:
    """Keeps the first and last few KB of a stream, so a flood cannot fill memory."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._tail = bytearray()
        self._dropped = 0

    def feed(self, chunk: bytes) -> None:
        room = OUTPUT_HEAD_BYTES - len(self._head)
        if room > 0:
            self._head += chunk[:room]
            chunk = chunk[room:]
        self._tail += chunk
        excess = len(self._tail) - OUTPUT_TAIL_BYTES
        if excess > 0:
            del self._tail[:excess]
            self._dropped += excess

    def text(self) -> str:
        gap = f"\n[... {self._dropped} bytes dropped ...]\n" if self._dropped else ""
        return (
            bytes(self._head).decode(errors="replace") + gap + self._tail.decode(errors="replace")
        )


class UnsafeOutput(ValueError):
    """An output the render claims is not a plain file inside its work directory."""


class WorkdirUsage(NamedTuple):
    """Bytes and entries under a work directory (symlinks counted, never followed)."""

    bytes: int
    entries: int


def workdir_usage(workdir: Path, *, stop_bytes: int, stop_entries: int) -> WorkdirUsage:
    """Sizes under `workdir`; stops counting once either cap is passed (the answer is enough)."""
    total = entries = 0
    pending = [workdir]
    while pending:
        try:
            scan = os.scandir(pending.pop())
        except OSError:
            continue
        with scan:
            for entry in scan:
                entries += 1
                try:
                    info = entry.stat(follow_symlinks=False)
                except OSError:
                    continue
                total += info.st_blocks * 512
                if stat.S_ISDIR(info.st_mode):
                    pending.append(Path(entry.path))
                if total > stop_bytes or entries > stop_entries:
                    return WorkdirUsage(total, entries)
    return WorkdirUsage(total, entries)


def checked_file(workdir: Path, relative: Path | str, *, max_bytes: int) -> Path:
    """`workdir/relative` when it is a plain file the render may hand back, else raise."""
    parts = PurePosixPath(relative).parts
    if not parts or PurePosixPath(relative).is_absolute() or ".." in parts:
        raise UnsafeOutput(f"{relative} is not a path inside the work directory")
    path = workdir
    for index, part in enumerate(parts):
        path = path / part
        try:
            info = os.lstat(path)
        except OSError as exc:
            raise UnsafeOutput(f"{relative} is missing ({exc.strerror})") from None
        last = index == len(parts) - 1
        if stat.S_ISLNK(info.st_mode):
            raise UnsafeOutput(f"{relative} passes through a symbolic link")
        if not last and not stat.S_ISDIR(info.st_mode):
            raise UnsafeOutput(f"{relative}: {part} is not a directory")
    if not stat.S_ISREG(info.st_mode):
        raise UnsafeOutput(f"{relative} is not a regular file")
    if info.st_nlink != 1:
        raise UnsafeOutput(f"{relative} is a hard link")
    if info.st_size > max_bytes:
        raise UnsafeOutput(f"{relative} is {info.st_size} bytes; the limit is {max_bytes}")
    return path


def checked_png(workdir: Path, relative: Path | str, *, max_bytes: int) -> Path:
    """A checked file that starts like a PNG (what a last frame must be)."""
    path = checked_file(workdir, relative, max_bytes=max_bytes)
    with path.open("rb") as image:
        if image.read(len(PNG_SIGNATURE)) != PNG_SIGNATURE:
            raise UnsafeOutput(f"{relative} is not a PNG image")
    return path


def checked_video(workdir: Path, relative: Path | str, *, max_bytes: int) -> tuple[Path, float]:
    """A checked MP4 file that ffprobe reads as a video with a duration; returns the duration."""
    path = checked_file(workdir, relative, max_bytes=max_bytes)
    with path.open("rb") as video:
        head = video.read(MP4_HEAD_BYTES)
    if head[4:MP4_HEAD_BYTES] != MP4_FILE_TYPE:
        raise UnsafeOutput(f"{relative} is not an MP4 file (it does not start with a ftyp box)")
    try:
        info = probe(path)
    except MediaError as exc:
        raise UnsafeOutput(f"{relative} is not a readable video: {exc}") from None
    if info.video_codec is None or not info.duration:
        raise UnsafeOutput(f"{relative} holds no video stream")
    return path, info.duration


async def guard_disk(workdir: Path, settings: RenderSettings) -> RenderError:
    """Poll the directory until it passes its quota; return that `limit` error."""
    while True:
        await asyncio.sleep(DISK_POLL_S)
        overflow = await asyncio.to_thread(disk_overflow, workdir, settings)
        if overflow is not None:
            return overflow


def disk_overflow(workdir: Path, settings: RenderSettings) -> RenderError | None:
    """A `limit` error when the work directory holds more than its quota."""
    cap = settings.disk_mb * 2**20
    usage = workdir_usage(workdir, stop_bytes=cap, stop_entries=settings.max_files)
    if usage.bytes > cap:
        message = f"The render's files passed the disk limit of {settings.disk_mb} MB."
    elif usage.entries > settings.max_files:
        message = f"The render created more than {settings.max_files} files (the file limit)."
    else:
        return None
    return RenderError(kind="limit", type="DiskLimit", message=message)
