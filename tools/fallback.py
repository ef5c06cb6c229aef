"""The guaranteed-to-render title card that replaces a scene whose budget ran out."""

from __future__ import annotations

import textwrap

__all__ = ["title_card_code"]

_TEMPLATE = """import textwrap

from manim import *

TITLE = {title!r}
NARRATION = {narration!r}


class FallbackCard(Scene):
    def construct(self):
        # Lines as long as the frame is wide: 48 characters at 16:9, 26 in portrait or square.
        chars = 48 if config.frame_width > config.frame_height else 26
        lines = textwrap.wrap(NARRATION, width=chars)[: 6 if chars == 48 else 10] or [TITLE]
        title = Text("\\n".join(textwrap.wrap(TITLE, width=chars)), font_size=40, weight=BOLD)
        body = Text("\\n".join(lines), font_size=26, line_spacing=0.9)
        card = VGroup(title, body).arrange(DOWN, buff=0.6)
        card.scale_to_fit_width(min(card.width, config.frame_width - 1.5))
        if card.height > config.frame_height - 1.5:
            card.scale_to_fit_height(config.frame_height - 1.5)
        self.play(FadeIn(card), run_time=0.8)
        self.wait({hold:.2f})
"""


def title_card_code(title: str, narration: str, duration: float) -> str:
    """Scene code showing the title and the narration, wrapped to the frame it renders in,
    for about `duration` seconds."""
    short_title = textwrap.shorten(title, width=48, placeholder="...")
    return _TEMPLATE.format(
        title=short_title, narration=" ".join(narration.split()), hold=max(duration - 0.8, 1.0)
    )
