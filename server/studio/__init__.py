"""The web studio: static files served at `/`, a client of the public `/api/v1` only.

`/` answers the page itself and `/studio/...` its scripts, styles and icon. Nothing is
mounted at `/`: a catch-all mount would take the requests that match an API path but not
its method, turning `GET /api/v1/generate` from a 405 into a 404.
"""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from starlette.responses import Response
from starlette.routing import Mount, Route
from starlette.types import Scope

__all__ = ["ASSETS_PREFIX", "SECURITY_HEADERS", "STATIC_DIR", "StudioFiles", "mount_studio"]

STATIC_DIR = Path(__file__).with_name("static")
ASSETS_PREFIX = "/studio"

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'none'",
        "script-src 'self'",
        "style-src 'self'",
        # blob: is the page's own media fetched with an API key (a <video> sends no header)
        "img-src 'self' blob:",
        "media-src 'self' blob:",
        "connect-src 'self'",
        "manifest-src 'self'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
        # no HTML from strings at all: innerHTML and friends throw
        "require-trusted-types-for 'script'",
        "trusted-types 'none'",
    ]
)

SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), geolocation=(), payment=(), usb=()",
}

CACHE_CONTROL = "no-cache"
"""The file names carry no content hash (there is no build step), so a browser keeps its copy
but asks each time whether it is current: a 304 on the ETag, and never a stale script
running against a newer page."""


class StudioFiles(StaticFiles):
    """StaticFiles with the studio's cache and security headers on every answer (304s too)."""

    async def get_response(self, path: str, scope: Scope) -> Response:
        response = await super().get_response(path, scope)
        response.headers.update(SECURITY_HEADERS)
        response.headers["Cache-Control"] = CACHE_CONTROL
        return response


def mount_studio(app: FastAPI) -> None:
    """Serve the page at `/` and its files under `/studio/` (added last, so API routes win)."""
    page = StudioFiles(directory=STATIC_DIR, html=True)
    assets = StudioFiles(directory=STATIC_DIR)
    app.router.routes.append(Route("/", endpoint=page, methods=["GET", "HEAD"], name="studio"))
    app.router.routes.append(Mount(ASSETS_PREFIX, app=assets, name="studio-assets"))
