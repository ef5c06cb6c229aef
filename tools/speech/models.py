"""Typed contracts of speech: which voice speaks, what it said, and when.

Audio travels as 16-bit little-endian mono PCM at `SAMPLE_RATE` (every provider is asked
for, or converted to, that), stored as WAV: the duration of a segment is its sample
count, and a scene's track is its segments laid at their starts, byte for byte.
"""

from __future__ import annotations

import io
import itertools
import math
import re
import wave
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "PAUSE_S",
    "SAMPLE_RATE",
    "VOICE_PATTERN",
    "NarrationSettings",
    "SceneNarration",
    "Speech",
    "SpeechError",
    "SpeechProviderName",
    "SpokenSegment",
    "Voice",
    "Word",
    "pcm_seconds",
    "read_wav",
    "slot_seconds",
    "spoken_text",
    "wav_bytes",
]

SAMPLE_RATE = 24_000
"""Samples per second of all speech audio (OpenAI's and ElevenLabs' native PCM rate)."""
PAUSE_S = 0.25
"""Silence after each segment before the next one starts."""

SpeechProviderName = Literal["offline", "openai", "elevenlabs"]
VOICE_PATTERN = r"^(offline|none|openai:[A-Za-z0-9_-]{1,64}|elevenlabs:[A-Za-z0-9_-]{1,64})$"
"""What `--voice` and `narration.voice` accept."""

DEFAULT_MODELS: dict[SpeechProviderName, str] = {
    "offline": "flite-slt",
    "openai": "gpt-4o-mini-tts",
    "elevenlabs": "eleven_multilingual_v2",
}


class SpeechError(RuntimeError):
    """Speech failed in a way no retry fixes (a rejected key, a missing voice); the message
    says what to do."""


class NarrationSettings(BaseModel):
    """The voice of a job: `offline`, `none` (silent), `openai:<voice>` or
    `elevenlabs:<voice_id>`, its speed, and for OpenAI how to speak."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    voice: str = Field(
        default="offline",
        pattern=VOICE_PATTERN,
        examples=["offline", "none", "openai:alloy", "elevenlabs:21m00Tcm4TlvDq8ikWAM"],
    )
    speed: float = Field(default=1.0, ge=0.5, le=2.0, description="1 is the voice's own pace.")
    model: str | None = Field(
        default=None,
        max_length=64,
        pattern=r"^[A-Za-z0-9._-]+$",
        description="The provider's speech model (default: gpt-4o-mini-tts, "
        "eleven_multilingual_v2).",
    )
    instructions: str | None = Field(
        default=None, max_length=500, description="How to speak (OpenAI's gpt-4o-mini-tts only)."
    )

    @property
    def enabled(self) -> bool:
        """Whether the video is narrated at all."""
        return self.voice != "none"

    def voice_id(self) -> Voice:
        """The provider, model and voice name this setting names (narration must be on)."""
        if not self.enabled:
            raise ValueError("the voice `none` speaks no narration")
        provider, _, name = self.voice.partition(":")
        known: SpeechProviderName = provider  # type: ignore[assignment]
        return Voice(
            provider=known,
            model=self.model if self.model and known != "offline" else DEFAULT_MODELS[known],
            name=name or "default",
            speed=self.speed,
            instructions=self.instructions if known == "openai" else None,
        )


class Voice(BaseModel):
    """Everything that changes how a text sounds: the synthesis key is built from this."""

    model_config = ConfigDict(frozen=True)

    provider: SpeechProviderName
    model: str
    name: str
    speed: float
    instructions: str | None = None

    @property
    def label(self) -> str:
        """The voice as a setting names it (`offline`, `openai:alloy`): `voice_id`'s inverse."""
        return "offline" if self.provider == "offline" else f"{self.provider}:{self.name}"


class Word(BaseModel):
    """A spoken word and its span, in seconds from the start of its segment."""

    model_config = ConfigDict(frozen=True)

    text: str
    start: float = Field(ge=0)
    end: float = Field(ge=0)


class SpokenSegment(BaseModel):
    """One narration segment as spoken in its scene."""

    model_config = ConfigDict(frozen=True)

    text: str
    audio: str = Field(description="Artifact key of the segment's WAV.")
    start: float = Field(ge=0, description="Seconds from the scene's start.")
    duration: float = Field(gt=0, description="Its slot: the speech, a pause, in 0.1 s steps.")
    speech: float = Field(gt=0, description="Seconds of audio.")
    words: tuple[Word, ...] = Field(
        default=(), description="Word timings where the provider gives them."
    )

    @property
    def end(self) -> float:
        return self.start + self.duration


class SceneNarration(BaseModel):
    """A scene's voice-over: its voice, its segments back to back, and the track of them."""

    model_config = ConfigDict(frozen=True)

    voice: Voice
    segments: tuple[SpokenSegment, ...] = Field(min_length=1)
    track: str = Field(description="Artifact key of the scene's WAV, segments at their starts.")

    @property
    def duration(self) -> float:
        """Where the last segment's slot ends."""
        return self.segments[-1].end

    @field_validator("segments")
    @classmethod
    def _back_to_back(cls, segments: tuple[SpokenSegment, ...]) -> tuple[SpokenSegment, ...]:
        for before, after in itertools.pairwise(segments):
            if not math.isclose(before.end, after.start, abs_tol=1e-6):
                raise ValueError("segments must follow each other without gaps")
        return segments


@dataclass(frozen=True)
class Speech:
    """What a provider returns: PCM at `SAMPLE_RATE`, and word timings if it has them."""

    pcm: bytes
    words: tuple[Word, ...] = ()

    @property
    def seconds(self) -> float:
        return pcm_seconds(self.pcm)


def pcm_seconds(pcm: bytes) -> float:
    """Seconds of 16-bit mono PCM at `SAMPLE_RATE`."""
    return len(pcm) / (2 * SAMPLE_RATE)


def slot_seconds(speech: float) -> float:
    """A segment's slot: its speech and the pause after it, rounded up to 0.1 s, so the
    timings a coder gets are round numbers."""
    return math.ceil(round((speech + PAUSE_S) * 10, 6)) / 10


def wav_bytes(pcm: bytes) -> bytes:
    """A WAV file of 16-bit mono PCM at `SAMPLE_RATE`; the same PCM gives the same bytes."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as out:
        out.setnchannels(1)
        out.setsampwidth(2)
        out.setframerate(SAMPLE_RATE)
        out.writeframes(pcm)
    return buffer.getvalue()


def read_wav(data: bytes) -> bytes:
    """The PCM of a WAV that `wav_bytes` wrote.

    Raises:
        ValueError: the WAV is not 16-bit mono at `SAMPLE_RATE`.
    """
    with wave.open(io.BytesIO(data), "rb") as source:
        shape = (source.getnchannels(), source.getsampwidth(), source.getframerate())
        if shape != (1, 2, SAMPLE_RATE):
            raise ValueError(f"expected 16-bit mono WAV at {SAMPLE_RATE} Hz, got {shape}")
        return source.readframes(source.getnframes())


_SPACE = re.compile(r"\s+")


def spoken_text(text: str) -> str:
    """The text as sent to a voice: whitespace folded (so reflowed text is the same text)."""
    return _SPACE.sub(" ", text).strip()
