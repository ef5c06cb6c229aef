"""Health checks against this machine's real tools, database files and interpreter."""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from server import health
from server.health import check_health
from tools.render.sandbox import LAYERS, SandboxMode, SandboxStatus


async def database_ok() -> bool:
    return True


def fake_interpreter(tmp_path: Path, script: str) -> Path:
    """An executable standing in for ``python -c "import manim"`` in the import probe."""
    path = tmp_path / "fake-python"
    path.write_text(f"#!/bin/sh\n{script}\n")
    path.chmod(0o755)
    return path


def bin_dir_with(tmp_path: Path, *programs: str) -> Path:
    """A directory holding links to only these programs (those installed here)."""
    directory = tmp_path / "bin"
    directory.mkdir()
    for program in programs:
        found = shutil.which(program)
        if found is not None:
            (directory / program).symlink_to(found)
    return directory


async def test_this_machine_has_no_failing_check(tmp_path: Path) -> None:
    report = await check_health(tmp_path, database_ok, manim_probe_ttl_s=0)

    assert set(report.checks) == {"database", "disk", "manim", "latex", "ffmpeg", "sandbox"}
    assert {name: check.status for name, check in report.checks.items() if name != "sandbox"} == {
        "database": "ok",
        "disk": "ok",
        "manim": "ok",
        "latex": "ok",
        "ffmpeg": "ok",
    }
    assert report.checks["manim"].detail.startswith("manim 0.22")
    assert "GB free in the data directory" in report.checks["disk"].detail
    assert str(tmp_path) not in report.model_dump_json()
    # `make setup` installs bubblewrap and libseccomp, and the tests run as root.
    assert report.status == "healthy"
    assert report.sandbox.active == list(LAYERS)
    assert report.checks["sandbox"].detail.endswith("namespaces, uid, seccomp")


@pytest.mark.parametrize(
    ("mode", "missing", "status", "phrase"),
    [
        ("standard", {"uid": "the server is not root"}, "warn", "missing: uid: the server"),
        ("strict", {"seccomp": "libseccomp is unavailable"}, "fail", "strict sandbox refuses"),
        ("off", {"namespaces": "off"}, "warn", "the sandbox is off"),
    ],
)
def test_a_missing_sandbox_layer_is_reported(
    mode: SandboxMode, missing: dict[str, str], status: str, phrase: str
) -> None:
    active = [layer for layer in LAYERS if layer not in missing]
    check = health._check_sandbox(SandboxStatus(mode=mode, active=active, missing=missing))

    assert (check.status, phrase in check.detail) == (status, True)


def test_doctor_lists_every_sandbox_layer(tmp_path: Path) -> None:
    done = subprocess.run(
        [Path(sys.executable).with_name("manimgraph"), "doctor", "--data-dir", tmp_path, "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "MANIMGRAPH_SANDBOX": "off"},
    )

    report = json.loads(done.stdout)
    assert done.returncode == 0, done.stderr
    assert report["sandbox"]["mode"] == "off"
    assert report["sandbox"]["active"] == ["env", "rlimits", "timeout", "tex"]
    assert set(report["sandbox"]["missing"]) == {"namespaces", "uid", "seccomp"}


def test_the_server_process_never_imports_manim(tmp_path: Path) -> None:
    """Checked in a fresh interpreter, since this test session may have imported manim."""
    script = (
        "import asyncio, shutil, sys\n"
        "from server.health import check_health\n"
        "sys.executable = shutil.which('true')\n"
        f"report = asyncio.run(check_health({str(tmp_path)!r}, lambda: True))\n"
        "print(report.checks['manim'].status, 'manim' in sys.modules)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
        cwd=Path(__file__).parents[1],
    )

    assert done.stdout.split() == ["ok", "False"]


async def test_a_database_that_does_not_answer_makes_it_unhealthy(tmp_path: Path) -> None:
    report = await check_health(tmp_path, lambda: False)

    assert report.status == "unhealthy"
    assert report.checks["database"].status == "fail"
    assert report.checks["disk"].status == "ok"


async def test_a_database_error_is_reported(tmp_path: Path) -> None:
    def ping_missing_database() -> bool:
        uri = f"file:{tmp_path / 'absent' / 'jobs.db'}?mode=ro"
        with sqlite3.connect(uri, uri=True) as connection:
            return bool(connection.execute("select 1").fetchone() == (1,))

    report = await check_health(tmp_path, ping_missing_database)

    assert report.status == "unhealthy"
    assert report.checks["database"].model_dump() == {
        "status": "fail",
        "detail": "OperationalError: unable to open database file",
    }


async def test_without_latex_it_is_degraded(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(bin_dir_with(tmp_path, "ffmpeg", "ffprobe", "bwrap")))

    report = await check_health(tmp_path, database_ok)

    assert report.status == "degraded"
    assert report.checks["latex"].status == "warn"
    assert report.checks["latex"].detail.startswith("latex, dvisvgm not on PATH")
    assert report.checks["ffmpeg"].status == "ok"


async def test_without_ffmpeg_it_is_unhealthy(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(bin_dir_with(tmp_path, "latex", "dvisvgm", "ffprobe")))

    report = await check_health(tmp_path, database_ok)

    assert report.status == "unhealthy"
    assert report.checks["ffmpeg"].model_dump() == {
        "status": "fail",
        "detail": "ffmpeg not on PATH: scenes cannot be assembled or probed",
    }
    assert report.checks["latex"].status == "ok"


@pytest.mark.parametrize(
    ("fail_below", "warn_below", "expected"),
    [(1 << 62, 1 << 62, "fail"), (0, 1 << 62, "warn"), (0, 0, "ok")],
)
async def test_disk_thresholds(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    fail_below: int,
    warn_below: int,
    expected: str,
) -> None:
    monkeypatch.setattr(health, "DISK_FAIL_BELOW_BYTES", fail_below)
    monkeypatch.setattr(health, "DISK_WARN_BELOW_BYTES", warn_below)

    report = await check_health(tmp_path, database_ok)

    assert report.checks["disk"].status == expected


async def test_a_missing_data_dir_fails(tmp_path: Path) -> None:
    report = await check_health(tmp_path / "absent", database_ok)

    assert report.checks["disk"].model_dump() == {
        "status": "fail",
        "detail": "cannot read the data directory: No such file or directory",
    }


async def test_a_broken_manim_install_fails(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    broken = fake_interpreter(tmp_path, "echo 'ImportError: libpango not found' >&2; exit 1")
    monkeypatch.setattr(sys, "executable", str(broken))

    report = await check_health(tmp_path, database_ok)

    assert report.status == "unhealthy"
    assert report.checks["manim"].model_dump() == {
        "status": "fail",
        "detail": "import manim failed: ImportError: libpango not found",
    }


async def test_a_hanging_manim_import_times_out(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    hanging = fake_interpreter(tmp_path, "exec sleep 30")
    monkeypatch.setattr(sys, "executable", str(hanging))
    monkeypatch.setattr(health, "MANIM_IMPORT_TIMEOUT_S", 0.3)

    report = await check_health(tmp_path, database_ok)

    assert report.checks["manim"].model_dump() == {
        "status": "fail",
        "detail": "import manim took over 0.3 s",
    }


async def test_the_import_probe_is_cached(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runs = tmp_path / "runs"
    counting = fake_interpreter(tmp_path, f"echo run >> {runs}")
    monkeypatch.setattr(sys, "executable", str(counting))

    for _ in range(3):
        assert (await check_health(tmp_path, database_ok)).checks["manim"].status == "ok"
    assert runs.read_text().count("run") == 1

    await check_health(tmp_path, database_ok, manim_probe_ttl_s=0)
    assert runs.read_text().count("run") == 2
