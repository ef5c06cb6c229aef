"""OpenAI's `audio.speech` (gpt-4o-mini-tts by default), through the official SDK.

`OPENAI_API_KEY` keys it and `OPENAI_BASE_URL` points it elsewhere (a proxy, or the
tests' fake). Audio comes back as raw 24 kHz PCM, so nothing is decoded. The SDK retries
429 (honouring Retry-After), 5xx and timeouts itself; a 401 fails at once.
"""

from __future__ import annotations

from collections.abc import Mapping

import openai

from tools.speech.models import Speech, SpeechError, Voice
from tools.speech.providers import SpeechProvider

__all__ = ["OpenAISpeech"]

TIMEOUT_S = 60.0
MAX_RETRIES = 3


class OpenAISpeech(SpeechProvider):
    """Speaks through OpenAI's speech endpoint."""

    def __init__(self, voice: Voice, env: Mapping[str, str]) -> None:
        super().__init__(voice)
        key = env.get("OPENAI_API_KEY")
        if not key:
            raise SpeechError("OPENAI_API_KEY is not set: it is needed for an openai:<voice>")
        self._key = key
        self._base_url = env.get("OPENAI_BASE_URL") or None

    async def synthesize(self, text: str) -> Speech:
        voice = self.voice
        options = {"instructions": voice.instructions} if voice.instructions else {}
        async with openai.AsyncOpenAI(
            api_key=self._key,
            base_url=self._base_url,
            timeout=TIMEOUT_S,
            max_retries=MAX_RETRIES,
        ) as client:
            try:
                response = await client.audio.speech.create(
                    model=voice.model,
                    voice=voice.name,
                    input=text,
                    response_format="pcm",
                    speed=voice.speed,
                    **options,
                )
            except openai.AuthenticationError as exc:
                raise SpeechError(
                    "the API key was rejected by OpenAI (HTTP 401): check OPENAI_API_KEY"
                ) from exc
            except openai.APIStatusError as exc:
                raise SpeechError(
                    f"OpenAI speech failed (HTTP {exc.status_code}) after retries: {_message(exc)}"
                ) from exc
            except openai.APIConnectionError as exc:
                raise SpeechError(f"cannot reach OpenAI speech, after retries: {exc}") from exc
            return Speech(pcm=response.content)


def _message(exc: openai.APIStatusError) -> str:
    body = exc.body
    if isinstance(body, dict):
        error = body.get("error", body)
        if isinstance(error, dict) and error.get("message"):
            return str(error["message"])[:300]
    return str(exc)[:300]
