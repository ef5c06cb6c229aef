"""Images: decoded in full by Pillow, and nothing may follow the image's own end.

Pillow reads only PNG, JPEG and WebP here, refuses more than `MAX_IMAGE_SIDE` pixels a side
before it decodes a pixel (a decompression bomb is small on disk and huge in memory), and
turns its own bomb warning into an error. A truncated file fails to decode. Bytes after
the image's end are how polyglots (a ZIP or a script appended to a PNG) hide, so the
container is walked to its end, which must be the end of the file.
"""

from __future__ import annotations

import struct
import warnings
from pathlib import Path

from PIL import Image, UnidentifiedImageError

from tools.assets.models import MAX_IMAGE_SIDE, AssetRefused, CheckedAsset

__all__ = ["check_image", "image_end"]

_FORMATS = {
    "PNG": ("image/png", ".png"),
    "JPEG": ("image/jpeg", ".jpg"),
    "WEBP": ("image/webp", ".webp"),
}
_PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
_JPEG_STANDALONE = {0x01, *range(0xD0, 0xD8)}
"""Markers without a length: TEM and the restart markers."""


def check_image(path: Path, size: int) -> CheckedAsset | None:
    """The image `path` holds, None if Pillow does not recognise a PNG, JPEG or WebP.

    Raises:
        AssetRefused: too large, not decodable in full, or with bytes after its end.
    """
    fmt = ""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(path, formats=list(_FORMATS)) as image:
                fmt, (width, height) = image.format or "", image.size
                if max(width, height) > MAX_IMAGE_SIDE:
                    raise AssetRefused(
                        f"the image is {width}x{height} pixels; at most {MAX_IMAGE_SIDE} a side"
                    )
                image.load()
        except UnidentifiedImageError:
            return None
        except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
            raise AssetRefused(f"the image is too large to decode: {exc}") from None
        except (OSError, SyntaxError, ValueError, struct.error) as exc:
            raise AssetRefused(f"the {fmt or 'image'} file does not decode: {exc}") from None
    data = path.read_bytes()
    end = image_end(fmt, data)
    if end != len(data):
        raise AssetRefused(
            f"{len(data) - end} bytes follow the end of the {fmt} image (a file hidden in it?)"
        )
    media_type, suffix = _FORMATS[fmt]
    return CheckedAsset(
        kind="image", media_type=media_type, suffix=suffix, size=size, width=width, height=height
    )


def image_end(fmt: str, data: bytes) -> int:
    """Where the image's container ends in `data`.

    Raises:
        AssetRefused: the container is malformed (it ends early or has no end).
    """
    try:
        if fmt == "PNG":
            return _png_end(data)
        if fmt == "JPEG":
            return _jpeg_end(data)
        return _webp_end(data)
    except AssetRefused:
        raise
    except (IndexError, ValueError, struct.error):
        raise AssetRefused(f"the {fmt} file ends in the middle of its structure") from None


def _png_end(data: bytes) -> int:
    """After the IEND chunk: length, type, data and CRC of each chunk from the signature on."""
    if not data.startswith(_PNG_SIGNATURE):
        raise AssetRefused("not a PNG signature")
    at = len(_PNG_SIGNATURE)
    while True:
        (length,) = struct.unpack_from(">I", data, at)
        kind = data[at + 4 : at + 8]
        at += 12 + length
        if at > len(data):
            raise AssetRefused("a PNG chunk runs past the end of the file")
        if kind == b"IEND":
            return at


def _jpeg_end(data: bytes) -> int:
    """After the EOI marker: segments by their lengths, entropy-coded scans byte by byte
    (a 0xFF there is followed by 0x00 or a restart marker)."""
    if data[:2] != b"\xff\xd8":
        raise AssetRefused("not a JPEG start of image")
    at = 2
    while True:
        if data[at] != 0xFF:
            raise AssetRefused(f"no JPEG marker at byte {at}")
        marker = data[at + 1]
        at += 2
        if marker == 0xFF:  # fill byte before a marker
            at -= 1
        elif marker == 0xD9:
            return at
        elif marker not in _JPEG_STANDALONE:
            (length,) = struct.unpack_from(">H", data, at)
            at += length
            if marker == 0xDA:
                at = _scan_end(data, at)


def _scan_end(data: bytes, at: int) -> int:
    """The offset of the marker that ends an entropy-coded scan starting at `at`."""
    while True:
        at = data.index(b"\xff", at)
        following = data[at + 1]
        if following != 0x00 and following not in range(0xD0, 0xD8):
            return at
        at += 2


def _webp_end(data: bytes) -> int:
    """The RIFF container's declared size (padded to an even length) plus its header."""
    if data[:4] != b"RIFF" or data[8:12] != b"WEBP":
        raise AssetRefused("not a WebP RIFF container")
    (size,) = struct.unpack_from("<I", data, 4)
    return 8 + size + (size & 1)
