"""The one interface every voice speaks through, and the factory that picks one.

A provider turns one text into `Speech` (PCM at `SAMPLE_RATE`, word timings if it has
them). Transient failures (429 with Retry-After, 5xx, timeouts) are retried inside the
provider's own client, once per call; what is left raises `SpeechError` with a sentence a
user can act on. Keys come from the job process's environment and go nowhere else: the
render sandbox never sees them, nor the audio's making.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping

from tools.speech.models import Speech, SpeechError, Voice

__all__ = ["SpeechProvider", "provider_for"]


class SpeechProvider(ABC):
    """Speaks texts in one voice.

    Example:
        >>> provider = provider_for(NarrationSettings(voice="offline").voice_id())
        >>> speech = await provider.synthesize("Hello.")
        >>> round(speech.seconds, 1)
        0.9
    """

    def __init__(self, voice: Voice) -> None:
        self.voice = voice

    @abstractmethod
    async def synthesize(self, text: str) -> Speech:
        """Speak `text` at the voice's speed.

        Raises:
            SpeechError: the provider refused or failed after its retries.
        """


def provider_for(voice: Voice, env: Mapping[str, str] | None = None) -> SpeechProvider:
    """The provider of `voice`, configured from `env` (default: the process environment).

    Raises:
        SpeechError: the provider's key is missing, or the offline voice is not installed.
    """
    import os

    from tools.speech.elevenlabs_speech import ElevenLabsSpeech
    from tools.speech.offline import OfflineSpeech
    from tools.speech.openai_speech import OpenAISpeech

    environment = os.environ if env is None else env
    if voice.provider == "offline":
        return OfflineSpeech(voice)
    if voice.provider == "openai":
        return OpenAISpeech(voice, environment)
    if voice.provider == "elevenlabs":
        return ElevenLabsSpeech(voice, environment)
    raise SpeechError(f"unknown speech provider {voice.provider!r}")
