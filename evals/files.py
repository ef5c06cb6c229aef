"""Whole-file writes: a reader (or a crash) never sees half a report or half a run.json."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from pydantic import BaseModel

__all__ = ["FILE_MODE", "write_atomic", "write_model"]

FILE_MODE = 0o644
"""Reports are for reading: mkstemp's private 0600 would hide them from other users."""


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write `data` to a temporary file beside `path`, then rename it over `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data.encode() if isinstance(data, str) else data)
        os.chmod(temp, FILE_MODE)
        os.replace(temp, path)
    except BaseException:
        Path(temp).unlink(missing_ok=True)
        raise
    return path


def write_model(path: Path, model: BaseModel) -> Path:
    """A pydantic model as indented JSON, written atomically."""
    return write_atomic(path, model.model_dump_json(indent=2) + "\n")
