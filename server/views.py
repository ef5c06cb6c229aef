"""Turn store records into public API bodies: URLs instead of file paths."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from agents.config import ModelConfig
from graphs.jobs import COMPLETED, RUNNING, JobOutcome
from graphs.operations import agent_models
from graphs.requests import JobSpec
from server.schemas import (
    API,
    JobFinished,
    JobOptions,
    JobPublic,
    JobResult,
    ProjectListItem,
    ProjectPublic,
    ProjectVersionPublic,
    ScenePublic,
    SceneResult,
    SceneStatePublic,
    SceneVersionPublic,
)
from tools.store import JobRecord, ProjectRecord, ProjectSummary, SceneVersionRecord

__all__ = [
    "API",
    "finished_body",
    "job_public",
    "job_result",
    "project_item",
    "project_public",
]


def _version_urls(project_id: str, number: int, version: int) -> str:
    return f"{API}/projects/{project_id}/scenes/{number}/versions/{version}"


def job_public(job: JobRecord) -> JobPublic:
    """A job's status with its folded progress, as stored by whichever process runs it."""
    progress, spec = job.progress_state, JobSpec.model_validate(job.request)
    eta = None
    if job.status == RUNNING and 0 < job.progress < 1:
        elapsed = (datetime.now(UTC) - job.created_at).total_seconds()
        eta = datetime.now(UTC) + timedelta(seconds=elapsed * (1 - job.progress) / job.progress)
    return JobPublic(
        job_id=job.id,
        kind=job.kind,
        project_id=job.project_id,
        request=spec.request,
        options=JobOptions(
            models={role: model.label for role, model in spec.models.items()},
            max_retries=spec.limits.max_retries,
            max_fix_rounds=spec.limits.max_fix_rounds,
            max_scene_seconds=spec.limits.render.timeout_s,
            budget=spec.limits.budget,
            narration=spec.narration,
            callback_url=spec.callback_url,
        ),
        status=job.status,
        stage=job.stage,
        progress=job.progress,
        message=job.message,
        scenes_total=progress.scenes_total,
        scenes=[
            SceneStatePublic(
                **scene.model_dump(exclude={"video"}),
                video_url=f"{API}/jobs/{job.id}/scenes/{scene.number}/video"
                if scene.video
                else None,
            )
            for scene in progress.scenes
        ],
        stages=list(progress.stages),
        created_at=job.created_at,
        updated_at=job.updated_at,
        error=job.error,
        estimated_completion=eta,
        usage=JobOutcome.of(job).usage if job.result else None,
    )


def job_result(
    job: JobRecord, project: ProjectRecord | None, config: ModelConfig
) -> JobResult | None:
    """The completed job's video and scenes as URLs, and what served each agent under the
    server's model `config`; None if it did not complete or its project (or that version)
    is gone."""
    outcome = JobOutcome.of(job)
    summary = outcome.summary
    if job.status != COMPLETED or summary is None or project is None:
        return None
    stored_versions = [project.scene_version(s.number, s.version) for s in summary.scenes]
    scenes = []
    for scene, stored in zip(summary.scenes, stored_versions, strict=True):
        if stored is None:
            return None
        base = _version_urls(project.id, scene.number, scene.version)
        scenes.append(
            SceneResult(
                number=scene.number,
                scene_id=scene.scene_id,
                version=scene.version,
                status=scene.status,
                video_url=f"{base}/video",
                source_url=f"{base}/source",
                duration=stored.duration,
                fallback_used=stored.fallback_used,
                fallback_reason=stored.fallback_reason,
                layout_issues=scene.layout_issues,
                attempts=stored.attempts,
                repairs=[str(repair) for repair in stored.repairs],
            )
        )
    download = f"{API}/projects/{project.id}/download?version={summary.version}"
    stages = job.progress_state.stages
    started = stages[0].started_at if stages else job.created_at
    spec = JobSpec.model_validate(job.request)
    return JobResult(
        job_id=job.id,
        project_id=project.id,
        title=summary.title,
        version=summary.version,
        video_url=download,
        thumbnail_url=f"{API}/projects/{project.id}/thumbnail?version={summary.version}",
        subtitles_url=_subtitles_url(project.id, summary.version),
        manifest_url=_manifest_url(project.id, summary.version),
        duration=summary.duration,
        target_duration_s=spec.target_duration,
        completed_at=job.updated_at,
        generation_time_seconds=max(0.0, (job.updated_at - started).total_seconds()),
        scenes=scenes,
        models=agent_models(
            spec, config, [stored.narration for stored in stored_versions if stored is not None]
        ),
        usage=outcome.usage,
    )


def _subtitles_url(project_id: str, version: int) -> str:
    return f"{API}/projects/{project_id}/subtitles?version={version}&format=srt"


def _manifest_url(project_id: str, version: int) -> str:
    return f"{API}/projects/{project_id}/versions/{version}/manifest"


def finished_body(
    job: JobRecord, project: ProjectRecord | None, config: ModelConfig
) -> JobFinished:
    """The terminal event's data and the webhook's body (`config`: see `job_result`)."""
    return JobFinished(
        job_id=job.id,
        project_id=job.project_id,
        status=job.status,
        error=job.error,
        result=job_result(job, project, config),
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
        layout_issues=len(v.layout_issues),
        repairs=[str(repair) for repair in v.repairs],
        source_url=f"{base}/source",
        video_url=f"{base}/video",
        thumbnail_url=f"{base}/thumbnail" if v.last_frame else None,
    )


def project_public(project: ProjectRecord) -> ProjectPublic:
    """A project with every scene's history and every assembled version."""
    current = project.current
    playing = {v.number: v.version for v in project.scene_versions()}
    scenes = [
        ScenePublic(
            scene_id=scene.id,
            number=scene.number,
            current_version=playing.get(scene.number),
            versions=[_scene_version(project.id, scene.number, v) for v in scene.versions],
        )
        for scene in project.scenes
    ]
    versions = [
        ProjectVersionPublic(
            version=pv.version,
            created_at=pv.created_at,
            duration=pv.duration,
            slots={v.number: v.version for v in project.scene_versions(pv)},
            download_url=f"{API}/projects/{project.id}/download?version={pv.version}",
            subtitles_url=_subtitles_url(project.id, pv.version),
            manifest_url=_manifest_url(project.id, pv.version),
        )
        for pv in project.versions
    ]
    return ProjectPublic(
        project_id=project.id,
        title=project.title,
        status=project.status,
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
        status=project.status,
        created_at=project.created_at,
        updated_at=project.updated_at,
        current_version=project.current.version if project.current else None,
        duration=project.current.duration if project.current else None,
    )
