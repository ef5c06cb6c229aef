"""ElevenLabs text to speech with timestamps, through the official SDK.

`ELEVENLABS_API_KEY` keys it and `ELEVENLABS_BASE_URL` points it elsewhere (the tests'
fake). `convert_with_timestamps` returns 24 kHz PCM and each character's span, from which
the words' spans (and so the subtitles' cues) follow. The SDK retries 429, 408, 409 and
5xx with backoff, honouring Retry-After; a 401 fails at once. ElevenLabs' speed range is
0.7 to 1.2: a speed outside it is clamped.
"""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence

import httpx
from elevenlabs import VoiceSettings
from elevenlabs.client import AsyncElevenLabs
from elevenlabs.core.api_error import ApiError

from tools.speech.models import Speech, SpeechError, Voice, Word
from tools.speech.providers import SpeechProvider

__all__ = ["ElevenLabsSpeech", "words_from_characters"]

TIMEOUT_S = 60.0
MAX_RETRIES = 3
SPEED_RANGE = (0.7, 1.2)


class ElevenLabsSpeech(SpeechProvider):
    """Speaks through ElevenLabs, with word timings."""

    def __init__(self, voice: Voice, env: Mapping[str, str]) -> None:
        super().__init__(voice)
        key = env.get("ELEVENLABS_API_KEY")
        if not key:
            raise SpeechError(
                "ELEVENLABS_API_KEY is not set: it is needed for an elevenlabs:<voice_id>"
            )
        self._key = key
        self._base_url = env.get("ELEVENLABS_BASE_URL") or None

    async def synthesize(self, text: str) -> Speech:
        voice = self.voice
        speed = min(max(voice.speed, SPEED_RANGE[0]), SPEED_RANGE[1])
        async with httpx.AsyncClient(timeout=TIMEOUT_S) as http:
            client = AsyncElevenLabs(api_key=self._key, base_url=self._base_url, httpx_client=http)
            try:
                answer = await client.text_to_speech.convert_with_timestamps(
                    voice.name,
                    text=text,
                    model_id=voice.model,
                    output_format="pcm_24000",
                    voice_settings=VoiceSettings(speed=speed),
                    request_options={"max_retries": MAX_RETRIES},
                )
            except ApiError as exc:
                raise SpeechError(_describe(exc)) from exc
            except httpx.HTTPError as exc:
                raise SpeechError(f"cannot reach ElevenLabs, after retries: {exc}") from exc
        pcm = base64.b64decode(answer.audio_base_64)
        alignment = answer.alignment
        words = (
            words_from_characters(
                alignment.characters,
                alignment.character_start_times_seconds,
                alignment.character_end_times_seconds,
            )
            if alignment is not None
            else ()
        )
        return Speech(pcm=pcm, words=words)


def words_from_characters(
    characters: Sequence[str], starts: Sequence[float], ends: Sequence[float]
) -> tuple[Word, ...]:
    """Words and their spans from per-character spans: a word runs from its first
    character's start to its last character's end."""
    words: list[Word] = []
    letters: list[str] = []
    begin = end = 0.0
    for char, start, stop in zip(characters, starts, ends, strict=True):
        if char.isspace():
            if letters:
                words.append(Word(text="".join(letters), start=begin, end=max(end, begin)))
                letters = []
            continue
        if not letters:
            begin = max(start, 0.0)
        letters.append(char)
        end = stop
    if letters:
        words.append(Word(text="".join(letters), start=begin, end=max(end, begin)))
    return tuple(words)


def _describe(exc: ApiError) -> str:
    status = exc.status_code
    detail = exc.body.get("detail") if isinstance(exc.body, dict) else None
    message = detail.get("message") if isinstance(detail, dict) else detail or exc.body
    if status == 401:
        return "the API key was rejected by ElevenLabs (HTTP 401): check ELEVENLABS_API_KEY"
    if status == 404:
        return f"ElevenLabs has no voice or model like this (HTTP 404): {message}"
    return f"ElevenLabs speech failed (HTTP {status}) after retries: {str(message)[:300]}"
