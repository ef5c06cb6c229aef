"""Assemble a project version from scene versions and land it in the store.

Shared by the graph's assembler (after generate or edit) and by reverting a scene:
both join stored clips, write the deliverables and commit them in one transaction.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import NamedTuple

from agents.assembler import Assembly, MusicBed, SceneClip, VideoManifest, assemble_video
from agents.schemas import ScenePlan, VideoDescription
from graphs.errors import NotFound
from tools import media
from tools.speech import SceneNarration
from tools.store import (
    AssembledVideo,
    NewSceneVersion,
    ProjectFields,
    ProjectVersionRecord,
    SceneVersionRecord,
    Store,
)

__all__ = [
    "Slot",
    "VideoManifest",
    "commit_assembly",
    "current_music",
    "existing_project",
    "revert_scene",
    "slot_of",
    "stored_slots",
]

log = logging.getLogger(__name__)


class Slot(NamedTuple):
    """What plays in one slot of the video."""

    code: str
    video: str
    """Artifact key of the clip."""
    duration: float
    plan: ScenePlan
    narration: SceneNarration | None
    """The voice-over (None: silent)."""


async def stored_slots(store: Store, project_id: str) -> dict[int, SceneVersionRecord]:
    """The scene version in each slot of the project's current version."""
    return {version.number: version for version in await store.current_scenes(project_id)}


def slot_of(version: SceneVersionRecord) -> Slot:
    """A stored scene version as a slot."""
    narration = (
        SceneNarration.model_validate(version.narration) if version.narration is not None else None
    )
    return Slot(
        version.code,
        version.video,
        version.duration,
        ScenePlan.model_validate(version.plan),
        narration,
    )


async def commit_assembly(
    store: Store,
    project: ProjectFields,
    description: VideoDescription,
    slots: Mapping[int, Slot],
    new_versions: Sequence[NewSceneVersion],
    *,
    kept: Mapping[int, str] | None = None,
    job_id: str | None = None,
    burn_subtitles: bool = False,
    music: str | None = None,
) -> ProjectVersionRecord:
    """Join the slots' clips under their voice-over, lay the `music` bed (an artifact key)
    under the whole video, store the deliverables and commit the project version."""
    ordered = sorted(slots.items())
    keys = {slot.video for _, slot in ordered}
    keys |= {slot.narration.track for _, slot in ordered if slot.narration is not None}
    async with store.scratch("assembly-") as work:
        files = await _local_copies(store, keys, work)
        bed = await _music_file(store, music, work)
        clips = [
            SceneClip(
                number=number,
                code_sha256=hashlib.sha256(slot.code.encode()).hexdigest(),
                video=files[slot.video],
                duration=slot.duration,
                segments=slot.plan.segments,
                narration=slot.narration,
                audio=files[slot.narration.track] if slot.narration is not None else None,
            )
            for number, slot in ordered
        ]
        assembly = await assemble_video(description, clips, work, burn_subtitles=burn_subtitles)
        if bed is not None and music is not None:
            assembly = await asyncio.to_thread(_scored, assembly, bed, MusicBed(key=music))
        output = await _store_files(store, assembly, description)
    return await store.commit_version(
        project, new_versions, output, kept=kept, carry_over=True, job_id=job_id
    )


async def _local_copies(store: Store, keys: set[str], work: Path) -> dict[str, Path]:
    """Each clip once as a local file the assembler's ffmpeg can read."""
    ordered = sorted(keys)
    paths = await asyncio.gather(*(store.artifacts.local_copy(key, work) for key in ordered))
    return dict(zip(ordered, paths, strict=True))


async def current_music(store: Store, project_id: str) -> str | None:
    """The music bed under the project's current video, if it has one."""
    current = await store.current_version(project_id)
    if current is None or current.manifest is None:
        return None
    manifest = VideoManifest.model_validate_json(await store.artifacts.read_bytes(current.manifest))
    return manifest.music.key if manifest.music is not None else None


async def _music_file(store: Store, key: str | None, work: Path) -> Path | None:
    """A local copy of the music bed; None without one, or when its file was deleted (the
    asset was deleted and collected: the video goes on without it)."""
    if key is None:
        return None
    try:
        return await store.artifacts.local_copy(key, work)
    except (FileNotFoundError, ValueError):
        log.warning("the music bed %s is no longer stored; assembling without it", key)
        return None


def _scored(assembly: Assembly, music: Path, bed: MusicBed) -> Assembly:
    """The assembly with the music bed under its video, named in its manifest (blocking)."""
    video = media.add_music_bed(
        assembly.video, music, assembly.video.with_name("scored.mp4"), bed.level_db
    )
    manifest = VideoManifest.model_validate_json(assembly.manifest.read_text())
    scored = manifest.model_copy(update={"music": bed})
    assembly.manifest.write_text(scored.model_dump_json(indent=2))
    return assembly.model_copy(update={"video": video})


async def _store_files(
    store: Store, assembly: Assembly, description: VideoDescription
) -> AssembledVideo:
    """Put the deliverables into the artifact store, all at once."""
    put = store.artifacts.put_file
    video, thumbnail, subtitles, manifest = await asyncio.gather(
        put(assembly.video, ".mp4"),
        put(assembly.thumbnail, ".png"),
        put(assembly.subtitles, ".srt"),
        put(assembly.manifest, ".json"),
    )
    return AssembledVideo(
        video=video,
        thumbnail=thumbnail,
        subtitles=subtitles,
        manifest=manifest,
        duration=assembly.duration,
        description=description.description,
    )


async def existing_project(store: Store, project_id: str) -> ProjectFields:
    """The fields of a stored project, for a commit that keeps them as they are."""
    project = await store.get_project(project_id)
    if project is None:
        raise NotFound(f"no project {project_id}")
    return ProjectFields(
        id=project.id,
        title=project.title,
        prompt=project.prompt,
        style=project.style,
        quality=project.quality,
    )


async def revert_scene(
    store: Store, project_id: str, number: int, version: int
) -> ProjectVersionRecord:
    """Make an old version of a scene current again; history is kept, nothing re-renders."""
    project = await existing_project(store, project_id)
    target = await store.scene_version(project_id, number, version)
    slots = {n: slot_of(v) for n, v in (await stored_slots(store, project_id)).items()}
    if target is None or number not in slots:
        raise NotFound(f"project {project_id} has no version {version} of scene {number}")
    slots[number] = slot_of(target)
    current = await store.current_version(project_id)
    assert current is not None
    description = VideoDescription(
        title=project.title,
        description=current.description or "",
        chapters=[slot.plan.title for _, slot in sorted(slots.items())],
    )
    music = await current_music(store, project_id)
    return await commit_assembly(
        store, project, description, slots, [], kept={number: target.id}, music=music
    )
