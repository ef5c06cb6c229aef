"""Once its video is written, turns it into an ffconcat list whose entry is a FIFO."""

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


def to_concat_list(video: Path) -> None:
    os.mkfifo(video.with_name("stall.mp4"))
    video.write_text("ffconcat version 1.0\nfile 'stall.mp4'\n")


class FfconcatVideo(Scene):
    def construct(self):
        after_finish(self.renderer.file_writer, to_concat_list)
        self.play(Create(Circle()), run_time=0.2)
