"""Per-render working directories under `<data_dir>/work/` that a crash left behind.

Renders and assemblies delete their own directory when they finish, so anything
old in there belongs to a process that died.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from tools.store.garbage import Freed

__all__ = ["sweep_work_dirs"]


def sweep_work_dirs(work_root: Path, modified_before: float, dry_run: bool) -> Freed:
    """Delete (or only count) entries of `work_root` last modified before `modified_before`."""
    if not work_root.is_dir():
        return Freed(0, 0)
    entries = size = 0
    for entry in work_root.iterdir():
        try:
            if entry.lstat().st_mtime >= modified_before:
                continue
            freed = _size(entry)
        except FileNotFoundError:
            continue
        if not dry_run:
            _remove(entry)
        entries += 1
        size += freed
    return Freed(entries, size)


def _size(entry: Path) -> int:
    if entry.is_symlink() or not entry.is_dir():
        return entry.lstat().st_size
    return sum(f.lstat().st_size for f in entry.rglob("*") if f.is_file() or f.is_symlink())


def _remove(entry: Path) -> None:
    if entry.is_dir() and not entry.is_symlink():
        shutil.rmtree(entry, ignore_errors=True)
    else:
        entry.unlink(missing_ok=True)
