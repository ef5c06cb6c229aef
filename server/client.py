"""A typed HTTP client of the REST API, for the CLI's `--server` commands.

Bodies go out and come back as the API's own pydantic schemas (server/schemas.py), so the
CLI and the server cannot drift apart. Every failure is a `ServerError` whose message is one
line: the server's `error_code` and `detail`, or the base URL that could not be reached.

Example:
    >>> with ApiClient("http://127.0.0.1:8000") as api:
    ...     accepted = api.generate(GenerateBody(prompt="Bayes' rule", scene_count=1))
    ...     for event in api.events(accepted.job_id):
    ...         print(event.name)
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any, Self, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from server.schemas import (
    API,
    Accepted,
    EditSceneBody,
    ErrorBody,
    GenerateBody,
    JobPublic,
    JobResult,
    JobsPublic,
    ProjectPublic,
)
from tools.atomic import replacing

if TYPE_CHECKING:
    from tools.store import JobStatus

__all__ = ["ApiClient", "ServerError", "SseEvent"]

TIMEOUT_S = 30.0
Model = TypeVar("Model", bound=BaseModel)


class ServerError(Exception):
    """The server refused a call, answered something unexpected, or could not be reached."""


@dataclass(frozen=True)
class SseEvent:
    """One server-sent event: its name and its JSON data."""

    name: str
    data: Any


class ApiClient:
    """Calls one server's REST API with an optional `X-API-Key`; a context manager."""

    def __init__(self, base_url: str, api_key: str | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        headers = {"X-API-Key": api_key} if api_key else {}
        self._http = httpx.Client(base_url=self.base_url, headers=headers, timeout=TIMEOUT_S)

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self._http.close()

    def generate(self, body: GenerateBody) -> Accepted:
        """POST /generate: the job is queued on the server."""
        return self._call(Accepted, "POST", "/generate", json=body.model_dump(mode="json"))

    def edit(self, body: EditSceneBody) -> Accepted:
        """POST /edit-scene."""
        payload = body.model_dump(mode="json", exclude_none=True)
        return self._call(Accepted, "POST", "/edit-scene", json=payload)

    def job(self, job_id: str) -> JobPublic:
        """GET /jobs/{id}: status, stage, progress and scenes."""
        return self._call(JobPublic, "GET", f"/jobs/{job_id}")

    def jobs(self, status: JobStatus | None = None, page_size: int = 50) -> JobsPublic:
        """GET /jobs: the caller's jobs, newest first."""
        params: dict[str, str | int] = {"page_size": page_size}
        if status is not None:
            params["status"] = status
        return self._call(JobsPublic, "GET", "/jobs", params=params)

    def cancel(self, job_id: str) -> JobPublic:
        """DELETE /jobs/{id}: whichever process runs the job stops it."""
        return self._call(JobPublic, "DELETE", f"/jobs/{job_id}")

    def resume(self, job_id: str) -> Accepted:
        """POST /jobs/{id}/resume: continue from the last checkpoint, on the server."""
        return self._call(Accepted, "POST", f"/jobs/{job_id}/resume")

    def result(self, job_id: str) -> JobResult:
        """GET /jobs/{id}/result of a completed job."""
        return self._call(JobResult, "GET", f"/jobs/{job_id}/result")

    def project(self, project_id: str) -> ProjectPublic:
        """GET /projects/{id}: scenes, their versions and the project versions."""
        return self._call(ProjectPublic, "GET", f"/projects/{project_id}")

    def events(self, job_id: str) -> Iterator[SseEvent]:
        """GET /jobs/{id}/events: `state`, then `progress` events, then one terminal event
        named after the final status (the stream ends after it)."""
        url = f"{API}/jobs/{job_id}/events"
        timeout = httpx.Timeout(TIMEOUT_S, read=None)
        try:
            with self._http.stream("GET", url, timeout=timeout) as response:
                if response.is_error:
                    response.read()
                    raise ServerError(self._refusal(response))
                yield from _parse_sse(response.iter_lines())
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc

    def download_project(self, project_id: str, version: int, target: Path) -> int:
        """GET /projects/{id}/download: stream the video of `version` to `target`."""
        return self.download(f"{API}/projects/{project_id}/download?version={version}", target)

    def download(self, path: str, target: Path) -> int:
        """Stream a file the API serves (a `..._url` of a result) to `target`; its size.
        When the transfer fails, `target` is as it was."""
        try:
            with self._http.stream("GET", path) as response, replacing(target) as temp:
                if response.is_error:
                    response.read()
                    raise ServerError(self._refusal(response))
                with temp.open("wb") as file:
                    for chunk in response.iter_bytes():
                        file.write(chunk)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        return target.stat().st_size

    def _call(self, model: type[Model], method: str, path: str, **kwargs: Any) -> Model:
        try:
            response = self._http.request(method, f"{API}{path}", **kwargs)
        except httpx.TransportError as exc:
            raise self._unreachable(exc) from exc
        if response.is_error:
            raise ServerError(self._refusal(response))
        try:
            return model.model_validate_json(response.content)
        except ValidationError as exc:
            raise ServerError(
                f"{self.base_url} answered {method} {path} with an unexpected body "
                f"({exc.error_count()} errors): is it a manimgraph server of this version?"
            ) from exc

    def _unreachable(self, exc: httpx.TransportError) -> ServerError:
        reason = str(exc) or type(exc).__name__
        return ServerError(f"cannot reach the server at {self.base_url}: {reason}")

    def _refusal(self, response: httpx.Response) -> str:
        """The server's `error_code: detail`, or the status line of a non-API answer."""
        try:
            error = ErrorBody.model_validate_json(response.content)
        except ValidationError:
            return f"{self.base_url} answered {response.status_code} {response.reason_phrase}"
        return f"{error.error_code}: {error.detail}"


def _parse_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    """Events of a text/event-stream: `event:` and `data:` fields, dispatched at a blank
    line; comments (`:` pings) and other fields are skipped."""
    name, data = "message", list[str]()
    for line in lines:
        if not line:
            if data:
                yield SseEvent(name, json.loads("\n".join(data)))
            name, data = "message", list[str]()
            continue
        field, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if field == "event":
            name = value
        elif field == "data":
            data.append(value)
