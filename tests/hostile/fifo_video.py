"""Once its video is written, replaces it with a FIFO, which stalls whoever opens it."""

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


def to_fifo(video: Path) -> None:
    video.unlink()
    os.mkfifo(video)


class FifoVideo(Scene):
    def construct(self):
        after_finish(self.renderer.file_writer, to_fifo)
        self.play(Create(Circle()), run_time=0.2)
