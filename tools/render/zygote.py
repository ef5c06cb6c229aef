"""A warm render worker: Manim imported once, one forked child per render, inside the sandbox.

Importing Manim is most of a small scene's cost, so a worker that already holds it answers
a broken scene in a fraction of a cold start. The worker runs inside its own sandbox (its
own namespaces, uid and seccomp filter) and serves one request at a time:

0. import Manim, then say `{"ready": true}`;
1. read a request line from stdin: `{"id", "code", "quality", "frame", "mode", "scene"}`;
2. fork; the child makes a fresh directory `<root>/<id>`, writes the scene there, and runs
   the same harness a cold render runs; the worker keeps the head and tail of its output;
3. when the child ends, kill every process the worker's uid has left in the sandbox
   (`kill(-1)` spares the worker itself and root's processes), and answer with one line:
   `{"id", "result", "status", "log"}`; the host then moves the outputs out.

Each request's directory is removed before the next one starts, so nothing a scene leaves
behind (files, daemons) reaches another. The worker is not dumpable, so its children
cannot write to its memory through /proc. Its parent (the host) kills it on a timeout.
"""

from __future__ import annotations

import contextlib
import ctypes
import json
import os
import shutil
import signal
import sys
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.render.harness import run_scene_file
from tools.render.models import Frame
from tools.render.outputs import OutputTail

__all__ = ["main"]

SCENE_FILE = "scene.py"
READ_CHUNK_BYTES = 65536
DRAIN_JOIN_S = 5.0
RESULT_MAX_BYTES = 4 * 2**20
MAX_FD = 1024
PR_SET_DUMPABLE = 4


def main(root: str) -> int:
    """Serve requests from stdin until it closes; outputs go below `root`."""
    import manim  # noqa: F401  (the point of a warm worker)

    ctypes.CDLL(None).prctl(PR_SET_DUMPABLE, 0)
    base = Path(root)
    protocol = os.fdopen(os.dup(1), "w", buffering=1)
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 1)
    protocol.write(json.dumps({"ready": True}) + "\n")
    for line in sys.stdin:
        request: dict[str, Any] = json.loads(line)
        _clear(base)
        reply = _serve(base, request)
        _clear(base, keep=str(request["id"]))
        protocol.write(json.dumps(reply) + "\n")
    return 0


def _serve(base: Path, request: dict[str, Any]) -> dict[str, Any]:
    workdir = base / str(request["id"])
    read_end, write_end = os.pipe()
    output_end, output_write = os.pipe()
    pid = os.fork()  # no other thread runs in the worker at this point
    if pid == 0:  # the child: never returns
        os.close(read_end)
        os.close(output_end)
        _child(workdir, request, write_end, output_write)
    os.close(write_end)
    os.close(output_write)
    output, result = OutputTail(), bytearray()
    readers = [
        threading.Thread(target=_drain, args=(output_end, output.feed), daemon=True),
        threading.Thread(target=_drain, args=(read_end, _capped(result)), daemon=True),
    ]
    for reader in readers:
        reader.start()
    # The child's end, not EOF on its pipes, ends the request: a daemon the scene forked
    # may hold them open until the kill below.
    _, status = os.waitpid(pid, 0)
    with contextlib.suppress(ProcessLookupError):
        os.kill(-1, signal.SIGKILL)
    for reader in readers:
        reader.join(timeout=DRAIN_JOIN_S)
    return {
        "id": request["id"],
        "result": result.decode(errors="replace") or None,
        "status": os.waitstatus_to_exitcode(status),
        "log": output.text(),
    }


def _capped(buffer: bytearray) -> Callable[[bytes], None]:
    def feed(chunk: bytes) -> None:
        if len(buffer) < RESULT_MAX_BYTES:
            buffer.extend(chunk)

    return feed


def _drain(fd: int, feed: Callable[[bytes], None]) -> None:
    """Read a pipe to its end, handing each chunk on (which keeps what it needs)."""
    with os.fdopen(fd, "rb", buffering=0) as stream:
        while chunk := stream.read(READ_CHUNK_BYTES):
            feed(chunk)


def _child(workdir: Path, request: dict[str, Any], results: int, output: int) -> None:
    code = 1
    try:
        workdir.mkdir()
        os.chdir(workdir)
        os.dup2(output, 1)
        os.dup2(output, 2)
        os.dup2(os.open(os.devnull, os.O_RDONLY), 0)
        for fd in range(3, MAX_FD):
            if fd != results:
                with contextlib.suppress(OSError):
                    os.close(fd)
        Path(SCENE_FILE).write_text(request["code"], encoding="utf-8")
        result = run_scene_file(
            workdir / SCENE_FILE,
            workdir,
            request["quality"],
            request["mode"],
            request["scene"],
            frame=Frame.model_validate(request["frame"]),
        )
        os.write(results, result.model_dump_json().encode())
        code = 0
    finally:
        for stream in (sys.stdout, sys.stderr):
            with contextlib.suppress(Exception):
                stream.flush()
        os._exit(code)


def _clear(base: Path, keep: str | None = None) -> None:
    """Remove what earlier requests left in the worker's directory (links not followed)."""
    for entry in base.iterdir():
        if entry.name == keep:
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1]))
