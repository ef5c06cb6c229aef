"""What an accepted asset is, and how jobs, plans and scene code name one."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal, NamedTuple

from pydantic import BaseModel, ConfigDict, Field

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

MAX_ASSET_BYTES = 20 * 2**20
"""Largest file accepted, image or audio."""
MAX_IMAGE_SIDE = 4096
"""Largest width or height of an image, in pixels."""
MAX_ASSETS = 8
"""Uploaded assets one video may use (and so images one scene may show)."""
ASSET_DIR = "assets"
"""The directory beside the scene file, inside the sandbox, holding its read-only assets."""

AssetKind = Literal["image", "audio"]
AssetRole = Literal["image", "music"]
ROLE_KINDS: dict[AssetRole, AssetKind] = {"image": "image", "music": "audio"}
"""What kind of file each role takes."""


class AssetRefused(ValueError):
    """The file is not an acceptable image or audio file; the message says why."""


class CheckedAsset(BaseModel):
    """What decoding found: the format (never the client's claim) and its measures."""

    model_config = ConfigDict(frozen=True)

    kind: AssetKind
    media_type: str = Field(description="e.g. image/png, audio/mpeg.")
    suffix: str = Field(description="The artifact suffix for the format, e.g. .png.")
    size: int = Field(ge=1, description="Bytes.")
    width: int | None = None
    height: int | None = None
    duration: float | None = Field(default=None, description="Seconds of audio.")


class PlanImage(BaseModel):
    """An image a scene shows: its short name, what it depicts, and the file the scene code
    loads (relative to the scene file, read-only in the sandbox)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = Field(min_length=1, max_length=40, description="Short name, e.g. image1.")
    description: str = Field(default="", max_length=300, description="What the image shows.")
    file: str = Field(
        min_length=1, max_length=120, description="The path the scene loads, e.g. assets/<key>.png."
    )

    @property
    def key(self) -> str:
        """The artifact key of the file: its name in `ASSET_DIR`."""
        return self.file.removeprefix(f"{ASSET_DIR}/")


class JobAsset(BaseModel):
    """An uploaded asset a generate job uses, resolved from its id at submission."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    key: str = Field(min_length=1, max_length=80, description="Artifact key of the file.")
    role: AssetRole
    name: str = Field(min_length=1, max_length=40, description="image1, image2..., or music.")
    description: str = Field(default="", max_length=300)

    def plan_image(self) -> PlanImage:
        """How the planner and the coder see an image."""
        return PlanImage(
            name=self.name, description=self.description, file=f"{ASSET_DIR}/{self.key}"
        )


class AssetPick(NamedTuple):
    """A stored asset a request wants, and in which role."""

    key: str
    kind: AssetKind
    role: AssetRole
    description: str = ""


def name_assets(picks: Sequence[AssetPick]) -> tuple[JobAsset, ...]:
    """The job's assets, named as the planner and coder will know them: image1, image2...
    in order, and `music`.

    Raises:
        AssetRefused: a role that does not fit the file (an image as music), or a second
            music bed.
    """
    named: list[JobAsset] = []
    for pick in picks:
        if ROLE_KINDS[pick.role] != pick.kind:
            raise AssetRefused(f"an {pick.kind} file cannot be the {pick.role}")
        images = sum(asset.role == "image" for asset in named)
        name = f"image{images + 1}" if pick.role == "image" else "music"
        if any(asset.name == name for asset in named):
            raise AssetRefused("a video has at most one music bed")
        named.append(
            JobAsset(key=pick.key, role=pick.role, name=name, description=pick.description)
        )
    return tuple(named)
