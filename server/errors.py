"""One error shape for every failure: `{detail, error_code, timestamp}`."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from http import HTTPStatus
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from server.schemas import ErrorBody

__all__ = ["ApiError", "error_responses", "install_error_handlers"]


class ApiError(Exception):
    """An error the API answers with, carrying its status and a stable code."""

    def __init__(
        self, status: int, error_code: str, detail: str, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(detail)
        self.status = status
        self.error_code = error_code
        self.detail = detail
        self.headers = headers


def _body(
    status: int, error_code: str, detail: str, headers: dict[str, str] | None = None
) -> JSONResponse:
    payload = ErrorBody(detail=detail, error_code=error_code, timestamp=datetime.now(UTC))
    return JSONResponse(payload.model_dump(mode="json"), status_code=status, headers=headers)


def _validation_detail(errors: list[Any]) -> str:
    parts = []
    for error in errors[:3]:
        where = ".".join(str(p) for p in error.get("loc", ()) if p != "body")
        parts.append(f"{where}: {error.get('msg')}" if where else str(error.get("msg")))
    return "; ".join(parts) or "invalid request"


def install_error_handlers(app: FastAPI) -> None:
    """Route every exception the app can raise to the common error body."""

    @app.exception_handler(ApiError)
    async def api_error(_: Request, exc: ApiError) -> JSONResponse:
        return _body(exc.status, exc.error_code, exc.detail, exc.headers)

    @app.exception_handler(RequestValidationError)
    async def invalid(_: Request, exc: RequestValidationError) -> JSONResponse:
        return _body(422, "invalid_request", _validation_detail(list(exc.errors())))

    @app.exception_handler(StarletteHTTPException)
    async def http_error(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        code = HTTPStatus(exc.status_code).phrase.lower().replace(" ", "_")
        headers = dict(getattr(exc, "headers", None) or {})
        allowed = _declared_methods(request) if exc.status_code == 405 else None
        if allowed:
            headers["Allow"] = allowed
        return _body(exc.status_code, code, str(exc.detail), headers)


def _declared_methods(request: Request) -> str | None:
    """The methods the OpenAPI document declares for the request's path.

    Starlette's 405 lists only the first route matching the path, and GET and DELETE of one
    resource are separate routes; RFC 9110 wants every method the resource supports.
    """
    for template, operations in request.app.openapi()["paths"].items():
        literal = (re.escape(part) for part in re.split(r"\{[^}]+\}", template))
        if re.fullmatch("[^/]+".join(literal), request.url.path):
            return ", ".join(sorted(method.upper() for method in operations))
    return None


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI declarations of a route's error responses.

    422 is always declared: every route that uses this takes parameters, and FastAPI would
    otherwise document its own validation body instead of the `ErrorBody` we send.
    """
    return {
        status: {"model": ErrorBody, "description": HTTPStatus(status).phrase}
        for status in sorted({*statuses, 422})
    }
