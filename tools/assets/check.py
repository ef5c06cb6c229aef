"""One entry point: what an uploaded file is, decided by decoding it."""

from __future__ import annotations

from pathlib import Path

from tools.assets.audio import check_audio
from tools.assets.images import check_image
from tools.assets.models import MAX_ASSET_BYTES, AssetRefused, CheckedAsset

__all__ = ["check_upload"]


def check_upload(path: Path) -> CheckedAsset:
    """Decode `path` as a PNG, JPEG or WebP image, else as MP3 or WAV audio (blocking: run
    it in a thread). Its name and the type the client declared play no part.

    Raises:
        AssetRefused: empty, over `MAX_ASSET_BYTES`, none of those formats, or a file of
            one of them that is malformed, oversized or carries something else.
    """
    size = path.stat().st_size
    if size == 0:
        raise AssetRefused("the file is empty")
    if size > MAX_ASSET_BYTES:
        raise AssetRefused(f"the file is {size} bytes; at most {MAX_ASSET_BYTES} are accepted")
    found = check_image(path, size) or check_audio(path, size)
    if found is None:
        raise AssetRefused("not a PNG, JPEG or WebP image, nor MP3 or WAV audio")
    return found
