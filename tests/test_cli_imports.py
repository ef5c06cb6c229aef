"""The CLI imports heavy modules only in the commands that need them: `--help`, `list`,
`show`, `status` and `jobs` never load LangChain, LangGraph, Manim or the render tools, and
the `--server` path (a client of the REST API) never loads LangChain, the graph, Manim, numpy,
SQLAlchemy or the server.
bench/cli_startup.py times the commands; this checks the cause, which does not depend on
the machine's load."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from tests.servers import CLI, cli_env, free_port

HEAVY = ("langchain_core", "langgraph", "manim", "uvicorn", "tools.render", "matplotlib")
"""What a command that only reads the store must not load."""
SERVER_SIDE = (
    "langchain_core",
    "langgraph",
    "manim",
    "uvicorn",
    "matplotlib",
    "numpy",
    "sqlalchemy",
)
"""What a `--server` command, a client of the REST API, must not load."""

PROBE = """
import json, sys
sys.argv = ["manimgraph", *sys.argv[1:]]
from server.cli import app
code = 0
try:
    app()
except SystemExit as exc:
    code = exc.code or 0
heavy = sorted({name.split(".")[0] if not name.startswith("tools.") else name
                for name in sys.modules if name.startswith(HEAVY)})
print("\\nLOADED " + json.dumps({"code": code, "heavy": heavy}))
"""


def run(*args: str, heavy: tuple[str, ...] = HEAVY) -> tuple[int, list[str], str]:
    """Run a command in a fresh interpreter: its exit code, the modules of `heavy` it
    loaded, and its stdout."""
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {heavy!r}\n{PROBE}", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    output, _, line = done.stdout.rpartition("\nLOADED ")
    assert line, done.stderr
    found: dict[str, Any] = json.loads(line)
    return found["code"], found["heavy"], output


def loaded(*args: str) -> list[str]:
    return run(*args)[1]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, Any]]:
    """A data directory with one real 1-scene offline project and its job."""
    data_dir = tmp_path_factory.mktemp("imports") / "data"
    made = subprocess.run(
        [
            CLI,
            "generate",
            "Explain circles",
            "--scenes",
            "1",
            "--json",
            "--data-dir",
            str(data_dir),
        ],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=300,
    )
    assert made.returncode == 0, made.stderr
    return data_dir, json.loads(made.stdout)


@pytest.mark.parametrize(
    "args", [("--help",), ("list",), ("status", "nope"), ("jobs",), ("keys", "list")]
)
def test_light_commands_load_nothing_heavy(args: tuple[str, ...], tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path / "data")) if args != ("--help",) else ()
    assert loaded(*args, *data) == []


@pytest.mark.parametrize("command", ["show", "status"])
def test_reading_a_real_project_loads_nothing_heavy(
    project: tuple[Path, dict[str, Any]], command: str
) -> None:
    data_dir, made = project
    argument = made["project_id"] if command == "show" else made["job_id"]
    code, heavy, output = run(command, argument, "--json", "--data-dir", str(data_dir))
    assert code == 0
    assert heavy == []
    assert made["project_id"] in output  # the command read the real project


def test_a_server_command_loads_neither_the_graph_nor_manim_nor_the_database() -> None:
    url = f"http://127.0.0.1:{free_port()}"
    code, heavy, _ = run("generate", "circles", "--server", url, heavy=SERVER_SIDE)
    assert code == 2  # nothing listens there: one line, exit 2
    assert heavy == []


def test_the_eval_plugin_is_listed_but_loaded_only_when_named() -> None:
    done = subprocess.run(
        [CLI, "--help"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert done.returncode == 0 and "eval" in done.stdout
    assert "matplotlib" not in loaded("--help")
