"""Talks to Redis, Postgres and a listener of the test on the host's 127.0.0.1."""

import socket
from pathlib import Path

from manim import Scene

TARGETS = [("127.0.0.1", int("@TCP_PORT@")), ("127.0.0.1", 6379), ("127.0.0.1", 5432)]


class TcpLoopbackV4(Scene):
    def construct(self):
        failures = []
        for target in TARGETS:
            try:
                with socket.create_connection(target, timeout=2) as conn:
                    conn.sendall(b"PING\r\n")
                    Path("escaped.txt").write_text(repr(target))
            except OSError as exc:
                failures.append(exc)
        raise failures[0]
