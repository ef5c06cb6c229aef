"""What a finished job tells through the real API: its request echoed, the models that ran
each agent, the manifest and subtitles of each version, `scenes_total` in the events, and a
thumbnail taken from a settled frame (offline model, low quality, one scene, SQLite)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from tests.api_helpers import make_client, wait_for
from tools.speech import offline_voice_installed

PROMPT = "Explain the area of a circle"
VOICE = "offline" if offline_voice_installed() else "none"
SIZE = (64, 36)


@pytest.fixture(scope="module")
def finished(tmp_path_factory: pytest.TempPathFactory) -> Any:
    """One app and one completed one-scene job, shared by the tests below."""
    data_dir = tmp_path_factory.mktemp("results") / "data"
    body = {
        "prompt": PROMPT,
        "scene_count": 1,
        "style": "light",
        "models": {"planner": {"model": "offline"}},
        "render": {"max_retries": 1},
        "budget": {"max_calls": 40},
        "narration": {"voice": VOICE},
    }
    with make_client(data_dir) as client:
        accepted = client.post("/api/v1/generate", json=body)
        assert accepted.status_code == 202, accepted.text
        job = wait_for(client, accepted.json()["job_id"])
        assert job["status"] == "completed", job
        result = client.get(f"/api/v1/jobs/{job['job_id']}/result").json()
        yield client, job, result


def test_status_echoes_the_request_and_its_options(finished: Any) -> None:
    _, job, _ = finished
    assert job["request"]["kind"] == "generate"
    assert job["request"]["prompt"] == PROMPT
    assert job["request"]["scene_count"] == 1 and job["request"]["style"] == "light"
    options = job["options"]
    assert options["models"] == {"planner": "offline"}
    assert options["max_retries"] == 1 and options["budget"]["max_calls"] == 40
    assert options["narration"]["voice"] == VOICE


def test_edit_status_echoes_the_edit_prompt(finished: Any) -> None:
    client, job, _ = finished
    edit = {"project_id": job["project_id"], "scene_number": 1, "edit_prompt": "make it red"}
    started = client.post("/api/v1/edit-scene", json=edit).json()
    status = client.get(started["status_url"]).json()
    assert status["request"]["edit_prompt"] == "make it red"
    assert status["request"]["scene_number"] == 1 and status["kind"] == "edit"
    client.delete(started["status_url"])
    assert wait_for(client, started["job_id"])["status"] in ("cancelled", "completed")


def test_result_names_the_models_and_the_manifest(finished: Any) -> None:
    client, _, result = finished
    assert result["models"] == {
        "planner": "offline",
        "scene_coder": "offline",
        "visual_fixer": "offline",
        "assembler": "offline",
        "narrator": "offline",
        "voice": VOICE,
    }
    manifest = client.get(result["manifest_url"])
    assert manifest.status_code == 200, manifest.text
    assert manifest.headers["content-type"] == "application/json"
    chapters = manifest.json()["chapters"]
    assert manifest.json()["title"] == result["title"] and [c["scene"] for c in chapters] == [1]
    assert manifest.json()["duration"] == pytest.approx(result["duration"], abs=0.05)
    project = client.get(f"/api/v1/projects/{result['project_id']}").json()
    assert project["versions"][0]["manifest_url"] == result["manifest_url"]


def test_each_version_serves_its_subtitles_and_manifest(finished: Any) -> None:
    client, _, result = finished
    base = f"/api/v1/projects/{result['project_id']}/versions"
    srt = client.get(f"{base}/1/subtitles")
    assert srt.status_code == 200 and srt.headers["content-type"].startswith("application/x-subrip")
    assert srt.text == client.get(result["subtitles_url"]).text
    vtt = client.get(f"{base}/1/subtitles?format=vtt")
    assert vtt.status_code == 200 and vtt.text.startswith("WEBVTT")
    for missing in (
        f"{base}/9/subtitles",
        f"{base}/9/manifest",
        "/api/v1/projects/x/versions/1/manifest",
    ):
        answer = client.get(missing)
        assert answer.status_code == 404 and answer.json()["error_code"] == "not_found"


def test_events_say_how_many_scenes(finished: Any) -> None:
    client, job, _ = finished
    events: list[tuple[str, dict[str, Any]]] = []
    name = ""
    with client.stream("GET", f"/api/v1/jobs/{job['job_id']}/events") as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                name = line.removeprefix("event: ")
            elif line.startswith("data: "):
                events.append((name, json.loads(line.removeprefix("data: "))))
    assert [name for name, _ in events] == ["state", "completed"]
    assert events[0][1]["scenes_total"] == 1
    assert events[1][1]["result"]["models"]["planner"] == "offline"


def _grey_frames(path: Path) -> np.ndarray:
    """Every frame of a video or image, shrunk to SIZE in grey by ffmpeg."""
    scale = f"scale={SIZE[0]}:{SIZE[1]},format=gray"
    raw = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-vf", scale, "-f", "rawvideo", "-"],
        capture_output=True,
        check=True,
    ).stdout
    return np.frombuffer(raw, dtype=np.uint8).reshape(-1, SIZE[0] * SIZE[1]).astype(np.float32)


def test_thumbnail_is_a_settled_frame_of_the_first_scene(finished: Any, tmp_path: Path) -> None:
    client, _, result = finished
    thumbnail = client.get(result["thumbnail_url"])
    assert thumbnail.status_code == 200 and thumbnail.headers["content-type"] == "image/png"
    (tmp_path / "thumbnail.png").write_bytes(thumbnail.content)
    picture = _grey_frames(tmp_path / "thumbnail.png")[0]
    assert picture.std() > 2, "the thumbnail shows a plain background"

    clip = tmp_path / "scene1.mp4"
    clip.write_bytes(client.get(result["scenes"][0]["video_url"]).content)
    frames = _grey_frames(clip)
    distances = np.abs(frames - picture).mean(axis=1)
    match = int(np.argmin(distances))
    assert distances[match] < 1.0, "the thumbnail is no frame of the first scene"
    # At rest: the frame before it shows the same picture (no animation under way).
    assert match > 0 and float(np.abs(frames[match] - frames[match - 1]).max()) < 8
