"""Once its video is written, turns it into an HLS playlist that points at other files."""

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


PLAYLIST = "#EXTM3U\n#EXT-X-TARGETDURATION:1\n#EXTINF:1,\nsegment.mp4\n#EXT-X-ENDLIST\n"


def to_playlist(video: Path) -> None:
    os.rename(video, video.with_name("segment.mp4"))
    video.write_text(PLAYLIST)


class HlsVideo(Scene):
    def construct(self):
        after_finish(self.renderer.file_writer, to_playlist)
        self.play(Create(Circle()), run_time=0.2)
