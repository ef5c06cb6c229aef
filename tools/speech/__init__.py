"""Speech for narration: one small provider interface (offline Debian voice, OpenAI,
ElevenLabs), a cache keyed by what changes the sound, and the timed segments of a scene.

Example:
    >>> settings = NarrationSettings(voice="offline", speed=1.0)
    >>> narration, tally = await speak_scene(["Hello.", "Bye."], settings.voice_id(), store)
    >>> [segment.duration for segment in narration.segments]
    [1.2, 0.9]

The models load at once; the providers, the cache and the narration (which need the
store) load on first use, so the request and API schemas stay light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.lazy import lazy_exports
from tools.speech.models import (
    PAUSE_S,
    SAMPLE_RATE,
    VOICE_PATTERN,
    NarrationSettings,
    SceneNarration,
    Speech,
    SpeechError,
    SpeechProviderName,
    SpokenSegment,
    Voice,
    Word,
    read_wav,
    wav_bytes,
)

if TYPE_CHECKING:
    from tools.speech.narration import SpeechTally, speak_scene, speech_key
    from tools.speech.offline import offline_voice_installed
    from tools.speech.providers import SpeechProvider, provider_for

_HOMES = {
    "SpeechTally": "tools.speech.narration",
    "speak_scene": "tools.speech.narration",
    "speech_key": "tools.speech.narration",
    "offline_voice_installed": "tools.speech.offline",
    "SpeechProvider": "tools.speech.providers",
    "provider_for": "tools.speech.providers",
}

__all__ = [
    "PAUSE_S",
    "SAMPLE_RATE",
    "VOICE_PATTERN",
    "NarrationSettings",
    "SceneNarration",
    "Speech",
    "SpeechError",
    "SpeechProvider",
    "SpeechProviderName",
    "SpeechTally",
    "SpokenSegment",
    "Voice",
    "Word",
    "offline_voice_installed",
    "provider_for",
    "read_wav",
    "speak_scene",
    "speech_key",
    "wav_bytes",
]


__getattr__ = lazy_exports(__name__, _HOMES)
