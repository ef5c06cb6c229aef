"""Graph builders, state and the job room.

Example:
    >>> from graphs import build_video_graph
    >>> app = build_video_graph().compile()
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tools.lazy import lazy_exports

if TYPE_CHECKING:
    from graphs.context import VideoContext
    from graphs.jobs import JobRoom, JobSummary
    from graphs.limits import Limits
    from graphs.requests import EditRequest, GenerateRequest, JobSpec
    from graphs.scene import build_scene_graph
    from graphs.state import SceneOutcome, SceneState, SceneTask, VideoState
    from graphs.video import build_video_graph

_HOMES = {
    "VideoContext": "graphs.context",
    "JobRoom": "graphs.jobs",
    "JobSummary": "graphs.jobs",
    "Limits": "graphs.limits",
    "EditRequest": "graphs.requests",
    "GenerateRequest": "graphs.requests",
    "JobSpec": "graphs.requests",
    "build_scene_graph": "graphs.scene",
    "SceneOutcome": "graphs.state",
    "SceneState": "graphs.state",
    "SceneTask": "graphs.state",
    "VideoState": "graphs.state",
    "build_video_graph": "graphs.video",
}
"""Where each export lives: imported on first use, so that a light module of the package
(`graphs.requests`, `graphs.jobs.summary`) does not load LangGraph and the agents."""


__getattr__ = lazy_exports(__name__, _HOMES)


__all__ = [
    "EditRequest",
    "GenerateRequest",
    "JobRoom",
    "JobSpec",
    "JobSummary",
    "Limits",
    "SceneOutcome",
    "SceneState",
    "SceneTask",
    "VideoContext",
    "VideoState",
    "build_scene_graph",
    "build_video_graph",
]
