"""The README's Python example runs as written: docs that cannot drift from the code."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

README = Path(__file__).parents[1] / "README.md"

pytestmark = pytest.mark.slow


def test_custom_graph_example_runs(tmp_path: Path) -> None:
    example = re.search(r"## Python.*?```python\n(.*?)```", README.read_text(), re.DOTALL)
    assert example is not None
    script = tmp_path / "example.py"
    script.write_text(example.group(1))

    result = subprocess.run(
        [sys.executable, str(script)], cwd=tmp_path, capture_output=True, text=True, timeout=600
    )

    assert result.returncode == 0, result.stderr[-2000:]
    video = Path(result.stdout.strip().splitlines()[-1])
    assert video.is_file() and video.suffix == ".mp4"
    assert (tmp_path / "my-videos" / "manimgraph.db").is_file()
