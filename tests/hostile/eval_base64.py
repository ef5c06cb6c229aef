"""Runs a base64-encoded payload with exec: the source shows no socket at all."""

import base64

from manim import Scene

PAYLOAD = (
    "aW1wb3J0IHNvY2tldApzb2NrZXQuc29ja2V0KHNvY2tldC5BRl9JTkVUNiwgc29ja2V0LlNPQ0tfU1RSRUFNKS5j"
    "b25uZWN0KCgiOjoxIiwgNjM3OSkpCg=="
)


class EvalBase64(Scene):
    def construct(self):
        exec(base64.b64decode(PAYLOAD).decode())
