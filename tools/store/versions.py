"""Scene and project versions: the one commit that lands a job's output, and its reads."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session, joinedload, selectinload

from tools.store.errors import InvalidCommitError
from tools.store.inputs import AssembledVideo, NewSceneVersion, ProjectFields
from tools.store.projects import insert_project
from tools.store.tables import (
    Project,
    ProjectVersion,
    ProjectVersionSlot,
    Scene,
    SceneVersion,
    utcnow,
)

__all__ = [
    "add_project_version",
    "check_slots",
    "current_scene_versions",
    "find_scene_version",
    "latest_version",
    "latest_versions",
    "load_project",
]


def check_slots(scenes: Sequence[NewSceneVersion], kept: Mapping[int, str]) -> None:
    """Refuse a commit that would fill one slot twice, before any SQL runs."""
    numbers = [scene.number for scene in scenes]
    duplicates = sorted({n for n in numbers if numbers.count(n) > 1} | (set(numbers) & set(kept)))
    if duplicates:
        raise InvalidCommitError(f"slots given more than once: {duplicates}")
    if any(number < 1 for number in kept):
        raise InvalidCommitError("slot numbers start at 1")


def add_project_version(
    session: Session,
    project: ProjectFields,
    scenes: Sequence[NewSceneVersion],
    output: AssembledVideo,
    kept: Mapping[int, str],
    carry_over: bool,
    job_id: str | None,
) -> ProjectVersion:
    """Write the project (upsert), the new scene versions and the project version.

    A job that already committed gets its version back, so a resumed assembler
    never writes a second one.
    """
    if job_id is not None:
        done = session.scalar(select(ProjectVersion).where(ProjectVersion.job_id == job_id))
        if done is not None:
            if done.project_id != project.id:
                raise InvalidCommitError(f"job {job_id} committed to project {done.project_id}")
            return done
    _upsert_project(session, project)
    slots = {new.number: _add_scene_version(session, project.id, new).id for new in scenes}
    for number, scene_version_id in kept.items():
        slots[number] = _project_scene_version(session, project.id, number, scene_version_id)
    if carry_over and (previous := latest_version(session, project.id)) is not None:
        for slot in previous.slots:
            slots.setdefault(slot.number, slot.scene_version_id)
    if not slots:
        raise InvalidCommitError("a project version needs at least one slot")
    highest = session.scalar(
        select(func.max(ProjectVersion.version)).where(ProjectVersion.project_id == project.id)
    )
    version = ProjectVersion(
        project_id=project.id,
        version=(highest or 0) + 1,
        job_id=job_id,
        created_at=utcnow(),
        slots=[ProjectVersionSlot(number=n, scene_version_id=i) for n, i in sorted(slots.items())],
        **output.model_dump(),
    )
    session.add(version)
    session.flush()
    return version


def _upsert_project(session: Session, fields: ProjectFields) -> None:
    """Create the project or update its fields (never its owner; the title only when
    given), and mark it ready: it has a version now. The row lock serialises commits."""
    row = session.get(Project, fields.id, with_for_update=True)
    if row is None:
        insert_project(session, fields, fields.owner, "ready")
        return
    for name, value in fields.model_dump(exclude={"id", "owner", "title"}).items():
        setattr(row, name, value)
    row.title = fields.title or row.title
    row.status = "ready"
    row.updated_at = utcnow()


def _add_scene_version(session: Session, project_id: str, new: NewSceneVersion) -> SceneVersion:
    scene = session.scalar(
        select(Scene).where(Scene.project_id == project_id, Scene.number == new.number)
    )
    if scene is None:
        scene = Scene(project_id=project_id, number=new.number, created_at=utcnow())
        session.add(scene)
        session.flush()
    latest = session.scalar(
        select(SceneVersion)
        .where(SceneVersion.scene_id == scene.id)
        .order_by(SceneVersion.version.desc())
        .limit(1)
    )
    parent_id = new.parent_version_id or (latest.id if latest else None)
    if new.parent_version_id is not None:
        parent = session.get(SceneVersion, new.parent_version_id)
        if parent is None or parent.scene_id != scene.id:
            raise InvalidCommitError(
                f"scene {new.number}: parent {new.parent_version_id} is not a version of it"
            )
    row = SceneVersion(
        scene=scene,
        version=(latest.version if latest else 0) + 1,
        parent_version_id=parent_id,
        created_at=utcnow(),
        **new.model_dump(exclude={"number", "parent_version_id", "layout_report"}),
        layout_report=new.layout_report,
    )
    session.add(row)
    session.flush()
    return row


def _project_scene_version(
    session: Session, project_id: str, number: int, scene_version_id: str
) -> str:
    found = session.scalar(
        select(SceneVersion.id)
        .join(Scene)
        .where(SceneVersion.id == scene_version_id, Scene.project_id == project_id)
    )
    if found is None:
        raise InvalidCommitError(
            f"slot {number}: {scene_version_id!r} is not a scene version of project {project_id}"
        )
    return found


def load_project(session: Session, project_id: str, owner: str | None) -> Project | None:
    """The project, if `owner` (None: anyone) may see it, with scenes, scene versions,
    project versions and slots loaded."""
    query = select(Project).where(Project.id == project_id)
    if owner is not None:
        query = query.where(Project.owner == owner)
    return session.scalar(
        query.options(
            selectinload(Project.scenes).selectinload(Scene.versions),
            selectinload(Project.versions).selectinload(ProjectVersion.slots),
        )
    )


def latest_version(session: Session, project_id: str) -> ProjectVersion | None:
    """The project's highest-numbered version, with its slots."""
    return session.scalar(
        select(ProjectVersion)
        .where(ProjectVersion.project_id == project_id)
        .order_by(ProjectVersion.version.desc())
        .limit(1)
        .options(selectinload(ProjectVersion.slots))
    )


def latest_versions(session: Session, project_ids: Sequence[str]) -> dict[str, ProjectVersion]:
    """The latest version of each of the given projects, in one query."""
    highest = (
        select(ProjectVersion.project_id, func.max(ProjectVersion.version).label("version"))
        .where(ProjectVersion.project_id.in_(project_ids))
        .group_by(ProjectVersion.project_id)
        .subquery()
    )
    rows = session.scalars(
        select(ProjectVersion)
        .join(
            highest,
            (ProjectVersion.project_id == highest.c.project_id)
            & (ProjectVersion.version == highest.c.version),
        )
        .options(selectinload(ProjectVersion.slots))
    )
    return {row.project_id: row for row in rows}


def current_scene_versions(session: Session, project_id: str) -> list[SceneVersion]:
    """The scene versions the project's latest version plays, in slot order."""
    current = latest_version(session, project_id)
    if current is None:
        return []
    ids = [slot.scene_version_id for slot in current.slots]
    rows = session.scalars(
        select(SceneVersion).where(SceneVersion.id.in_(ids)).options(joinedload(SceneVersion.scene))
    )
    by_id = {row.id: row for row in rows}
    return [by_id[scene_version_id] for scene_version_id in ids]


def find_scene_version(
    session: Session, project_id: str, number: int, version: int | None
) -> SceneVersion | None:
    """Version `version` of scene `number`, or the one in the current project version's slot."""
    query = select(SceneVersion).options(joinedload(SceneVersion.scene))
    if version is None:
        current = latest_version(session, project_id)
        slot = next((s for s in current.slots if s.number == number), None) if current else None
        if slot is None:
            return None
        return session.scalar(query.where(SceneVersion.id == slot.scene_version_id))
    return session.scalar(
        query.join(Scene).where(
            Scene.project_id == project_id, Scene.number == number, SceneVersion.version == version
        )
    )
