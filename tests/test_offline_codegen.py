"""The offline scene writer: every archetype compiles, is byte-deterministic, keeps its
editable data in SPEC, lasts what the plan says, and validates with zero layout issues
in real Manim runs (both styles, long titles, long texts)."""

from __future__ import annotations

import ast
import asyncio
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.offline import plan_video, write_scene
from agents.offline.archetypes.literal import read_spec
from agents.schemas import ARCHETYPES, ScenePlan
from tools.render import RenderResult, RenderSettings, render_scene

ROOT = Path(__file__).resolve().parents[1]
LONG_TITLE = (
    "How the Navier-Stokes equations describe the motion of viscous fluids, from honey to "
    "hurricanes and everything in between"
)[:120]
LONG_POINTS = "; ".join(
    [
        "Momentum changes because of pressure differences pushing every small fluid parcel",
        "Viscosity spreads momentum sideways, smoothing out sharp differences in velocity",
        "Mass is conserved, so whatever flows into a region must also flow out of it",
        "Nonlinear terms make turbulence possible and the equations very hard to solve",
    ]
)


def scene(archetype: str, title: str = "Bayes' theorem", **fields: object) -> ScenePlan:
    defaults = {
        "goal": f"Understand {title} in a few seconds.",
        "narration": "The evidence updates the prior belief. It is simple. It is used a lot.",
        "visual": "A clear picture of the idea.",
        "duration": 8,
    }
    return ScenePlan.model_validate(
        {"number": 2, "title": title, "archetype": archetype, **defaults, **fields}
    )


# One scene per archetype and variant, mixing both styles, long titles and long texts.
LAYOUT_CASES: list[tuple[ScenePlan, str]] = [
    (scene("title", LONG_TITLE, goal="A very long subtitle " * 12), "dark"),
    (scene("bullets", LONG_TITLE, visual=f"Bullet list: {LONG_POINTS}"), "light"),
    (
        scene("equation", "The Navier-Stokes equations", narration="Fluids obey Newton. " * 12),
        "dark",
    ),
    (scene("plot", "Exponential decay of a radioactive sample"), "light"),
    (scene("construction", "A circle and the ratio of its parts"), "dark"),
    (
        scene(
            "chart", "Comparing results", visual="Bar chart: Mon=3, Tue=7, Wed=5, Thursday=9, Fri=2"
        ),
        "dark",
    ),
    (scene("chart", "The arithmetic sequence on a number line"), "light"),
    (scene("flow", "The Carnot cycle"), "dark"),
    (scene("summary", LONG_TITLE, visual=f"Bullet list: {LONG_POINTS}"), "light"),
]


async def validate(codes: list[str], tmp_path: Path) -> list[RenderResult]:
    """Validate-mode runs of the harness, two at a time (CI has two cores)."""
    gate = asyncio.Semaphore(2)

    async def one(index: int, code: str) -> RenderResult:
        async with gate:
            workdir = tmp_path / f"scene{index}"
            workdir.mkdir()
            settings = RenderSettings(quality="low", timeout_s=240)
            return await render_scene(code, workdir, settings, mode="validate")

    return await asyncio.gather(*(one(index, code) for index, code in enumerate(codes)))


def assert_clean(results: list[RenderResult], names: list[str]) -> None:
    problems = {
        name: result.error or (result.layout.issues if result.layout else "no layout report")
        for name, result in zip(names, results, strict=True)
        if not result.ok or result.layout is None or result.layout.issues
    }
    assert not problems, problems


def scene_classes(code: str) -> list[str]:
    module = ast.parse(code)
    return [
        node.name
        for node in module.body
        if isinstance(node, ast.ClassDef)
        and any(isinstance(base, ast.Name) and base.id == "Scene" for base in node.bases)
    ]


@pytest.mark.parametrize("style", ["dark", "light"])
@pytest.mark.parametrize("archetype", [a for a in ARCHETYPES if a != "custom"])
def test_every_archetype_writes_a_compilable_spec_driven_scene(archetype: str, style: str) -> None:
    code = write_scene(scene(archetype), style)
    compile(code, "scene.py", "exec")
    assert "from manim import *" in code
    assert scene_classes(code) == ["Scene02BayesTheorem"]
    spec = read_spec(code)
    assert spec is not None
    assert spec["background"] == ("#FFFFFF" if style == "light" else "#000000")
    for element in spec["elements"]:
        assert {"id", "kind", "color", "scale", "shift", "visible", "run_time"} <= element.keys()


def test_unknown_style_falls_back_to_dark() -> None:
    assert write_scene(scene("bullets"), "neon") == write_scene(scene("bullets"), "dark")


def test_latex_is_written_as_raw_strings() -> None:
    code = write_scene(scene("equation", "The Pythagorean theorem"))
    assert 'r"a^2 + b^2 = c^2"' in code
    assert r'r"c = \sqrt{a^2 + b^2}"' in code


@pytest.mark.parametrize("archetype", ["title", "equation", "flow"])
@pytest.mark.parametrize("duration", [2.0, 8.0, 12.0, 30.0])
def test_timeline_adds_up_to_the_planned_duration(archetype: str, duration: float) -> None:
    spec = read_spec(write_scene(scene(archetype, duration=duration)))
    assert spec is not None
    timeline = sum(e["run_time"] + e["wait"] for e in spec["elements"]) + spec["hold"] + 0.5
    assert timeline == pytest.approx(duration, abs=0.35)


def test_same_plan_gives_identical_bytes_in_another_interpreter() -> None:
    script = (
        "from agents.offline import plan_video, write_scene; "
        "plan = plan_video('Kinetic energy'); "
        "print(''.join(write_scene(s, 'light') for s in plan.scenes))"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("3", "4")
    ]
    here = "".join(write_scene(s, "light") for s in plan_video("Kinetic energy").scenes)
    assert outputs[0] == outputs[1] == here + "\n"


@pytest.mark.slow
async def test_one_scene_per_archetype_validates_with_zero_layout_issues(tmp_path: Path) -> None:
    codes = [write_scene(plan, style) for plan, style in LAYOUT_CASES]
    results = await validate(codes, tmp_path)
    assert_clean(
        results, [f"{plan.archetype}/{style}: {plan.title}" for plan, style in LAYOUT_CASES]
    )


@pytest.mark.slow
async def test_a_planned_scene_renders_to_a_video_of_the_planned_length(tmp_path: Path) -> None:
    plan = plan_video("Hooke's law").scenes[0]
    settings = RenderSettings(quality="low", timeout_s=300)
    result = await render_scene(write_scene(plan), tmp_path, settings, mode="render")
    assert result.ok, result.error
    assert result.layout is not None and not result.layout.issues
    assert result.video is not None and (tmp_path / result.video).stat().st_size > 0
    assert result.duration == pytest.approx(plan.duration, abs=0.4)
