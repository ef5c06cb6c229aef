"""Model-free repairs: each rule family on small files, idempotency, the tables against the
installed Manim, and every broken-scene corpus case through the real CLI."""

from __future__ import annotations

import ast
import asyncio
import json
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

import pytest
from langgraph.runtime import Runtime

from agents.offline import plan_video, write_scene
from agents.schemas import ScenePlan
from bench.repair_rate import CORPUS, load_cases, rate_rows, run_corpus
from graphs import render_loop
from graphs.context import VideoContext
from graphs.render_loop import render_repaired, repair_and_check
from graphs.requests import GenerateRequest
from graphs.scene import after_render, format_error, give_up
from graphs.state import SceneState, SceneTask
from server.views import project_public
from tests.conftest import plan_answer
from tests.jobs_helpers import run_job
from tests.scripted_model import ScriptedChatModel
from tools.check import check_code
from tools.layout_models import LayoutReport
from tools.render.cache import RenderedScene
from tools.render.models import RenderError, RenderSettings
from tools.render.runner import render_scene
from tools.repair import Repair, Repaired, repair_after_error, repair_source
from tools.repair.region import failing_region
from tools.store import Store

HEAD = "from manim import *\n\n\nclass S(Scene):\n    def construct(self):\n"


def scene(*lines: str) -> str:
    return HEAD + "".join(f"        {line}\n" for line in lines)


def fixed(*lines: str) -> str:
    """The body of the statically repaired scene."""
    return repair_source(scene(*lines)).code.split("def construct(self):\n", 1)[1]


def code_error(type_: str, message: str, line: int) -> RenderError:
    return RenderError(kind="code", type=type_, message=message, line=line)


# Text hygiene ------------------------------------------------------------------------------


def test_repair_str_names_rule_and_line() -> None:
    assert str(Repair("rename", "renamed A → B", 3)) == "renamed A → B (line 3)"
    assert str(Repair("text", "took the code out of its fence")) == "took the code out of its fence"


def test_fenced_answer_with_prose_around_it_becomes_its_code() -> None:
    answer = "Here is the scene:\n```python\n" + scene("self.wait()") + "```\nEnjoy!\n"
    result = repair_source(answer)
    assert result.code == scene("self.wait()")
    assert result.repairs == ["took the code out of its markdown fence"]


def test_leading_prose_without_a_fence_is_dropped() -> None:
    result = repair_source("Sure! The file:\n" + scene("self.wait()"))
    assert result.code == scene("self.wait()")


def test_escapes_python_rejects_get_their_backslash_doubled() -> None:
    result = repair_source(scene('self.add(MathTex("\\xi + \\underline{x}"))'))
    tree = ast.parse(result.code)
    value = next(
        n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and "xi" in str(n.value)
    )
    assert value == "\\xi + \\underline{x}"


def test_imports_manim_math_and_numpy_math() -> None:
    code = "class S(Scene):\n    def construct(self):\n        self.wait(math.pi / np.math.e)\n"
    result = repair_source(code)
    assert result.code.startswith("from manim import *\nimport math\n")
    assert "math.pi / math.e" in result.code
    assert check_code(result.code) is None


def test_manimlib_import_becomes_manim() -> None:
    result = repair_source(
        "from manimlib.imports import *\n" + scene("self.wait()").split("\n", 1)[1]
    )
    assert result.code.startswith("from manim import *\n")
    assert "manimlib" not in result.code


def test_truncated_answer_is_not_rendered_but_sent_back_whole() -> None:
    cut = scene("title = Text('Hi')", "box = SurroundingRectangle(title, color=YELLOW")
    error = check_code(repair_source(cut).code)
    assert error is not None and (error.kind, error.type, error.line) == ("code", "Truncated", 7)
    assert "complete file" in error.message
    mid_file = scene("x = max(1,", "self.wait()").replace("        self.wait()", "y = 1")
    other = check_code(mid_file)
    assert other is not None and other.type == "SyntaxError"


# Renames ------------------------------------------------------------------------------------


def test_old_names_are_renamed_only_when_the_file_does_not_define_them() -> None:
    assert "Create(Circle())" in fixed("self.play(ShowCreation(Circle()))")
    own = "def ShowCreation(m):\n    return Create(m)\n\n\n" + scene(
        "self.play(ShowCreation(Circle()))"
    )
    assert repair_source(own).repairs == []


def test_colours_constants_easing_and_numpy_names() -> None:
    body = fixed(
        "d = Dot(color=MAGENTA).shift(RIGHT * sin(1))",
        "w = FRAME_WIDTH",
        "self.play(d.animate.shift(UP), rate_func=ease_in_out_cubic)",
    )
    assert "Dot(color=PURE_MAGENTA).shift(RIGHT * np.sin(1))" in body
    assert "w = config.frame_width" in body
    assert "rate_func=rate_functions.ease_in_out_cubic" in body


def test_old_animation_calls_change_shape() -> None:
    body = fixed(
        "self.play(FadeInFrom(a, LEFT), FadeInFromDown(b), FadeOutAndShift(c, UP))",
        "self.play(FadeIn(d, DOWN), LaggedStart(Write, g, lag_ratio=0.1))",
        "self.play(ShowCreationThenFadeOut(t), CircleIndicate(e, color=RED))",
        "tri = Triangle([0, 0, 0], [1, 0, 0], [0, 1, 0])",
        "self.play(FadeOut(VGroup(*self.mobjects)))",
    )
    assert "FadeIn(a, shift=RIGHT), FadeIn(b, shift=UP), FadeOut(c, shift=UP)" in body
    assert "FadeIn(d, shift=DOWN), LaggedStartMap(Write, g, lag_ratio=0.1)" in body
    assert "Succession(Create(t), FadeOut(t)), Circumscribe(e, Circle, color=RED)" in body
    assert "Polygon([0, 0, 0], [1, 0, 0], [0, 1, 0])" in body
    assert "FadeOut(Group(*self.mobjects))" in body


def test_keywords_and_ranges() -> None:
    body = fixed(
        "ax = Axes(x_min=0, x_max=10, y_max=5, x_length=6)",
        "eq = MathTex('a+b', isolate=['a'])",
        "sq = Square(side=2)",
        "line = NumberLine(x_min=-2, x_max=2, tick_frequency=0.5)",
        "ring = Sector(outer_radius=2, inner_radius=1)",
        "pie = Sector(outer_radius=2, angle=PI)",
    )
    assert "Axes(x_range=[0, 10], y_range=[-config.frame_y_radius, 5], x_length=6)" in body
    assert "substrings_to_isolate=['a']" in body
    assert "Square(side_length=2)" in body
    assert "NumberLine(x_range=[-2, 2, 0.5])" in body
    assert "AnnularSector(outer_radius=2, inner_radius=1)" in body
    assert "Sector(angle=PI, radius=2)" in body


def test_methods_and_silent_setters() -> None:
    body = fixed(
        "sq = Square()",
        "sq.scale_about_point(2, ORIGIN)",
        "g = ax.get_graph(lambda x: x)",
        "t = Text('A').set_backstroke(width=5)",
        "sq.set_glow_factor(2)",
        "d = Dot().set_shading(1, 1, 1)",
    )
    assert "sq.scale(2, about_point=ORIGIN)" in body
    assert "ax.plot(lambda x: x)" in body
    assert "set_stroke(color=BLACK, width=5, background=True)" in body
    assert "glow" not in body
    assert "d = Dot()\n" in body


def test_old_call_styles_of_play_sizes_frames_and_code() -> None:
    body = fixed(
        "self.play(sq.shift, UP, sq.scale, 2, Create(c), run_time=2)",
        "t = Text('a').next_to(sq, RIGHT, buffer=0.2)",
        "t.fix_in_frame()",
        "u = Square().set_width(3, stretch=True)",
        "d = Dot(color=ORANGE_B)",
        "c = Code(code='x = 1', language='python', style='monokai')",
        "g = ax.plot(self.f, color=RED)",
    )
    assert "self.play(sq.animate.shift(UP), sq.animate.scale(2), Create(c), run_time=2)" in body
    assert "next_to(sq, RIGHT, buff=0.2)" in body
    assert "self.add_fixed_in_frame_mobjects(t)" in body
    assert "Square().stretch_to_fit_width(3)" in body
    assert "Dot(color=ORANGE)" in body
    assert "Code(code_string='x = 1', language='python', formatter_style='monokai')" in body
    assert "ax.plot(lambda x: self.f(x), color=RED)" in body


def test_own_keyword_names_are_not_renamed() -> None:
    code = "def pad(m, buffer=0.1):\n    return m\n\n\n" + scene("pad(Square(), buffer=0.3)")
    assert repair_source(code).repairs == []


GRAPH_SCENE = """from manim import *


class Plot(GraphScene):
    CONFIG = {"x_min": 0, "x_max": 5, "y_max": 30, "y_tick_frequency": 5}

    def construct(self):
        self.setup_axes(animate=True)
        graph = self.get_graph(lambda x: x ** 2, BLUE)
        area = self.get_area(graph, 1, 2)
        line = self.get_vertical_line_to_graph(2, graph, color=YELLOW)
        dot = Dot(self.coords_to_point(1, self.y_max))
        self.play(Create(graph), FadeIn(area), Create(line), FadeIn(dot))
"""


def test_graph_scene_becomes_a_scene_with_axes() -> None:
    code = repair_source(GRAPH_SCENE).code
    assert "class Plot(Scene):" in code and "CONFIG" not in code
    assert (
        "self.axes = Axes(x_range=[0, 5, 1], y_range=[-1, 30, 5], x_length=9, y_length=6)" in code
    )
    assert "self.play(Create(self.axes))" in code
    assert "self.axes.plot(lambda x: x ** 2, color=BLUE)" in code
    assert "self.axes.get_area(graph, x_range=[1, 2])" in code
    assert (
        "self.axes.get_vertical_line(self.axes.input_to_graph_point(2, graph), color=YELLOW)"
        in code
    )
    assert "self.axes.coords_to_point(1, (30))" in code


def test_camera_calls_promote_the_base_class() -> None:
    three_d = repair_source(scene("self.set_camera_orientation(phi=60 * DEGREES)")).code
    assert "class S(ThreeDScene)" in three_d
    moving = repair_source(scene("self.play(self.camera.frame.animate.scale(0.5))")).code
    assert "class S(MovingCameraScene)" in moving
    gl = repair_source(scene("self.frame.reorient(20, 70)", "self.embed()")).code
    assert "self.set_camera_orientation(theta=20 * DEGREES, phi=70 * DEGREES)" in gl
    assert "class S(ThreeDScene)" in gl and "embed" not in gl
    zoom = repair_source(scene("self.play(self.frame.animate.scale(0.5))")).code
    assert "self.camera.frame.animate" in zoom and "class S(MovingCameraScene)" in zoom


# TeX -----------------------------------------------------------------------------------------


def test_tex_strings_are_sanitised() -> None:
    body = fixed(
        'a = MathTex("\\frac{1}{2} + \\theta + \\nabla f")',
        'b = MathTex(r"$$E = mc^2$$")',
        'c = Tex("R&D costs 5% of #1")',
        'd = Tex("α decay")',  # noqa: RUF001
        'e = MathTex(r"\\mathscr{L} = 2α")',  # noqa: RUF001
        'f = MarkupText("<b>in</b> & a < b")',
        'g = MathTex(r"\\frac{1}", r"{2}", "= 0.5")',
    )
    assert r'MathTex(r"\frac{1}{2} + \theta + \nabla f")' in body
    assert r'MathTex(r"E = mc^2")' in body
    assert r'Tex(r"R\&D costs 5\% of \#1")' in body
    assert r'Tex(r"$\alpha$ decay")' in body
    assert r'MathTex(r"\mathcal{L} = 2\alpha")' in body
    assert 'MarkupText(r"<b>in</b> &amp; a &lt; b")' in body
    assert r'MathTex(r"\frac{1} {2}", "= 0.5")' in body


def test_unpaired_dollar_and_f_string_backslashes() -> None:
    body = fixed('a = Tex("Cost: $x$ or $5")', 'b = MathTex(f"\\frac{{{n}}}{{2}}")')
    assert r'Tex(r"Cost: $x$ or \$5")' in body
    assert 'MathTex(rf"\\frac{{{n}}}{{2}}")' in body


def test_tex_that_is_fine_is_left_alone() -> None:
    code = scene(
        r'a = MathTex(r"x &= 1 \\ y &= 2", r"\% \$")',
        r'b = Tex(r"\begin{tabular}{cc} a & b \end{tabular}")',
        'c = MathTex("a", "+", "b")',
    )
    assert repair_source(code).repairs == []


def test_a_custom_template_keeps_its_macros() -> None:
    code = scene(
        "t = TexTemplate()",
        't.add_to_preamble(r"\\usepackage{mathrsfs}")',
        'a = MathTex(r"\\mathscr{L}", tex_template=t)',
    )
    assert repair_source(code).repairs == []


# Idempotency and no false alarms -------------------------------------------------------------


@pytest.mark.parametrize("path", sorted(CORPUS.glob("*.py")), ids=lambda p: p.stem)
def test_static_repair_is_idempotent(path: Path) -> None:
    once = repair_source(path.read_text())
    again = repair_source(once.code)
    assert again.repairs == [] and again.code == once.code


def test_clean_offline_scenes_get_no_repair() -> None:
    topics = ["The Pythagorean theorem", "Bayes' theorem", "Fourier series", "Entropy"]
    for topic in topics:
        for style in ("dark", "light"):
            for plan in plan_video(topic, style=style).scenes:
                assert repair_source(write_scene(plan, style)).repairs == [], (
                    topic,
                    plan.archetype,
                )


# Error-driven rules ---------------------------------------------------------------------------


def after(error: RenderError, *lines: str) -> str | None:
    result = repair_after_error(scene(*lines), error)
    return None if result is None else result.code.split("def construct(self):\n", 1)[1]


def test_unexpected_keyword_is_dropped_from_every_call_to_that_class() -> None:
    error = code_error(
        "TypeError", "Mobject.__init__() got an unexpected keyword argument 'size'", 6
    )
    body = after(
        error, "t = Text('Hi', size=2, color=RED)", "u = Text('x', size=3)", "v = box(size=3)"
    )
    assert body is not None
    assert "Text('Hi', color=RED)" in body and "Text('x')" in body and "box(size=3)" in body


def test_multiple_values_square_width_becomes_side_length() -> None:
    message = "Rectangle.__init__() got multiple values for keyword argument 'width'"
    body = after(code_error("TypeError", message, 6), "s = Square(width=3)")
    assert body is not None and "Square(side_length=3)" in body


def test_empty_play_is_guarded() -> None:
    error = code_error("ValueError", "Called Scene.play with no animations", 6)
    body = after(error, "self.play(*[FadeOut(m) for m in self.mobjects], run_time=0.5)")
    assert body is not None
    assert "animations = [FadeOut(m) for m in self.mobjects]\n        if animations:" in body
    assert "self.play(*animations, run_time=0.5)" in body


def test_zero_durations_are_clamped() -> None:
    error = code_error("ValueError", "S.wait() has a duration of 0 <= 0 seconds", 6)
    body = after(error, "self.wait(0)")
    assert body is not None and "self.wait(max(0, 1 / config.frame_rate))" in body


def test_two_d_points_get_a_z_on_the_line_and_in_its_names() -> None:
    error = code_error(
        "ValueError", "operands could not be broadcast together with shapes (2,) (3,)", 8
    )
    body = after(
        error,
        "A = [0, 1]",
        "ax = Axes(x_range=[-3, 3])",
        "self.add(Dot(A), Line([0, 0], [2, 1]), ax)",
    )
    assert body is not None
    assert "A = [0, 1, 0]" in body and "Line([0, 0, 0], [2, 1, 0])" in body
    assert "x_range=[-3, 3]" in body


def test_vgroup_of_images_asset_and_grow_arrow() -> None:
    vgroup = code_error(
        "TypeError", "Only values of type VMobject can be added as submobjects of VGroup", 6
    )
    assert "Group(a, b)" in (after(vgroup, "g = VGroup(a, b)") or "")
    asset = code_error("OSError", "could not find logo.png at either of these locations", 6)
    assert "Square(side_length=2).scale(2)" in (
        after(asset, "i = ImageMobject('logo.png').scale(2)") or ""
    )
    arrow = code_error(
        "TypeError", "VMobject.scale() got an unexpected keyword argument 'scale_tips'", 6
    )
    assert "self.play(Create(line))" in (after(arrow, "self.play(GrowArrow(line))") or "")


def test_fade_out_of_nothing_is_guarded() -> None:
    error = code_error("ValueError", "At least one mobject must be passed.", 6)
    body = after(error, "self.play(FadeOut(*self.mobjects), run_time=1)")
    assert (
        body
        == "        if self.mobjects:\n            self.play(FadeOut(*self.mobjects), run_time=1)\n"
    )


def test_unknown_setter_shim_is_removed() -> None:
    message = "Mobject.__getattr__.<locals>.setter() got an unexpected keyword argument 'width'"
    body = after(
        code_error("TypeError", message, 6), "t = Text('A').set_color(RED).set_outline(width=2)"
    )
    assert body is not None and "t = Text('A').set_color(RED)\n" in body


def test_indexing_a_one_part_mathtex_splits_it() -> None:
    error = code_error("IndexError", "list index out of range", 7)
    body = after(
        error, 'eq = MathTex(r"a^2 + b^{2 + 1} = c^2")', "self.play(eq[2].animate.set_color(RED))"
    )
    assert body is not None and 'MathTex(r"a^2", r"+", r"b^{2 + 1}", r"=", r"c^2")' in body


def test_latex_errors_on_the_line() -> None:
    dollar = code_error("LaTeXError", "LaTeX failed: ! Missing $ inserted.", 6)
    assert "MathTex(r'\\frac{a}{b}')" in (after(dollar, "t = Tex(r'\\frac{a}{b}')") or "")
    macro = code_error("LaTeXError", "LaTeX failed: ! Undefined control sequence. \\cancel", 6)
    assert 'MathTex(r"{x} + y")' in (after(macro, "t = MathTex(r'\\cancel{x} + y')") or "")


def test_a_scene_without_frames_gets_a_wait() -> None:
    error = RenderError(kind="code", type="RenderError", message="the render produced no video")
    result = repair_after_error(scene("self.add(Circle())"), error)
    assert result is not None
    assert result.code.endswith("        self.add(Circle())\n        self.wait()\n")


def test_no_rule_means_none() -> None:
    error = code_error("NameError", "name 'undefined_shape' is not defined", 6)
    assert repair_after_error(scene("self.add(undefined_shape)"), error) is None
    timeout = RenderError(kind="timeout", type="Timeout", message="too slow")
    assert repair_after_error(scene("self.wait()"), timeout) is None


def test_failing_region_is_the_function_with_the_line_marked() -> None:
    region = failing_region(scene("a = 1", "b = 2", "self.wait()"), 7)
    assert region is not None
    assert region.splitlines()[0] == "lines 5-8 (the error is at line 7, marked >>):"
    assert ">> 7 |         b = 2" in region


# The render loop ------------------------------------------------------------------------------


def counting_static(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The codes the loop hands to the static pass, in order."""
    seen: list[str] = []

    def static(code: str) -> Repaired:
        seen.append(code)
        return repair_source(code)

    monkeypatch.setattr(render_loop, "repair_source", static)
    return seen


def scripted_render(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Stand in for the cached render: an empty `play`, then a zero wait fail, as in Manim."""
    seen: list[str] = []

    async def render(code: str, *_: object, **__: object) -> RenderedScene | RenderError:
        seen.append(code)
        lines = code.splitlines()
        if "        self.play(*[FadeOut(m) for m in []], run_time=0.5)" in lines:
            return code_error("ValueError", "Called Scene.play with no animations", 7)
        if "        self.wait(0)" in lines:
            at = lines.index("        self.wait(0)") + 1
            return code_error("ValueError", "S.wait() has a duration of 0 <= 0 seconds", at)
        layout = LayoutReport(animations=2)
        return RenderedScene(
            video="v" * 64, last_frame=None, duration=1.0, layout=layout, log="", cached=False
        )

    monkeypatch.setattr(render_loop, "render_cached", render)
    return seen


TWO_ERRORS = scene(
    "self.play(ShowCreation(Circle()))",
    "self.play(*[FadeOut(m) for m in []], run_time=0.5)",
    "self.wait(0)",
)


async def test_the_loop_repairs_statically_once_then_once_per_render_error(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    statics, renders = counting_static(monkeypatch), scripted_render(monkeypatch)

    checked = repair_and_check(TWO_ERRORS)
    done = await render_repaired(checked, store, RenderSettings(), asyncio.Semaphore(1))

    assert statics == [TWO_ERRORS]
    assert (len(renders), done.error) == (3, None)
    assert done.repairs == [
        "renamed ShowCreation → Create (line 6)",
        "guarded an empty self.play(*...) (line 7)",
        "clamped a duration of 0 to one frame (line 10)",
    ]
    assert done.code == renders[-1] and check_code(done.code) is None


async def test_the_loop_stops_after_its_repair_steps_and_at_a_failed_check(
    monkeypatch: pytest.MonkeyPatch, store: Store
) -> None:
    renders = scripted_render(monkeypatch)
    slots = asyncio.Semaphore(1)

    capped = await render_repaired(
        repair_and_check(TWO_ERRORS), store, RenderSettings(), slots, max_steps=1
    )
    assert len(renders) == 2 and capped.error is not None
    assert capped.error.message.startswith("S.wait() has a duration of 0")

    unparsable = await render_repaired(
        repair_and_check(HEAD + "        self.play(\n"), store, RenderSettings(), slots
    )
    assert len(renders) == 2 and unparsable.error is not None
    assert unparsable.error.type == "Truncated"


# The tables against the installed Manim ------------------------------------------------------


TABLE_CHECK = """
import json, manim
from manim import Mobject, VMobject, rate_functions
from tools.repair import tables as t
ns = {}
exec("from manim import *", ns)
gone = [*t.NAME_RENAMES, *t.ATTRIBUTE_CONSTANTS, *t.COLOR_NAMES, *t.RATE_FUNCTIONS,
        *t.NUMPY_FUNCTIONS, *t.SCENE_BASES]
classes = [v for v in vars(manim).values() if isinstance(v, type) and issubclass(v, Mobject)]
print(json.dumps({
    "defined after all": [n for n in gone if n in ns],
    "missing targets": [n for n in {*t.NAME_RENAMES.values(), *t.COLOR_NAMES.values(),
                                    *t.SCENE_BASES.values()} if n not in ns],
    "bad constants": [v for v in t.ATTRIBUTE_CONSTANTS.values() if eval(v, ns) is None],
    "missing easing": [n for n in t.RATE_FUNCTIONS if not hasattr(rate_functions, n)],
    "missing setters": [n for n in t.KNOWN_SETTERS
                        if not any(hasattr(c, n) for c in classes)],
    "methods still there": [n for n in t.METHOD_RENAMES if hasattr(VMobject, n)],
    "silent setters real": [n for n in t.SILENT_SETTERS if any(hasattr(c, n) for c in classes)],
}))
"""


def test_tables_name_what_manim_lacks_and_map_to_what_it_has() -> None:
    """Checked in a fresh interpreter against the installed Manim, so the tables cannot drift."""
    done = subprocess.run(
        [sys.executable, "-W", "ignore", "-c", TABLE_CHECK],
        capture_output=True,
        text=True,
        cwd=Path(__file__).parents[1],
        check=True,
    )
    problems = json.loads(done.stdout.strip().splitlines()[-1])
    assert problems == {name: [] for name in problems}


# The scene graph ------------------------------------------------------------------------------


def _task() -> SceneTask:
    plan = ScenePlan.model_validate(plan_answer("custom")["scenes"][0])
    return SceneTask(number=1, plan=plan, style="dark", quality="low")


def test_limit_errors_go_back_to_the_model_security_errors_give_up(
    make_context: Callable[..., VideoContext],
) -> None:
    runtime = Runtime(context=make_context(), stream_writer=lambda _: None)
    limit = RenderError(kind="limit", type="SIGXCPU", message="stopped by the CPU-time limit")
    security = RenderError(kind="security", type="ImportError", message="import of os refused")
    state: SceneState = {"task": _task(), "error": limit, "retries": 0}
    assert after_render(state, runtime) == "scene_coder"
    assert "CPU-time limit" in format_error(limit) and "render limits" in format_error(limit)
    assert after_render({**state, "error": security}, runtime) == "give_up"
    assert after_render({**state, "error": limit, "retries": 2}, runtime) == "give_up"


async def test_a_security_failure_is_named_in_the_fallback_reason(
    make_context: Callable[..., VideoContext],
) -> None:
    runtime = Runtime(context=make_context(), stream_writer=lambda _: None)
    security = RenderError(kind="security", type="ImportError", message="import of os refused")
    update = await give_up({"task": _task(), "error": security}, runtime)
    assert update["failure"].startswith("security: the sandbox refused the code (ImportError)")


DESCRIPTION = {"title": "Circles", "description": "About circles.", "chapters": ["Circle"]}
OLD_SCENE = """from manim import *


class Old(Scene):
    def construct(self):
        title = Text("Circles", size=2).to_edge(UP)
        self.play(ShowCreation(Circle(radius=1.5)), Write(title), run_time=0.5)
"""


@pytest.mark.slow
async def test_scene_branch_repairs_first_and_sends_only_the_rest_to_the_model(
    make_context: Callable[..., VideoContext], monkeypatch: pytest.MonkeyPatch
) -> None:
    statics = counting_static(monkeypatch)
    broken = OLD_SCENE.replace("Circle(radius=1.5)", "undefined_shape")
    coder = ScriptedChatModel(answers=[broken, OLD_SCENE])
    ctx = make_context(
        planner=ScriptedChatModel(answers=[plan_answer("custom")]),
        coder=coder,
        assembler=ScriptedChatModel(answers=[DESCRIPTION]),
    )

    summary = await run_job(GenerateRequest(prompt="circles", scene_count=1), ctx)

    assert statics == [broken, OLD_SCENE]  # the static pass runs once per candidate
    assert len(coder.prompts) == 2
    retry = coder.prompts[1]
    assert "NameError" in retry and "undefined_shape" in retry
    assert "Failing region, lines 5-7" in retry and ">> 7 |" in retry
    assert "Create(undefined_shape)" in retry and "ShowCreation" not in retry
    expected = [
        "renamed ShowCreation → Create (line 7)",
        "dropped unsupported keyword size= (line 6)",
    ]
    assert summary.scenes[0].repairs == expected
    assert summary.scenes[0].fallback_used is False
    project = await ctx.store.get_project(summary.project_id)
    assert project is not None
    stored = project.scenes[0].versions[-1]
    assert stored.repairs == expected and "ShowCreation" not in stored.code
    assert project_public(project).scenes[0].versions[-1].repairs == expected


# Real renders ---------------------------------------------------------------------------------


async def test_percent_that_comments_out_the_tex_end_is_a_code_error(tmp_path: Path) -> None:
    code = scene('self.add(Tex("reaches 95% accuracy"))')
    result = await render_scene(code, tmp_path, RenderSettings(), mode="validate")
    assert result.error is not None
    assert (result.error.kind, result.error.type, result.error.line) == ("code", "LaTeXError", 6)
    assert "\\%" in result.error.message


@pytest.mark.slow
def test_every_corpus_case_through_the_cli() -> None:
    cases = load_cases()
    assert len(cases) == 40
    with tempfile.TemporaryDirectory() as tmp:
        results = run_corpus(Path(tmp), jobs=3)
        videos = [Path(r.output["video"]) for r in results if r.output.get("ok")]
        assert videos and all(video.is_file() for video in videos)
    wrong = [(r.entry["file"], r.output.get("error")) for r in results if r.verdict == "wrong"]
    assert wrong == []
    total = rate_rows(results)[-1]
    print(f"\nrepair fix rate: {total['fixed']}/{total['cases']} = {total['rate']:.0%}")
    assert total["cases"] == 35
    assert total["rate"] >= 0.8
