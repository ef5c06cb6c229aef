"""Kill -9 the server mid-job, start it again: the job completes, finished scenes stay rendered."""

from __future__ import annotations

import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest

pytestmark = pytest.mark.slow

CLI = str(Path(sys.executable).with_name("manimgraph"))


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(data_dir: Path, port: int) -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["MANIMGRAPH_RATE_LIMIT"] = "100000/minute"
    process = subprocess.Popen(
        [CLI, "serve", "--port", str(port), "--data-dir", str(data_dir)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/presets", timeout=1)
            return process
        except httpx.HTTPError:
            time.sleep(0.2)
    process.kill()
    raise AssertionError("the server did not start")


def renders(base: str) -> dict[str, float]:
    text = httpx.get(f"{base}/metrics").text
    found = re.findall(r'manimgraph_scene_renders_total\{outcome="(\w+)"\} ([0-9.]+)', text)
    return {outcome: float(count) for outcome, count in found}


def poll(base: str, job_id: str) -> dict[str, Any]:
    return httpx.get(f"{base}/api/v1/jobs/{job_id}").json()


def test_job_survives_a_server_crash(tmp_path: Path) -> None:
    data_dir, port = tmp_path / "data", free_port()
    base = f"http://127.0.0.1:{port}"
    server = start_server(data_dir, port)
    try:
        job = httpx.post(
            f"{base}/api/v1/generate", json={"prompt": "Explain the water cycle", "scene_count": 4}
        ).json()
        deadline = time.monotonic() + 300
        done: list[int] = []
        while time.monotonic() < deadline and not done:
            done = [
                s["number"] for s in poll(base, job["job_id"])["scenes"] if s["status"] == "done"
            ]
            time.sleep(0.2)
        assert done, "no scene finished before the deadline"
        server.send_signal(signal.SIGKILL)
    finally:
        server.kill()
        server.wait()

    server = start_server(data_dir, port)
    try:
        deadline = time.monotonic() + 300
        while poll(base, job["job_id"])["status"] not in ("completed", "failed", "cancelled"):
            assert time.monotonic() < deadline, "the resumed job did not finish"
            time.sleep(0.3)
        final = poll(base, job["job_id"])
        assert final["status"] == "completed", final
        after = renders(base)
        result = httpx.get(f"{base}/api/v1/jobs/{job['job_id']}/result").json()
        assert [s["number"] for s in result["scenes"]] == [1, 2, 3, 4]
        assert after.get("rendered", 0) <= 4 - len(done)
        assert after.get("cached", 0) == 0
    finally:
        server.terminate()
        server.wait(timeout=30)
