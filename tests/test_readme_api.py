"""The README's curl walkthrough runs as written against a real `manimgraph serve`."""

from __future__ import annotations

import json
import re
import subprocess
from pathlib import Path

import pytest

from tests.servers import Server

README = Path(__file__).parents[1] / "README.md"

pytestmark = pytest.mark.slow


def test_curl_walkthrough(tmp_path: Path) -> None:
    blocks = re.findall(
        r"## REST API.*?```sh\n.*?```\s*```sh\n(.*?)```", README.read_text(), re.DOTALL
    )
    assert blocks, "the README lost its curl walkthrough"
    server = Server(tmp_path / "data", None)
    try:
        result = subprocess.run(
            ["bash", "-euo", "pipefail", "-c", blocks[0]],
            cwd=tmp_path,
            env={"PATH": "/usr/bin:/bin", "BASE": server.base},
            capture_output=True,
            text=True,
            timeout=600,
        )
    finally:
        server.stop()
    assert result.returncode == 0, result.stderr
    assert result.stdout.count("event: completed") == 2
    for name in ("v1.mp4", "v2.mp4"):
        probe = subprocess.run(
            [
                "ffprobe",
                "-v",
                "error",
                "-show_entries",
                "format=duration",
                "-of",
                "json",
                str(tmp_path / name),
            ],
            capture_output=True,
            text=True,
            check=True,
        )
        assert float(json.loads(probe.stdout)["format"]["duration"]) > 1
