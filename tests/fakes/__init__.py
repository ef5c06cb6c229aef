"""Fake OpenAI and Anthropic servers that speak the real wire protocols, for tests.

No LLM API is reachable in tests, so the real SDKs (and LangChain's `ChatOpenAI` /
`ChatAnthropic` on top of them) talk over real HTTP to these loopback servers.

Start one as a context manager or through the pytest fixtures `openai_server` and
`anthropic_server` (from `tests.fakes.fixtures`), point the client at `server.base_url`,
then script what the "model" does:

```python
server.script(
    Fault(429, retry_after=1),                     # the SDK waits 1 s and retries
    Delay(5),                                      # longer than the client timeout
    Reply.text("Hello", finish="length", usage=Usage(input_tokens=9, output_tokens=1)),
    Reply.tool("get_weather", {"city": "Oslo"}),   # a tool call
    Reply.structured(VideoPlan(...)),               # fits with_structured_output, any method
)
server.respond_with(lambda request: Reply.text(request.chat.last_user_text.upper()))
```

Each chat request takes the next scripted item; once the queue is empty the responder
(if any) computes the answer from the `RecordedRequest`. Requests are served on parallel
threads, so concurrent calls (a `Send` fan-out) take queue items in arrival order: give
them a responder that answers from the request's content instead. Every request is recorded:
`server.requests` (method, path, headers, parsed JSON `body`, `received_at` on the
`time.monotonic()` clock, and `chat`, a provider-neutral `ChatRequest` with turns, images,
tools, forced tool and JSON schema); `server.chats` lists the `ChatRequest`s alone.

The speech fakes (`tests.fakes.speech`: `OpenAISpeechServer`, `ElevenLabsSpeechServer`,
fixtures `openai_speech_server` and `elevenlabs_speech_server`) serve text to speech the
same way, scripted with the same `Fault` and `Delay`.

Requests the real API would refuse get its 400 (or 401 with `api_key=`, 404 with
`models=`). A script that cannot answer (queue empty, no responder, responder raised)
gets a non-retried 500, and leaving the server's `with` block (the fixture's teardown)
fails the test with the problem.
"""

from tests.fakes.anthropic_server import AnthropicServer
from tests.fakes.base import FakeLLMServer
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.requests import ChatRequest, RecordedRequest, Turn
from tests.fakes.script import Delay, Fault, Item, Reply, Responder, ToolCall, Usage
from tests.fakes.speech import ElevenLabsSpeechServer, OpenAISpeechServer, Synthesis

__all__ = [
    "AnthropicServer",
    "ChatRequest",
    "Delay",
    "ElevenLabsSpeechServer",
    "FakeLLMServer",
    "Fault",
    "Item",
    "OpenAIServer",
    "OpenAISpeechServer",
    "RecordedRequest",
    "Reply",
    "Responder",
    "Synthesis",
    "ToolCall",
    "Turn",
    "Usage",
]
