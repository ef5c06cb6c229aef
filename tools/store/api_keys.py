"""API keys: random tokens stored only as their sha256.

A plain hash suffices (no salt, no slow KDF) because the keys carry 256 random
bits: nothing can be guessed from the hash. Lookup goes by the short prefix and
ends with a constant-time comparison of the hashes.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from tools.store.tables import ApiKey, new_id, utcnow

__all__ = [
    "KEY_PREFIX",
    "active_key_count",
    "add_key",
    "all_keys",
    "find_key",
    "revoke_key",
]

KEY_PREFIX = "mg_"
_SHOWN_CHARS = 8


def add_key(session: Session, name: str, *, admin: bool = False) -> tuple[ApiKey, str]:
    """Insert a new key named `name`; returns the row and the only copy of the key."""
    plaintext = KEY_PREFIX + secrets.token_urlsafe(32)
    row = ApiKey(
        id=new_id(),
        name=name,
        key_hash=_hash(plaintext),
        prefix=plaintext[:_SHOWN_CHARS],
        created_at=utcnow(),
        revoked_at=None,
        admin=admin,
    )
    session.add(row)
    session.flush()
    return row, plaintext


def find_key(session: Session, plaintext: str) -> ApiKey | None:
    """The active key whose hash matches `plaintext`, or None."""
    digest = _hash(plaintext)
    candidates = session.scalars(
        select(ApiKey).where(ApiKey.prefix == plaintext[:_SHOWN_CHARS], ApiKey.revoked_at.is_(None))
    )
    return next((row for row in candidates if hmac.compare_digest(row.key_hash, digest)), None)


def all_keys(session: Session) -> Sequence[ApiKey]:
    """Every key, revoked ones included, oldest first."""
    return session.scalars(select(ApiKey).order_by(ApiKey.created_at, ApiKey.id)).all()


def revoke_key(session: Session, name: str) -> bool:
    """Revoke the active key `name`; False if there is none."""
    row = session.scalar(
        select(ApiKey).where(ApiKey.name == name, ApiKey.revoked_at.is_(None)).with_for_update()
    )
    if row is None:
        return False
    row.revoked_at = utcnow()
    return True


def active_key_count(session: Session) -> int:
    """How many keys still authenticate."""
    query = select(func.count()).select_from(ApiKey).where(ApiKey.revoked_at.is_(None))
    return session.scalar(query) or 0


def _hash(plaintext: str) -> str:
    return hashlib.sha256(plaintext.encode()).hexdigest()
