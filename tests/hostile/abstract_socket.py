"""Connects to an abstract unix socket the test listens on (no file: only a name)."""

import socket
from pathlib import Path

from manim import Scene


class AbstractSocket(Scene):
    def construct(self):
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(2)
            conn.connect("\0@ABSTRACT_SOCKET@")
            Path("escaped.txt").write_text("connected")
