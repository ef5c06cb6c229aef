"""Project rows as a whole: creating one, who may see them, paging through them, its
status, deleting one."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select, update
from sqlalchemy.orm import Session

from tools.store.inputs import ProjectFields
from tools.store.records import ProjectStatus
from tools.store.tables import (
    Project,
    ProjectVersion,
    ProjectVersionSlot,
    Scene,
    SceneVersion,
    utcnow,
)

__all__ = [
    "PLACEHOLDER_TITLE_CHARS",
    "change_status",
    "count_projects",
    "delete_project_rows",
    "insert_project",
    "page_projects",
    "visible_project",
]

PLACEHOLDER_TITLE_CHARS = 80


def insert_project(
    session: Session, fields: ProjectFields, owner: str | None, status: ProjectStatus
) -> None:
    """Add the project row; until a plan names the video, its title is its prompt's start."""
    now = utcnow()
    session.add(
        Project(
            **fields.model_dump(exclude={"owner", "title"}),
            title=fields.title or fields.prompt[:PLACEHOLDER_TITLE_CHARS],
            owner=owner,
            status=status,
            created_at=now,
            updated_at=now,
        )
    )


def change_status(session: Session, project_id: str, status: ProjectStatus) -> bool:
    """Set the project's status; False if there is no such project."""
    statement = (
        update(Project)
        .where(Project.id == project_id)
        .values(status=status, updated_at=utcnow())
        .returning(Project.id)
    )
    return session.scalar(statement, execution_options={"synchronize_session": False}) is not None


def visible_project(session: Session, project_id: str, owner: str | None) -> Project | None:
    """The project row, if `owner` (None: anyone) may see it."""
    project = session.get(Project, project_id)
    return project if project is not None and owner in (None, project.owner) else None


def page_projects(
    session: Session, owner: str | None, limit: int, offset: int
) -> Sequence[Project]:
    """Projects `owner` may see, most recently updated first."""
    query = (
        select(Project)
        .where(*_owned_by(owner))
        .order_by(Project.updated_at.desc(), Project.id)
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(query).all()


def count_projects(session: Session, owner: str | None) -> int:
    """How many projects `page_projects` pages through."""
    return session.scalar(select(func.count()).select_from(Project).where(*_owned_by(owner))) or 0


def _owned_by(owner: str | None) -> list[ColumnElement[bool]]:
    return [] if owner is None else [Project.owner == owner]


def delete_project_rows(session: Session, project_id: str, owner: str | None) -> bool:
    """Delete the project with its scenes, scene versions, project versions and slots.

    Explicit statements, children first, rather than ORM cascades: slots reference
    scene versions without a relationship the unit of work could order by.
    Jobs stay; they are history.
    """
    project = session.get(Project, project_id, with_for_update=True)
    if project is None or owner not in (None, project.owner):
        return False
    project_versions = select(ProjectVersion.id).where(ProjectVersion.project_id == project_id)
    scenes = select(Scene.id).where(Scene.project_id == project_id)
    session.execute(
        delete(ProjectVersionSlot).where(
            ProjectVersionSlot.project_version_id.in_(project_versions)
        )
    )
    session.execute(delete(ProjectVersion).where(ProjectVersion.project_id == project_id))
    session.execute(delete(SceneVersion).where(SceneVersion.scene_id.in_(scenes)))
    session.execute(delete(Scene).where(Scene.project_id == project_id))
    session.execute(delete(Project).where(Project.id == project_id))
    return True
