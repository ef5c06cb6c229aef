"""The `manimgraph` CLI end to end, as a user runs it: real process, real renders, real SQLite."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import GOOD_SCENE, ffprobe
from tests.servers import run_cli
from tests.stores import StoreAt

pytestmark = pytest.mark.slow

CLI = str(Path(sys.executable).with_name("manimgraph"))


def run_json(*args: str, data_dir: Path) -> dict[str, Any]:
    result = run_cli(*args, "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def snapshot(data_dir: Path) -> tuple[dict[str, int], dict[str, str]]:
    """Rows per table and every file with its hash, to prove nothing was written.

    The databases are compared by rows: the store's, and the checkpoints, which keep a
    failed job resumable (like its row)."""
    rows = StoreAt(data_dir).counts()
    files = {
        str(p.relative_to(data_dir)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(data_dir.rglob("*"))
        if p.is_file() and not p.name.startswith(("manimgraph.db", "checkpoints.db"))
    }
    return rows, files


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """One offline 3-scene project shared by the tests of this module."""
    data_dir = tmp_path_factory.mktemp("cli") / "data"
    out = run_json(
        "generate", "Explain the Pythagorean theorem", "--scenes", "3", data_dir=data_dir
    )
    return data_dir, out


def test_generate_json_contract(project: tuple[Path, dict[str, Any]]) -> None:
    _, out = project
    assert out["version"] == 1
    assert Path(out["video"]).is_file()
    assert [s["number"] for s in out["scenes"]] == [1, 2, 3]
    for scene in out["scenes"]:
        assert set(scene) >= {
            "number",
            "scene_id",
            "version",
            "video",
            "status",
            "fallback_used",
            "layout_issues",
        }
        assert (scene["version"], scene["status"], scene["fallback_used"]) == (1, "rendered", False)
        assert scene["layout_issues"] == 0
    probe = ffprobe(Path(out["video"]))
    assert probe["duration"] == pytest.approx(
        sum(ffprobe(Path(s["video"]))["duration"] for s in out["scenes"]), abs=0.3
    )


def test_edit_makes_version_two_and_keeps_the_rest(project: tuple[Path, dict[str, Any]]) -> None:
    data_dir, first = project
    untouched = {
        s["number"]: hashlib.sha256(Path(s["video"]).read_bytes()).hexdigest()
        for s in first["scenes"]
        if s["number"] != 2
    }
    renders_before = StoreAt(data_dir).counts()["render_cache"]

    out = run_json(
        "edit", first["project_id"], "2", "make the title red and slow down", data_dir=data_dir
    )

    assert out["version"] == 2
    by_number = {s["number"]: s for s in out["scenes"]}
    assert (by_number[2]["version"], by_number[2]["status"]) == (2, "rendered")
    for number, digest in untouched.items():
        assert by_number[number]["status"] == "unchanged"
        assert by_number[number]["version"] == 1
        assert hashlib.sha256(Path(by_number[number]["video"]).read_bytes()).hexdigest() == digest
    store = StoreAt(data_dir)
    assert store.counts()["render_cache"] == renders_before + 1
    v1 = store.scene_version(first["project_id"], 2, version=1)
    v2 = store.scene_version(first["project_id"], 2)
    assert v1 is not None and v2 is not None
    assert v2.parent_version_id == v1.id
    assert v2.code != v1.code
    assert v2.edit_prompt == "make the title red and slow down"
    probe = ffprobe(Path(out["video"]))
    assert probe["streams"] == 2  # the pictures and the offline voice-over
    assert probe["duration"] == pytest.approx(
        sum(ffprobe(Path(s["video"]))["duration"] for s in out["scenes"]), abs=0.3
    )
    assert Path(first["video"]).is_file()


def test_unsupported_offline_edit_fails_and_writes_nothing(
    project: tuple[Path, dict[str, Any]],
) -> None:
    data_dir, first = project
    before = snapshot(data_dir)

    result = run_cli(
        "edit",
        first["project_id"],
        "1",
        "rewrite this as a haiku about cats",
        "--json",
        data_dir=data_dir,
    )

    assert result.returncode == 1
    assert "real model" in result.stderr
    failed = json.loads(result.stdout)
    assert failed["status"] == "failed" and "real model" in failed["error"]
    rows, files = snapshot(data_dir)
    assert files == before[1]
    assert {k: rows[k] - before[0][k] for k in rows if rows[k] != before[0][k]} == {"jobs": 1}


@pytest.mark.parametrize(
    "args",
    [
        ["generate", ""],
        ["generate", "   \n\t "],
        ["generate", "x" * 4001],
        ["generate", "circles", "--scenes", "0"],
        ["generate", "circles", "--scenes", "13"],
        ["generate", "circles", "--quality", "ultra"],
        ["edit", "no-such-project", "1", "make it red"],
        ["edit", "PROJECT", "9", "make it red"],
        ["edit", "PROJECT", "1", "  "],
        ["show", "no-such-project"],
    ],
    ids=[
        "empty",
        "whitespace",
        "too-long",
        "scenes-0",
        "scenes-13",
        "quality",
        "unknown-project",
        "unknown-scene",
        "empty-edit",
        "show-unknown",
    ],
)
def test_bad_input_is_one_line_exit_2_and_writes_nothing(
    project: tuple[Path, dict[str, Any]], args: list[str]
) -> None:
    data_dir, first = project
    args = [first["project_id"] if a == "PROJECT" else a for a in args]
    before = snapshot(data_dir)

    result = run_cli(*args, data_dir=data_dir)

    assert result.returncode == 2, result.stderr
    assert result.stderr.strip().startswith("error: ")
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert snapshot(data_dir) == before


def test_unwritable_data_dir_is_a_user_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")

    result = run_cli("generate", "circles", data_dir=blocker / "data")

    assert result.returncode == 2
    assert result.stderr.startswith("error: ")
    assert blocker.read_text() == "not a directory"


def test_list_and_show(project: tuple[Path, dict[str, Any]]) -> None:
    data_dir, first = project
    listed = run_json("list", data_dir=data_dir)
    assert first["project_id"] in [p["project_id"] for p in listed["projects"]]
    table = run_cli("list", data_dir=data_dir, COLUMNS="80")
    assert first["project_id"] in table.stdout
    shown = run_json("show", first["project_id"], data_dir=data_dir)
    assert shown["project_id"] == first["project_id"]
    assert [s["number"] for s in shown["scenes"]] == [1, 2, 3]


def test_render_command_checks_and_renders_a_file(tmp_path: Path) -> None:
    good = tmp_path / "good.py"
    good.write_text(GOOD_SCENE)
    broken = tmp_path / "broken.py"
    broken.write_text(GOOD_SCENE.replace("Circle(radius=1.5, color=BLUE)", "Circel()"))

    ok = run_json("render", str(good), data_dir=tmp_path / "data")
    failed = run_cli("render", str(broken), "--json", data_dir=tmp_path / "data")

    assert ok["ok"] is True and ok["error"] is None and ok["repairs"] == []
    assert ffprobe(Path(ok["video"]))["duration"] > 0.5
    assert failed.returncode == 1
    error = json.loads(failed.stdout)["error"]
    assert (error["kind"], error["type"], error["line"]) == ("code", "NameError", 8)
