"""Talks to Redis, Postgres and a listener of the test on the host's ::1."""

import socket
from pathlib import Path

from manim import Scene

TARGETS = [("::1", int("@TCP_PORT@")), ("::1", 6379), ("::1", 5432)]


class TcpLoopbackV6(Scene):
    def construct(self):
        failures = []
        for host, port in TARGETS:
            try:
                with socket.socket(socket.AF_INET6, socket.SOCK_STREAM) as conn:
                    conn.settimeout(2)
                    conn.connect((host, port))
                    conn.sendall(b"PING\r\n")
                    Path("escaped.txt").write_text(f"{host}:{port}")
            except OSError as exc:
                failures.append(exc)
        raise failures[0]
