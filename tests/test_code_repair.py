"""The sharper error-driven repairs and the plugin checks, each on a scene that triggers it,
rendered for real in the sandbox (`render_file`, the loop `manimgraph render` runs)."""

from __future__ import annotations

import ast
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from agents.scene_coder import CoderRequest
from agents.schemas import ScenePlan
from graphs import render_loop
from graphs.render_loop import render_file
from prompts import load_prompt
from tools import plugins
from tools.check import check_code
from tools.render.models import RenderError
from tools.repair import Repaired, explain_error, repair_after_error
from tools.store import Store

HEAD = "from manim import *\n\n\nclass S(Scene):\n    def construct(self):\n"


def scene(*lines: str) -> str:
    return HEAD + "".join(f"        {line}\n" for line in lines)


@pytest.fixture
async def sqlite_store(tmp_path: Path) -> AsyncIterator[Store]:
    """The render cache's store; these tests are about renders, not the database."""
    store = await Store.open(tmp_path / "data")
    yield store
    await store.close()


@pytest.mark.slow
async def test_a_getter_that_does_not_exist_is_reported_as_no_such_method(
    sqlite_store: Store,
) -> None:
    code = scene(
        "axes = Axes(x_range=[0, 5], y_range=[0, 10])",
        "bars = axes.get_bar_graph([3, 5, 2], bar_width=0.5, fill_opacity=0.8)",
        "self.play(Create(axes), FadeIn(bars))",
    )
    raw = await render_file(sqlite_store, code, "low", repair=False)
    assert raw.error is not None and "getter()" in raw.error.message

    outcome = await render_file(sqlite_store, code, "low")

    assert outcome.repairs == []  # no keyword was dropped
    assert outcome.code == code
    assert outcome.error is not None
    assert (outcome.error.type, outcome.error.line) == ("NoSuchMethod", 7)
    assert outcome.error.message.startswith("no such method: axes.get_bar_graph()")
    assert outcome.error.message.endswith("the nearest real one: get_bar_labels()")


@pytest.mark.slow
async def test_opacity_becomes_fill_or_stroke_opacity_by_the_object(sqlite_store: Store) -> None:
    code = scene(
        "disc = Circle(radius=1, color=BLUE, opacity=0.5)",
        "rule = Line(LEFT * 3, RIGHT * 3, opacity=0.4)",
        "self.play(FadeIn(disc), Create(rule))",
    )
    outcome = await render_file(sqlite_store, code, "low")

    assert outcome.ok, outcome.error
    assert outcome.repairs == [
        "renamed keyword opacity= → fill_opacity= (line 6)",
        "renamed keyword opacity= → stroke_opacity= (line 7)",
    ]
    assert "Circle(radius=1, color=BLUE, fill_opacity=0.5)" in outcome.code
    assert "Line(LEFT * 3, RIGHT * 3, stroke_opacity=0.4)" in outcome.code


@pytest.mark.slow
async def test_independent_fixes_land_in_one_step_and_name_the_keywords_line(
    sqlite_store: Store,
) -> None:
    code = scene(
        "top = Line(LEFT * 3, RIGHT * 3, weight=4).shift(UP)",
        "self.play(Create(top))",
        "bottom = Line(",
        "    LEFT * 3,",
        "    RIGHT * 3,",
        "    weight=2,",
        ").shift(DOWN)",
        "self.play(Create(bottom))",
        "path = VMobject().set_points_as_corners([[0, 0], [1, 1], [2, 0]])",
        "self.play(Create(path))",
    )
    outcome = await render_file(sqlite_store, code, "low")

    # Both weight= keywords in one step, then the 2-D points: three steps were never needed.
    assert outcome.ok, outcome.error
    assert outcome.repairs == [
        "renamed keyword weight= → stroke_width= in 2 calls (line 6)",
        "gave 2-D points a z coordinate of 0 (line 14)",
    ]


def test_the_repair_names_the_line_of_the_keyword_in_a_multi_line_call() -> None:
    code = scene("dot = Dot(", "    radius=0.2,", "    opacity=0.5,", ")", "self.add(dot)")
    error = RenderError(
        kind="code",
        type="TypeError",
        message="Mobject.__init__() got an unexpected keyword argument 'opacity'",
        line=6,
    )
    repaired = repair_after_error(code, error)
    assert repaired is not None
    assert repaired.repairs == ["renamed keyword opacity= → fill_opacity= (line 8)"]


def test_a_keyword_with_no_real_name_is_still_dropped() -> None:
    code = scene("sq = Square(side_length=2, glow=3)", "self.add(sq)")
    error = RenderError(
        kind="code",
        type="TypeError",
        message="Mobject.__init__() got an unexpected keyword argument 'glow'",
        line=6,
    )
    repaired = repair_after_error(code, error)
    assert repaired is not None
    assert repaired.repairs == ["dropped unsupported keyword glow= (line 6)"]
    assert "Square(side_length=2)" in repaired.code


@pytest.mark.slow
async def test_an_error_without_a_message_still_says_what_failed(sqlite_store: Store) -> None:
    code = scene(
        "grid = CoordinateSystem()",
        "point = grid.coords_to_point(1, 2)",
        "self.play(FadeIn(Dot(point)))",
    )
    outcome = await render_file(sqlite_store, code, "low")

    assert outcome.error is not None
    assert outcome.error.type == "NotImplementedError"
    assert outcome.error.message == (
        "NotImplementedError raised with no message at line 7: the call there is not supported"
    )


async def test_a_chain_that_meets_the_same_error_again_stops(
    sqlite_store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A rule that changes the code without fixing the error is not run again and again."""
    calls: list[str] = []
    code = scene("self.play(Create(Circle()))", "raise ValueError('always')")

    def useless(source: str, error: RenderError) -> Repaired:
        calls.append(source)
        return Repaired(source + f"# step {len(calls)}\n", [f"useless step {len(calls)}"])

    monkeypatch.setattr(render_loop, "repair_after_error", useless)
    outcome = await render_file(sqlite_store, code, "low")

    assert outcome.error is not None and outcome.error.message == "always"
    assert outcome.repairs == ["useless step 1"]


def test_explain_error_leaves_real_getters_and_other_errors_alone() -> None:
    code = scene("axes = Axes()", "label = axes.get_axis_labels(1, 2, 3)")
    error = RenderError(
        kind="code",
        type="TypeError",
        message="Mobject.__getattr__.<locals>.getter() takes 1 positional argument",
        line=7,
    )
    assert explain_error(code, error) == error
    other = error.model_copy(update={"message": "unsupported operand"})
    assert explain_error(code, other) == other


def test_a_missing_plugin_is_a_code_error_naming_the_installed_ones(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    code = "from manim import *\nfrom manim_physics import *\n\n\nclass S(SpaceScene):\n    pass\n"
    plugins.installed_plugins.cache_clear()
    try:
        error = check_code(code)
        found = plugins.installed_plugins()
    finally:
        plugins.installed_plugins.cache_clear()
    if "manim_physics" in found:
        assert error is None
        return
    assert error is not None
    assert (error.kind, error.type, error.line) == ("code", "ModuleNotFoundError", 2)
    assert f"installed plugins: {', '.join(found) or 'none'}" in error.message
    assert "core Manim" in error.message

    monkeypatch.setattr(plugins, "installed_plugins", lambda: ["manim_chemistry"])
    error = plugins.missing_plugin(ast.parse(code))
    assert error is not None
    assert "installed plugins: manim_chemistry); write the scene with core Manim or an" in (
        error.message
    )


def test_the_coders_prompt_lists_the_installed_plugins(monkeypatch: pytest.MonkeyPatch) -> None:
    plan = ScenePlan(
        number=1,
        title="Pendulum",
        goal="Show a pendulum",
        segments=["A pendulum swings."],
        visual="A pendulum",
        archetype="custom",
        duration=5,
    )
    request = CoderRequest(mode="write", plan=plan, style="dark")
    monkeypatch.setattr(plugins, "installed_plugins", lambda: ["manim_physics"])
    system = load_prompt("scene_coder").render("write", **request.prompt_values())[0].text
    assert "Installed Manim plugins you may import: manim_physics." in system
    monkeypatch.setattr(plugins, "installed_plugins", lambda: [])
    system = load_prompt("scene_coder").render("write", **request.prompt_values())[0].text
    assert "No Manim plugins are installed: use core Manim only." in system


@pytest.mark.slow
@pytest.mark.skipif(
    "manim_physics" not in plugins.installed_plugins(),
    reason="manimgraph[plugins] is not installed (make setup installs .[dev] only)",
)
async def test_an_installed_plugin_renders_in_the_sandbox(sqlite_store: Store) -> None:
    code = (
        "from manim import *\nfrom manim_physics import *\n\n\nclass S(Scene):\n"
        "    def construct(self):\n        self.play(FadeIn(Pendulum(length=2)))\n"
    )
    outcome = await render_file(sqlite_store, code, "low")
    assert outcome.ok, outcome.error
