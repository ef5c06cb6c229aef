"""Has LaTeX typeset the host's /etc/passwd and a credentials file."""

from manim import Scene, Tex


class TexInput(Scene):
    def construct(self):
        self.add(Tex(r"\input{@SECRET_FILE@}"))
        self.add(Tex(r"\input{/etc/passwd}"))
