"""Assembler agent: the model titles and describes the video; media tools cut it together.

Scenes are joined without re-encoding when their encodings match, so assembling
after an edit costs seconds, not a re-render.
"""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel

from agents.calls import ask_structured
from agents.schemas import VideoDescription, VideoPlan
from agents.usage import BudgetExhausted
from prompts import load_prompt
from tools import media

__all__ = [
    "Assembly",
    "SceneClip",
    "assemble_video",
    "describe_video",
    "plain_description",
]


class SceneClip(BaseModel):
    """One slot of the final video: its stored version and file."""

    number: int
    code_sha256: str
    video: Path
    duration: float


class Assembly(BaseModel):
    """The deliverables of one project version, written to a work directory."""

    video: Path
    thumbnail: Path
    subtitles: Path
    manifest: Path
    duration: float


async def describe_video(model: BaseChatModel, plan: VideoPlan) -> VideoDescription:
    """Ask the model for the title, description and chapter names.

    With the job's budget spent, the plan's own titles describe the video instead: the
    video is finished, and its description is not worth a model call over budget.
    """
    messages = load_prompt("assembler").render(
        "describe", video_plan=plan.model_dump_json(indent=2)
    )
    try:
        return await ask_structured(model, messages, VideoDescription)
    except BudgetExhausted:
        return plain_description(plan)


def plain_description(plan: VideoPlan) -> VideoDescription:
    """A description made from the plan alone, without a model."""
    goals = " ".join(scene.goal for scene in plan.scenes)
    return VideoDescription(
        title=plan.title,
        description=(goals or plan.title)[:1000],
        chapters=[scene.title for scene in plan.scenes],
    )


async def assemble_video(
    description: VideoDescription, plan: VideoPlan, clips: list[SceneClip], out_dir: Path
) -> Assembly:
    """Concatenate the clips and write thumbnail, subtitles and manifest beside the video."""
    narrations = {scene.number: scene.narration for scene in plan.scenes}
    cues = [(clip.duration, narrations.get(clip.number, "")) for clip in clips]
    video, thumbnail, subtitles, duration = await asyncio.to_thread(
        _write_media, [clip.video for clip in clips], cues, out_dir
    )
    manifest = out_dir / "manifest.json"
    manifest.write_text(json.dumps(_manifest(description, clips, duration), indent=2))
    return Assembly(
        video=video, thumbnail=thumbnail, subtitles=subtitles, manifest=manifest, duration=duration
    )


def _write_media(
    videos: list[Path], cues: list[tuple[float, str]], out_dir: Path
) -> tuple[Path, Path, Path, float]:
    """The ffmpeg work, blocking: run it in a thread."""
    video = media.concat(videos, out_dir / "video.mp4")
    duration = media.probe(video).duration or 0.0
    thumbnail = media.thumbnail(video, out_dir / "thumbnail.png")
    return video, thumbnail, media.subtitles(cues, out_dir / "subtitles.srt"), duration


def _manifest(description: VideoDescription, clips: list[SceneClip], duration: float) -> dict:
    start = 0.0
    chapters = []
    for clip, name in zip(clips, _names(description, len(clips)), strict=True):
        chapters.append(
            {
                "scene": clip.number,
                "title": name,
                "start": round(start, 3),
                "duration": round(clip.duration, 3),
                "code_sha256": clip.code_sha256,
            }
        )
        start += clip.duration
    return {
        "title": description.title,
        "description": description.description,
        "duration": round(duration, 3),
        "chapters": chapters,
    }


def _names(description: VideoDescription, count: int) -> list[str]:
    names = list(description.chapters[:count])
    return names + [f"Scene {i}" for i in range(len(names) + 1, count + 1)]
