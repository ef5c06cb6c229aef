"""Pytest fixtures for the fake LLM servers (loaded through `pytest_plugins` in conftest)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.openai_server import OpenAIServer

__all__ = ["anthropic_server", "openai_server"]


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
