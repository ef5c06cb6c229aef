"""Projects: list, detail with every version, downloads, per-version files, revert, delete.

Files stream through the API from whichever artifact store holds them, one byte range
at a time if asked (a video player seeks); with `presigned_downloads` and a store that
signs URLs (S3), the answer is instead a redirect to a URL that expires soon. Either way
the caller's key and its ownership of the project are checked first.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Header, Query, Request, Response, status
from fastapi.responses import PlainTextResponse, RedirectResponse, StreamingResponse

from graphs.assembly import revert_scene
from graphs.jobs import ProjectBusy
from server.deps import Caller, CallerDep, ManagerDep, StoreDep
from server.errors import ApiError, error_responses
from server.jobs import JobManager
from server.schemas import Page, ProjectPublic, ProjectsPublic, RevertBody
from server.views import API, project_item, project_public
from tools.store import (
    ProjectRecord,
    ProjectVersionRecord,
    RangeNotSatisfiableError,
    SceneVersionRecord,
    Store,
)

__all__ = ["router"]

router = APIRouter(prefix=f"{API}/projects", tags=["projects"])

VersionQuery = Annotated[int | None, Query(ge=1, description="Default: the current version.")]
RangeHeader = Annotated[
    str | None,
    Header(
        alias="Range",
        description="One byte range, e.g. `bytes=0-1023`; other forms get the whole file.",
    ),
]
MEDIA = {"video": "video/mp4", "thumbnail": "image/png", "source": "text/x-python"}
PRESIGNED_FOR = timedelta(minutes=15)
"""How long a presigned download URL works: long enough for a player to seek a while."""

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def _file_responses(*media_types: str) -> dict[int | str, dict[str, Any]]:
    """A file route's answers: the file (or the byte range asked for) in one of
    `media_types`, a redirect to a presigned URL, or a JSON error."""
    content: dict[str, Any] = {media: {} for media in media_types}
    return {
        200: {"content": content, "description": "The file."},
        206: {"content": content, "description": "The byte range the Range header asked for."},
        307: {"description": "The file is at the presigned URL in `Location` for a while."},
        **error_responses(401, 404, 409, 416, 429),
    }


async def _artifact(
    request: Request,
    store: Store,
    key: str,
    media_type: str,
    byte_range: str | None,
    filename: str | None = None,
) -> Response:
    """The artifact `key` streamed (all of it, or the one byte range asked for), or a
    redirect to a presigned URL when the settings and the store allow one."""
    if request.app.state.settings.presigned_downloads:
        url = await store.artifacts.presigned_url(key, PRESIGNED_FOR)
        if url is not None:
            return RedirectResponse(url, status_code=status.HTTP_307_TEMPORARY_REDIRECT)
    first, last = _byte_range(byte_range)
    try:
        stream = await store.artifacts.open_stream(key, first, last)
    except FileNotFoundError as exc:
        raise ApiError(404, "not_found", "the file is missing from the artifact store") from exc
    except RangeNotSatisfiableError as exc:
        raise ApiError(
            416, "range_not_satisfiable", str(exc), {"Content-Range": f"bytes */{exc.size}"}
        ) from exc
    headers = {"Accept-Ranges": "bytes", "Content-Length": str(stream.stop - stream.start)}
    if filename is not None:
        headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    partial = first is not None or last is not None
    if partial:
        headers["Content-Range"] = f"bytes {stream.start}-{stream.stop - 1}/{stream.size}"
    return StreamingResponse(
        stream.chunks,
        status_code=status.HTTP_206_PARTIAL_CONTENT if partial else status.HTTP_200_OK,
        media_type=media_type,
        headers=headers,
    )


def _byte_range(header: str | None) -> tuple[int | None, int | None]:
    """`first` and `last` of a Range header naming one byte range; (None, None), the whole
    file, for anything else (several ranges, other units, bad syntax), as RFC 9110 allows."""
    match = _RANGE.fullmatch(header.strip()) if header else None
    if match is None or not any(match.groups()):
        return None, None
    first, last = (int(bound) if bound else None for bound in match.groups())
    if first is not None and last is not None and last < first:
        return None, None
    return first, last


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
    responses=_file_responses(MEDIA["video"]),
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
    return await _artifact(request, store, chosen.video, MEDIA["video"], byte_range, name)


@router.get(
    "/{project_id}/thumbnail",
    response_class=Response,
    responses=_file_responses(MEDIA["thumbnail"]),
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
    return await _artifact(request, store, chosen.thumbnail, MEDIA["thumbnail"], byte_range)


@router.get(
    "/{project_id}/scenes/{number}/versions/{version}/{kind}",
    response_class=Response,
    responses=_file_responses(*MEDIA.values()),
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
    return await _artifact(request, store, key, MEDIA[kind], byte_range)


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
