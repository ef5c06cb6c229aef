"""The single-agent endpoints through the real API: plan a prompt, code a scene (checked and
repaired, no render), on the offline model, behind the same keys and budgets as jobs."""

from __future__ import annotations

import ast
import time
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.api_helpers import make_client
from tests.conftest import GOOD_SCENE, ffprobe
from tests.stores import StoreAt


def test_plan_then_code_a_scene_of_it(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    key = StoreAt(data_dir).create_api_key("dev")[1]
    headers = {"X-API-Key": key}
    with make_client(data_dir) as client:
        body = {"prompt": "Explain the Pythagorean theorem", "scene_count": 2, "duration_s": 12}
        assert client.post("/api/v1/agents/plan", json=body).status_code == 401

        planned = client.post("/api/v1/agents/plan", json=body, headers=headers)
        assert planned.status_code == 200, planned.text
        outcome = planned.json()
        assert [s["number"] for s in outcome["plan"]["scenes"]] == [1, 2]
        assert sum(s["duration"] for s in outcome["plan"]["scenes"]) == pytest.approx(12, rel=0.25)
        assert outcome["model"] == "offline"
        assert outcome["usage"]["by_agent"]["planner"]["calls"] == 1
        assert outcome["usage"]["total"]["calls"] == 1

        scene = outcome["plan"]["scenes"][1]
        coded = client.post(
            "/api/v1/agents/code", json={"scene": scene, "style": "light"}, headers=headers
        )
        assert coded.status_code == 200, coded.text
        code = coded.json()
        assert code["ok"] and code["error"] is None and code["attempts"] == 1
        tree = ast.parse(code["code"])
        assert any(isinstance(node, ast.ClassDef) for node in tree.body)
        assert code["usage"]["by_agent"]["coder"]["calls"] == 1

        # Nothing was rendered or stored: no project, no job.
        assert client.get("/api/v1/projects", headers=headers).json()["count"] == 0
        assert client.get("/api/v1/jobs", headers=headers).json()["count"] == 0


def test_agents_refuse_bad_models_and_spent_budgets(tmp_path: Path) -> None:
    with make_client(tmp_path / "data") as client:
        bare = client.post(
            "/api/v1/agents/plan",
            json={"prompt": "circles", "models": {"planner": {"model": "gpt-4o-mini"}}},
        )
        assert bare.status_code == 422 and "provider:model" in bare.text

        broke = client.post(
            "/api/v1/agents/plan", json={"prompt": "circles", "budget": {"max_calls": 0}}
        )
        assert broke.status_code == 409, broke.text
        assert broke.json()["error_code"] == "budget_exhausted"
        assert "0 of 0 model calls" in broke.json()["detail"]

        plan = client.post("/api/v1/agents/plan", json={"prompt": "circles", "scene_count": 1})
        scene = plan.json()["plan"]["scenes"][0]
        broke = client.post(
            "/api/v1/agents/code", json={"scene": scene, "budget": {"max_calls": 0}}
        )
        assert broke.status_code == 409 and broke.json()["error_code"] == "budget_exhausted"
        missing = client.post("/api/v1/agents/code", json={"scene": {"title": "x"}})
        assert missing.status_code == 422


OLD_NAMES_SCENE = GOOD_SCENE.replace("Create(", "ShowCreation(")
"""The good scene with a Manim name that no longer exists, which a repair renames."""
BROKEN_SCENE = """from manim import *


class Broken(Scene):
    def construct(self):
        self.play(Create(Circle(radius=undefined_radius)))
"""


def _settled(client: TestClient, url: str) -> dict[str, Any]:
    deadline = time.monotonic() + 180
    while (render := client.get(url).json())["status"] == "running":
        assert time.monotonic() < deadline, render
        time.sleep(0.3)
    return render


def test_render_a_scene_file_in_the_sandbox(tmp_path: Path) -> None:
    with make_client(tmp_path / "data") as client:
        accepted = client.post("/api/v1/agents/render", json={"code": OLD_NAMES_SCENE})
        assert accepted.status_code == 202, accepted.text
        assert accepted.json()["status"] == "running" and accepted.json()["ok"] is None
        render = _settled(client, accepted.json()["status_url"])
        assert render["status"] == "completed" and render["ok"], render["failure"]
        assert any("ShowCreation" in repair for repair in render["repairs"])
        assert "Create(Circle" in render["code"] and "ShowCreation" not in render["code"]
        assert render["layout"]["animations"] >= 2 and render["error"] is None

        video = client.get(render["video_url"])
        assert video.status_code == 200 and video.headers["content-type"] == "video/mp4"
        (tmp_path / "scene.mp4").write_bytes(video.content)
        seconds = ffprobe(tmp_path / "scene.mp4")["duration"]
        assert seconds == pytest.approx(render["duration"], abs=0.2)
        frame = client.get(render["last_frame_url"])
        assert frame.status_code == 200 and frame.content.startswith(b"\x89PNG")

        broken = client.post("/api/v1/agents/render", json={"code": BROKEN_SCENE}).json()
        failed = _settled(client, broken["status_url"])
        assert failed["status"] == "completed" and failed["ok"] is False
        assert (
            failed["error"]["kind"] == "code" and "undefined_radius" in failed["error"]["message"]
        )
        assert failed["video_url"] is None
        assert client.get(f"{broken['status_url']}/video").status_code == 404
        assert client.get("/api/v1/agents/renders/nope").status_code == 404
        assert client.get("/api/v1/jobs").json()["count"] == 0
