"""Pytest fixtures for the fake LLM servers (loaded through `pytest_plugins` in conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.speech import ElevenLabsSpeechServer, OpenAISpeechServer

__all__ = ["anthropic_server", "elevenlabs_speech_server", "openai_server", "openai_speech_server"]

SPEECH_KEY = "sk-speech-test"
"""The key the speech fakes accept."""


@pytest.fixture
def openai_server() -> Iterator[OpenAIServer]:
    """A fresh fake OpenAI API; teardown fails the test on a script problem."""
    with OpenAIServer() as server:
        yield server


@pytest.fixture
def anthropic_server() -> Iterator[AnthropicServer]:
    """A fresh fake Anthropic API; teardown fails the test on a script problem."""
    with AnthropicServer() as server:
        yield server


@pytest.fixture
def openai_speech_server() -> Iterator[OpenAISpeechServer]:
    """A fresh fake of OpenAI's speech endpoint, keyed by `SPEECH_KEY`."""
    with OpenAISpeechServer(api_key=SPEECH_KEY) as server:
        yield server


@pytest.fixture
def elevenlabs_speech_server() -> Iterator[ElevenLabsSpeechServer]:
    """A fresh fake of ElevenLabs' text to speech, keyed by `SPEECH_KEY`."""
    with ElevenLabsSpeechServer(api_key=SPEECH_KEY) as server:
        yield server
