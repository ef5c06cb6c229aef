"""Imports a module whose name is built at run time, so no import statement shows it."""

from manim import Scene


class DunderImport(Scene):
    def construct(self):
        network = __import__("so" + "cket")
        network.create_connection(("127.0.0.1", 6379), timeout=2)
