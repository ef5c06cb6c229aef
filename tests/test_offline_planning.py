"""The offline planner: valid plans for every benchmark topic, content-driven archetypes,
exact scene counts and determinism (also across interpreters with different hash seeds)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from agents.offline import describe, plan_video
from agents.schemas import VideoPlan

ROOT = Path(__file__).resolve().parents[1]
TOPICS_FILE = ROOT / "evals" / "datasets" / "theoremexplainbench_topics.jsonl"


def load_topics() -> list[str]:
    return [json.loads(line)["prompt"] for line in TOPICS_FILE.read_text().splitlines() if line]


def middle(plan: VideoPlan) -> list[str]:
    return [scene.archetype for scene in plan.scenes[1:-1]]


def test_every_benchmark_topic_gets_a_valid_plan() -> None:
    topics = load_topics()
    assert len(topics) == 240
    for topic in topics:
        plan = VideoPlan.model_validate(plan_video(topic).model_dump())
        archetypes = [scene.archetype for scene in plan.scenes]
        assert 3 <= len(plan.scenes) <= 6, topic
        assert archetypes[0] == "title" and archetypes[-1] == "summary", topic
        assert [scene.number for scene in plan.scenes] == list(range(1, len(plan.scenes) + 1))
        assert len({scene.title for scene in plan.scenes}) == len(plan.scenes), topic
        assert all(5 <= scene.duration <= 12 for scene in plan.scenes), topic


@pytest.mark.parametrize(
    ("topic", "expected"),
    [
        ("The Pythagorean Theorem", ["construction", "equation"]),
        ("Properties of Kites", ["construction"]),
        ("Ohm's Law", ["equation", "plot"]),
        ("Sound waves and their frequency", ["plot"]),
        ("Bubble Sort", ["flow"]),
        ("The Carnot cycle", ["flow"]),
        ("Comparing the distribution of exam scores", ["chart"]),
    ],
)
def test_archetypes_follow_the_content(topic: str, expected: list[str]) -> None:
    chosen = middle(plan_video(topic))
    assert all(archetype in chosen for archetype in expected), chosen


def test_a_topic_without_math_shapes_numbers_or_process_gets_key_ideas() -> None:
    plan = plan_video("The history of the Roman Empire")
    assert middle(plan) == ["bullets"]


def test_known_formulas_reach_the_equation_scene() -> None:
    scene = next(s for s in plan_video("Euler's formula").scenes if s.archetype == "equation")
    assert "unit circle" in scene.narration


@pytest.mark.parametrize("count", range(1, 13))
def test_scene_count_is_exact(count: int) -> None:
    plan = plan_video("Bayes' theorem", scene_count=count)
    assert len(plan.scenes) == count
    assert plan.scenes[0].archetype == "title"
    assert len({scene.title for scene in plan.scenes}) == count
    if count >= 3:
        assert plan.scenes[-1].archetype == "summary"


@pytest.mark.parametrize("count", [0, 13])
def test_scene_count_out_of_range_is_refused(count: int) -> None:
    with pytest.raises(ValueError, match="between 1 and 12"):
        plan_video("Bayes' theorem", scene_count=count)


@pytest.mark.parametrize(
    "topic",
    [
        "Explain, in detail and with examples, " + "why the sky looks blue at noon " * 20,
        "what is π? 🤔 «quotes» and \"double\" and 'single' & <tags>",
        "x",
    ],
)
def test_messy_prompts_still_give_valid_plans(topic: str) -> None:
    plan = plan_video(topic)
    assert len(plan.title) <= 60
    assert 3 <= len(plan.scenes) <= 6


def test_filler_words_are_dropped_from_the_title() -> None:
    assert plan_video("Can you explain the chain rule?").title == "The chain rule"


def test_the_same_input_gives_the_same_plan_in_another_interpreter() -> None:
    topic, count = "Huffman coding", 7
    script = (
        "import sys; from agents.offline import plan_video; "
        "print(plan_video(sys.argv[1], int(sys.argv[2]), 'light').model_dump_json())"
    )
    outputs = [
        subprocess.run(
            [sys.executable, "-c", script, topic, str(count)],
            cwd=ROOT,
            env={**os.environ, "PYTHONHASHSEED": seed},
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        for seed in ("1", "2")
    ]
    assert outputs[0] == outputs[1]
    assert outputs[0].strip() == plan_video(topic, count, "light").model_dump_json()


def test_describe_gives_one_chapter_per_scene() -> None:
    plan = plan_video("The Law of Conservation of Mass")
    description = describe(plan)
    assert description.title == plan.title
    assert description.chapters == [scene.title for scene in plan.scenes]
    assert 1 <= description.description.count(". ") + 1 <= 3
