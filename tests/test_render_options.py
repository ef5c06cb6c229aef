"""Render options: the frame (aspect, resolution, fps) reaches the video and the layout
check, the offline model lays portrait and square scenes out cleanly, a target length is
met, an edit keeps its project's frame (and its length when asked), and the API refuses
what is out of range with a message that names the range."""

from __future__ import annotations

import asyncio
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from agents.offline.model import OfflineChatModel
from agents.planner import plan_video
from agents.scene_coder import CoderRequest, write_scene_code
from tests.api_helpers import make_client, wait_for
from tests.conftest import ffprobe
from tests.servers import run_cli
from tools.render.models import Frame, RenderSettings
from tools.render.runner import render_scene

DATASET = Path(__file__).parents[1] / "evals" / "datasets" / "theoremexplainbench_topics.jsonl"
TOPICS = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
SAMPLE = TOPICS[::24]
"""The 10 prompts of tests/test_offline_topics.py."""
PIXELS = {"9:16": (480, 854), "1:1": (480, 480)}
TOO_WIDE = """from manim import *


class Wide(Scene):
    def construct(self):
        self.play(Write(Text("A line wider than eight units", font_size=48)), run_time=0.5)
        self.wait(0.5)
"""


def stream(video: Path) -> dict[str, Any]:
    """Width, height and r_frame_rate of the video stream, as ffprobe reads them."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-select_streams",
            "v:0",
            "-show_entries",
            "stream=width,height,r_frame_rate",
            "-of",
            "json",
            str(video),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout)["streams"][0]


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(SAMPLE)), ids=[t["id"] for t in SAMPLE])
async def test_offline_scenes_are_clean_in_portrait_and_square(
    index: int, tmp_path_factory: pytest.TempPathFactory
) -> None:
    """Each prompt draws two of its scenes, one in each aspect, through the harness's
    validation pass, which makes the layout report a render makes without drawing pixels;
    the first two prompts render theirs for real too (low quality, short scenes), one in
    each aspect. Across the ten prompts every archetype is checked in both frames."""
    model = OfflineChatModel()
    plan = await plan_video(
        model, SAMPLE[index]["prompt"], scene_count=None, style="dark", target_duration=10
    )
    rendered_aspect = list(PIXELS)[index] if index < len(PIXELS) else None

    async def drawn(aspect: str, offset: int) -> tuple[Any, Any]:
        frame = Frame(aspect=aspect)  # type: ignore[arg-type]
        scene = plan.scenes[(index + offset) % len(plan.scenes)]
        request = CoderRequest(mode="write", plan=scene, style="dark", frame=frame)
        code = await write_scene_code(model, request)
        # Work directories side by side, so every render reuses the same warm workers.
        workdir = tmp_path_factory.mktemp("scene")
        mode = "render" if aspect == rendered_aspect else "validate"
        return scene, await render_scene(code, workdir, RenderSettings(frame=frame), mode=mode)

    for aspect, (scene, result) in zip(
        PIXELS, await asyncio.gather(drawn("9:16", 0), drawn("1:1", 1)), strict=True
    ):
        assert result.ok, (aspect, scene.archetype, result.error)
        assert result.layout.frame.aspect == aspect
        assert result.layout.issues == [], (aspect, scene.archetype, result.layout.issues)
        if aspect == rendered_aspect:
            video = stream(result.video)
            assert (video["width"], video["height"]) == PIXELS[aspect]
            assert video["r_frame_rate"] == "15/1"


@pytest.mark.slow
async def test_the_frame_sets_pixels_and_rate_and_the_layout_check_uses_it(
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    """A line that fits the landscape frame pokes out of the portrait one."""
    portrait = Frame(aspect="9:16", resolution="720p", fps=24)
    tall, wide = await asyncio.gather(
        render_scene(TOO_WIDE, tmp_path_factory.mktemp("tall"), RenderSettings(frame=portrait)),
        render_scene(TOO_WIDE, tmp_path_factory.mktemp("wide"), RenderSettings(), mode="validate"),
    )
    assert tall.ok and wide.ok
    assert stream(tall.video) == {"width": 720, "height": 1280, "r_frame_rate": "24/1"}
    assert [issue.kind for issue in tall.layout.issues] == ["out_of_frame"]
    assert wide.layout.issues == []


@pytest.fixture(scope="module")
def client(tmp_path_factory: pytest.TempPathFactory) -> Iterator[TestClient]:
    with make_client(tmp_path_factory.mktemp("render-options")) as client:
        yield client


@pytest.fixture(scope="module")
def sixty(client: TestClient) -> dict[str, Any]:
    """A silent 3-scene portrait video asked to last 60 s, through the API."""
    body = {
        "prompt": "Explain the Pythagorean theorem",
        "scene_count": 3,
        "narration": {"voice": "none"},
        "render": {"aspect": "9:16", "duration_s": 60},
    }
    accepted = client.post("/api/v1/generate", json=body)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    job = wait_for(client, job_id)
    assert job["status"] == "completed", job
    return client.get(f"/api/v1/jobs/{job_id}/result").json()


@pytest.mark.slow
def test_a_60_second_target_lands_within_15_percent(
    client: TestClient, sixty: dict[str, Any], tmp_path: Path
) -> None:
    assert sixty["target_duration_s"] == 60
    assert abs(sixty["duration"] - 60) <= 9, sixty["duration"]
    video = tmp_path / "v1.mp4"
    video.write_bytes(client.get(sixty["video_url"]).content)
    assert abs(ffprobe(video)["duration"] - 60) <= 9
    assert (stream(video)["width"], stream(video)["height"]) == (480, 854)


@pytest.mark.slow
def test_an_edit_keeps_the_project_frame_and_with_preserve_timing_its_length(
    client: TestClient, sixty: dict[str, Any], tmp_path: Path
) -> None:
    before = next(scene for scene in sixty["scenes"] if scene["number"] == 1)
    body = {
        "project_id": sixty["project_id"],
        "scene_number": 1,
        "edit_prompt": "make the title red and slow down",
        "preserve_timing": True,
    }
    accepted = client.post("/api/v1/edit-scene", json=body)
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["job_id"]
    job = wait_for(client, job_id)
    assert job["status"] == "completed", job
    result = client.get(f"/api/v1/jobs/{job_id}/result").json()
    after = next(scene for scene in result["scenes"] if scene["number"] == 1)
    assert after["version"] == 2
    assert after["duration"] == pytest.approx(before["duration"], abs=0.1)
    clip = tmp_path / "scene1.mp4"
    clip.write_bytes(client.get(after["video_url"]).content)
    assert (stream(clip)["width"], stream(clip)["height"]) == (480, 854)


@pytest.mark.parametrize(
    ("render", "named"),
    [
        ({"fps": 90}, "between 15 and 60"),
        ({"resolution": "4320p"}, "'480p', '720p', '1080p', '1440p' or '2160p'"),
        ({"duration_s": 3}, "between 5 and 600"),
        ({"aspect": "4:3"}, "'16:9', '9:16' or '1:1'"),
    ],
)
def test_out_of_range_options_get_a_422_naming_the_range(
    client: TestClient, render: dict[str, Any], named: str
) -> None:
    answer = client.post("/api/v1/generate", json={"prompt": "Bayes", "render": render})
    assert answer.status_code == 422
    assert answer.json()["error_code"] == "invalid_request"
    assert named in answer.json()["detail"]


def test_an_edit_may_not_change_the_frame(client: TestClient) -> None:
    """An edit renders in its project's frame: its `render` takes the caps only."""
    body = {"project_id": "p", "scene_number": 1, "edit_prompt": "red", "render": {"fps": 30}}
    answer = client.post("/api/v1/edit-scene", json=body)
    assert answer.status_code == 422
    assert "render.fps: Extra inputs are not permitted" in answer.json()["detail"]


@pytest.mark.slow
def test_the_cli_takes_the_config_render_table_and_its_flags_win(tmp_path: Path) -> None:
    config = tmp_path / "manimgraph.toml"
    config.write_text('[render]\naspect = "1:1"\nfps = 30\nduration_s = 20\n')
    args = ["--scenes", "1", "--voice", "none", "--config", str(config), "--json"]
    done = run_cli("generate", "Bayes", *args, "--fps", "24", "--duration", "6", data_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["target_duration_s"] == 6
    assert stream(Path(summary["video"])) == {"width": 480, "height": 480, "r_frame_rate": "24/1"}


def test_the_cli_refuses_an_out_of_range_flag_in_one_line(tmp_path: Path) -> None:
    done = run_cli("generate", "Bayes", "--fps", "90", data_dir=tmp_path)
    assert done.returncode == 2
    assert "between 15 and 60" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert not (tmp_path / "manimgraph.db").exists()


def test_the_server_takes_its_config_render_table_and_the_body_wins(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    config = tmp_path / "manimgraph.toml"
    config.write_text('[render]\naspect = "9:16"\nfps = 24\nduration_s = 20\n')
    monkeypatch.setenv("MANIMGRAPH_CONFIG", str(config))
    with make_client(tmp_path / "data") as client:
        body = {"prompt": "Bayes", "narration": {"voice": "none"}, "render": {"aspect": "1:1"}}
        accepted = client.post("/api/v1/generate", json=body)
        assert accepted.status_code == 202, accepted.text
        job_id = accepted.json()["job_id"]
        request = client.get(f"/api/v1/jobs/{job_id}").json()["request"]
        client.post(f"/api/v1/jobs/{job_id}/cancel")
    assert request["frame"] == {"aspect": "1:1", "resolution": None, "fps": 24}
    assert request["target_duration"] == 20
