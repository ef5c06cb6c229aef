"""Which live processes work in given directories: how tests see renders run and end.

Matched by the inode of each process's working directory, since inside the sandbox the
same directory has another name.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

__all__ = ["processes_in"]


def processes_in(directories: Iterable[Path]) -> list[int]:
    """Pids of non-zombie processes whose working directory is one of `directories`."""
    targets = set()
    for directory in directories:
        try:
            info = directory.stat()
        except OSError:  # removed while we looked
            continue
        targets.add((info.st_dev, info.st_ino))
    pids = []
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            cwd = (proc / "cwd").stat()
            state = (proc / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except OSError:
            continue
        if (cwd.st_dev, cwd.st_ino) in targets and state != "Z":
            pids.append(int(proc.name))
    return pids
