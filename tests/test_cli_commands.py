"""The CLI's project and job commands as a user runs them (real processes, real renders):
`generate --output`, `download`, `revert`, `jobs`, and `cleanup`'s defaults and dry run."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import ffprobe
from tests.servers import CLI, cli_env

pytestmark = pytest.mark.slow


def run(data_dir: Path, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args, "--data-dir", str(data_dir)],
        capture_output=True,
        text=True,
        env=cli_env(),
        cwd=cwd,
        timeout=600,
    )


def run_json(data_dir: Path, *args: str, cwd: Path | None = None) -> Any:
    done = run(data_dir, *args, "--json", cwd=cwd)
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


def test_generate_output_download_revert_jobs_cleanup(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    first = tmp_path / "first.mp4"
    made = run_json(
        data_dir, "generate", "Explain circles", "--scenes", "2", "--output", str(first)
    )
    project = made["project_id"]
    assert made["output"] == str(first)
    assert ffprobe(first)["duration"] > 1
    edited = run_json(data_dir, "edit", project, "1", "make the title red")
    assert edited["version"] == 2

    here = tmp_path / "here"
    here.mkdir()
    current = run_json(data_dir, "download", project, cwd=here)
    assert current["version"] == 2 and Path(current["path"]).name == f"{project}-v2.mp4"
    assert (here / f"{project}-v2.mp4").stat().st_size == current["bytes"]
    old = run_json(data_dir, "download", project, "--version", "1", "--output", str(here))
    assert Path(old["path"]).read_bytes() == first.read_bytes()
    missing = run(data_dir, "download", project, "--version", "9")
    assert missing.returncode == 2
    assert missing.stderr.strip() == f"error: project {project} has no version 9"

    reverted = run_json(data_dir, "revert", project, "1", "1")
    assert reverted["version"] == 3
    assert next(s for s in reverted["scenes"] if s["number"] == 1)["version"] == 1
    unknown = run(data_dir, "revert", "nope", "1", "1")
    assert (unknown.returncode, unknown.stderr.strip()) == (2, "error: no project nope")
    no_version = run(data_dir, "revert", project, "1", "7")
    assert no_version.returncode == 2 and "has no version 7 of scene 1" in no_version.stderr

    jobs = run_json(data_dir, "jobs")
    assert jobs["count"] == 2
    assert {job["kind"] for job in jobs["data"]} == {"generate", "edit"}
    assert run_json(data_dir, "jobs", "--status", "failed") == {"data": [], "count": 0}
    assert "2 jobs" in run(data_dir, "jobs").stdout
    bad = run(data_dir, "jobs", "--status", "done")
    assert bad.returncode == 2 and "unknown status 'done'" in bad.stderr

    young = run(data_dir, "cleanup", "--dry-run")
    assert young.returncode == 0, young.stderr
    assert (
        young.stdout.startswith("would delete 0 finished jobs")
        and "older than 24 h" in young.stdout
    )
    everything = run(data_dir, "cleanup", "--max-age", "0", "--dry-run")
    assert everything.stdout.startswith("would delete 2 finished jobs")
    assert run_json(data_dir, "jobs")["count"] == 2
    done = run(data_dir, "cleanup", "--max-age", "0")
    assert done.stdout.startswith("deleted 2 finished jobs")
    assert run_json(data_dir, "jobs")["count"] == 0
