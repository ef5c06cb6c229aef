"""Video plumbing on the ffmpeg/ffprobe binaries: probe, concat, thumbnail, voice-over,
subtitles burned in.

Scenes rendered with the same settings are joined by stream copy (no quality loss,
seconds instead of minutes); anything else is re-encoded to the first scene's format.
Every output is written to a temporary file and renamed, so a failure never leaves
a half-written file under the requested name.
"""

from __future__ import annotations

import json
import logging
import shutil
import subprocess
import tempfile
import wave
from collections.abc import Sequence
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict

from tools.atomic import replacing

__all__ = [
    "MUSIC_LEVEL_DB",
    "MediaError",
    "MediaInfo",
    "add_music_bed",
    "add_voice_over",
    "burn_subtitles",
    "concat",
    "hold_last_frame",
    "probe",
    "settled_frame",
    "thumbnail",
]

log = logging.getLogger(__name__)

TIMEOUT_S = 900.0
MUSIC_LEVEL_DB = -18.0
"""How far a music bed sits below its own level: under the voice, never over it."""
MUSIC_FADE_S = 2.0
_AUDIO_RATE = 48_000
_PROBE_SIZE = 64
"""Frames are compared at this many pixels a side, in grey: enough to see motion and ink."""
_MOVED_DIFF = 4.0
"""Grey difference (0-255) of one probe pixel from one frame to the next that counts as
motion; encoding noise between equal pictures stays at 2 or less."""
_BLANK_SPREAD = 2.0
"""Grey standard deviation below which a frame is a plain background (nothing drawn)."""
_STILL_S = 0.2
_COPY_KEYS = (
    "codec_type",
    "codec_name",
    "profile",
    "width",
    "height",
    "pix_fmt",
    "r_frame_rate",
    "extradata_hash",
    "sample_rate",
    "channels",
)
"""Stream properties that must match for a stream-copy concat to stay decodable."""


class MediaError(RuntimeError):
    """ffmpeg or ffprobe is missing or failed; the message ends with ffmpeg's own reason."""


class MediaInfo(BaseModel):
    """What ffprobe says about a media file (video fields are None without a video stream)."""

    model_config = ConfigDict(frozen=True)

    duration: float | None
    width: int | None
    height: int | None
    fps: float | None
    video_codec: str | None
    audio_codec: str | None
    pix_fmt: str | None
    streams: int


def probe(path: Path) -> MediaInfo:
    """Duration, size, frame rate and codecs of `path`."""
    return _info(_ffprobe(path))


def concat(videos: Sequence[Path], out: Path) -> Path:
    """Join `videos` in order into `out`.

    Stream copy when every input has the same codecs, size, frame rate, pixel format
    and codec headers; otherwise re-encode to H.264/yuv420p at the first input's size
    and frame rate (others are scaled and letterboxed). A single input is copied.
    """
    if not videos:
        raise ValueError("concat needs at least one video")
    probes = [_ffprobe(video) for video in videos] if len(videos) > 1 else []
    with replacing(out) as temp:
        if not probes:
            shutil.copyfile(videos[0], temp)
        elif len({_copy_signature(p) for p in probes}) == 1:
            log.debug("concat of %d videos by stream copy", len(videos))
            _concat_copy(videos, temp)
        else:
            log.debug("concat of %d videos by re-encoding (formats differ)", len(videos))
            _concat_encode(videos, probes, temp)
    return out


def thumbnail(video: Path, out_png: Path, at_s: float | None = None) -> Path:
    """Save one frame of `video` as a PNG; by default at 1 s, or mid-way if shorter.

    A time past the end takes the last frames instead of failing.
    """
    info = probe(video)
    duration, frame_s = info.duration or 0.0, 1 / (info.fps or 30.0)
    at = min(1.0, duration / 2) if at_s is None else at_s
    at = max(0.0, min(at, duration - 2 * frame_s))
    with replacing(out_png) as temp:
        _run("ffmpeg", ["-ss", f"{at:.3f}", "-i", str(video), "-frames:v", "1", str(temp)])
        if temp.stat().st_size == 0:
            raise MediaError(f"no frame at {at:.2f} s in {video}")
    return out_png


def settled_frame(video: Path, out_png: Path) -> Path:
    """Save the last frame of `video` that is at rest and shows something, as a PNG.

    At rest: the picture has not changed for 0.2 s, so no animation is under way. Shows
    something: not a plain background, as after a closing fade-out (or a held blank end).
    A video that never rests gives its last frame that shows something, else its last one.
    """
    frames = _grey_frames(video)
    if len(frames) == 0:
        raise MediaError(f"no frames in {video}")
    fps = probe(video).fps or 30.0
    moved = np.abs(np.diff(frames, axis=0)).max(axis=1) >= _MOVED_DIFF
    drawn = frames.std(axis=1) >= _BLANK_SPREAD
    run_needed, run = max(2, round(_STILL_S * fps)), 1
    still = np.zeros(len(frames), dtype=bool)
    for index in range(1, len(frames)):
        run = 1 if moved[index - 1] else run + 1
        still[index] = run >= run_needed
    chosen = next(
        (int(i) for mask in (still & drawn, drawn) for i in np.flatnonzero(mask)[::-1]),
        len(frames) - 1,
    )
    with replacing(out_png) as temp:
        select = f"select=eq(n\\,{chosen})"
        _run("ffmpeg", ["-i", str(video), "-vf", select, "-frames:v", "1", str(temp)])
        if temp.stat().st_size == 0:
            raise MediaError(f"no frame {chosen} in {video}")
    return out_png


def _grey_frames(video: Path) -> np.ndarray:
    """Every frame of `video`, shrunk and grey, one row of floats each."""
    size = _PROBE_SIZE
    with tempfile.TemporaryDirectory(prefix="frames-") as work:
        raw = Path(work) / "frames.gray"
        scale = f"scale={size}:{size},format=gray"
        args = ["-i", str(video), "-map", "0:v:0", "-vf", scale, "-f", "rawvideo", str(raw)]
        _run("ffmpeg", args)
        data = np.frombuffer(raw.read_bytes(), dtype=np.uint8)
    return data[: len(data) // size**2 * size**2].reshape(-1, size**2).astype(np.float32)


def hold_last_frame(video: Path, seconds: float, out: Path) -> Path:
    """`video` lengthened to `seconds` by holding its last frame (re-encoded to H.264).

    For a clip shorter than its voice-over: no word is cut, and the rest of the video is
    untouched.
    """
    info = probe(video)
    extra = max(seconds - (info.duration or 0.0), 0.0)
    with replacing(out) as temp:
        args = ["-i", str(video), "-vf", f"tpad=stop_mode=clone:stop_duration={extra:.3f}"]
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
        _run("ffmpeg", [*args, "-an", "-movflags", "+faststart", str(temp)])
    return out


def add_voice_over(video: Path, tracks: Sequence[tuple[float, Path | None]], out: Path) -> Path:
    """`video` with one AAC track laid from per-scene WAVs, in step with the pictures.

    `tracks` are the scenes in order: each scene's clip duration and its voice-over (16-bit
    mono WAV, all at one rate) or None for a silent scene. Each scene's audio is padded or
    cut to its clip's exact length before the next starts, so the sound never drifts from
    the pictures across the joins, and the track ends with the video. The pictures are
    copied, not re-encoded.
    """
    rate = next(_wav_rate(path) for _, path in tracks if path is not None)
    pcm = bytearray()
    for duration, path in tracks:
        samples = round(duration * rate)
        audio = _wav_pcm(path, rate) if path is not None else b""
        pcm += audio[: 2 * samples].ljust(2 * samples, b"\x00")
    with tempfile.TemporaryDirectory(prefix="voice-over-") as workdir:
        track = Path(workdir) / "track.wav"
        with wave.open(str(track), "wb") as sink:
            sink.setnchannels(1)
            sink.setsampwidth(2)
            sink.setframerate(rate)
            sink.writeframes(bytes(pcm))
        with replacing(out) as temp:
            args = ["-i", str(video), "-i", str(track), "-map", "0:v:0", "-map", "1:a:0"]
            args += ["-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-ar", str(_AUDIO_RATE)]
            _run("ffmpeg", [*args, "-movflags", "+faststart", str(temp)])
    return out


def add_music_bed(video: Path, music: Path, out: Path, level_db: float = MUSIC_LEVEL_DB) -> Path:
    """`video` with `music` under it from start to end: looped if shorter, cut if longer,
    `level_db` (negative) below its own level and faded out over the last seconds, mixed
    into the voice-over where there is one (the voice keeps its level) or alone as the
    sound of a silent video. The pictures are copied, not re-encoded.
    """
    info = probe(video)
    duration = info.duration or 0.0
    fade = min(MUSIC_FADE_S, duration / 2)
    bed = (
        f"[1:a]aresample={_AUDIO_RATE},volume={level_db:g}dB,"
        f"afade=t=out:st={duration - fade:.3f}:d={fade:.3f}"
    )
    if info.audio_codec is None:
        graph = f"{bed}[a]"
    else:
        graph = (
            f"{bed}[bed];[0:a]aresample={_AUDIO_RATE}[voice];"
            "[voice][bed]amix=inputs=2:duration=first:dropout_transition=0:normalize=0[a]"
        )
    with replacing(out) as temp:
        args = ["-i", str(video), "-stream_loop", "-1", "-i", str(music)]
        args += ["-filter_complex", graph, "-map", "0:v:0", "-map", "[a]", "-t", f"{duration:.3f}"]
        args += ["-c:v", "copy", "-c:a", "aac", "-b:a", "128k", "-ar", str(_AUDIO_RATE)]
        _run("ffmpeg", [*args, "-movflags", "+faststart", str(temp)])
    return out


def burn_subtitles(video: Path, srt: Path, out: Path) -> Path:
    """`video` with the SRT's cues drawn into the pictures (re-encoded; the sound is copied)."""
    with replacing(out) as temp:
        args = ["-i", str(video.resolve()), "-vf", f"subtitles={srt.name}", "-c:a", "copy"]
        args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
        _run("ffmpeg", [*args, "-movflags", "+faststart", str(temp.resolve())], cwd=srt.parent)
    return out


def _wav_rate(path: Path) -> int:
    with wave.open(str(path), "rb") as source:
        return source.getframerate()


def _wav_pcm(path: Path, rate: int) -> bytes:
    """The 16-bit mono PCM of a WAV at `rate` (anything else is refused)."""
    with wave.open(str(path), "rb") as source:
        shape = (source.getnchannels(), source.getsampwidth(), source.getframerate())
        if shape != (1, 2, rate):
            raise MediaError(f"{path}: expected 16-bit mono WAV at {rate} Hz, got {shape}")
        return source.readframes(source.getnframes())


def _concat_copy(videos: Sequence[Path], out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="concat-") as workdir:
        listing = Path(workdir) / "inputs.txt"
        listing.write_text(
            "".join(f"file '{_concat_quote(video)}'\n" for video in videos), encoding="utf-8"
        )
        # Identical codec headers make auto_convert's in-band parameter sets unnecessary:
        # without it the output's packets are byte for byte the inputs'.
        args = ["-f", "concat", "-safe", "0", "-auto_convert", "0", "-i", str(listing)]
        _run("ffmpeg", [*args, "-c", "copy", "-movflags", "+faststart", str(out)])


def _concat_quote(path: Path) -> str:
    """Quote a path for the concat demuxer's list file."""
    return str(path.resolve()).replace("'", "'\\''")


def _concat_encode(videos: Sequence[Path], probes: Sequence[dict[str, Any]], out: Path) -> None:
    first = _stream(probes[0], "video")
    if first is None:
        raise MediaError(f"{videos[0]} has no video stream")
    width, height = first["width"] + first["width"] % 2, first["height"] + first["height"] % 2
    fps = first["r_frame_rate"]
    with_audio = any(_stream(p, "audio") for p in probes)
    filters, labels = [], []
    for i, data in enumerate(probes):
        filters.append(
            f"[{i}:v:0]scale={width}:{height}:force_original_aspect_ratio=decrease,"
            f"pad={width}:{height}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps={fps},format=yuv420p[v{i}]"
        )
        labels.append(f"[v{i}]")
        if with_audio:
            layout = f"sample_rates={_AUDIO_RATE}:channel_layouts=stereo"
            source = (
                f"[{i}:a:0]aformat={layout}"
                if _stream(data, "audio")
                else f"anullsrc=r={_AUDIO_RATE}:cl=stereo,atrim=duration={_duration(data):.3f}"
            )
            filters.append(f"{source}[a{i}]")
            labels.append(f"[a{i}]")
    audio = 1 if with_audio else 0
    filters.append(f"{''.join(labels)}concat=n={len(videos)}:v=1:a={audio}[v]" + ("[a]" * audio))
    args = [arg for video in videos for arg in ("-i", str(video))]
    args += ["-filter_complex", ";".join(filters), "-map", "[v]"]
    args += ["-map", "[a]", "-c:a", "aac"] if with_audio else []
    args += ["-c:v", "libx264", "-preset", "veryfast", "-crf", "18", "-pix_fmt", "yuv420p"]
    _run("ffmpeg", [*args, "-movflags", "+faststart", str(out)])


def _copy_signature(data: dict[str, Any]) -> tuple[tuple[Any, ...], ...]:
    return tuple(tuple(stream.get(key) for key in _COPY_KEYS) for stream in data["streams"])


def _stream(data: dict[str, Any], kind: str) -> dict[str, Any] | None:
    return next((s for s in data["streams"] if s.get("codec_type") == kind), None)


def _duration(data: dict[str, Any]) -> float:
    return float(data.get("format", {}).get("duration") or 0.0)


def _info(data: dict[str, Any]) -> MediaInfo:
    video, audio = _stream(data, "video"), _stream(data, "audio")
    duration = data.get("format", {}).get("duration")
    rate = (video or {}).get("r_frame_rate") or (video or {}).get("avg_frame_rate")
    fps = float(Fraction(rate)) if rate and not rate.endswith("/0") else None
    return MediaInfo(
        duration=float(duration) if duration not in (None, "N/A") else None,
        width=video.get("width") if video else None,
        height=video.get("height") if video else None,
        fps=fps,
        video_codec=video.get("codec_name") if video else None,
        audio_codec=audio.get("codec_name") if audio else None,
        pix_fmt=video.get("pix_fmt") if video else None,
        streams=len(data["streams"]),
    )


def _ffprobe(path: Path) -> dict[str, Any]:
    output = _run(
        "ffprobe",
        ["-show_streams", "-show_format", "-show_data_hash", "md5", "-of", "json", str(path)],
    )
    data: dict[str, Any] = json.loads(output)
    data.setdefault("streams", [])
    return data


def _run(tool: str, args: list[str], cwd: Path | None = None) -> str:
    """Run ffmpeg or ffprobe quietly; failures become a MediaError with the last stderr line."""
    executable = shutil.which(tool)
    if executable is None:
        raise MediaError(f"{tool} not found on PATH: install it with `apt-get install ffmpeg`")
    command = [executable, "-hide_banner", "-loglevel", "error"]
    command += ["-nostdin", "-y", *args] if tool == "ffmpeg" else args
    try:
        done = subprocess.run(
            command, capture_output=True, text=True, errors="replace", timeout=TIMEOUT_S, cwd=cwd
        )
    except subprocess.TimeoutExpired as exc:
        raise MediaError(f"{tool} timed out after {TIMEOUT_S:.0f} s") from exc
    if done.returncode != 0:
        lines = done.stderr.strip().splitlines()
        reason = lines[-1] if lines else f"exit code {done.returncode}"
        raise MediaError(f"{tool} failed: {reason}")
    return done.stdout
