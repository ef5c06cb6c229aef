"""Warm render workers: same answers as a cold render, and nothing crosses between requests."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path
from typing import Literal

import pytest

from tools.render.models import RenderResult, RenderSettings
from tools.render.runner import render_scene
from tools.render.sandbox import current_sandbox
from tools.render.warm import current_pool

GOOD = """\
from manim import *


class Good(Scene):
    def construct(self):
        title = Text("Warm", font_size=40)
        self.play(Write(title))
        self.play(title.animate.shift(UP))
"""
LEAVE_TRACES = """\
import os, time
from manim import *


class Traces(Scene):
    def construct(self):
        with open("../planted.txt", "w") as planted:
            planted.write("left for the next request")
        if os.fork() == 0:
            os.setsid()
            time.sleep(30)
            os._exit(0)
        self.wait(0.1)
"""
LOOK_AROUND = """\
import json, os
from manim import *


class Look(Scene):
    def construct(self):
        me = os.getpid()
        others = [
            p for p in os.listdir("/proc")
            if p.isdigit() and int(p) != me and os.stat(f"/proc/{p}").st_uid == os.getuid()
            and int(p) != os.getppid()
        ]
        seen = {"planted": os.path.exists("../planted.txt"), "others": others}
        with open("seen.json", "w") as out:
            json.dump(seen, out)
        self.wait(0.1)
"""
KILL_WORKER = """\
import os
from manim import *


class Kill(Scene):
    def construct(self):
        os.kill(os.getppid(), 9)
        self.wait(0.1)
"""
SPIN = """\
from manim import *


class Spin(Scene):
    def construct(self):
        while True:
            pass
"""


async def render(
    tmp_path: Path,
    name: str,
    code: str,
    mode: Literal["validate", "render"] = "render",
    timeout_s: float = 120,
) -> RenderResult:
    workdir = tmp_path / name
    workdir.mkdir()
    return await render_scene(code, workdir, RenderSettings(timeout_s=timeout_s), mode=mode)


def test_this_machine_runs_warm_workers() -> None:
    assert current_pool() is not None


@pytest.mark.slow
async def test_warm_and_cold_renders_agree(tmp_path: Path) -> None:
    warm = await render(tmp_path, "warm", GOOD)
    (tmp_path / "cold").mkdir()
    cold = await render_scene(GOOD, tmp_path / "cold", RenderSettings(), warm=False)

    assert warm.ok and cold.ok, (warm.error, cold.error)
    assert warm.video is not None and warm.video.is_relative_to(tmp_path / "warm")
    assert (warm.duration, warm.layout) == (cold.duration, cold.layout)
    assert warm.last_frame is not None and warm.last_frame.read_bytes()[:4] == b"\x89PNG"


@pytest.mark.slow
async def test_nothing_a_request_leaves_reaches_the_next(tmp_path: Path) -> None:
    first = await render(tmp_path, "first", LEAVE_TRACES, mode="validate")
    second = await render(tmp_path, "second", LOOK_AROUND)

    assert first.ok and second.ok, (first.error, second.error)
    seen = json.loads((tmp_path / "second" / "seen.json").read_text())
    assert seen == {"planted": False, "others": []}


@pytest.mark.slow
async def test_a_scene_that_kills_its_worker_is_rendered_cold(tmp_path: Path) -> None:
    killed = await render(tmp_path, "killed", KILL_WORKER)
    after = await render(tmp_path, "after", GOOD)

    # Cold, the scene's parent is a root-owned process it may not signal.
    assert killed.error is not None and killed.error.kind == "security"
    assert after.ok, after.error


@pytest.mark.slow
async def test_a_warm_timeout_kills_the_worker_and_the_next_render_works(tmp_path: Path) -> None:
    await render(tmp_path, "warmup", GOOD)
    started = time.monotonic()
    spun = await render(tmp_path, "spin", SPIN, timeout_s=3)
    took = time.monotonic() - started
    after = await render(tmp_path, "after", GOOD)

    assert spun.error is not None and spun.error.kind == "timeout"
    assert took < 8
    assert after.ok, after.error


WHO_AM_I = """\
import os, time
from manim import *


class Who(Scene):
    def construct(self):
        with open("uid.txt", "w") as out:
            out.write(str(os.getuid()))
        time.sleep(1)
        self.wait(0.1)
"""


@pytest.mark.slow
async def test_concurrent_renders_run_as_different_uids(tmp_path: Path) -> None:
    settings = current_sandbox().settings
    (tmp_path / "cold").mkdir()
    cold = render_scene(WHO_AM_I, tmp_path / "cold", RenderSettings(), mode="validate", warm=False)
    results = await asyncio.gather(
        render(tmp_path, "one", WHO_AM_I, mode="validate"),
        render(tmp_path, "two", WHO_AM_I, mode="validate"),
        cold,
    )

    assert all(result.ok for result in results), [result.error for result in results]
    uids = {int((tmp_path / name / "uid.txt").read_text()) for name in ("one", "two", "cold")}
    first = settings.sandbox_uid
    assert len(uids) == 3
    assert all(first <= uid < first + settings.sandbox_uids for uid in uids)
