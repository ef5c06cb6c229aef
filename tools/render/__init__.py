"""Render generated Manim code safely: validate fast, render for real, classify failures.

`render_scene` loads on first use, so code that only needs the result models (API
schemas, the CLI talking to a server) does not load the render machinery.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.lazy import lazy_exports
from tools.render.models import ErrorKind, Quality, RenderError, RenderResult, RenderSettings

if TYPE_CHECKING:
    from tools.render.runner import render_scene

__all__ = [
    "ErrorKind",
    "Quality",
    "RenderError",
    "RenderResult",
    "RenderSettings",
    "render_scene",
]


__getattr__ = lazy_exports(__name__, {"render_scene": "tools.render.runner"})
