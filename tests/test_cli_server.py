"""`manimgraph ... --server URL` drives a real `manimgraph serve` process through its REST
API: generate with --wait (progress from the event stream, the video saved), status, jobs,
download, cancel and resume, and one clear line for a server that is not there.

One server (SQLite, offline model) serves the whole module; every job is 1 scene, low quality.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.servers import Server, free_port, run_cli, serving

pytestmark = pytest.mark.slow


def one_error_line(done: subprocess.CompletedProcess[str]) -> str:
    """The single line a failed command prints; asserts it is one line and a non-zero exit."""
    assert done.returncode != 0, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), done.stderr
    return lines[0]


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    with serving(tmp_path_factory.mktemp("served") / "data", None) as (started,):
        yield started


@pytest.fixture(scope="module")
def generated(server: Server, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """One 1-scene video made on the server by `generate --server --wait --output`."""
    video = tmp_path_factory.mktemp("out") / "made.mp4"
    done = run_cli(
        "generate", "Explain circles", "--scenes", "1", "--quality", "low",
        "--server", server.base, "--wait", "--output", str(video), "--json",
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    result: dict[str, Any] = json.loads(done.stdout)
    return {**result, "video_file": video, "stderr": done.stderr}


def test_generate_waits_with_progress_and_saves_the_video(
    server: Server, generated: dict[str, Any]
) -> None:
    job = server.job(generated["job_id"])
    assert job["status"] == "completed" and job["project_id"] == generated["project_id"]
    assert generated["version"] == 1 and len(generated["scenes"]) == 1
    assert generated["output"] == str(generated["video_file"])
    data = generated["video_file"].read_bytes()
    assert data[4:8] == b"ftyp" and len(data) > 10_000
    # The progress bars the local path draws, fed by the server's events.
    assert "scene 1" in generated["stderr"] and "done" in generated["stderr"]
    assert f"job {generated['job_id']}" in generated["stderr"]


def test_status_jobs_and_download_read_the_server(
    server: Server, generated: dict[str, Any], tmp_path: Path
) -> None:
    job_id = generated["job_id"]
    status = run_cli("status", job_id, "--server", server.base, "--json")
    assert status.returncode == 0, status.stderr
    assert json.loads(status.stdout) == server.job(job_id)

    listed = run_cli("jobs", "--server", server.base, "--json")
    assert listed.returncode == 0, listed.stderr
    assert job_id in [row["job_id"] for row in json.loads(listed.stdout)["data"]]
    failed = json.loads(
        run_cli("jobs", "--status", "failed", "--server", server.base, "--json").stdout
    )
    assert job_id not in [row["job_id"] for row in failed["data"]]

    target = tmp_path / "copy.mp4"
    copied = run_cli(
        "download", generated["project_id"], "--server", server.base, "-o", str(target)
    )
    assert copied.returncode == 0, copied.stderr
    assert target.read_bytes() == generated["video_file"].read_bytes()

    missing = one_error_line(run_cli("status", "nope", "--server", server.base))
    assert "not_found" in missing and "nope" in missing


def test_cancel_then_resume_on_the_server(server: Server) -> None:
    submitted = run_cli(
        "generate", "Explain triangles", "--scenes", "1", "--server", server.base, "--json"
    )
    assert submitted.returncode == 0, submitted.stderr
    job_id = json.loads(submitted.stdout)["job_id"]

    cancelled = run_cli("cancel", job_id, "--server", server.base)
    assert cancelled.returncode == 0, cancelled.stderr
    assert server.job(job_id)["status"] == "cancelled"
    again = one_error_line(run_cli("cancel", job_id, "--server", server.base))
    assert "not_cancellable" in again

    resumed = run_cli("resume", job_id, "--server", server.base, "--wait", "--json")
    assert resumed.returncode == 0, resumed.stderr
    assert json.loads(resumed.stdout)["job_id"] == job_id
    assert server.job(job_id)["status"] == "completed"


def test_a_server_that_is_not_there_is_named_in_one_line() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    line = one_error_line(run_cli("status", "some-job", "--server", url, timeout=120))
    assert line.startswith(f"error: cannot reach the server at {url}"), line


def test_a_failed_download_leaves_the_file_that_was_there(server: Server, tmp_path: Path) -> None:
    kept = tmp_path / "kept.mp4"
    kept.write_bytes(b"an earlier download")
    args = ("download", "nope", "--version", "1", "-o", str(kept), "--server")
    refused = run_cli(*args, server.base)
    unreachable = f"http://127.0.0.1:{free_port()}"
    lost = run_cli(*args, unreachable)
    assert "not_found" in one_error_line(refused)
    assert one_error_line(lost).startswith(f"error: cannot reach the server at {unreachable}")
    assert kept.read_bytes() == b"an earlier download"
    assert [p.name for p in tmp_path.iterdir()] == ["kept.mp4"]
