"""User assets (images and a music bed): how jobs, plans and scene code name them.

A file is accepted by decoding it, never by its name or declared type:
`tools.assets.check.check_upload` returns what it is, or raises `AssetRefused` with a
reason a person can act on. It imports Pillow, so it is left out of this package's
namespace (the CLI's fast commands import the store, which imports these models).
"""

from tools.assets.models import (
    ASSET_DIR,
    MAX_ASSET_BYTES,
    MAX_ASSETS,
    MAX_IMAGE_SIDE,
    ROLE_KINDS,
    AssetKind,
    AssetPick,
    AssetRefused,
    AssetRole,
    CheckedAsset,
    JobAsset,
    PlanImage,
    name_assets,
)

__all__ = [
    "ASSET_DIR",
    "MAX_ASSETS",
    "MAX_ASSET_BYTES",
    "MAX_IMAGE_SIDE",
    "ROLE_KINDS",
    "AssetKind",
    "AssetPick",
    "AssetRefused",
    "AssetRole",
    "CheckedAsset",
    "JobAsset",
    "PlanImage",
    "name_assets",
]
