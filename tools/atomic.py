"""Writing a file so that readers see the old one or the whole new one, never a part."""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["replacing"]


@contextmanager
def replacing(out: Path) -> Iterator[Path]:
    """A temporary file next to `out` that replaces it when the block succeeds; when the
    block fails, `out` is as it was."""
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=f".{out.stem}-", suffix=out.suffix, dir=out.parent)
    os.close(fd)
    temp = Path(name)
    try:
        yield temp
        temp.chmod(0o644)
        os.replace(temp, out)
    finally:
        temp.unlink(missing_ok=True)
