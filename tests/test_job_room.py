"""The job room across processes, on SQLite and on PostgreSQL: one runner per job by lease,
takeover after a runner dies, local resume by the CLI, status from any process, and no
server path in anything the API sends."""

from __future__ import annotations

import json
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import CLI, TERMINAL, Server, cli_env, renders, serving, wait_until
from tests.stores import StoreAt
from tests.test_webhooks import Receiver, receiver  # noqa: F401 - the fixture

pytestmark = pytest.mark.slow

SETTLE_S = 1.0
"""Time for a finished scene's checkpoint to be written after its progress says done."""
EMBEDDED_ONLY = pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
"""For a test whose subject does not depend on the database (the CLI's own resume, the
paths in bodies): the embedded default only, so the suite renders it once."""


def _finished(server: Server, job_id: str) -> dict[str, Any]:
    return wait_until(lambda: (job := server.job(job_id))["status"] in TERMINAL and job)


def _follow(server: Server, job_id: str) -> list[dict[str, Any]]:
    """Every status read until the job ends, the last one terminal."""
    seen: list[dict[str, Any]] = []

    def ended() -> bool:
        seen.append(server.job(job_id))
        return seen[-1]["status"] in TERMINAL

    wait_until(ended)
    return seen


def _done_scenes(job: dict[str, Any]) -> list[int]:
    return [scene["number"] for scene in job["scenes"] if scene["state"] == "done"]


def test_two_servers_run_a_job_once_and_take_over_from_a_killed_one(
    tmp_path: Path, database_url: str
) -> None:
    with serving(tmp_path / "data", database_url, count=2) as (first, second):
        once = first.post("/api/v1/generate", {"prompt": "Explain circles", "scene_count": 2})
        assert _finished(second, once["job_id"])["status"] == "completed"
        assert renders(first) + renders(second) == 2

        status = [server.job(once["job_id"]) for server in (first, second)]
        for job in status:
            job.pop("estimated_completion")
        assert status[0] == status[1]
        assert status[0]["progress"] == 1.0 and _done_scenes(status[0]) == [1, 2]

        job = first.post(
            "/api/v1/generate", {"prompt": "Explain the water cycle", "scene_count": 4}
        )
        done = wait_until(lambda: _done_scenes(second.job(job["job_id"])))
        time.sleep(SETTLE_S)
        before = renders(second)
        reached = second.job(job["job_id"])["progress"]
        first.process.send_signal(signal.SIGKILL)
        first.process.wait()

        seen = _follow(second, job["job_id"])
        assert reached > 0 and min(s["progress"] for s in seen) >= reached, "progress was lost"
        assert seen[-1]["status"] == "completed", seen[-1]
        result = second.get(f"/api/v1/jobs/{job['job_id']}/result")
        assert [scene["number"] for scene in result["scenes"]] == [1, 2, 3, 4]
        assert renders(second) - before <= 4 - len(done)


@EMBEDDED_ONLY
def test_the_cli_resumes_its_own_killed_job_with_no_server(
    tmp_path: Path, database_url: str
) -> None:
    data_dir = tmp_path / "data"
    env = cli_env(database_url)
    args = ["--data-dir", str(data_dir)]
    generate = subprocess.Popen(
        [CLI, "generate", "Explain the water cycle", "--scenes", "6", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert generate.stderr is not None
    job_id = next(line.split()[1] for line in generate.stderr if line.startswith("job "))

    def status() -> dict[str, Any]:
        shown = subprocess.run(
            [CLI, "status", job_id, "--json", *args], env=env, capture_output=True, text=True
        )
        assert shown.returncode == 0, shown.stderr
        return json.loads(shown.stdout)  # type: ignore[no-any-return]

    store = StoreAt(data_dir, database_url)
    wait_until(
        lambda: any(s.state == "done" for s in store.get_job(job_id).progress_state.scenes),
        every=0.05,
    )
    generate.send_signal(signal.SIGKILL)
    generate.wait()
    generate.stderr.close()
    assert status()["status"] == "running"

    resumed = subprocess.run(
        [CLI, "resume", job_id, "--json", *args], env=env, capture_output=True, text=True
    )
    assert resumed.returncode == 0, resumed.stderr
    assert "unregistered type" not in resumed.stderr
    summary = json.loads(resumed.stdout)
    assert summary["status"] == "completed"
    assert [scene["version"] for scene in summary["scenes"]] == [1] * 6
    assert status()["progress"] == 1.0


@EMBEDDED_ONLY
def test_no_server_path_in_any_body_event_or_webhook(
    tmp_path: Path,
    database_url: str,
    receiver: Receiver,  # noqa: F811
) -> None:
    data_dir = tmp_path / "data"
    seen: list[str] = []
    with serving(data_dir, database_url) as (server,):

        def call(method: str, path: str, body: Any = None) -> Any:
            response = httpx.request(method, f"{server.base}{path}", json=body, timeout=30)
            seen.append(response.text)
            return response.json()

        def follow(accepted: dict[str, Any]) -> None:
            with httpx.stream("GET", f"{server.base}{accepted['events_url']}", timeout=300) as s:
                seen.append("".join(s.iter_text()))

        started = call(
            "POST",
            "/api/v1/generate",
            {"prompt": "Explain circles", "scene_count": 2, "callback_url": receiver.url},
        )
        follow(started)
        project = started["project_id"]
        call("GET", f"/api/v1/jobs/{started['job_id']}")
        call("GET", f"/api/v1/jobs/{started['job_id']}/result")
        edit = call(
            "POST",
            "/api/v1/edit-scene",
            {
                "project_id": project,
                "scene_number": 2,
                "edit_prompt": "make the title red",
                "callback_url": receiver.url,
            },
        )
        follow(edit)
        call("GET", f"/api/v1/jobs/{edit['job_id']}/result")
        call("POST", f"/api/v1/projects/{project}/scenes/2/revert", {"version": 1})
        call("GET", f"/api/v1/projects/{project}")
        call("GET", "/api/v1/projects")
        call("GET", "/api/v1/jobs")
        call("GET", "/health")
        wait_until(lambda: len(receiver.requests) == 2)
    seen.extend(body.decode() for _, body in receiver.requests)
    hooks = [json.loads(body) for _, body in receiver.requests]
    assert [hook["status"] for hook in hooks] == ["completed", "completed"]
    assert hooks[0]["result"]["video_url"].startswith("/api/v1/projects/")
    assert "event: completed" in seen[1]
    for text in seen:
        assert str(data_dir) not in text and "/artifacts/" not in text
