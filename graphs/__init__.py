"""Graph builders, state and the job room.

Example:
    >>> from graphs import build_video_graph
    >>> app = build_video_graph().compile()
"""

from graphs.context import VideoContext
from graphs.jobs import JobRoom, JobSummary
from graphs.limits import Limits
from graphs.requests import EditRequest, GenerateRequest, JobSpec
from graphs.scene import build_scene_graph
from graphs.state import SceneOutcome, SceneState, SceneTask, VideoState
from graphs.video import build_video_graph

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
