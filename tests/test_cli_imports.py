"""The CLI imports heavy modules only in the commands that need them: `--help`, `list` and
`status` never load LangChain, LangGraph or the render tools (bench/cli_startup.py times
them; this checks the cause, which does not depend on the machine's load)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.servers import cli_env

HEAVY = ("langchain_core", "langgraph", "manim", "uvicorn", "tools.render", "matplotlib")
PROBE = """
import json, sys
sys.argv = ["manimgraph", *sys.argv[1:]]
from server.cli import app
try:
    app()
except SystemExit:
    pass
heavy = sorted({name.split(".")[0] if not name.startswith("tools.") else name
                for name in sys.modules if name.startswith(HEAVY)})
print("\\nLOADED " + json.dumps(heavy))
"""


def loaded(*args: str) -> list[str]:
    done = subprocess.run(
        [sys.executable, "-c", f"HEAVY = {HEAVY!r}\n{PROBE}", *args],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    line = done.stdout.rsplit("LOADED ", 1)[-1]
    return json.loads(line)  # type: ignore[no-any-return]


@pytest.mark.parametrize(
    "args", [("--help",), ("list",), ("status", "nope"), ("jobs",), ("keys", "list")]
)
def test_light_commands_load_nothing_heavy(args: tuple[str, ...], tmp_path: Path) -> None:
    data = ("--data-dir", str(tmp_path / "data")) if args != ("--help",) else ()
    assert loaded(*args, *data) == []


def test_the_eval_plugin_is_listed_but_loaded_only_when_named() -> None:
    done = subprocess.run(
        [str(Path(sys.executable).with_name("manimgraph")), "--help"],
        capture_output=True,
        text=True,
        env=cli_env(),
        timeout=120,
    )
    assert done.returncode == 0 and "eval" in done.stdout
    assert "matplotlib" not in loaded("--help")
