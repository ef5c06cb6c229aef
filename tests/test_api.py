"""The REST API end to end: real jobs on the offline model, real renders, on SQLite and on
PostgreSQL."""

from __future__ import annotations

import json
import subprocess
import time
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.api_helpers import make_client, render_processes, wait_for
from tests.stores import StoreAt

pytestmark = pytest.mark.slow

ERROR_KEYS = {"detail", "error_code", "timestamp"}


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory, module_database_url: str) -> Any:
    """One app and one finished 2-scene project shared by the read-only tests."""
    data_dir = tmp_path_factory.mktemp("api") / "data"
    with make_client(data_dir, module_database_url) as client:
        accepted = client.post(
            "/api/v1/generate", json={"prompt": "Explain circles", "scene_count": 2}
        )
        assert accepted.status_code == 202, accepted.text
        early = client.get(f"/api/v1/projects/{accepted.json()['project_id']}")
        assert early.status_code == 200 and early.json()["status"] == "generating"
        job = wait_for(client, accepted.json()["job_id"])
        assert job["status"] == "completed", job
        yield client, StoreAt(data_dir, module_database_url), accepted.json()


def test_generate_poll_result_download(served: Any, tmp_path: Path) -> None:
    client, _, accepted = served
    assert accepted["status_url"] == f"/api/v1/jobs/{accepted['job_id']}"

    result = client.get(f"/api/v1/jobs/{accepted['job_id']}/result")
    assert result.status_code == 200
    body = result.json()
    job = client.get(f"/api/v1/jobs/{accepted['job_id']}").json()
    assert body["title"] == client.get(f"/api/v1/projects/{accepted['project_id']}").json()["title"]
    assert datetime.fromisoformat(body["completed_at"]) >= datetime.fromisoformat(
        job["stages"][0]["started_at"]
    )
    assert 0 < body["generation_time_seconds"] < 600
    body = result.json()
    assert [s["number"] for s in body["scenes"]] == [1, 2]
    assert all(s["version"] == 1 and not s["fallback_used"] for s in body["scenes"])
    assert "/artifacts/" not in result.text and str(tmp_path) not in result.text

    download = client.get(body["video_url"])
    assert download.status_code == 200
    assert download.headers["content-type"] == "video/mp4"
    assert "attachment" in download.headers["content-disposition"]
    video = tmp_path / "video.mp4"
    video.write_bytes(download.content)
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "json", str(video)],
        capture_output=True,
        text=True,
        check=True,
    )
    assert float(json.loads(probe.stdout)["format"]["duration"]) == pytest.approx(
        body["duration"], abs=0.2
    )


def test_subtitles_are_served_as_srt_and_webvtt_from_the_result_link(served: Any) -> None:
    client, _, accepted = served
    body = client.get(f"/api/v1/jobs/{accepted['job_id']}/result").json()
    srt = client.get(body["subtitles_url"])
    assert srt.status_code == 200, srt.text
    assert srt.headers["content-type"].startswith("application/x-subrip")
    cues = srt.text.strip().split("\n\n")
    assert cues[0].startswith("1\n00:00:00,") and len(cues) >= 2
    vtt = client.get(body["subtitles_url"].replace("format=srt", "format=vtt"))
    assert vtt.status_code == 200 and vtt.headers["content-type"].startswith("text/vtt")
    assert vtt.text.startswith("WEBVTT\n\n1\n00:00:00.")
    project = client.get(f"/api/v1/projects/{accepted['project_id']}").json()
    assert project["versions"][0]["subtitles_url"].endswith("&format=srt")
    assert (
        client.get(f"/api/v1/projects/{accepted['project_id']}/subtitles?format=ass").status_code
        == 422
    )
    assert (
        client.get(f"/api/v1/projects/{accepted['project_id']}/subtitles?version=99").status_code
        == 404
    )


def test_edit_scene_makes_version_two(served: Any) -> None:
    client, _, accepted = served
    project_id = accepted["project_id"]
    edit = client.post(
        "/api/v1/edit-scene",
        json={"project_id": project_id, "scene_number": 2, "edit_prompt": "make the title yellow"},
    )
    assert edit.status_code == 202, edit.text
    assert wait_for(client, edit.json()["job_id"])["status"] == "completed"

    project = client.get(f"/api/v1/projects/{project_id}").json()
    scene2 = next(s for s in project["scenes"] if s["number"] == 2)
    assert [v["version"] for v in scene2["versions"]] == [1, 2]
    assert scene2["current_version"] == 2
    assert [v["version"] for v in project["versions"]] == [1, 2]
    assert project["versions"][1]["slots"] == {"1": 1, "2": 2}
    v1, v2 = (client.get(v["source_url"]) for v in scene2["versions"])
    assert v1.status_code == v2.status_code == 200
    assert v1.text != v2.text and "class " in v2.text
    old = client.get(f"/api/v1/projects/{project_id}/download?version=1")
    assert old.status_code == 200 and len(old.content) > 1000


def test_events_arrive_in_order_and_end_with_a_terminal_event(served: Any) -> None:
    client, _, accepted = served
    started = client.post(
        "/api/v1/edit-scene",
        json={
            "project_id": accepted["project_id"],
            "scene_number": 1,
            "edit_prompt": "make the title red",
        },
    ).json()
    events = []
    with client.stream("GET", started["events_url"]) as stream:
        for line in stream.iter_lines():
            if line.startswith("event: "):
                events.append(line.removeprefix("event: "))
    assert events[0] == "state"
    assert events[-1] == "completed"
    assert "progress" in events[1:-1]
    late = []
    with client.stream("GET", started["events_url"]) as stream:
        late = [line for line in stream.iter_lines() if line.startswith("event: ")]
    assert late == ["event: state", "event: completed"]


def test_revert_makes_an_old_version_current_and_keeps_history(served: Any) -> None:
    client, _, accepted = served
    project_id = accepted["project_id"]
    before = client.get(f"/api/v1/projects/{project_id}").json()
    reverted = client.post(f"/api/v1/projects/{project_id}/scenes/2/revert", json={"version": 1})
    assert reverted.status_code == 200, reverted.text
    after = reverted.json()
    scene2 = next(s for s in after["scenes"] if s["number"] == 2)
    assert scene2["current_version"] == 1
    assert len(scene2["versions"]) == len(
        next(s for s in before["scenes"] if s["number"] == 2)["versions"]
    )
    assert after["versions"][-1]["version"] == before["versions"][-1]["version"] + 1


def test_revert_while_an_edit_changes_the_project_is_409_project_busy(served: Any) -> None:
    client, _, accepted = served
    project_id = accepted["project_id"]
    edit = client.post(
        "/api/v1/edit-scene",
        # a colour scene 1 never had: a new render, so the edit is still running at the revert
        json={"project_id": project_id, "scene_number": 1, "edit_prompt": "make the title blue"},
    )
    assert edit.status_code == 202, edit.text

    busy = client.post(f"/api/v1/projects/{project_id}/scenes/2/revert", json={"version": 1})

    assert busy.status_code == 409, busy.text
    assert busy.json()["error_code"] == "project_busy"
    assert wait_for(client, edit.json()["job_id"])["status"] == "completed"


def test_an_unknown_project_is_named_as_such(served: Any) -> None:
    client, _, _ = served
    edit = client.post(
        "/api/v1/edit-scene",
        json={"project_id": "nope", "scene_number": 1, "edit_prompt": "red"},
    )
    revert = client.post("/api/v1/projects/nope/scenes/1/revert", json={"version": 1})

    for response in (edit, revert):
        assert response.status_code == 404, response.text
        assert response.json()["detail"] == "no project nope"


def test_a_bare_model_name_says_to_name_the_provider(served: Any) -> None:
    client, _, _ = served
    response = client.post(
        "/api/v1/generate",
        json={"prompt": "ok", "models": {"scene": {"model": "gpt-4o-mini"}}},
    )
    assert response.status_code == 422
    assert "use provider:model, e.g. openai:gpt-4o-mini" in response.json()["detail"]
    assert "pattern" not in response.json()["detail"]


@pytest.mark.parametrize(
    ("method", "url", "body", "status"),
    [
        ("post", "/api/v1/generate", {"prompt": ""}, 422),
        ("post", "/api/v1/generate", {"prompt": "   "}, 422),
        ("post", "/api/v1/generate", {"prompt": "x" * 4001}, 422),
        ("post", "/api/v1/generate", {"prompt": "ok", "scene_count": 13}, 422),
        ("post", "/api/v1/generate", {"prompt": "ok", "quality": "ultra"}, 422),
        (
            "post",
            "/api/v1/generate",
            {"prompt": "ok", "models": {"scene": {"model": "acme:x"}}},
            422,
        ),
        ("post", "/api/v1/generate", {"prompt": "ok", "callback_url": "ftp://x"}, 422),
        ("post", "/api/v1/generate", {"prompt": "ok", "unknown": 1}, 422),
        (
            "post",
            "/api/v1/edit-scene",
            {"project_id": "nope", "scene_number": 1, "edit_prompt": "red"},
            404,
        ),
        (
            "post",
            "/api/v1/edit-scene",
            {"project_id": "PROJECT", "scene_number": 9, "edit_prompt": "red"},
            404,
        ),
        ("get", "/api/v1/jobs/nope", None, 404),
        ("get", "/api/v1/jobs/nope/result", None, 404),
        ("delete", "/api/v1/jobs/nope", None, 404),
        ("post", "/api/v1/jobs/nope/resume", None, 404),
        ("get", "/api/v1/projects/nope", None, 404),
        ("get", "/api/v1/projects/nope/download", None, 404),
        ("get", "/api/v1/projects/PROJECT/download?version=99", None, 404),
        ("get", "/api/v1/projects/PROJECT/scenes/1/versions/99/source", None, 404),
        ("post", "/api/v1/projects/PROJECT/scenes/1/revert", {"version": 99}, 404),
        ("get", "/api/v1/jobs?page_size=101", None, 422),
    ],
)
def test_bad_requests_get_4xx_error_bodies_and_change_nothing(
    served: Any, method: str, url: str, body: Any, status: int
) -> None:
    client, store, accepted = served
    url = url.replace("PROJECT", accepted["project_id"])
    if isinstance(body, dict) and body.get("project_id") == "PROJECT":
        body = {**body, "project_id": accepted["project_id"]}
    before = store.counts()

    response = client.request(method, url, json=body)

    assert response.status_code == status, response.text
    assert set(response.json()) == ERROR_KEYS
    assert store.counts() == before


def test_result_before_the_end_is_409_and_cancel_kills_renders(
    tmp_path: Path, database_url: str
) -> None:
    data_dir = tmp_path / "data"
    with make_client(data_dir, database_url) as client:
        job = client.post(
            "/api/v1/generate", json={"prompt": "Explain sorting algorithms", "scene_count": 4}
        ).json()
        deadline = time.monotonic() + 120
        while not render_processes(data_dir) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert render_processes(data_dir), "no render started"
        assert client.get(f"/api/v1/jobs/{job['job_id']}/result").status_code == 409
        clip = _first_clip(client, job["job_id"])
        assert clip.status_code == 200 and clip.headers["content-type"] == "video/mp4"
        assert client.get(f"/api/v1/jobs/{job['job_id']}").json()["status"] == "running"

        cancelled = client.delete(f"/api/v1/jobs/{job['job_id']}")
        gone_by = time.monotonic() + 2
        while render_processes(data_dir) and time.monotonic() < gone_by:
            time.sleep(0.05)

        assert cancelled.status_code == 200
        assert cancelled.json()["status"] == "cancelled"
        assert cancelled.json()["error"] == "cancelled on request"
        assert render_processes(data_dir) == []
        scenes = client.get(f"/api/v1/jobs/{job['job_id']}").json()["scenes"]
        assert scenes, "the cancelled job's scene states were emptied"
        project = client.get(f"/api/v1/projects/{job['project_id']}").json()
        assert project["status"] == "generating" and project["versions"] == []
        assert client.delete(f"/api/v1/jobs/{job['job_id']}").status_code == 409

        resumed = client.post(f"/api/v1/jobs/{job['job_id']}/resume")
        assert resumed.status_code == 202
        assert wait_for(client, job["job_id"])["status"] == "completed"
        assert client.post(f"/api/v1/jobs/{job['job_id']}/resume").status_code == 409


def _first_clip(client: Any, job_id: str) -> Any:
    """The clip of the job's first rendered scene, fetched while the job still runs."""
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        scenes = client.get(f"/api/v1/jobs/{job_id}").json()["scenes"]
        url = next((scene["video_url"] for scene in scenes if scene["video_url"]), None)
        if url is not None:
            return client.get(url)
        time.sleep(0.05)
    raise AssertionError("no scene was rendered within 120 s")


def test_idempotency_key_returns_the_same_job(tmp_path: Path, database_url: str) -> None:
    with make_client(tmp_path / "data", database_url) as client:
        headers = {"Idempotency-Key": "abc-123"}
        first = client.post(
            "/api/v1/generate",
            json={"prompt": "Explain circles", "scene_count": 1},
            headers=headers,
        )
        again = client.post(
            "/api/v1/generate",
            json={"prompt": "Explain circles", "scene_count": 1},
            headers=headers,
        )
        assert first.json()["job_id"] == again.json()["job_id"]
        other = client.post(
            "/api/v1/generate",
            json={"prompt": "Explain squares", "scene_count": 1},
            headers=headers,
        )
        assert other.status_code == 422
        assert other.json()["error_code"] == "idempotency_key_reused"
        assert "different request" in other.json()["detail"]
        assert client.get("/api/v1/jobs").json()["count"] == 1
        wait_for(client, first.json()["job_id"])


def test_a_deleted_projects_job_says_so_and_an_unknown_style_lists_the_known_ones(
    served: Any,
) -> None:
    client, _, _ = served
    accepted = client.post("/api/v1/generate", json={"prompt": "Explain lines", "scene_count": 1})
    assert wait_for(client, accepted.json()["job_id"])["status"] == "completed"
    assert client.get(f"/api/v1/projects/{accepted.json()['project_id']}").json()["status"] == (
        "ready"
    )
    assert client.delete(f"/api/v1/projects/{accepted.json()['project_id']}").status_code == 204

    gone = client.get(f"/api/v1/jobs/{accepted.json()['job_id']}/result")
    styled = client.post("/api/v1/generate", json={"prompt": "Explain lines", "style": "neon"})

    assert gone.status_code == 409
    assert gone.json()["detail"].endswith("completed, but its project has been deleted")
    assert styled.status_code == 422
    assert "'dark'" in styled.json()["detail"] and "'light'" in styled.json()["detail"]


def test_presets_health_metrics(served: Any) -> None:
    client, _, _ = served
    assert set(client.get("/api/v1/presets").json()["qualities"]) == {"low", "medium", "high"}
    health = client.get("/health")
    assert health.status_code in (200, 503)
    assert {"database", "ffmpeg", "manim", "latex", "sandbox"} <= set(health.json()["checks"])
    metrics = client.get("/metrics").text
    assert 'manimgraph_jobs_total{kind="generate",status="completed"}' in metrics
    assert "manimgraph_scene_renders_total" in metrics


def test_a_budget_in_the_request_caps_model_calls(tmp_path: Path, database_url: str) -> None:
    with make_client(tmp_path / "data", database_url) as client:
        accepted = client.post(
            "/api/v1/generate",
            json={"prompt": "Explain circles", "scene_count": 2, "budget": {"max_calls": 2}},
        ).json()
        job = wait_for(client, accepted["job_id"])
        result = client.get(f"/api/v1/jobs/{accepted['job_id']}/result").json()
        bad = client.post("/api/v1/generate", json={"prompt": "x", "budget": {"max_calls": -1}})

    assert job["status"] == "completed", job
    assert job["usage"]["total"]["calls"] == 2 and job["usage"]["budget_exhausted"]
    assert result["usage"]["by_agent"]["planner"]["calls"] == 1
    reasons = [scene["fallback_reason"] or "" for scene in result["scenes"]]
    assert sum(reason.startswith("budget_exhausted") for reason in reasons) == 1
    assert bad.status_code == 422 and set(bad.json()) == ERROR_KEYS
