"""P3 (broken scene → classified error vs its full render) and the sandbox's overhead.

Both measured side by side in one run: each broken corpus scene against its fixed version
rendered at low quality, and one normal scene rendered alternately with the sandbox on
(every layer available here) and off.

    .venv/bin/python -m bench.sandbox
"""

from __future__ import annotations

import asyncio
import json
import statistics
import tempfile
from pathlib import Path

from bench.common import report, timed
from tools.render.models import RenderResult, RenderSettings
from tools.render.runner import render_scene
from tools.render.sandbox import Sandbox, SandboxSettings, current_sandbox, probe

CORPUS = Path(__file__).parents[1] / "tests" / "data" / "broken_scenes"
OVERHEAD_RUNS = 5
NORMAL_SCENE = """\
from manim import *


class Overview(Scene):
    def construct(self):
        title = Text("Sandbox overhead", font_size=40).to_edge(UP)
        formula = MathTex(r"a^2 + b^2 = c^2").next_to(title, DOWN, buff=0.8)
        square = Square(side_length=2, color=BLUE).shift(DOWN * 1.5 + LEFT * 3)
        circle = Circle(radius=1, color=YELLOW).shift(DOWN * 1.5 + RIGHT * 3)
        self.play(Write(title))
        self.play(Write(formula))
        self.play(Create(square), Create(circle))
        self.play(square.animate.rotate(PI / 4), circle.animate.scale(0.5))
        self.wait(0.5)
"""


async def _render(
    code: str, sandbox: Sandbox | None = None, *, warm: bool = True
) -> tuple[RenderResult, float]:
    with tempfile.TemporaryDirectory() as work:
        return await timed(
            lambda: render_scene(code, Path(work), RenderSettings(), sandbox=sandbox, warm=warm)
        )


def _fixed(code: str, replacements: list[list[str]]) -> str:
    for old, new in replacements:
        code = code.replace(old, new)
    return code


async def p3() -> dict[str, object]:
    """Median of (time to the classified error) / (full render of the fixed scene).

    Both through the standard path (warm workers where the sandbox is complete).
    """
    manifest = json.loads((CORPUS / "manifest.json").read_text())
    ratios = []
    for entry in manifest["entries"]:
        if entry["error_class"].startswith(("layout", "silent")):
            continue
        broken = (CORPUS / entry["file"]).read_text()
        failed, error_s = await _render(broken)
        rendered, render_s = await _render(_fixed(broken, entry["fix_replacements"]))
        if failed.ok or not rendered.ok:
            continue
        ratios.append(error_s / render_s)
    median = statistics.median(ratios)
    return {
        "benchmark": f"P3 broken scene → classified error ({len(ratios)} corpus cases)",
        "ours_s": "",
        "baseline_s": "",
        "ratio": median,
        "target": "<= 0.25",
        "met": median <= 0.25,
    }


async def overhead(sandbox: Sandbox) -> list[dict[str, object]]:
    """One normal scene: cold renders with and without the sandbox, and warm renders."""
    plain = Sandbox(
        status=probe(SandboxSettings(sandbox="off")), settings=SandboxSettings(sandbox="off")
    )
    await _render(NORMAL_SCENE)  # start a warm worker, warm the page cache
    inside, outside, warm = [], [], []
    for _ in range(OVERHEAD_RUNS):
        inside.append((await _render(NORMAL_SCENE, sandbox, warm=False))[1])
        outside.append((await _render(NORMAL_SCENE, plain, warm=False))[1])
        warm.append((await _render(NORMAL_SCENE))[1])
    ours, base, hot = (statistics.median(times) for times in (inside, outside, warm))
    return [
        {
            "benchmark": f"sandbox overhead, normal scene, cold (median of {OVERHEAD_RUNS})",
            "ours_s": ours,
            "baseline_s": base,
            "ratio": ours / base,
            "target": "<= 1.10",
            "met": ours / base <= 1.10,
        },
        {
            "benchmark": "warm sandboxed worker vs cold unsandboxed render",
            "ours_s": hot,
            "baseline_s": base,
            "ratio": hot / base,
            "target": "",
            "met": "",
        },
    ]


async def main() -> None:
    sandbox = current_sandbox()
    layers = ", ".join(sandbox.status.active)
    rows = [await p3(), *await overhead(sandbox)]
    report("sandbox", f"Sandbox benchmarks (layers: {layers})", rows)


if __name__ == "__main__":
    asyncio.run(main())
