"""LLM judges of a finished video on the five TheoremExplainBench dimensions.

Each dimension is one structured-output call: the judge writes its reasoning first and
its 1-5 score after it. Text dimensions read the plan (titles, goals, narration,
visuals) with the layout report; visual dimensions read 2-4 frames sampled evenly
from the video when the judge's spec accepts images (`ModelSpec.accepts_images`),
and otherwise the same text. The overall
score is the geometric mean of the five, as in the benchmark.

Example:
    >>> evidence = await gather_evidence(store, project_id, frames=3)
    >>> scores = await judge_video(build_model(ModelSpec.parse("openai:gpt-4o")), evidence)
    >>> geometric_mean(scores)
    3.8
"""

from __future__ import annotations

import asyncio
import base64
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from langchain_core.language_models import BaseChatModel
from langchain_core.messages import BaseMessage
from pydantic import BaseModel, Field

from agents.calls import ask_structured, with_images
from evals.results import JudgeScore
from prompts import load_prompt
from tools.media import thumbnail
from tools.store import Store

__all__ = [
    "DIMENSIONS",
    "Dimension",
    "DimensionVerdict",
    "Evidence",
    "gather_evidence",
    "geometric_mean",
    "judge_video",
]


@dataclass(frozen=True)
class Dimension:
    """A judged quality; visual ones look at frames when they can."""

    name: str
    visual: bool
    criteria: str


DIMENSIONS: tuple[Dimension, ...] = (
    Dimension(
        "accuracy_and_depth",
        False,
        "Is the explanation correct, and does it go deep enough to convey why the theorem or "
        "concept holds, not just what it says?",
    ),
    Dimension(
        "visual_relevance",
        True,
        "Do the visuals show what the narration is talking about at that moment, and do they "
        "help understanding rather than decorate?",
    ),
    Dimension(
        "logical_flow",
        False,
        "Do the scenes build on each other in a clear order, from motivation to statement to "
        "reasoning to summary, without gaps or repetition?",
    ),
    Dimension(
        "element_layout",
        True,
        "Are elements placed cleanly: inside the frame, not overlapping, readable sizes, "
        "sensible spacing and alignment?",
    ),
    Dimension(
        "visual_consistency",
        True,
        "Do colours, fonts, sizes and styles stay consistent across the scenes of the video?",
    ),
)


class DimensionVerdict(BaseModel):
    """The judge's verdict on one dimension: reasoning first, then the score."""

    reasoning: str = Field(description="Why the score, citing what you saw; written first.")
    score: int = Field(ge=1, le=5, description="1 = fails the dimension, 5 = excellent.")


@dataclass(frozen=True)
class Evidence:
    """What the judges see of one video."""

    topic: str
    plan: list[dict[str, Any]]
    layout: dict[int, list[str]]
    frames: list[bytes] = field(default_factory=list)


async def gather_evidence(store: Store, project_id: str, *, frames: int = 3) -> Evidence:
    """The plan and layout report of a project's current version, and `frames` PNG frames."""
    project = await store.get_project(project_id)
    if project is None or project.current is None:
        raise ValueError(f"project {project_id} has no version to judge")
    current = project.scene_versions()
    fields = ("title", "goal", "narration", "visual", "duration")
    plan = [{key: v.plan.get(key) for key in fields} for v in current]
    layout = {v.number: [issue.detail or issue.kind for issue in v.layout_issues] for v in current}
    duration = project.current.duration
    async with store.scratch("judge-") as work:
        video = await store.artifacts.local_copy(project.current.video, work)
        images = await asyncio.to_thread(_sample_frames, video, duration, frames, work)
    return Evidence(topic=project.prompt, plan=plan, layout=layout, frames=images)


def _sample_frames(video: Path, duration: float, count: int, work: Path) -> list[bytes]:
    """PNG frames at the middles of `count` equal stretches of the video (blocking)."""
    return [
        thumbnail(video, work / f"{i}.png", duration * (i + 0.5) / count).read_bytes()
        for i in range(count)
    ]


async def judge_video(model: BaseChatModel, evidence: Evidence) -> dict[str, JudgeScore]:
    """Score every dimension concurrently; visual ones see the frames when there are any."""
    verdicts = await asyncio.gather(
        *(_judge(model, dim, evidence, dim.visual and bool(evidence.frames)) for dim in DIMENSIONS)
    )
    return {dim.name: verdict for dim, verdict in zip(DIMENSIONS, verdicts, strict=True)}


async def _judge(
    model: BaseChatModel, dimension: Dimension, evidence: Evidence, with_frames: bool
) -> JudgeScore:
    mode: Literal["text", "vision"] = "vision" if with_frames else "text"
    verdict = await ask_structured(model, _messages(dimension, evidence, mode), DimensionVerdict)
    return JudgeScore(reasoning=verdict.reasoning, score=verdict.score, mode=mode)


def _messages(
    dimension: Dimension, evidence: Evidence, mode: Literal["text", "vision"]
) -> list[BaseMessage]:
    values = {
        "dimension": dimension.name,
        "criteria": dimension.criteria,
        "topic": evidence.topic,
        "video_plan": json.dumps(evidence.plan, indent=2),
    }
    prompt = load_prompt("judge")
    if mode == "text":
        layout = {str(number): issues for number, issues in evidence.layout.items()}
        return prompt.render(mode, **values, layout_report=json.dumps(layout, indent=2))
    messages = prompt.render(mode, **values, frame_count=str(len(evidence.frames)))
    urls = ["data:image/png;base64," + base64.b64encode(png).decode() for png in evidence.frames]
    return with_images(messages, urls)


def geometric_mean(scores: dict[str, JudgeScore]) -> float:
    """The benchmark's overall score: the geometric mean of the dimension scores."""
    return math.exp(sum(math.log(s.score) for s in scores.values()) / len(scores))
