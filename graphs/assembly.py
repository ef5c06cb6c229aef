"""Assemble a project version from scene versions and land it in the store.

Shared by the graph's assembler (after generate or edit) and by reverting a scene:
both join stored clips, write the deliverables and commit them in one transaction.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path

from agents.assembler import SceneClip, assemble_video
from agents.schemas import ScenePlan, VideoDescription, VideoPlan
from graphs.errors import NotFound
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
    "commit_assembly",
    "existing_project",
    "revert_scene",
    "slot_of",
    "stored_slots",
]

Slot = tuple[str, str, float, ScenePlan]
"""A slot's code, video artifact key, duration and plan."""


def stored_slots(store: Store, project_id: str) -> dict[int, SceneVersionRecord]:
    """The scene version in each slot of the project's current version."""
    project = store.get_project(project_id)
    if project is None or project.current is None:
        return {}
    versions = {v.id: v for scene in project.scenes for v in scene.versions}
    return {slot.number: versions[slot.scene_version_id] for slot in project.current.slots}


def slot_of(version: SceneVersionRecord) -> Slot:
    """A stored scene version as a slot."""
    return version.code, version.video, version.duration, ScenePlan.model_validate(version.plan)


async def commit_assembly(
    store: Store,
    project: ProjectFields,
    description: VideoDescription,
    slots: Mapping[int, Slot],
    new_versions: Sequence[NewSceneVersion],
    *,
    kept: Mapping[int, str] | None = None,
    job_id: str | None = None,
) -> ProjectVersionRecord:
    """Join the slots' clips, store the deliverables and commit the project version."""
    ordered = sorted(slots.items())
    clips = [
        SceneClip(
            number=number,
            code_sha256=hashlib.sha256(code.encode()).hexdigest(),
            video=store.artifacts.path(video),
            duration=duration,
        )
        for number, (code, video, duration, _) in ordered
    ]
    plan = VideoPlan(title=project.title, scenes=[plan for _, (_, _, _, plan) in ordered])
    work_root = store.data_dir / "work"
    work_root.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=work_root) as work:
        assembly = await assemble_video(description, plan, clips, Path(work))
        put = store.artifacts.put_file
        output = AssembledVideo(
            video=put(assembly.video, ".mp4"),
            thumbnail=put(assembly.thumbnail, ".png"),
            subtitles=put(assembly.subtitles, ".srt"),
            manifest=put(assembly.manifest, ".json"),
            duration=assembly.duration,
        )
    return store.commit_version(
        project, new_versions, output, kept=kept, carry_over=True, job_id=job_id
    )


def existing_project(store: Store, project_id: str) -> ProjectFields:
    """The fields of a stored project, for a commit that keeps them as they are."""
    project = store.get_project(project_id)
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
    project = existing_project(store, project_id)
    target = store.scene_version(project_id, number, version)
    slots = {n: slot_of(v) for n, v in stored_slots(store, project_id).items()}
    if target is None or number not in slots:
        raise NotFound(f"project {project_id} has no version {version} of scene {number}")
    slots[number] = slot_of(target)
    current = store.current_version(project_id)
    assert current is not None and current.manifest is not None
    manifest = json.loads(store.artifacts.path(current.manifest).read_text())
    description = VideoDescription(
        title=manifest["title"],
        description=manifest["description"],
        chapters=[chapter["title"] for chapter in manifest["chapters"]],
    )
    return await commit_assembly(store, project, description, slots, [], kept={number: target.id})
