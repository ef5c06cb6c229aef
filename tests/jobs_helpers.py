"""Running a request through the job room in tests, with a test's own context."""

from __future__ import annotations

from langgraph.checkpoint.memory import InMemorySaver
from langgraph.graph import StateGraph

from graphs.context import VideoContext
from graphs.jobs import EventHandler, JobRoom, JobSummary
from graphs.requests import EditRequest, GenerateRequest

__all__ = ["room_for", "run_job"]


def room_for(ctx: VideoContext, *, graph: StateGraph | None = None) -> JobRoom:
    """A job room on the context's store, render slots and an in-memory checkpointer."""
    return JobRoom(
        store=ctx.store, checkpointer=InMemorySaver(), render_slots=ctx.render_slots, graph=graph
    )


async def run_job(
    request: GenerateRequest | EditRequest,
    ctx: VideoContext,
    *,
    graph: StateGraph | None = None,
    on_event: EventHandler | None = None,
) -> JobSummary:
    """Submit and run `request` with the context's models and limits, as the CLI would."""
    room = room_for(ctx, graph=graph)
    return await room.run_request(request, limits=ctx.limits, on_event=on_event, factory=ctx.models)
