"""Turn store records into public API bodies: URLs instead of file paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.usage import UsageReport
from server.jobs import LiveJob
from server.schemas import (
    JobPublic,
    JobResult,
    ProjectListItem,
    ProjectPublic,
    ProjectVersionPublic,
    SceneProgress,
    ScenePublic,
    SceneResult,
    SceneVersionPublic,
)
from tools.store import JobRecord, ProjectRecord, ProjectSummary, SceneVersionRecord

__all__ = ["API", "job_public", "job_result", "project_item", "project_public"]

API = "/api/v1"


def _version_urls(project_id: str, number: int, version: int) -> str:
    return f"{API}/projects/{project_id}/scenes/{number}/versions/{version}"


def job_public(job: JobRecord, live: LiveJob | None) -> JobPublic:
    """A job's status, with per-scene progress while this process runs it."""
    scenes = [
        SceneProgress(number=n, status=s.status, attempts=s.attempts)
        for n, s in sorted((live.scenes if live else {}).items())
    ]
    if not scenes and job.result:
        scenes = [
            SceneProgress(number=s["number"], status=s["status"], attempts=s["attempts"])
            for s in job.result.get("scenes", [])
        ]
    eta = None
    if live is not None and 0 < job.progress < 1:
        elapsed = (datetime.now(UTC) - job.created_at).total_seconds()
        eta = datetime.now(UTC) + timedelta(seconds=elapsed * (1 - job.progress) / job.progress)
    return JobPublic(
        job_id=job.id,
        kind=job.kind,
        project_id=job.project_id,
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        message=job.message,
        scenes=scenes,
        created_at=job.created_at,
        updated_at=job.updated_at,
        error=job.error,
        estimated_completion=eta,
        usage=UsageReport.model_validate(job.result["usage"])
        if job.result and job.result.get("usage")
        else None,
    )


def job_result(job: JobRecord, project: ProjectRecord) -> JobResult:
    """The finished job's video and scenes, as URLs."""
    assert job.result is not None
    versions = {(s.number, v.version): v for s in project.scenes for v in s.versions}
    scenes = []
    for scene in job.result["scenes"]:
        stored = versions[(scene["number"], scene["version"])]
        base = _version_urls(project.id, scene["number"], scene["version"])
        scenes.append(
            SceneResult(
                number=scene["number"],
                scene_id=scene["scene_id"],
                version=scene["version"],
                status=scene["status"],
                video_url=f"{base}/video",
                source_url=f"{base}/source",
                duration=stored.duration,
                fallback_used=stored.fallback_used,
                fallback_reason=stored.fallback_reason,
                layout_issues=scene["layout_issues"],
                attempts=stored.attempts,
                repairs=[str(repair) for repair in stored.repairs],
            )
        )
    version = job.result["version"]
    download = f"{API}/projects/{project.id}/download?version={version}"
    return JobResult(
        job_id=job.id,
        project_id=project.id,
        version=version,
        video_url=download,
        thumbnail_url=f"{API}/projects/{project.id}/thumbnail?version={version}",
        duration=job.result["duration"],
        scenes=scenes,
        usage=UsageReport.model_validate(job.result.get("usage") or {}),
    )


def _scene_version(project_id: str, number: int, v: SceneVersionRecord) -> SceneVersionPublic:
    base = _version_urls(project_id, number, v.version)
    return SceneVersionPublic(
        version=v.version,
        created_at=v.created_at,
        duration=v.duration,
        edit_prompt=v.edit_prompt,
        attempts=v.attempts,
        fallback_used=v.fallback_used,
        fallback_reason=v.fallback_reason,
        layout_issues=len((v.layout_report or {}).get("issues", [])),
        repairs=[str(repair) for repair in v.repairs],
        source_url=f"{base}/source",
        video_url=f"{base}/video",
        thumbnail_url=f"{base}/thumbnail" if v.last_frame else None,
    )


def project_public(project: ProjectRecord) -> ProjectPublic:
    """A project with every scene's history and every assembled version."""
    current = project.current
    in_slot = {slot.scene_version_id for slot in current.slots} if current else set()
    number_of = {v.id: (s.number, v.version) for s in project.scenes for v in s.versions}
    scenes = [
        ScenePublic(
            scene_id=scene.id,
            number=scene.number,
            current_version=next((v.version for v in scene.versions if v.id in in_slot), None),
            versions=[_scene_version(project.id, scene.number, v) for v in scene.versions],
        )
        for scene in project.scenes
    ]
    versions = [
        ProjectVersionPublic(
            version=pv.version,
            created_at=pv.created_at,
            duration=pv.duration,
            slots={s.number: number_of[s.scene_version_id][1] for s in pv.slots},
            download_url=f"{API}/projects/{project.id}/download?version={pv.version}",
        )
        for pv in project.versions
    ]
    return ProjectPublic(
        project_id=project.id,
        title=project.title,
        prompt=project.prompt,
        style=project.style,
        quality=project.quality,
        created_at=project.created_at,
        updated_at=project.updated_at,
        current_version=current.version if current else None,
        scenes=scenes,
        versions=versions,
    )


def project_item(project: ProjectSummary) -> ProjectListItem:
    """A project in a listing."""
    return ProjectListItem(
        project_id=project.id,
        title=project.title,
        created_at=project.created_at,
        updated_at=project.updated_at,
        current_version=project.current.version if project.current else None,
        duration=project.current.duration if project.current else None,
    )
