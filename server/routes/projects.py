"""Projects: list, detail with every version, downloads, subtitles, per-version files,
revert, delete.

Files stream through the API from whichever artifact store holds them, one byte range
at a time if asked (a video player seeks); with `presigned_downloads` and a store that
signs URLs (S3), the answer is instead a redirect to a URL that expires soon. Either way
the caller's key and its ownership of the project are checked first.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import PlainTextResponse

from graphs.assembly import VideoManifest, revert_scene
from graphs.jobs import ProjectBusy
from server.deps import Caller, CallerDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.files import MEDIA, RangeHeader, artifact_response, file_responses
from server.jobs import JobManager
from server.schemas import Page, ProjectPublic, ProjectsPublic, RevertBody
from server.views import API, project_item, project_public
from tools.store import (
    ProjectRecord,
    ProjectVersionRecord,
    SceneVersionRecord,
    Store,
)
from tools.subtitles import webvtt_from_srt

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/projects", tags=["projects"])

VersionQuery = Annotated[int | None, Query(ge=1, description="Default: the current version.")]
SUBTITLES = {"srt": "application/x-subrip", "vtt": "text/vtt"}


async def owned_project(store: Store, project_id: str, caller: Caller) -> ProjectRecord:
    """The caller's project; another key's project is as unknown as a missing one."""
    project = await store.get_project(project_id)
    if project is None or project.owner != caller.owner:
        raise ApiError(404, "not_found", f"no project {project_id}")
    return project


async def _idle(manager: JobManager, project_id: str) -> None:
    """409 while a queued or running job changes the project."""
    try:
        await manager.room.check_idle(project_id)
    except ProjectBusy as exc:
        raise ApiError(409, "project_busy", str(exc)) from exc


def _project_version(project: ProjectRecord, version: int | None) -> ProjectVersionRecord:
    if not project.versions:
        raise ApiError(409, "no_video", f"project {project.id} has no video yet")
    if version is None:
        return project.versions[-1]
    found = next((v for v in project.versions if v.version == version), None)
    if found is None:
        raise ApiError(404, "not_found", f"project {project.id} has no version {version}")
    return found


def _scene_version(project: ProjectRecord, number: int, version: int) -> SceneVersionRecord:
    found = project.scene_version(number, version)
    if found is None:
        raise ApiError(404, "not_found", f"scene {number} has no version {version}")
    return found


@router.get("", response_model=ProjectsPublic, responses=error_responses(401, 429))
async def list_projects(
    caller: CallerDep, store: StoreDep, page: Annotated[Page, Query()]
) -> ProjectsPublic:
    """The caller's projects, newest first."""
    projects = await store.list_projects(
        limit=page.page_size, offset=(page.page - 1) * page.page_size, owner=caller.owner
    )
    return ProjectsPublic(
        data=[project_item(p) for p in projects],
        count=await store.count_projects(owner=caller.owner),
    )


@router.get("/{project_id}", response_model=ProjectPublic, responses=error_responses(401, 404, 429))
async def get_project(project_id: str, caller: CallerDep, store: StoreDep) -> ProjectPublic:
    """The project with its scenes, each scene's versions, and the project versions."""
    return project_public(await owned_project(store, project_id, caller))


@router.get(
    "/{project_id}/download",
    response_class=Response,
    responses=file_responses(MEDIA["video"]),
)
async def download(
    project_id: str,
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    version: VersionQuery = None,
    byte_range: RangeHeader = None,
) -> Response:
    """The assembled MP4 as an attachment."""
    project = await owned_project(store, project_id, caller)
    chosen = _project_version(project, version)
    name = f"{project.id}-v{chosen.version}.mp4"
    return await artifact_response(request, store, chosen.video, MEDIA["video"], byte_range, name)


@router.get(
    "/{project_id}/thumbnail",
    response_class=Response,
    responses=file_responses(MEDIA["thumbnail"]),
)
async def thumbnail(
    project_id: str,
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    version: VersionQuery = None,
    byte_range: RangeHeader = None,
) -> Response:
    """The assembled video's thumbnail."""
    chosen = _project_version(await owned_project(store, project_id, caller), version)
    if chosen.thumbnail is None:
        raise ApiError(404, "not_found", "this version has no thumbnail")
    return await artifact_response(request, store, chosen.thumbnail, MEDIA["thumbnail"], byte_range)


SubtitlesFormat = Annotated[
    Literal["srt", "vtt"], Query(description="srt (SubRip) or vtt (WebVTT).")
]
SUBTITLES_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {media: {"schema": {"type": "string"}} for media in SUBTITLES.values()},
        "description": "The subtitles, timed from the spoken narration.",
    },
    **error_responses(401, 404, 409, 429),
}


@router.get("/{project_id}/subtitles", response_class=Response, responses=SUBTITLES_RESPONSES)
async def subtitles(
    project_id: str,
    caller: CallerDep,
    store: StoreDep,
    version: VersionQuery = None,
    format: SubtitlesFormat = "srt",
) -> Response:
    """The video's subtitles: one cue or more per narration segment, timed by the voice."""
    project = await owned_project(store, project_id, caller)
    return await _subtitles(store, project, _project_version(project, version), format)


@router.get(
    "/{project_id}/versions/{version}/subtitles",
    response_class=Response,
    responses=SUBTITLES_RESPONSES,
)
async def version_subtitles(
    project_id: str,
    version: int,
    caller: CallerDep,
    store: StoreDep,
    format: SubtitlesFormat = "srt",
) -> Response:
    """The subtitles of one version of the video."""
    project = await owned_project(store, project_id, caller)
    return await _subtitles(store, project, _project_version(project, version), format)


@router.get(
    "/{project_id}/versions/{version}/manifest",
    response_class=Response,
    responses=file_responses(MEDIA["manifest"], model=VideoManifest),
)
async def version_manifest(
    project_id: str,
    version: int,
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    byte_range: RangeHeader = None,
) -> Response:
    """The manifest of one version of the video: title, description, duration and chapters
    (each scene's title, start, duration and code hash)."""
    chosen = _project_version(await owned_project(store, project_id, caller), version)
    if chosen.manifest is None:
        raise ApiError(404, "not_found", "this version has no manifest")
    return await artifact_response(request, store, chosen.manifest, MEDIA["manifest"], byte_range)


async def _subtitles(
    store: Store, project: ProjectRecord, chosen: ProjectVersionRecord, format: str
) -> Response:
    """One version's subtitles as SubRip or WebVTT text."""
    if chosen.subtitles is None:
        raise ApiError(404, "not_found", "this version has no subtitles")
    try:
        text = (await store.artifacts.read_bytes(chosen.subtitles)).decode("utf-8")
    except FileNotFoundError as exc:
        raise ApiError(404, "not_found", "the file is missing from the artifact store") from exc
    name = f"{project.id}-v{chosen.version}.{format}"
    return Response(
        webvtt_from_srt(text) if format == "vtt" else text,
        media_type=f"{SUBTITLES[format]}; charset=utf-8",
        headers={"Content-Disposition": f'inline; filename="{name}"'},
    )


@router.get(
    "/{project_id}/scenes/{number}/versions/{version}/{kind}",
    response_class=Response,
    responses=file_responses(*MEDIA.values()),
)
async def scene_version_file(
    project_id: str,
    number: int,
    version: int,
    kind: Literal["source", "video", "thumbnail"],
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    byte_range: RangeHeader = None,
) -> Response:
    """One scene version's source code, video or last frame."""
    found = _scene_version(await owned_project(store, project_id, caller), number, version)
    if kind == "source":
        return PlainTextResponse(found.code, media_type=MEDIA["source"])
    key = found.video if kind == "video" else found.last_frame
    if key is None:
        raise ApiError(404, "not_found", f"scene {number} v{version} has no {kind}")
    return await artifact_response(request, store, key, MEDIA[kind], byte_range)


@router.post(
    "/{project_id}/scenes/{number}/revert",
    response_model=ProjectPublic,
    responses=error_responses(400, 401, 404, 409, 429),
)
async def revert(
    project_id: str,
    number: int,
    body: RevertBody,
    caller: CallerDep,
    store: StoreDep,
    manager: ManagerDep,
) -> ProjectPublic:
    """Make an old version of a scene current again and re-assemble; history is kept."""
    project = await owned_project(store, project_id, caller)
    _scene_version(project, number, body.version)
    await _idle(manager, project_id)
    await revert_scene(store, project_id, number, body.version)
    return project_public(await owned_project(store, project_id, caller))


@router.delete(
    "/{project_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 409, 429),
)
async def delete_project(
    project_id: str, caller: CallerDep, store: StoreDep, manager: ManagerDep
) -> Response:
    """Delete the project, its versions and the files nothing else uses."""
    await owned_project(store, project_id, caller)
    await _idle(manager, project_id)
    await store.delete_project(project_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
