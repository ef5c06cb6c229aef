"""The scene loops for real: code errors go back to the coder, layout issues to the fixer."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from graphs.context import VideoContext
from graphs.errors import EnvironmentProblem
from graphs.limits import Limits
from graphs.requests import GenerateRequest
from tests.conftest import GOOD_SCENE, plan_answer
from tests.jobs_helpers import run_job
from tests.scripted_model import ScriptedChatModel
from tools.render.models import RenderSettings

pytestmark = pytest.mark.slow

DESCRIPTION = {"title": "Circles", "description": "About circles.", "chapters": ["Circle"]}
BROKEN_SCENE = GOOD_SCENE.replace(
    "Create(Circle(radius=1.5, color=BLUE))", "Create(undefined_shape)"
)


async def test_code_error_goes_back_to_coder_with_error_text(
    make_context: Callable[..., VideoContext],
) -> None:
    coder = ScriptedChatModel(answers=[BROKEN_SCENE, GOOD_SCENE])
    ctx = make_context(
        planner=ScriptedChatModel(answers=[plan_answer("custom")]),
        coder=coder,
        assembler=ScriptedChatModel(answers=[DESCRIPTION]),
    )

    summary = await run_job(GenerateRequest(prompt="circles", scene_count=1), ctx)

    assert len(coder.prompts) == 2
    assert "NameError" in coder.prompts[1]
    assert "undefined_shape" in coder.prompts[1]
    assert "## Failing code" in coder.prompts[1]
    scene = summary.scenes[0]
    assert (scene.status, scene.attempts, scene.fallback_used) == ("rendered", 2, False)
    assert await ctx.store.artifacts.exists(scene.video)


OVERFLOWING_SCENE = GOOD_SCENE.replace(
    'Text("Circles", font_size=40).to_edge(UP)',
    'Text("Circles " * 12, font_size=40).to_edge(UP)',
)
FIXED_SCENE = GOOD_SCENE
NO_REPAIRS = Limits(repairs=False)
"""The fixer loop on its own: the layout repair would fit the overflowing title first."""


async def test_overflowing_scene_goes_through_the_visual_fixer(
    make_context: Callable[..., VideoContext],
) -> None:
    coder = ScriptedChatModel(answers=[OVERFLOWING_SCENE, FIXED_SCENE])
    fixer = ScriptedChatModel(
        answers=[{"passes": False, "instructions": ["Scale the title to at most 12 units wide."]}]
    )
    ctx = make_context(
        NO_REPAIRS,
        planner=ScriptedChatModel(answers=[plan_answer("custom")]),
        coder=coder,
        fixer=fixer,
        assembler=ScriptedChatModel(answers=[DESCRIPTION]),
    )

    summary = await run_job(GenerateRequest(prompt="circles", scene_count=1), ctx)

    assert len(fixer.prompts) == 1
    assert "out_of_frame" in fixer.prompts[0]
    assert len(coder.prompts) == 2
    assert "## Fix instructions" in coder.prompts[1]
    assert "Scale the title to at most 12 units wide." in coder.prompts[1]
    assert "out_of_frame" in coder.prompts[1]
    assert summary.scenes[0].layout_issues == 0


async def test_fix_rounds_are_bounded(make_context: Callable[..., VideoContext]) -> None:
    coder = ScriptedChatModel(answers=[OVERFLOWING_SCENE, OVERFLOWING_SCENE])
    fixer = ScriptedChatModel(answers=[{"passes": False, "instructions": ["Make it fit."]}])
    ctx = make_context(
        Limits(max_fix_rounds=1, repairs=False),
        planner=ScriptedChatModel(answers=[plan_answer("custom")]),
        coder=coder,
        fixer=fixer,
        assembler=ScriptedChatModel(answers=[DESCRIPTION]),
    )

    summary = await run_job(GenerateRequest(prompt="circles", scene_count=1), ctx)

    assert (len(fixer.prompts), len(coder.prompts)) == (1, 2)
    assert summary.scenes[0].layout_issues > 0


MATH_SCENE = """from manim import *


class Formula(Scene):
    def construct(self):
        self.play(Write(MathTex(r"a^2 + b^2 = c^2")), run_time=0.5)
"""


async def test_environment_error_is_not_sent_to_the_model(
    make_context: Callable[..., VideoContext], tmp_path
) -> None:
    no_tex = tmp_path / "bin-without-latex"
    no_tex.mkdir()
    coder = ScriptedChatModel(answers=[MATH_SCENE, MATH_SCENE])
    ctx = make_context(
        Limits(render=RenderSettings(path=str(no_tex))),
        planner=ScriptedChatModel(answers=[plan_answer("equation")]),
        coder=coder,
    )
    before = await ctx.store.counts()

    with pytest.raises(EnvironmentProblem, match=r"(?i)latex"):
        await run_job(GenerateRequest(prompt="pythagoras", scene_count=1), ctx)

    assert len(coder.prompts) == 1
    after = await ctx.store.counts()
    # The job room records the project at submit; no scene or version row is written (the
    # narration spoken before the render failed stays in the speech cache, a cache).
    changed = {k: after[k] - before[k] for k in after if after[k] != before[k]}
    assert {k: n for k, n in changed.items() if k != "speech_cache"} == {"jobs": 1, "projects": 1}
    assert (await ctx.store.list_jobs())[0].status == "failed"
