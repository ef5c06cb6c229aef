"""Shared fixtures: a fresh store per test and a context factory for graph runs."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from agents.models import ModelFactory, ModelSpec, Role
from graphs.context import VideoContext
from graphs.limits import Limits
from tests.scripted_model import ScriptedChatModel
from tools.store import Store

pytest_plugins = ["tests.fakes.fixtures"]

OFFLINE = ModelSpec(provider="offline")

GOOD_SCENE = """from manim import *


class Good(Scene):
    def construct(self):
        title = Text("Circles", font_size=40).to_edge(UP)
        self.play(Write(title), run_time=0.5)
        self.play(Create(Circle(radius=1.5, color=BLUE)), run_time=0.5)
"""


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data") as opened:
        yield opened


@pytest.fixture
def make_context(store: Store) -> Callable[..., VideoContext]:
    """A context on the offline model, with any role replaced by a scripted model."""

    def make(limits: Limits | None = None, **scripted: ScriptedChatModel) -> VideoContext:
        factory = ModelFactory(default=OFFLINE)
        for role, model in scripted.items():
            factory = factory.with_model(_role(role), model)
        return VideoContext(models=factory, store=store, limits=limits or Limits())

    return make


def _role(name: str) -> Role:
    assert name in ("planner", "coder", "fixer", "assembler")
    return name  # type: ignore[return-value]


def plan_answer(*archetypes: str, title: str = "Circles") -> dict[str, Any]:
    """A VideoPlan tool answer with one scene per archetype."""
    return {
        "title": title,
        "scenes": [
            {
                "number": i,
                "title": f"Scene {i}",
                "goal": "Show a circle.",
                "narration": f"This is scene {i} about circles.",
                "visual": "A title and a circle.",
                "archetype": kind,
                "duration": 4,
            }
            for i, kind in enumerate(archetypes, 1)
        ],
    }


def ffprobe(path: Path) -> dict[str, Any]:
    """Duration and stream count of a media file, read by ffprobe."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    data = json.loads(out.stdout)
    return {"duration": float(data["format"]["duration"]), "streams": len(data["streams"])}
