"""Once its video is written, replaces it with a symlink to a host secret."""

import os
from pathlib import Path

from manim import Circle, Create, Scene


def after_finish(writer, swap) -> None:
    finish = writer.finish

    def finish_then_swap() -> None:
        finish()
        video = Path(str(writer.final_file_path))
        if video.is_file():
            swap(video)

    writer.finish = finish_then_swap


def to_secret(video: Path) -> None:
    video.unlink()
    os.symlink("@SECRET_FILE@", video)


class SymlinkVideo(Scene):
    def construct(self):
        after_finish(self.renderer.file_writer, to_secret)
        self.play(Create(Circle()), run_time=0.2)
