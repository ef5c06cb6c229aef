"""Layout repair without a model, on a sample of the layout corpus (recorded-style coder
answers written for this project, `tests/data/layout_corpus`), with real renders in the sandbox; the
`--no-repair` switch; the replay model and an eval run of the real graph over its answers.

The corpus runs on SQLite only: the store is incidental here (the render cache), and each
backend would render the corpus again.
"""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path

import av
import numpy as np
import pytest

from agents.models import ModelSpec
from agents.replay import ReplayChatModel, ReplayError, load_recordings
from agents.scene_coder import CoderRequest, extract_code
from agents.schemas import ScenePlan
from evals.config import load_config
from evals.results import RESULTS_FILE, read_results
from evals.runner import execute_run, prepare_run
from graphs import render_loop
from graphs.render_loop import FileRender, render_file
from prompts import load_prompt
from tools.check import scene_classes
from tools.render.models import RenderSettings
from tools.render.runner import render_scene
from tools.render.sandbox import STANDARD_PATH, current_sandbox, tex_environment
from tools.repair import Repaired, layout_candidates
from tools.repair.source import parse
from tools.store import Store

pytestmark = pytest.mark.slow

CORPUS = Path(__file__).parent / "data" / "layout_corpus" / "answers.jsonl"
CLI = str(Path(sys.executable).with_name("manimgraph"))
REPRODUCED = ("l01_steps_off_bottom", "l07_equations_at_origin")
"""The sample rendered again with plain `manim` (a stacked caption, formulas placed)."""
SAMPLE_EVERY = 2
"""Every second case (and the reproduced ones) renders here; `python -m bench.layout_repair`
runs the whole corpus, with and without repairs."""


def corpus() -> dict[str, str]:
    return {r.id: extract_code(r.answer) for r in load_recordings(CORPUS)}


async def test_layout_repair_on_a_sample_of_the_corpus(tmp_path: Path) -> None:
    whole = corpus()
    assert len(whole) >= 15
    names = sorted(whole)
    cases = {n: whole[n] for n in names if n in REPRODUCED or names.index(n) % SAMPLE_EVERY == 0}
    store = await Store.open(tmp_path / "data")
    slots = asyncio.Semaphore(2)

    async def one(name: str, code: str) -> tuple[int, FileRender]:
        async with slots:
            (tmp_path / name).mkdir()
            before = await render_scene(code, tmp_path / name, RenderSettings(), mode="validate")
            assert before.ok and before.layout is not None, (name, before.error)
            return len(before.layout.issues), await render_file(store, code, "low")

    try:
        done = await asyncio.gather(*(one(name, code) for name, code in cases.items()))
        outcomes = dict(zip(cases, done, strict=True))
        for name in REPRODUCED:
            await _reproduced_by_plain_manim(outcomes[name][1], tmp_path / f"plain-{name}")
    finally:
        await store.close()
    for name, (before, after) in outcomes.items():
        assert after.ok, (name, after.error)
        assert before > 0, name
        assert len(after.layout_issues) < before, (name, after.layout_issues)
        assert all(r.startswith("layout: ") for r in after.repairs), (name, after.repairs)
    clean = [name for name, (_, after) in outcomes.items() if not after.layout_issues]
    assert len(clean) >= 0.8 * len(cases), sorted(set(outcomes) - set(clean))


async def _reproduced_by_plain_manim(outcome: FileRender, work: Path) -> None:
    """The returned source, rendered by `manim` itself in the sandbox, gives the same frames."""
    assert outcome.video is not None and outcome.repairs
    work.mkdir()
    (work / "scene.py").write_text(outcome.code)
    tree = parse(outcome.code)
    assert tree is not None
    (scene,) = scene_classes(tree)
    sandbox = current_sandbox()
    inside = sandbox.workdir_inside or work
    argv = [sys.executable, "-I", "-m", "manim", "render", "-ql", "--disable_caching"]
    argv += ["--media_dir", "media", "scene.py", scene]
    command = sandbox.wrap(argv, work, 300)
    env = {"PATH": STANDARD_PATH, "HOME": str(inside), **tex_environment(inside)}
    try:
        done = await asyncio.to_thread(
            subprocess.run,
            command.argv,
            env=env,
            cwd=work,
            capture_output=True,
            text=True,
            timeout=300,
            pass_fds=command.pass_fds,
        )
    finally:
        command.close()
    assert done.returncode == 0, done.stderr[-2000:]
    (plain,) = work.glob(f"media/videos/scene/480p15/{scene}.mp4")
    ours, theirs = _frames(Path(outcome.video)), _frames(plain)
    assert len(ours) == len(theirs)
    assert max(float(np.abs(a - b).mean()) for a, b in zip(ours, theirs, strict=True)) < 2.0


def _frames(video: Path) -> list[np.ndarray]:
    with av.open(str(video)) as container:
        return [f.to_ndarray(format="rgb24").astype(np.int16) for f in container.decode(video=0)]


async def test_a_rewrite_that_breaks_the_scene_is_rolled_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def breaking(source: str, report: object) -> list[Repaired]:
        broken = source.replace("self.wait(1)", "self.wait(1)\n        raise ValueError('no')")
        return [Repaired(broken, ["layout: a rewrite that fails"])]

    monkeypatch.setattr(render_loop, "layout_candidates", breaking)
    store = await Store.open(tmp_path / "data")
    try:
        outcome = await render_file(store, corpus()["l05_overlapping_point_labels"], "low")
    finally:
        await store.close()
    assert outcome.ok and outcome.repairs == []
    assert [i.kind for i in outcome.layout_issues] == ["text_overlap"]


async def test_the_report_names_lines_and_candidates_use_them(tmp_path: Path) -> None:
    code = corpus()["l08_long_title"]
    result = await render_scene(code, tmp_path, RenderSettings(), mode="validate")
    assert result.layout is not None
    (issue,) = result.layout.issues
    (place,) = issue.places
    assert place.line is not None
    assert code.splitlines()[place.line - 1].strip().startswith("title = Text(")
    assert place.box[0] < -7.1 and place.appeared == 0
    assert result.layout.play_lines[0] == 8
    (candidate,) = layout_candidates(code, result.layout)
    assert "        title.scale_to_fit_width(config.frame_width - 1)\n" in candidate.code


def run_cli(*args: str, data_dir: Path) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    done = subprocess.run(
        [CLI, *args, "--json", "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    return json.loads(done.stdout)


def test_no_repair_renders_the_raw_code_and_reports_the_raw_error(tmp_path: Path) -> None:
    broken = tmp_path / "broken.py"
    broken.write_text(
        "from manim import *\n\n\nclass S(Scene):\n    def construct(self):\n"
        "        self.play(ShowCreation(Circle()))\n"
    )
    raw = run_cli("render", str(broken), "--no-repair", data_dir=tmp_path / "data")
    assert raw["ok"] is False and raw["repairs"] == []
    assert (raw["error"]["type"], raw["error"]["line"]) == ("NameError", 6)
    assert "ShowCreation" in raw["error"]["message"]

    layout = tmp_path / "layout.py"
    layout.write_text(corpus()["l11_tiny_font_size"])
    kept = run_cli("render", str(layout), "--no-repair", data_dir=tmp_path / "data")
    assert kept["ok"] and kept["repairs"] == []
    assert [i["kind"] for i in kept["layout_issues"]] == ["tiny_text"] * 3
    repaired = run_cli("render", str(layout), data_dir=tmp_path / "data")
    assert repaired["ok"] and repaired["layout_issues"] == [] and len(repaired["repairs"]) == 3


async def test_an_eval_run_over_replayed_answers_counts_repairs(tmp_path: Path) -> None:
    chosen = ("l04_tiny_axis_labels", "l10_side_by_side")
    records = [r for r in CORPUS.read_text().splitlines() if json.loads(r)["id"] in chosen]
    dataset = tmp_path / "answers.jsonl"
    dataset.write_text("\n".join(records) + "\n")
    config = tmp_path / "run.toml"
    config.write_text(
        f'dataset = "{dataset}"\nmax_retries = 0\nmax_fix_rounds = 0\n'
        f'[models.coder]\nmodel = "replay:{dataset}"\n'
    )
    resolved = load_config(config, {})
    assert resolved.config.models["coder"].label == f"replay:{dataset}"
    summary = await execute_run(prepare_run(resolved.config, tmp_path / "run"))
    results = read_results(tmp_path / "run" / RESULTS_FILE)
    assert summary.completed == 2
    assert {r.id for r in results} == set(chosen)
    for result in results:
        assert result.success and result.layout_clean, result
        assert result.repairs >= 1 and result.retries == 0
        assert all(r.startswith("layout: ") for s in result.scenes for r in s.repairs)
        (scene,) = result.scenes
        assert scene.layout_frames is not None
        before, after = (tmp_path / "run" / name for name in scene.layout_frames)
        assert before.read_bytes()[:8] == after.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        assert before.read_bytes() != after.read_bytes()
    assert "Layout repairs: before and after" in (tmp_path / "run" / "report.md").read_text()
    sheet = tmp_path / "run" / "plots" / "layout_repairs.png"
    with av.open(str(sheet)) as image:
        (frame,) = image.decode(video=0)
        assert frame.width == 2 * 480 + 3 * 8 and frame.height > 2 * 270


def test_the_replay_model_answers_first_writes_only() -> None:
    spec = ModelSpec.parse(f"replay:{CORPUS}")
    assert spec.label == f"replay:{CORPUS}" and not spec.accepts_images
    model = ReplayChatModel(recordings=load_recordings(CORPUS), item="l08_long_title")
    plan = ScenePlan(
        number=1,
        title="Photosynthesis",
        goal="How plants store energy",
        segments=["Plants turn light into sugar."],
        visual="A leaf and the sun",
        archetype="custom",
        duration=6,
    )
    request = CoderRequest(mode="write", plan=plan, style="dark")
    messages = load_prompt("scene_coder").render("write", **request.prompt_values())
    assert "class Photosynthesis(Scene)" in model.invoke(messages).text
    with pytest.raises(ReplayError, match="not an LLM"):
        model.invoke(messages)
