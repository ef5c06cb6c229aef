"""Fake OpenAI and ElevenLabs speech servers that speak the real wire protocols, for tests.

No speech API is reachable in tests, so the real SDKs talk over real HTTP to these
loopback servers (the same threaded server as the chat fakes). Each request is validated
as the real API validates it, recorded, then answered by the next scripted `Fault` or
`Delay`, or, with nothing scripted, by a synthesis: a voiced tone whose length follows
the text and the speed (0.06 s a character at speed 1), as 24 kHz 16-bit PCM.

```python
with ElevenLabsSpeechServer(api_key="el-test") as server:
    server.script(Fault(429, retry_after=0.1))   # the SDK waits, then retries
    ...  # point ELEVENLABS_BASE_URL at server.url
    assert [call.text for call in server.syntheses] == ["Hello there."]
```

`OpenAISpeechServer` serves `POST /v1/audio/speech` (`base_url` ends in `/v1`, as the
SDK expects); `ElevenLabsSpeechServer` serves `POST /v1/text-to-speech/{voice_id}` and
`…/with-timestamps`, with per-character timings like the real one.
"""

from __future__ import annotations

import base64
import json
import math
import re
import struct
import threading
import time
from collections import deque
from collections.abc import Mapping
from dataclasses import dataclass
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qsl, urlsplit

from tests.fakes.base import InvalidRequest, Response, fresh_port_server, write_response
from tests.fakes.requests import RecordedRequest
from tests.fakes.script import Delay, Fault

__all__ = ["ElevenLabsSpeechServer", "OpenAISpeechServer", "Synthesis", "tone"]

RATE = 24_000
SECONDS_PER_CHARACTER = 0.06


@dataclass(frozen=True)
class Synthesis:
    """One successful synthesis the fake answered."""

    text: str
    voice: str
    model: str
    speed: float


def tone(text: str, speed: float) -> bytes:
    """A voiced tone as long as a voice would take to say `text` at `speed`."""
    samples = round(max(len(text), 1) * SECONDS_PER_CHARACTER / speed * RATE)
    frames = (
        round(8000 * math.sin(2 * math.pi * 220 * i / RATE) * (0.6 + 0.4 * math.sin(i / 900)))
        for i in range(samples)
    )
    return b"".join(struct.pack("<h", value) for value in frames)


class _FakeSpeechServer:
    """Recording, scripting and serving shared by the two speech fakes."""

    api_root: ClassVar[str]

    def __init__(self, *, api_key: str | None = None) -> None:
        self.api_key = api_key
        self._lock = threading.Lock()
        self._queue: deque[Fault | Delay] = deque()
        self._requests: list[RecordedRequest] = []
        self._syntheses: list[Synthesis] = []
        self._errors: list[str] = []
        self._stopping = threading.Event()
        self._httpd: Any = None
        self._thread: threading.Thread | None = None

    def __enter__(self) -> Self:
        self._httpd = fresh_port_server(self)
        self._thread = threading.Thread(
            target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._stopping.set()
        self._httpd.shutdown()
        self._httpd.hang_up_all()
        self._httpd.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        if self._errors and exc_type is None:
            raise AssertionError("fake speech server problems:\n" + "\n".join(self._errors))

    @property
    def url(self) -> str:
        host, port = self._httpd.server_address[:2]
        return f"http://{host!s}:{port}"

    @property
    def base_url(self) -> str:
        """What the SDK's base URL is set to."""
        return self.url + self.api_root

    def script(self, *items: Fault | Delay) -> Self:
        """Answer the next requests with these faults or delays, in order."""
        with self._lock:
            self._queue.extend(items)
        return self

    @property
    def requests(self) -> list[RecordedRequest]:
        with self._lock:
            return list(self._requests)

    @property
    def syntheses(self) -> list[Synthesis]:
        """The syntheses answered with audio, in order."""
        with self._lock:
            return list(self._syntheses)

    # -- the provider's wire format ----------------------------------------------------

    def authorized(self, headers: Mapping[str, str]) -> bool:
        raise NotImplementedError

    def parse(self, request: RecordedRequest) -> Synthesis:
        """Validate a synthesis request; raise `InvalidRequest` as the real API would."""
        raise NotImplementedError

    def answer(self, synthesis: Synthesis, request: RecordedRequest) -> Response:
        raise NotImplementedError

    def error(self, status: int, message: str | None = None) -> Response:
        raise NotImplementedError

    # -- serving (called by the shared threaded server) ---------------------------------

    def _serve(self, handler: Any) -> None:
        raw = handler.rfile.read(int(handler.headers.get("content-length") or 0))
        split = urlsplit(handler.path)
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = None
        request = RecordedRequest(
            method=handler.command,
            path=split.path,
            query=dict(parse_qsl(split.query)),
            headers={name.lower(): value for name, value in handler.headers.items()},
            raw=raw,
            body=body,
            received_at=time.monotonic(),
            chat=None,
        )
        with self._lock:
            self._requests.append(request)
        try:
            response = self._respond(request)
        except Exception as exc:  # a bug in the fake: report it at the end of the test
            self._record_error(f"{type(exc).__name__}: {exc}")
            response = self.error(500, f"fake server: {exc}")
        write_response(handler, response)

    def _respond(self, request: RecordedRequest) -> Response | None:
        if not self.authorized(request.headers):
            return self.error(401)
        try:
            synthesis = self.parse(request)
        except InvalidRequest as exc:
            return self.error(exc.status, exc.message)
        with self._lock:
            item = self._queue.popleft() if self._queue else None
        if isinstance(item, Delay):
            if self._stopping.wait(item.seconds) or item.then is None:
                return None
            item = item.then if isinstance(item.then, Fault) else None
        if isinstance(item, Fault):
            headers = dict(item.headers or {})
            if item.retry_after is not None:
                headers["retry-after"] = f"{item.retry_after:g}"
            response = self.error(item.status, item.message)
            return Response(response.status, response.payload, {**response.headers, **headers})
        with self._lock:
            self._syntheses.append(synthesis)
        return self.answer(synthesis, request)

    def _record_error(self, problem: str) -> None:
        with self._lock:
            self._errors.append(problem)


OPENAI_VOICES = frozenset(
    {"alloy", "ash", "ballad", "coral", "echo", "fable", "onyx", "nova", "sage", "shimmer"}
    | {"verse", "marin", "cedar"}
)
OPENAI_MODELS = frozenset({"tts-1", "tts-1-hd", "gpt-4o-mini-tts"})
OPENAI_FORMATS = frozenset({"mp3", "opus", "aac", "flac", "wav", "pcm"})


class OpenAISpeechServer(_FakeSpeechServer):
    """`POST /v1/audio/speech` as OpenAI serves it (pcm answered as raw PCM)."""

    api_root = "/v1"

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return self.api_key is None or headers.get("authorization") == f"Bearer {self.api_key}"

    def parse(self, request: RecordedRequest) -> Synthesis:
        if (request.method, request.path) != ("POST", "/v1/audio/speech"):
            raise InvalidRequest(f"Unknown request URL: {request.method} {request.path}", 404)
        body = request.body
        if not isinstance(body, dict):
            raise InvalidRequest("We could not parse the JSON body of your request.")
        for name in ("model", "input", "voice"):
            if not isinstance(body.get(name), str) or not body[name]:
                raise InvalidRequest(f"Missing required parameter: '{name}'.")
        if body["model"] not in OPENAI_MODELS:
            raise InvalidRequest(f"The model `{body['model']}` does not exist.", 404)
        if len(body["input"]) > 4096:
            raise InvalidRequest("'input' is too long: at most 4096 characters.")
        if body["voice"] not in OPENAI_VOICES:
            raise InvalidRequest(f"Invalid value for 'voice': {body['voice']!r}.")
        if body.get("response_format", "mp3") not in OPENAI_FORMATS:
            raise InvalidRequest("Invalid value for 'response_format'.")
        if body.get("response_format") != "pcm":
            raise InvalidRequest("this fake answers response_format=pcm only")
        speed = body.get("speed", 1.0)
        if not isinstance(speed, int | float) or not 0.25 <= speed <= 4.0:
            raise InvalidRequest("Invalid value for 'speed': between 0.25 and 4.0.")
        if "instructions" in body and body["model"] != "gpt-4o-mini-tts":
            raise InvalidRequest("instructions are not supported by this model.")
        return Synthesis(body["input"], body["voice"], body["model"], float(speed))

    def answer(self, synthesis: Synthesis, request: RecordedRequest) -> Response:
        pcm = tone(synthesis.text, synthesis.speed)
        return Response(200, pcm, {"content-type": "audio/pcm"})

    def error(self, status: int, message: str | None = None) -> Response:
        kinds = {
            401: ("invalid_request_error", "Incorrect API key provided.", "invalid_api_key"),
            404: ("invalid_request_error", "Not found.", None),
            429: ("rate_limit_error", "Rate limit reached for requests.", "rate_limit_exceeded"),
        }
        kind, default, code = kinds.get(status, ("server_error", "The server had an error.", None))
        error = {"message": message or default, "type": kind, "param": None, "code": code}
        return Response(status, {"error": error})


ELEVENLABS_OUTPUTS = re.compile(r"(mp3_\d+_\d+|pcm_(8000|16000|22050|24000|44100|48000)|ulaw_8000)")
ELEVENLABS_MODELS = frozenset(
    {"eleven_multilingual_v2", "eleven_v3", "eleven_flash_v2_5", "eleven_turbo_v2_5"}
)
_PATH = re.compile(r"/v1/text-to-speech/(?P<voice>[A-Za-z0-9_-]+)(?P<timed>/with-timestamps)?")


class ElevenLabsSpeechServer(_FakeSpeechServer):
    """`POST /v1/text-to-speech/{voice_id}[/with-timestamps]` as ElevenLabs serves it."""

    api_root = ""

    def authorized(self, headers: Mapping[str, str]) -> bool:
        return self.api_key is None or headers.get("xi-api-key") == self.api_key

    def parse(self, request: RecordedRequest) -> Synthesis:
        match = _PATH.fullmatch(request.path)
        if request.method != "POST" or match is None:
            raise InvalidRequest("Not Found", 404)
        body = request.body
        if not isinstance(body, dict) or not isinstance(body.get("text"), str) or not body["text"]:
            raise InvalidRequest("text: field required", 422)
        output = request.query.get("output_format", "mp3_44100_128")
        if not ELEVENLABS_OUTPUTS.fullmatch(output):
            raise InvalidRequest(f"output_format: invalid value {output!r}", 422)
        if output != "pcm_24000":
            raise InvalidRequest("this fake answers output_format=pcm_24000 only", 422)
        model = body.get("model_id", "eleven_multilingual_v2")
        if model not in ELEVENLABS_MODELS:
            raise InvalidRequest(f"model_id: unknown model {model!r}", 400)
        settings = body.get("voice_settings") or {}
        speed = settings.get("speed", 1.0)
        if not isinstance(speed, int | float) or not 0.7 <= speed <= 1.2:
            raise InvalidRequest("voice_settings.speed: must be between 0.7 and 1.2", 422)
        return Synthesis(body["text"], match["voice"], model, float(speed))

    def answer(self, synthesis: Synthesis, request: RecordedRequest) -> Response:
        pcm = tone(synthesis.text, synthesis.speed)
        if not request.path.endswith("/with-timestamps"):
            return Response(200, pcm, {"content-type": "audio/pcm"})
        step = SECONDS_PER_CHARACTER / synthesis.speed
        characters = list(synthesis.text)
        starts = [round(i * step, 3) for i in range(len(characters))]
        ends = [round((i + 1) * step, 3) for i in range(len(characters))]
        alignment = {
            "characters": characters,
            "character_start_times_seconds": starts,
            "character_end_times_seconds": ends,
        }
        payload = {
            "audio_base64": base64.b64encode(pcm).decode(),
            "alignment": alignment,
            "normalized_alignment": alignment,
        }
        return Response(200, payload)

    def error(self, status: int, message: str | None = None) -> Response:
        statuses = {
            401: ("invalid_api_key", "Invalid API key"),
            404: ("voice_not_found", "A voice with this id was not found."),
            429: ("too_many_concurrent_requests", "Too many concurrent requests."),
        }
        code, default = statuses.get(status, ("internal_error", "An internal error occurred."))
        return Response(status, {"detail": {"status": code, "message": message or default}})
