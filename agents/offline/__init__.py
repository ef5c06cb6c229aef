"""manimgraph's offline model: a deterministic template engine, not a language model.

It answers the agents' requests with no network: plan a video, write each scene from a
SPEC dict, apply common edits to that SPEC, review layout reports and repair them. The
LangChain chat-model wrapper that routes prompts here lives in `agents.offline.model`.
"""

from __future__ import annotations

from agents.offline.archetypes import write_scene
from agents.offline.edits import UnsupportedEdit, apply_edit
from agents.offline.fixes import apply_fixes
from agents.offline.planning import describe, plan_video
from agents.offline.review import review

__all__ = [
    "UnsupportedEdit",
    "apply_edit",
    "apply_fixes",
    "describe",
    "plan_video",
    "review",
    "write_scene",
]
