"""Runs shell commands from LaTeX with \\write18 and writes outside with \\openout."""

from manim import Scene, Tex


class TexWrite18(Scene):
    def construct(self):
        self.add(Tex(r"\immediate\write18{id > escaped.txt}shell escape"))
        self.wait(0.1)
