"""The guaranteed-to-render title card that replaces a scene whose budget ran out."""

from __future__ import annotations

import textwrap

__all__ = ["title_card_code"]

_TEMPLATE = """from manim import *

TITLE = {title!r}
NARRATION = {narration!r}


class FallbackCard(Scene):
    def construct(self):
        title = Text(TITLE, font_size=40, weight=BOLD)
        body = Text(NARRATION, font_size=26, line_spacing=0.9)
        card = VGroup(title, body).arrange(DOWN, buff=0.6)
        card.scale_to_fit_width(min(card.width, config.frame_width - 1.5))
        if card.height > config.frame_height - 1.5:
            card.scale_to_fit_height(config.frame_height - 1.5)
        self.play(FadeIn(card), run_time=0.8)
        self.wait({hold:.2f})
"""


def title_card_code(title: str, narration: str, duration: float) -> str:
    """Scene code showing the title and the wrapped narration for about `duration` seconds."""
    wrapped = "\n".join(textwrap.wrap(narration, width=48)[:6]) or title
    short_title = textwrap.shorten(title, width=48, placeholder="...")
    return _TEMPLATE.format(title=short_title, narration=wrapped, hold=max(duration - 0.8, 1.0))
