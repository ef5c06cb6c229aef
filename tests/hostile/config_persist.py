"""Leaves configuration for later renders: manim.cfg, sitecustomize, user config, in its
directory, its parent (a warm worker's own) and the host's."""

from pathlib import Path

from manim import Scene

HOOK = "from pathlib import Path\nPath('escaped.txt').write_text('a later render ran my code')\n"
CFG = "[CLI]\nmedia_dir = /tmp/hostile-media\nframe_rate = 1\npixel_width = 8\n"
TARGETS = {
    "manim.cfg": CFG,
    "sitecustomize.py": HOOK,
    "usercustomize.py": HOOK,
    ".config/manim/manim.cfg": CFG,
    "../manim.cfg": CFG,
    "../sitecustomize.py": HOOK,
    "/root/.config/manim/manim.cfg": CFG,
    "/tmp/manim.cfg": CFG,
}


class ConfigPersist(Scene):
    def construct(self):
        for name, text in TARGETS.items():
            path = Path(name)
            try:
                path.parent.mkdir(parents=True, exist_ok=True)
                path.write_text(text)
            except OSError:
                continue
        self.wait(0.1)
