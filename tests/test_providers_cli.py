"""`manimgraph generate/edit --planner openai:... --coder anthropic:...` end to end.

The CLI runs as its own process with the real SDKs; the fake servers answer over HTTP
with the offline model's content, so the whole job (planning, coding, rendering,
assembly, an edit) is real apart from who writes the answers.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import ffprobe
from tests.fakes import AnthropicServer, OpenAIServer
from tests.offline_responder import offline_reply, structured_name

CLI = str(Path(sys.executable).with_name("manimgraph"))
CONFIG = """\
[models.planner]
model = "openai:gpt-4o-mini"
temperature = 0.7

[models.coder]
model = "anthropic:claude-haiku-4-5"
temperature = 0.1
max_tokens = 3000
"""


def run(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [CLI, *args], capture_output=True, text=True, env=env, timeout=600, check=False
    )


@pytest.mark.slow
def test_generate_and_edit_across_two_providers(
    tmp_path: Path, openai_server: OpenAIServer, anthropic_server: AnthropicServer
) -> None:
    openai_server.respond_with(offline_reply)
    anthropic_server.respond_with(offline_reply)
    config = tmp_path / "models.toml"
    config.write_text(CONFIG)
    env = {
        **os.environ,
        "OPENAI_API_KEY": "sk-test",
        "OPENAI_BASE_URL": openai_server.base_url,
        "ANTHROPIC_API_KEY": "sk-ant-test",
        "ANTHROPIC_BASE_URL": anthropic_server.base_url,
    }
    data = ["--data-dir", str(tmp_path / "data"), "--json"]

    made = run(
        "generate", "Explain the Pythagorean theorem", "--scenes", "2",
        "--config", str(config), "--fixer", "openai:gpt-4.1-mini", *data, env=env,
    )  # fmt: skip

    assert made.returncode == 0, made.stderr
    summary = json.loads(made.stdout)
    assert [s["status"] for s in summary["scenes"]] == ["rendered", "rendered"]
    assert ffprobe(Path(summary["video"]))["duration"] > 1
    planner = [r.body for r in openai_server.requests if structured_name(r) == "VideoPlan"]
    coder = [r.body for r in anthropic_server.requests]
    assert [(b["model"], b["temperature"]) for b in planner] == [("gpt-4o-mini", 0.7)]
    assert {(b["model"], b["temperature"], b["max_tokens"]) for b in coder} == {
        ("claude-haiku-4-5", 0.1, 3000)
    }
    assert all(b["system"][0]["cache_control"] == {"type": "ephemeral"} for b in coder)
    usage = summary["usage"]
    assert usage["by_agent"]["planner"]["calls"] == 1
    assert usage["by_agent"]["coder"]["calls"] == len(coder) == 2
    assert usage["by_agent"]["coder"]["output_tokens"] > 200
    assert usage["total"]["cost_usd"] > 0
    assert set(usage["by_scene"]) == {"1", "2"}

    before = len(anthropic_server.requests)
    edited = run(
        "edit", summary["project_id"], "2", "make the title red",
        "--coder", "anthropic:claude-haiku-4-5", *data, env=env,
    )  # fmt: skip

    assert edited.returncode == 0, edited.stderr
    after = json.loads(edited.stdout)
    assert [s["status"] for s in after["scenes"]] == ["unchanged", "rendered"]
    edit_request = anthropic_server.chats[before]
    assert "make the title red" in edit_request.last_user_text
    assert after["usage"]["by_agent"]["coder"]["calls"] == 1


def test_a_rejected_key_fails_the_job_with_one_line(tmp_path: Path) -> None:
    with OpenAIServer(api_key="sk-right") as server:
        env = {**os.environ, "OPENAI_API_KEY": "sk-wrong", "OPENAI_BASE_URL": server.base_url}
        done = run("generate", "Anything", "--data-dir", str(tmp_path), env=env)

    assert done.returncode == 1
    assert (
        done.stderr.strip().splitlines()[-1].startswith("error: the API key was rejected by openai")
    )
