"""Typed results of a render: what the graph, the CLI and the API read back."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from tools.layout_models import Frame, LayoutReport

__all__ = ["ErrorKind", "Frame", "Quality", "RenderError", "RenderResult", "RenderSettings"]

Quality = Literal["low", "medium", "high"]
ErrorKind = Literal["code", "environment", "timeout", "limit", "security"]


class RenderError(BaseModel):
    """A classified failure. Only `code` errors are ever shown to a model."""

    model_config = ConfigDict(frozen=True)

    kind: ErrorKind
    type: str = Field(description="Exception class name, e.g. NameError, or LaTeXError.")
    message: str
    line: int | None = Field(default=None, description="1-based line in the scene file.")
    excerpt: str | None = Field(default=None, description="The source line(s) at fault.")


class RenderSettings(BaseModel):
    """How a render runs: quality and frame, wall-clock timeout and resource limits."""

    model_config = ConfigDict(frozen=True)

    quality: Quality = "low"
    frame: Frame = Field(default_factory=Frame, description="Aspect, resolution, frame rate.")
    timeout_s: float = Field(default=300.0, gt=0)
    memory_mb: int = Field(default=6144, gt=0, description="Address-space cap of the process.")
    file_size_mb: int = Field(default=1024, gt=0, description="Largest file the render may write.")
    disk_mb: int = Field(default=2048, gt=0, description="Total bytes the work directory may hold.")
    max_files: int = Field(default=20_000, gt=0, description="Entries the work directory may hold.")
    max_processes: int = Field(default=256, gt=0, description="Processes and threads of the uid.")
    max_open_files: int = Field(default=1024, gt=16)
    path: str | None = Field(
        default=None,
        description="PATH for the render process; None keeps the system's standard PATH.",
    )
    assets: dict[str, Path] = Field(
        default_factory=dict,
        description="Files the scene may load, read-only, as `assets/<name>`: name → a host "
        "file, copied in before the render.",
    )


class RenderResult(BaseModel):
    """Outcome of one render attempt; files live in the caller's workdir."""

    ok: bool
    scene_name: str | None = None
    video: Path | None = None
    last_frame: Path | None = None
    duration: float | None = None
    layout: LayoutReport | None = None
    error: RenderError | None = None
    log: str = Field(default="", description="Tail of the process output, a few KB at most.")
    seconds: float = Field(default=0.0, description="Wall time of the whole attempt.")
