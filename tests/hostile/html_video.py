"""Once its video is written, overwrites it with HTML behind a genuine MP4 header."""

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


FILE_TYPE_BOX = b"\x00\x00\x00\x18ftypisom\x00\x00\x02\x00isomiso2"
PAGE = b"<!doctype html><html><body><script>fetch('/api/v1/projects')</script></body></html>"


def to_html(video: Path) -> None:
    video.write_bytes(FILE_TYPE_BOX + PAGE)


class HtmlVideo(Scene):
    def construct(self):
        after_finish(self.renderer.file_writer, to_html)
        self.play(Create(Circle()), run_time=0.2)
