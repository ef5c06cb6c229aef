"""Real renders through the sandboxed harness: results, error classes, limits, cleanup."""

from __future__ import annotations

import asyncio
import json
import shutil
import signal
import subprocess
import time
from pathlib import Path
from textwrap import dedent
from typing import Any, Literal

import pytest

from tests.processes import processes_in
from tools.render import RenderResult, RenderSettings, render_scene
from tools.render.errors import error_from_exit, latex_error

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
ALLOWED_ENV = {"PATH", "HOME", "PWD", "TMPDIR", "LANG", "LC_ALL"} | {
    "TEXMFOUTPUT", "openin_any", "openout_any", "shell_escape",
}  # fmt: skip

GOOD_SCENE = """\
from manim import *


class Good(Scene):
    def construct(self):
        circle = Circle(color=BLUE)
        self.play(Create(circle), run_time=0.5)
        self.play(circle.animate.shift(RIGHT), run_time=0.5)
        self.wait(0.5)
"""

# Starts a grandchild in its process group, says so, then never finishes.
HANGING_SCENE = """\
import subprocess
from pathlib import Path

from manim import *


class Hang(Scene):
    def construct(self):
        subprocess.Popen(["sleep", "600"])
        Path("started.txt").write_text("yes")
        while True:
            pass
"""


async def render(
    tmp_path: Path,
    code: str,
    mode: Literal["validate", "render"] = "render",
    scene_name: str | None = None,
    warm: bool = True,
    **settings: Any,
) -> RenderResult:
    workdir = tmp_path / "work"
    workdir.mkdir(parents=True)
    return await render_scene(
        code, workdir, RenderSettings(**settings), mode=mode, scene_name=scene_name, warm=warm
    )


def scene_with(body: str, imports: str = "") -> str:
    """A one-scene file whose construct() is `body`; without imports, the body starts on line 6."""
    return (
        f"from manim import *\n{imports}\n\nclass S(Scene):\n    def construct(self):\n"
        + "".join(f"        {line}\n" for line in dedent(body).splitlines())
    )


def live_processes_in(workdir: Path) -> list[int]:
    """Pids of non-zombie processes running in `workdir`: the harness and all it started."""
    return processes_in([workdir])


async def wait_until_gone(workdir: Path, within_s: float) -> None:
    start = time.monotonic()
    while live_processes_in(workdir):
        assert time.monotonic() - start < within_s, f"processes still running in {workdir}"
        await asyncio.sleep(0.05)


def ffprobe_duration(video: Path) -> float:
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", video],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(probe.stdout)


@pytest.mark.slow
async def test_good_scene_renders_video_and_last_frame(tmp_path: Path) -> None:
    result = await render(tmp_path, GOOD_SCENE)

    assert result.ok, result.error
    assert result.scene_name == "Good"
    assert result.video is not None and result.video.is_absolute() and result.video.exists()
    assert result.duration == pytest.approx(1.5, abs=0.15)
    assert ffprobe_duration(result.video) == pytest.approx(result.duration, abs=0.25)
    assert result.last_frame is not None
    assert result.last_frame.read_bytes().startswith(PNG_SIGNATURE)
    assert result.layout is not None and result.layout.animations == 3


@pytest.mark.slow
@pytest.mark.parametrize(
    ("body", "error_type", "line", "in_excerpt"),
    [
        ("c = Circle()\nself.play(Create(cirle))", "NameError", 7, "cirle"),
        ("self.play(Create(Circle())\nself.wait()", "SyntaxError", 6, "Create(Circle()"),
        ("self.play(ShowCreation(Circle()))", "NameError", 6, "ShowCreation"),
        ("self.play(Circle().get_graph(lambda x: x))", "TypeError", 6, "get_graph"),
    ],
)
async def test_code_errors_point_at_the_users_line(
    tmp_path: Path, body: str, error_type: str, line: int, in_excerpt: str
) -> None:
    result = await render(tmp_path, scene_with(body), mode="validate")

    assert not result.ok
    assert result.error is not None
    assert (result.error.kind, result.error.type, result.error.line) == ("code", error_type, line)
    assert result.error.excerpt is not None and in_excerpt in result.error.excerpt
    assert "Traceback" not in result.error.message


@pytest.mark.slow
async def test_latex_error_carries_the_tex_bang_line(tmp_path: Path) -> None:
    body = r'self.play(Write(MathTex(r"\mathscr{L} = 1")))'
    result = await render(tmp_path, scene_with(body), mode="validate")

    assert result.error is not None
    assert (result.error.kind, result.error.type, result.error.line) == ("code", "LaTeXError", 6)
    assert "! Undefined control sequence." in result.error.message
    assert r"\mathscr" in result.error.message


@pytest.mark.slow
async def test_missing_latex_is_an_environment_error(tmp_path: Path) -> None:
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    dvisvgm = shutil.which("dvisvgm")
    assert dvisvgm is not None
    (bin_dir / "dvisvgm").symlink_to(dvisvgm)
    body = 'self.play(Write(MathTex("x^2")))'
    result = await render(tmp_path, scene_with(body), mode="validate", path=str(bin_dir))

    assert result.error is not None
    assert result.error.kind == "environment"
    assert "latex is not installed" in result.error.message
    assert "apt-get install texlive" in result.error.message


@pytest.mark.slow
async def test_timeout_kills_the_whole_process_group(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await render(tmp_path, HANGING_SCENE, timeout_s=4, warm=False)

    assert result.error is not None and result.error.kind == "timeout"
    assert time.monotonic() - started < 12
    await wait_until_gone((tmp_path / "work").resolve(), within_s=2)


@pytest.mark.slow
async def test_cancelling_the_task_kills_the_render_within_2_s(tmp_path: Path) -> None:
    task = asyncio.create_task(render(tmp_path, HANGING_SCENE, timeout_s=120, warm=False))
    started = tmp_path / "work" / "started.txt"
    deadline = time.monotonic() + 30
    while not started.exists():
        assert time.monotonic() < deadline, "the scene never started"
        await asyncio.sleep(0.05)
    workdir = (tmp_path / "work").resolve()
    assert len(live_processes_in(workdir)) >= 2

    cancelled_at = time.monotonic()
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    await wait_until_gone(workdir, within_s=2 - (time.monotonic() - cancelled_at))


@pytest.mark.slow
async def test_generated_code_sees_a_clean_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-secret")
    body = 'Path("env.json").write_text(json.dumps(dict(os.environ)))\nself.wait(0.1)'
    result = await render(
        tmp_path, scene_with(body, imports="import json, os\nfrom pathlib import Path"), "validate"
    )

    assert result.ok, result.error
    seen = json.loads((tmp_path / "work" / "env.json").read_text())
    assert "sk-test-secret" not in json.dumps(seen)
    assert set(seen) <= ALLOWED_ENV
    assert seen["HOME"] in {str((tmp_path / "work").resolve()), "/render"}


@pytest.mark.slow
async def test_memory_exhaustion_is_a_limit_error(tmp_path: Path) -> None:
    body = "hog = bytearray(3 * 2**30)"
    result = await render(tmp_path, scene_with(body), mode="validate", memory_mb=2048)

    assert result.error is not None
    assert (result.error.kind, result.error.type) == ("limit", "MemoryError")
    assert "2048 MB" in result.error.message


@pytest.mark.slow
async def test_validate_mode_draws_nothing_and_is_faster(tmp_path: Path) -> None:
    body = """\
    rings = VGroup(*[Circle(radius=0.1 * i, color=WHITE) for i in range(1, 12)])
    for _ in range(10):
        self.play(rings.animate.rotate(PI / 4).shift(0.1 * RIGHT), run_time=1)
    Path("brightest.txt").write_text(str(self.camera.pixel_array[:, :, :3].max()))
    """
    code = scene_with(body, imports="from pathlib import Path")
    validated = await render(tmp_path / "v", code, mode="validate")
    rendered = await render(tmp_path / "r", code, mode="render")

    assert validated.ok and rendered.ok
    assert (tmp_path / "v" / "work" / "brightest.txt").read_text() == "0"
    assert (tmp_path / "r" / "work" / "brightest.txt").read_text() != "0"
    assert validated.video is None and validated.last_frame is None
    assert not list((tmp_path / "v").rglob("*.mp4")) and not list((tmp_path / "v").rglob("*.png"))
    assert validated.layout is not None and validated.layout.animations == 10
    assert validated.seconds < rendered.seconds


@pytest.mark.slow
async def test_a_file_with_two_scenes_needs_a_name(tmp_path: Path) -> None:
    code = GOOD_SCENE + "\n\nclass Other(Scene):\n    def construct(self):\n        self.wait()\n"
    ambiguous = await render(tmp_path / "a", code, mode="validate")
    chosen = await render(tmp_path / "b", code, mode="validate", scene_name="Other")

    assert ambiguous.error is not None and ambiguous.error.kind == "code"
    assert "Good" in ambiguous.error.message and "Other" in ambiguous.error.message
    assert chosen.ok and chosen.scene_name == "Other"


@pytest.mark.slow
async def test_unknown_exit_without_result_is_classified(tmp_path: Path) -> None:
    body = "os._exit(3)"
    result = await render(tmp_path, scene_with(body, imports="import os"), mode="validate")

    assert result.error is not None
    assert (result.error.kind, result.error.type) == ("code", "SystemExit")


@pytest.mark.slow
async def test_writing_past_the_file_size_cap_is_a_limit_error(tmp_path: Path) -> None:
    body = 'Path("big.bin").write_bytes(bytes(2 * 2**20))'
    code = scene_with(body, imports="from pathlib import Path")
    result = await render(tmp_path, code, mode="validate", file_size_mb=1)

    assert result.error is not None
    assert (result.error.kind, result.error.type) == ("limit", "OSError")
    assert "file-size limit of 1 MB" in result.error.message


@pytest.mark.parametrize(
    ("returncode", "tail", "kind", "phrase"),
    [
        (-signal.SIGXCPU, "", "limit", "CPU-time limit"),
        (-signal.SIGXFSZ, "", "limit", "file-size limit"),
        (-signal.SIGKILL, "", "limit", "memory limit"),
        (-signal.SIGSEGV, "numpy MemoryError", "limit", "out of memory"),
        (-signal.SIGSEGV, "cairo went wrong", "environment", "SIGSEGV: cairo went wrong"),
        (1, "Traceback ...\nModuleNotFoundError: No module named 'tools'", "environment", "tools"),
        (0, "", "code", "before it finished"),
    ],
)
def test_exit_without_result_is_classified(
    returncode: int, tail: str, kind: str, phrase: str
) -> None:
    error = error_from_exit(returncode, tail)

    assert error.kind == kind
    assert phrase in error.message


@pytest.mark.parametrize(
    ("bang", "kind"),
    [
        ("! LaTeX Error: File `standalone.cls' not found.", "environment"),
        ("! LaTeX Error: File `physics.sty' not found.", "code"),
        ("! Missing $ inserted.", "code"),
    ],
)
def test_latex_log_decides_who_can_fix_it(tmp_path: Path, bang: str, kind: str) -> None:
    log = tmp_path / "abc.log"
    log.write_text(f"This is pdfTeX\n(./abc.tex\n{bang}\nl.8 \\end{{align*}}\n")
    message = f"latex error converting to dvi. See log output above or the log file: {log}"

    error = latex_error(message)

    assert error is not None
    assert (error.kind, error.type) == (kind, "LaTeXError")
    assert bang in error.message


@pytest.mark.slow
async def test_an_output_flood_keeps_only_head_and_tail(tmp_path: Path) -> None:
    body = (
        'for _ in range(64):\n    sys.stdout.write("x" * 2**20)\nprint("THE END")\nself.wait(0.1)'
    )
    result = await render(tmp_path, scene_with(body, imports="import sys"), mode="validate")

    assert result.ok, result.error
    assert len(result.log) < 8192
    assert "bytes dropped" in result.log
    assert result.log.rstrip().endswith("THE END")


@pytest.mark.slow
async def test_children_left_running_do_not_hold_the_render(tmp_path: Path) -> None:
    body = 'subprocess.Popen(["sleep", "600"])\nself.wait(0.1)'
    started = time.monotonic()
    result = await render(tmp_path, scene_with(body, imports="import subprocess"), "validate")

    assert result.ok, result.error
    assert time.monotonic() - started < 20
