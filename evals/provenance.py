"""Where a run's numbers came from: package versions, prompt versions, the git commit."""

from __future__ import annotations

import platform
import subprocess
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

from pydantic import BaseModel

from prompts import load_prompt, prompt_versions

__all__ = ["PACKAGES", "Provenance", "provenance"]

PACKAGES = (
    "manimgraph",
    "manim",
    "langgraph",
    "langchain-core",
    "langchain-openai",
    "langchain-anthropic",
    "pydantic",
    "numpy",
)
_REPO = Path(__file__).resolve().parents[1]


class Provenance(BaseModel):
    """Versions of everything that shapes a result."""

    python: str
    packages: dict[str, str | None]
    prompts: dict[str, str]
    git_commit: str | None
    git_dirty: bool | None


def provenance() -> Provenance:
    """Collect the versions now (the judge prompt's included)."""
    commit = _git("rev-parse", "HEAD")
    status = _git("status", "--porcelain") if commit else None
    return Provenance(
        python=platform.python_version(),
        packages={name: _version(name) for name in PACKAGES},
        prompts={**prompt_versions(), "judge": load_prompt("judge").version},
        git_commit=commit,
        git_dirty=bool(status) if status is not None else None,
    )


def _version(name: str) -> str | None:
    try:
        return version(name)
    except PackageNotFoundError:
        return None


def _git(*args: str) -> str | None:
    try:
        done = subprocess.run(
            ["git", *args], cwd=_REPO, capture_output=True, text=True, timeout=10, check=True
        )
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip()
