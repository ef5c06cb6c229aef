"""Assets: upload an image or a music bed, list, read and delete them.

An upload is streamed to a scratch file under a byte cap (a larger body is refused as it
arrives, never held in memory), decoded in a thread (`tools.assets.check`), and only then
stored content-addressed and recorded for the caller's key, within its quota. A refused
file leaves no row and no object behind.
"""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response, status
from starlette.datastructures import UploadFile
from starlette.formparsers import MultiPartException, MultiPartParser

from server.deps import CallerDep, StoreDep
from server.errors import ApiError, error_responses
from server.schemas import AssetChoice, AssetPublic, AssetsPublic, Page
from server.views import API
from tools.assets import MAX_ASSET_BYTES, AssetPick, AssetRefused, JobAsset, name_assets
from tools.assets.check import check_upload
from tools.store import Store
from tools.store.assets import AssetQuotaExceeded
from tools.store.records import AssetRecord

__all__ = ["asset_public", "job_assets", "router"]

router = APIRouter(prefix=f"{API}/assets", tags=["assets"])

FILE_FIELD = "file"
FORM_OVERHEAD = 64 * 1024
"""Bytes of multipart framing allowed beside the file itself."""
_UNSAFE_NAME = re.compile(r"[\x00-\x1f\x7f/\\]")
_UPLOAD_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "additionalProperties": False,
                    "required": [FILE_FIELD],
                    "properties": {
                        FILE_FIELD: {
                            "type": "string",
                            "format": "binary",
                            "description": "A PNG, JPEG or WebP image (at most 4096 px a side)"
                            " or MP3 or WAV audio, at most 20 MB.",
                        }
                    },
                }
            }
        },
    }
}


def asset_public(asset: AssetRecord) -> AssetPublic:
    """The asset as the API shows it (no artifact key, no owner)."""
    return AssetPublic(
        asset_id=asset.id,
        kind=asset.kind,
        media_type=asset.media_type,
        size=asset.size,
        width=asset.width,
        height=asset.height,
        duration=asset.duration,
        filename=asset.filename,
        created_at=asset.created_at,
    )


@router.post(
    "",
    status_code=status.HTTP_201_CREATED,
    response_model=AssetPublic,
    responses={
        200: {"model": AssetPublic, "description": "The caller had uploaded these bytes before."},
        **error_responses(400, 401, 413, 415, 429),
    },
    openapi_extra=_UPLOAD_BODY,
)
async def upload(
    request: Request, response: Response, caller: CallerDep, store: StoreDep
) -> AssetPublic:
    """Upload an image (PNG, JPEG, WebP) or a music bed (MP3, WAV) as form field `file`.

    The file is judged by decoding it, never by its name or declared type; 413 past 20 MB
    or the key's quota, 422 for anything that does not decode cleanly as one of those.
    """
    quota = int(request.app.state.settings.asset_quota_mb * 2**20)
    async with store.scratch("upload-") as work:
        upload = work / "upload"
        filename = await _receive(request, upload)
        try:
            found = await asyncio.to_thread(check_upload, upload)
        except AssetRefused as exc:
            raise ApiError(422, "asset_refused", str(exc)) from exc
        try:
            asset, added = await store.add_asset(
                upload, found, filename=filename, owner=caller.owner, quota_bytes=quota
            )
        except AssetQuotaExceeded as exc:
            raise ApiError(413, "asset_quota_exceeded", str(exc)) from exc
    if not added:
        response.status_code = status.HTTP_200_OK
    return asset_public(asset)


@router.get("", response_model=AssetsPublic, responses=error_responses(401, 429))
async def list_assets(
    caller: CallerDep, store: StoreDep, page: Annotated[Page, Query()]
) -> AssetsPublic:
    """The caller's assets, newest first."""
    assets = await store.list_assets(
        owner=caller.owner, limit=page.page_size, offset=(page.page - 1) * page.page_size
    )
    return AssetsPublic(
        data=[asset_public(asset) for asset in assets],
        count=await store.count_assets(owner=caller.owner),
    )


@router.get("/{asset_id}", response_model=AssetPublic, responses=error_responses(401, 404, 429))
async def get_asset(asset_id: str, caller: CallerDep, store: StoreDep) -> AssetPublic:
    """One of the caller's assets; another key's is as unknown as a missing one."""
    asset = await store.get_asset(asset_id, owner=caller.owner)
    if asset is None:
        raise ApiError(404, "not_found", f"no asset {asset_id}")
    return asset_public(asset)


@router.delete(
    "/{asset_id}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    responses=error_responses(401, 404, 429),
)
async def delete_asset(asset_id: str, caller: CallerDep, store: StoreDep) -> Response:
    """Delete one of the caller's assets; its bytes go once nothing else uses them.
    Videos already made with it keep it."""
    if not await store.delete_asset(asset_id, owner=caller.owner):
        raise ApiError(404, "not_found", f"no asset {asset_id}")
    return Response(status_code=status.HTTP_204_NO_CONTENT)


async def job_assets(
    store: Store, choices: list[AssetChoice], owner: str | None
) -> tuple[JobAsset, ...]:
    """The caller's assets a generate body names, as its job refers to them (`name_assets`).

    Raises:
        ApiError: 404 for an asset the caller does not have, 422 for an image role on audio
            (or music on an image) or a second music bed.
    """
    picks: list[AssetPick] = []
    for choice in choices:
        asset = await store.get_asset(choice.id, owner=owner)
        if asset is None:
            raise ApiError(404, "not_found", f"no asset {choice.id}")
        picks.append(AssetPick(asset.artifact, asset.kind, choice.role, choice.description))
    try:
        return name_assets(picks)
    except AssetRefused as exc:
        raise ApiError(422, "asset_role_mismatch", str(exc)) from exc


async def _receive(request: Request, target: Path) -> str:
    """Stream the multipart body's `file` part to `target` and return its (display) name.

    Raises:
        ApiError: 413 once the body passes the cap, 415 for a body that is not multipart,
            400 for broken multipart, 422 without a `file` part or with other fields.
    """
    cap = MAX_ASSET_BYTES + FORM_OVERHEAD
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > cap:
        raise _too_large()
    content_type = request.headers.get("content-type", "")
    if not content_type.lower().startswith("multipart/form-data"):
        raise ApiError(
            415, "multipart_required", f"send the file as multipart/form-data `{FILE_FIELD}`"
        )
    parser = MultiPartParser(
        request.headers, _capped(request.stream(), cap), max_files=1, max_fields=4
    )
    try:
        form = await parser.parse()
    except MultiPartException as exc:
        raise ApiError(400, "invalid_multipart", str(exc)) from exc
    try:
        part = form.get(FILE_FIELD)
        if not isinstance(part, UploadFile):
            raise ApiError(422, "missing_file", f"send the file in the form field `{FILE_FIELD}`")
        if unknown := sorted(set(form.keys()) - {FILE_FIELD}):
            raise ApiError(422, "invalid_request", f"unexpected form fields: {unknown}")
        size = await asyncio.to_thread(_copy, part, target)
        if size > MAX_ASSET_BYTES:
            raise _too_large()
        return _display_name(part.filename)
    finally:
        await form.close()


async def _capped(chunks: AsyncIterator[bytes], cap: int) -> AsyncIterator[bytes]:
    """The body's chunks, refused with a 413 as soon as they pass `cap` bytes."""
    seen = 0
    async for chunk in chunks:
        seen += len(chunk)
        if seen > cap:
            raise _too_large()
        yield chunk


def _copy(part: UploadFile, target: Path) -> int:
    """Copy the spooled part to `target` (blocking: run it in a thread); its size."""
    part.file.seek(0)
    with target.open("wb") as out:
        shutil.copyfileobj(part.file, out)
    return target.stat().st_size


def _too_large() -> ApiError:
    return ApiError(
        413, "asset_too_large", f"an asset may have at most {MAX_ASSET_BYTES // 2**20} MB"
    )


def _display_name(name: str | None) -> str:
    """The uploaded file name, kept for people only: its last part, no control characters."""
    shown = _UNSAFE_NAME.sub("_", (name or "").rsplit("/", 1)[-1].rsplit("\\", 1)[-1]).strip()
    return shown[:255] or "upload"
