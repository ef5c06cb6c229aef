"""Audio: the container is recognised from its first bytes, then ffprobe and ffmpeg, forced
to that demuxer and to plain files, must find exactly one audio stream, no other stream,
and decode every frame of it.

Forcing the demuxer matters: left to guess, ffmpeg opens playlists and other formats that
read further files or URLs. An MP3 carrying cover art has a second (video) stream, and is
refused like any file with a video stream.
"""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tools.assets.models import AssetRefused, CheckedAsset

__all__ = ["check_audio", "container_of"]

TIMEOUT_S = 120.0
_CODECS = {
    "mp3": ("audio/mpeg", ".mp3", ("mp3",)),
    "wav": ("audio/wav", ".wav", ("pcm_s16le", "pcm_s24le", "pcm_s32le", "pcm_f32le", "pcm_u8")),
}
_SAFE_INPUT = ["-protocol_whitelist", "file", "-probesize", "5000000"]


def container_of(head: bytes) -> str | None:
    """`mp3` or `wav` from a file's first bytes (an ID3 tag or an MPEG audio frame sync;
    a RIFF WAVE header), else None."""
    if head[:4] == b"RIFF" and head[8:12] == b"WAVE":
        return "wav"
    if head[:3] == b"ID3" or (len(head) > 1 and head[0] == 0xFF and head[1] & 0xE0 == 0xE0):
        return "mp3"
    return None


def check_audio(path: Path, size: int) -> CheckedAsset | None:
    """The audio `path` holds, None if its first bytes are no MP3 or WAV.

    Raises:
        AssetRefused: its streams are not exactly one audio stream of the container's
            codec, or it does not decode to the end.
    """
    with path.open("rb") as source:
        container = container_of(source.read(12))
    if container is None:
        return None
    media_type, suffix, codecs = _CODECS[container]
    found = _probe(path, container)
    streams = found.get("streams", [])
    kinds = [stream.get("codec_type") for stream in streams]
    if "video" in kinds:
        raise AssetRefused("the audio file also holds a video stream (e.g. cover art)")
    if kinds != ["audio"]:
        raise AssetRefused(f"expected exactly one audio stream, found {len(kinds)} stream(s)")
    codec = streams[0].get("codec_name")
    if codec not in codecs:
        raise AssetRefused(f"the {container.upper()} file holds {codec} audio")
    duration = float(found.get("format", {}).get("duration") or streams[0].get("duration") or 0)
    if duration <= 0:
        raise AssetRefused("the audio has no length")
    _decode(path, container)
    return CheckedAsset(
        kind="audio", media_type=media_type, suffix=suffix, size=size, duration=duration
    )


def _probe(path: Path, container: str) -> dict:
    show = ["-show_format", "-show_streams", "-of", "json"]
    done = _run(["ffprobe", "-v", "error", *_SAFE_INPUT, "-f", container, "-i", str(path), *show])
    try:
        return json.loads(done.stdout or "{}")
    except json.JSONDecodeError:
        raise AssetRefused("ffprobe could not read the audio") from None


def _decode(path: Path, container: str) -> None:
    """Decode every frame; any error (a truncated or corrupt frame) refuses the file."""
    options = ["-nostdin", "-v", "error", "-xerror", *_SAFE_INPUT, "-f", container]
    _run(["ffmpeg", *options, "-i", str(path), "-map", "0:a:0", "-f", "null", "-"])


def _run(argv: list[str]) -> subprocess.CompletedProcess[str]:
    try:
        done = subprocess.run(
            argv, capture_output=True, text=True, timeout=TIMEOUT_S, check=False, stdin=None
        )
    except FileNotFoundError:
        raise AssetRefused(f"{argv[0]} is not installed; audio cannot be checked") from None
    except subprocess.TimeoutExpired:
        raise AssetRefused(f"the audio took longer than {TIMEOUT_S:g} s to check") from None
    if done.returncode != 0:
        reason = (done.stderr.strip().splitlines() or ["it does not decode"])[-1]
        raise AssetRefused(f"the audio does not decode: {reason[:200]}")
    return done
