"""`manimgraph serve` says at start-up which models it uses, on stderr as a user sees it."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import httpx

from tests.servers import CLI, cli_env, free_port


def test_serve_logs_the_offline_model_notice(tmp_path: Path) -> None:
    port = free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as stderr:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port), "--data-dir", str(tmp_path / "data")],
            env=cli_env(),
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                time.sleep(0.2)
        else:
            raise AssertionError(log.read_text())
    finally:
        process.terminate()
        process.wait(timeout=30)

    text = log.read_text()
    assert "manimgraph.server: models: no provider configured" in text, text
    assert "using the offline model" in text
    assert "Application startup complete" in text
