"""Read a render's outputs back without trusting the code that wrote them.

The work directory is writable by the scene, so any path in it may be a symlink to a
secret, a hard link to a host file, a FIFO, or a flood. Outputs are accepted only as
regular, singly-linked files reached without following a symlink, and the video only
when ffprobe reads it as a video.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path, PurePosixPath
from typing import NamedTuple

from tools.media import MediaError, probe

__all__ = ["UnsafeOutput", "WorkdirUsage", "checked_file", "checked_video", "workdir_usage"]


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


def checked_video(workdir: Path, relative: Path | str, *, max_bytes: int) -> tuple[Path, float]:
    """A checked file that ffprobe reads as a video with a duration; returns the duration."""
    path = checked_file(workdir, relative, max_bytes=max_bytes)
    try:
        info = probe(path)
    except MediaError as exc:
        raise UnsafeOutput(f"{relative} is not a readable video: {exc}") from None
    if info.video_codec is None or not info.duration:
        raise UnsafeOutput(f"{relative} holds no video stream")
    return path, info.duration
