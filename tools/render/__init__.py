"""Render generated Manim code safely: validate fast, render for real, classify failures."""

from tools.render.models import ErrorKind, Quality, RenderError, RenderResult, RenderSettings
from tools.render.runner import render_scene

__all__ = [
    "ErrorKind",
    "Quality",
    "RenderError",
    "RenderResult",
    "RenderSettings",
    "render_scene",
]
