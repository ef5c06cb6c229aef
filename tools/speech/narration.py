"""Speak a scene's narration segments, re-using every segment already spoken.

Each segment is looked up in the store's speech cache under a hash of provider, model,
voice, speed, instructions and text; only a miss calls the provider (the provider is not
even built while everything hits, so an edit that keeps the words needs no key). Audio is
stored content-addressed, so speaking the same text twice stores nothing new, and the
scene's track (its segments laid back to back, each padded to its slot) is the same bytes
whenever its segments are.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from tools.speech.models import (
    SAMPLE_RATE,
    SceneNarration,
    Speech,
    SpokenSegment,
    Voice,
    Word,
    read_wav,
    slot_seconds,
    spoken_text,
    wav_bytes,
)
from tools.speech.providers import SpeechProvider, provider_for
from tools.store import CachedSpeech, Store

__all__ = ["SpeechTally", "speak_scene", "speech_key"]

CONCURRENT_SEGMENTS = 3
"""Syntheses of one scene in flight at once (scenes themselves run in parallel)."""


@dataclass
class SpeechTally:
    """What speaking a scene cost: provider calls, their characters and audio, and what
    the cache saved."""

    calls: int = 0
    characters: int = 0
    audio_seconds: float = 0.0
    reused: int = 0
    seconds: float = 0.0
    """Wall time spent waiting for the provider."""
    texts: list[str] = field(default_factory=list)
    """The texts that were synthesised, in order."""


def speech_key(voice: Voice, text: str) -> str:
    """The cache key of `text` spoken in `voice`."""
    parts = [voice.provider, voice.model, voice.name, f"{voice.speed:.3f}"]
    parts += [voice.instructions or "", spoken_text(text)]
    return hashlib.sha256(json.dumps(parts).encode()).hexdigest()


async def speak_scene(
    texts: Sequence[str],
    voice: Voice,
    store: Store,
    *,
    admit: Callable[[], None] | None = None,
    providers: Callable[[Voice], SpeechProvider] = provider_for,
) -> tuple[SceneNarration, SpeechTally]:
    """The scene's narration in `voice`, from the cache where possible.

    `admit` is called before every provider call and may raise to refuse it (a spent
    budget); `providers` builds the provider on the first miss.

    Raises:
        SpeechError: a provider failed, or cannot be built (no key, no offline voice).
    """
    tally = SpeechTally()
    lock = asyncio.Lock()
    built: list[SpeechProvider] = []
    limit = asyncio.Semaphore(CONCURRENT_SEGMENTS)

    async def provider() -> SpeechProvider:
        async with lock:
            if not built:
                built.append(providers(voice))
            return built[0]

    async def one(text: str) -> tuple[CachedSpeech, bytes]:
        key = speech_key(voice, text)
        cached = await store.get_speech(key)
        if cached is not None:
            tally.reused += 1
            return cached, read_wav(await store.artifacts.read_bytes(cached.audio))
        speaker = await provider()
        async with limit:
            if admit is not None:
                admit()
            started = time.monotonic()
            speech = await speaker.synthesize(spoken_text(text))
            tally.seconds += time.monotonic() - started
        tally.calls += 1
        tally.characters += len(spoken_text(text))
        tally.audio_seconds += speech.seconds
        tally.texts.append(text)
        entry = await _store(store, key, speech)
        return entry, speech.pcm

    spoken = await asyncio.gather(*(one(text) for text in texts))
    segments, track = [], bytearray()
    start = 0.0
    for text, (entry, pcm) in zip(texts, spoken, strict=True):
        slot = slot_seconds(entry.seconds)
        words = tuple(Word.model_validate(word) for word in entry.words)
        segments.append(
            SpokenSegment(
                text=text,
                audio=entry.audio,
                start=round(start, 3),
                duration=slot,
                speech=entry.seconds,
                words=words,
            )
        )
        track += pcm + bytes(2 * round(slot * SAMPLE_RATE) - len(pcm))
        start += slot
    track_key = await store.artifacts.put_bytes(wav_bytes(bytes(track)), ".wav")
    return SceneNarration(voice=voice, segments=tuple(segments), track=track_key), tally


async def _store(store: Store, key: str, speech: Speech) -> CachedSpeech:
    audio = await store.artifacts.put_bytes(wav_bytes(speech.pcm), ".wav")
    entry = CachedSpeech(
        audio=audio,
        seconds=speech.seconds,
        words=[word.model_dump() for word in speech.words],
    )
    await store.put_speech(key, entry)
    return entry
