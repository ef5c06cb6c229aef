"""Prompts are data: every placeholder of every mode is filled by its agent."""

from __future__ import annotations

import pytest

from agents.scene_coder import CoderRequest
from agents.schemas import ScenePlan
from prompts import PROMPT_NAMES, PromptError, load_prompt, prompt_versions

PLAN = ScenePlan(
    number=1, title="t", goal="g", narration="n", visual="v", archetype="title", duration=5
)


def test_every_prompt_has_a_version_tag() -> None:
    versions = prompt_versions()
    assert set(versions) == set(PROMPT_NAMES)
    assert all(v.startswith(name.replace("_", "-")) for name, v in versions.items())


@pytest.mark.parametrize("mode", ["write", "retry", "edit", "fix"])
def test_coder_fills_every_placeholder_of_each_mode(mode: str) -> None:
    request = CoderRequest(
        mode=mode,
        plan=PLAN,
        style="dark",
        code="x = 1",
        error="NameError",
        edit_prompt="make it red",
        layout_report="{}",
        instructions=["scale it"],
    )
    messages = load_prompt("scene_coder").render(mode, **request.prompt_values())
    assert "$" not in messages[1].text.replace("$$", "")


def test_render_refuses_missing_and_unexpected_values() -> None:
    with pytest.raises(PromptError, match="missing"):
        load_prompt("planner").render("plan", topic="x")
    with pytest.raises(PromptError, match="unexpected"):
        load_prompt("assembler").render("describe", video_plan="{}", extra="1")


def test_unknown_mode_is_an_error() -> None:
    with pytest.raises(PromptError, match="no mode"):
        load_prompt("planner").render("nope")
