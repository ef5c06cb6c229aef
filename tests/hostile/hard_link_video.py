"""Hard-links host files into the work directory, then gives its video a second name."""

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


def second_name(video: Path) -> None:
    os.link(video, video.with_name("copy.mp4"))


class HardLinkVideo(Scene):
    def construct(self):
        for source in ("@SECRET_FILE@", "@DATABASE@", "/usr/bin/python3"):
            try:
                os.link(source, Path(source).name)
                Path("escaped.txt").write_text(source)
            except OSError:
                continue
        after_finish(self.renderer.file_writer, second_name)
        self.play(Create(Circle()), run_time=0.2)
