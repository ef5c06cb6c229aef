"""Exceptions that end a job, each carrying the one-line reason shown to the user."""

from __future__ import annotations

__all__ = ["EnvironmentProblem", "JobError", "NarrationFailed", "NotFound", "SceneFailed"]


class JobError(RuntimeError):
    """A job could not finish; the message is what the user sees."""


class EnvironmentProblem(JobError):
    """The machine lacks something (LaTeX, ffmpeg, fonts, disk): never sent to a model."""


class SceneFailed(JobError):
    """A scene failed for good and no fallback applies (edits, or fallback turned off)."""

    def __init__(self, number: int, reason: str) -> None:
        super().__init__(f"scene {number} failed: {reason}")
        self.number = number
        self.reason = reason


class NotFound(JobError):
    """The request names a project or scene that does not exist."""


class NarrationFailed(JobError):
    """The voice could not speak a scene's narration (a rejected key, a missing voice)."""
