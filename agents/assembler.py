"""Assembler agent: the model titles and describes the video; media tools cut it together.

Scenes are joined without re-encoding when their encodings match, so assembling
after an edit costs seconds, not a re-render. The voice-over is laid under the joined
pictures as one AAC track, each scene's audio fitted to its clip's exact length, and
the subtitles are timed from the same measured segments.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

from langchain_core.language_models import BaseChatModel
from pydantic import BaseModel, Field

from agents.calls import ask_structured
from agents.schemas import VideoDescription, VideoPlan
from agents.usage import BudgetExhausted
from prompts import load_prompt
from tools import media
from tools.speech import SceneNarration
from tools.subtitles import scene_cues, srt

__all__ = [
    "Assembly",
    "Chapter",
    "MusicBed",
    "SceneClip",
    "VideoManifest",
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
    segments: list[str]
    narration: SceneNarration | None = None
    audio: Path | None = Field(default=None, description="The voice-over track, a local WAV.")


class Chapter(BaseModel):
    """One scene of the video, where it starts, and the code it was rendered from."""

    scene: int
    title: str
    start: float = Field(description="Seconds from the start of the video.")
    duration: float
    code_sha256: str


class MusicBed(BaseModel):
    """The bed under the video, which an edit or a revert of the project lays under its new
    version too."""

    key: str = Field(description="Artifact key of the uploaded audio.")
    level_db: float = Field(default=media.MUSIC_LEVEL_DB, description="Below its own level.")


class VideoManifest(BaseModel):
    """manifest.json beside each assembled video: its title, description and chapters."""

    title: str
    description: str
    duration: float
    chapters: list[Chapter]
    music: MusicBed | None = Field(default=None, description="The music bed, if one runs.")


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
    description: VideoDescription,
    clips: list[SceneClip],
    out_dir: Path,
    *,
    burn_subtitles: bool = False,
) -> Assembly:
    """Concatenate the clips under their voice-over; write thumbnail (the first scene's last
    settled frame), subtitles and manifest beside the video (with `burn_subtitles`, the cues
    are drawn into the pictures too)."""
    video, thumbnail, subtitles, duration = await asyncio.to_thread(
        _write_media, clips, out_dir, burn_subtitles
    )
    manifest = out_dir / "manifest.json"
    manifest.write_text(_manifest(description, clips, duration).model_dump_json(indent=2))
    return Assembly(
        video=video, thumbnail=thumbnail, subtitles=subtitles, manifest=manifest, duration=duration
    )


def _write_media(
    clips: list[SceneClip], out_dir: Path, burn_subtitles: bool
) -> tuple[Path, Path, Path, float]:
    """The ffmpeg work, blocking: run it in a thread."""
    narrated = any(clip.audio is not None for clip in clips)
    joined = out_dir / ("pictures.mp4" if narrated else "video.mp4")
    video = media.concat([clip.video for clip in clips], joined)
    lengths = [media.probe(clip.video).duration or clip.duration for clip in clips]
    if narrated:
        tracks = [(length, clip.audio) for length, clip in zip(lengths, clips, strict=True)]
        video = media.add_voice_over(joined, tracks, out_dir / "video.mp4")
    cues, start = [], 0.0
    for length, clip in zip(lengths, clips, strict=True):
        cues += scene_cues(start, length, clip.segments, clip.narration)
        start += length
    subtitles = out_dir / "subtitles.srt"
    subtitles.write_text(srt(cues), encoding="utf-8")
    if burn_subtitles:
        video = media.burn_subtitles(video, subtitles, out_dir / "subtitled.mp4")
    duration = media.probe(video).duration or 0.0
    # The first scene at rest, before any closing fade: never a frame mid-animation.
    thumbnail = media.settled_frame(clips[0].video, out_dir / "thumbnail.png")
    return video, thumbnail, subtitles, duration


def _manifest(
    description: VideoDescription, clips: list[SceneClip], duration: float
) -> VideoManifest:
    start = 0.0
    chapters = []
    for clip, name in zip(clips, _names(description, len(clips)), strict=True):
        chapters.append(
            Chapter(
                scene=clip.number,
                title=name,
                start=round(start, 3),
                duration=round(clip.duration, 3),
                code_sha256=clip.code_sha256,
            )
        )
        start += clip.duration
    return VideoManifest(
        title=description.title,
        description=description.description,
        duration=round(duration, 3),
        chapters=chapters,
    )


def _names(description: VideoDescription, count: int) -> list[str]:
    names = list(description.chapters[:count])
    return names + [f"Scene {i}" for i in range(len(names) + 1, count + 1)]
