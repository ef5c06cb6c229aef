"""The offline model on TheoremExplainBench topics, through the real agents and harness."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from agents.offline.model import OfflineChatModel
from agents.planner import plan_video
from agents.scene_coder import CoderRequest, write_scene_code
from tools.render.models import RenderSettings
from tools.render.runner import render_scene

DATASET = Path(__file__).parents[1] / "evals" / "datasets" / "theoremexplainbench_topics.jsonl"
TOPICS = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
SAMPLE = TOPICS[::24]


def test_the_dataset_has_all_240_topics() -> None:
    assert len(TOPICS) == 240
    assert len(SAMPLE) == 10


@pytest.mark.slow
@pytest.mark.parametrize("index", range(len(SAMPLE)), ids=[t["id"] for t in SAMPLE])
async def test_sampled_topic_scene_renders_with_zero_layout_issues(
    index: int, tmp_path: Path
) -> None:
    model = OfflineChatModel()
    plan = await plan_video(
        model, SAMPLE[index]["prompt"], scene_count=None, style="dark", target_duration=40
    )
    scene = plan.scenes[index % len(plan.scenes)]
    code = await write_scene_code(model, CoderRequest(mode="write", plan=scene, style="dark"))

    result = await render_scene(code, tmp_path, RenderSettings(quality="low"))

    assert result.ok, result.error
    assert result.video is not None and result.video.stat().st_size > 0
    assert result.layout is not None and result.layout.issues == [], result.layout


def test_planning_all_topics_is_fast_and_deterministic() -> None:
    async def plans() -> list[str]:
        model = OfflineChatModel()
        return [
            (
                await plan_video(
                    model, t["prompt"], scene_count=None, style="dark", target_duration=40
                )
            ).model_dump_json()
            for t in TOPICS
        ]

    first, second = asyncio.run(plans()), asyncio.run(plans())
    assert first == second
