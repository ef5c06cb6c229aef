"""Store failures, one class per thing a caller may handle differently."""

from __future__ import annotations

__all__ = [
    "InvalidCommitError",
    "InvalidTransitionError",
    "MissingArtifactError",
    "RecordNotFoundError",
    "StoreConflictError",
    "StoreError",
    "StoreUnavailableError",
]


class StoreError(Exception):
    """Base of every store failure."""


class StoreUnavailableError(StoreError):
    """The data directory or database cannot be opened or written; the CLI prints it as is."""


class RecordNotFoundError(StoreError, LookupError):
    """A write names a row that does not exist (e.g. an unknown job)."""


class MissingArtifactError(StoreError, LookupError):
    """A write references an artifact key that is not in the artifact directory."""


class InvalidCommitError(StoreError, ValueError):
    """A version commit is inconsistent (duplicate slots, a slot from another project...)."""


class StoreConflictError(StoreError):
    """A concurrent writer took the same unique value (version number, id); retrying is safe."""


class InvalidTransitionError(StoreError, ValueError):
    """A job update would reopen a finished job; only a resume may restart a failed or
    cancelled one, and a completed job never changes again."""
