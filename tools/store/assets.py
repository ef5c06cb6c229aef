"""Asset rows: adding one within its owner's quota, finding, listing, deleting."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ColumnElement, delete, func, select
from sqlalchemy.orm import Session

from tools.assets import CheckedAsset
from tools.store.tables import ApiKey, Asset, new_id, utcnow

__all__ = [
    "AssetQuotaExceeded",
    "add_asset",
    "check_quota",
    "count_assets",
    "delete_asset",
    "find_asset",
    "find_by_artifact",
    "page_assets",
]


class AssetQuotaExceeded(ValueError):
    """The owner's assets would take more bytes than the quota allows."""


def check_quota(session: Session, owner: str | None, size: int, quota_bytes: int) -> None:
    """Refuse `size` more bytes for the owner when they would pass the quota (each stored
    asset counts once, however often it is used).

    Raises:
        AssetQuotaExceeded: with what is in use and what to do.
    """
    query = select(func.coalesce(func.sum(Asset.size), 0)).where(_owned_by(owner))
    used = int(session.scalar(query) or 0)
    if used + size > quota_bytes:
        raise AssetQuotaExceeded(
            f"the asset quota is {quota_bytes / 2**20:g} MB per key: {used} bytes are in use"
            f" and this file has {size}; delete assets first"
        )


def find_by_artifact(session: Session, owner: str | None, artifact: str) -> Asset | None:
    """The owner's asset of these bytes, if any."""
    return session.scalar(select(Asset).where(_owned_by(owner), Asset.artifact == artifact))


def add_asset(
    session: Session,
    owner: str | None,
    found: CheckedAsset,
    *,
    artifact: str,
    filename: str,
    quota_bytes: int,
) -> tuple[Asset, bool]:
    """The owner's asset of these bytes, and whether it was added now: an upload of bytes
    the owner already has returns that asset. The owner's key row is locked first, so two
    concurrent uploads cannot both pass the quota.

    Raises:
        AssetQuotaExceeded: the new asset would take the owner past `quota_bytes`.
    """
    if owner is not None:
        session.execute(select(ApiKey.id).where(ApiKey.id == owner).with_for_update())
    existing = find_by_artifact(session, owner, artifact)
    if existing is not None:
        return existing, False
    check_quota(session, owner, found.size, quota_bytes)
    row = Asset(
        id=new_id(),
        owner=owner,
        kind=found.kind,
        media_type=found.media_type,
        artifact=artifact,
        size=found.size,
        width=found.width,
        height=found.height,
        duration=found.duration,
        filename=filename,
        created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row, True


def find_asset(session: Session, asset_id: str, owner: str | None) -> Asset | None:
    """The asset, if `owner` uploaded it (None without keys: only unowned ones)."""
    return session.scalar(select(Asset).where(Asset.id == asset_id, _owned_by(owner)))


def page_assets(session: Session, owner: str | None, limit: int, offset: int) -> Sequence[Asset]:
    """The owner's assets, newest first."""
    query = (
        select(Asset)
        .where(_owned_by(owner))
        .order_by(Asset.created_at.desc(), Asset.id)
        .limit(limit)
        .offset(offset)
    )
    return session.scalars(query).all()


def count_assets(session: Session, owner: str | None) -> int:
    """How many assets `page_assets` pages through."""
    return session.scalar(select(func.count()).select_from(Asset).where(_owned_by(owner))) or 0


def delete_asset(session: Session, asset_id: str, owner: str | None) -> bool:
    """Delete the owner's asset row; False if there is none."""
    deleted = session.execute(
        delete(Asset).where(Asset.id == asset_id, _owned_by(owner)).returning(Asset.id)
    )
    return deleted.first() is not None


def _owned_by(owner: str | None) -> ColumnElement[bool]:
    """Assets are always scoped: without keys, the unowned ones."""
    return Asset.owner.is_(None) if owner is None else Asset.owner == owner
