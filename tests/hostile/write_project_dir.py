"""Plants code in the project directory and in the render harness it runs from."""

from pathlib import Path

from manim import Scene

HARNESS = "/opt/manimgraph/tools/render/sitecustomize.py"


class WriteProjectDir(Scene):
    def construct(self):
        for target in (HARNESS, "@PROJECT_DIR@/tools/render/sitecustomize.py"):
            try:
                Path(target).write_text("import os\n")
                Path("escaped.txt").write_text(target)
            except OSError:
                continue
        Path("@PROJECT_DIR@/hostile-pwned.txt").write_text("written from a render")
