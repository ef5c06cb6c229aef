"""A fake-server responder whose answers come from the offline model.

The fake OpenAI and Anthropic servers speak the wire protocols; this gives them content:
each request's last user message (our agents' `## Section` prompts) is answered by the
offline model, so a whole job runs through the real SDKs over HTTP with realistic answers
and answer sizes (the fakes estimate usage from them).
"""

from __future__ import annotations

from langchain_core.messages import HumanMessage
from pydantic import BaseModel

from agents.offline.model import OfflineChatModel
from agents.schemas import FixReview, VideoDescription, VideoPlan
from tests.fakes import RecordedRequest, Reply

__all__ = ["offline_reply", "structured_name"]

SCHEMAS: dict[str, type[BaseModel]] = {
    schema.__name__: schema for schema in (VideoPlan, FixReview, VideoDescription)
}


def offline_reply(request: RecordedRequest) -> Reply:
    """The offline model's answer to the request: structured when a schema is asked for."""
    chat = request.chat
    assert chat is not None
    prompt = [HumanMessage(chat.last_user_text)]
    name = structured_name(request)
    model = OfflineChatModel()
    if name is not None:
        return Reply.structured(model.with_structured_output(SCHEMAS[str(name)]).invoke(prompt))
    return Reply.text(model.invoke(prompt).text)


def structured_name(request: RecordedRequest) -> str | None:
    """The schema a request asks for (by tool or by JSON schema), or None for free text."""
    chat = request.chat
    if chat is None:
        return None
    schema = chat.schema or {}
    name = chat.forced_tool or (chat.tools[0] if chat.tools else None) or schema.get("title")
    return None if name is None else str(name)
