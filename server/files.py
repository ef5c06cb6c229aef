"""Artifact files through the API: streamed (one byte range at a time if asked, as a video
player seeks), or a redirect to a presigned URL when the settings and the store allow one.
The caller's key and ownership are checked by the route before it calls `artifact_response`.
"""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Annotated, Any

from fastapi import Header, Request, Response, status
from fastapi.responses import RedirectResponse, StreamingResponse
from pydantic import BaseModel

from server.errors import ApiError, error_responses
from tools.store import RangeNotSatisfiableError, Store

__all__ = ["MEDIA", "RangeHeader", "artifact_response", "file_responses"]

RangeHeader = Annotated[
    str | None,
    Header(
        alias="Range",
        description="One byte range, e.g. `bytes=0-1023`; other forms get the whole file.",
    ),
]
MEDIA = {
    "video": "video/mp4",
    "thumbnail": "image/png",
    "source": "text/x-python",
    "manifest": "application/json",
}
PRESIGNED_FOR = timedelta(minutes=15)
"""How long a presigned download URL works: long enough for a player to seek a while."""

_RANGE = re.compile(r"bytes=(\d*)-(\d*)")


def file_responses(
    *media_types: str, model: type[BaseModel] | None = None
) -> dict[int | str, dict[str, Any]]:
    """A file route's answers: the file (or the byte range asked for) in one of
    `media_types`, a redirect to a presigned URL, or a JSON error. A JSON file names its
    `model`, so the whole file is described by its schema (a byte range stays binary)."""
    binary = {"schema": {"type": "string", "format": "binary"}}
    content: dict[str, Any] = {media: binary for media in media_types}
    whole: dict[str, Any] = {"content": content, "description": "The file."}
    if model is not None:
        whole = {"model": model, "description": "The file."}
    return {
        200: whole,
        206: {"content": content, "description": "The byte range the Range header asked for."},
        307: {"description": "The file is at the presigned URL in `Location` for a while."},
        **error_responses(401, 404, 409, 416, 429),
    }


async def artifact_response(
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
