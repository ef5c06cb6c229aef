"""The visual fixer's offline judgement: read a layout report, say what to fix and how.

A scene passes only when the report lists no issue at all: the offline scenes are built to
be clean, so even a mild issue means an edit pushed something too far.
"""

from __future__ import annotations

import re
from typing import Any

from agents.schemas import FixReview
from tools.layout_models import LayoutIssue, LayoutReport

__all__ = ["review"]

_SAFE_WIDTH, _SAFE_HEIGHT = 13.2, 7.0
_TOWARD_CENTRE = {"left": "right", "right": "left", "top": "down", "bottom": "up"}


def _when(issue: LayoutIssue) -> str:
    span = f"from animation {issue.first_animation}"
    return span + (" to the end" if issue.persists else f" to animation {issue.last_animation}")


def _out_of_frame(issue: LayoutIssue) -> str:
    subject = " and ".join(issue.mobjects) or "A mobject"
    found = re.search(r"([\d.]+) units past the (left|right|top|bottom) edge", issue.detail)
    if found is None:
        fix = (
            f"scale it to at most {_SAFE_WIDTH} units wide and {_SAFE_HEIGHT} tall and re-centre it"
        )
    else:
        distance = float(found.group(1)) + 0.5
        edge = found.group(2)
        limit = (
            f"{_SAFE_WIDTH} units wide"
            if edge in {"left", "right"}
            else f"{_SAFE_HEIGHT} units tall"
        )
        fix = (
            f"scale it to at most {limit} or move it {_TOWARD_CENTRE[edge]} by {distance:.1f} units"
        )
    return f"{subject} is out of frame ({issue.detail}) {_when(issue)}: {fix}."


def _text_overlap(issue: LayoutIssue) -> str:
    first, second = [*issue.mobjects, "another text", "another text"][:2]
    return (
        f"{first} overlaps {second} ({issue.detail}) {_when(issue)}: move {second} away from "
        f"{first} (e.g. next_to(..., DOWN, buff=0.3)), or shrink one of them, so their boxes "
        "no longer intersect."
    )


def _tiny_text(issue: LayoutIssue) -> str:
    subject = " and ".join(issue.mobjects) or "A text"
    return (
        f"{subject} is too small ({issue.detail}) {_when(issue)}: give it font_size 24 or more "
        "and do not scale it below an effective size of 20; make room by moving other items."
    )


_WRITERS = {"out_of_frame": _out_of_frame, "text_overlap": _text_overlap, "tiny_text": _tiny_text}


def review(report: dict[str, Any]) -> FixReview:
    """Pass when the layout report has no issues; else one concrete instruction per issue.

    Example:
        >>> review({"animations": 3, "issues": []}).passes
        True
    """
    layout = LayoutReport.model_validate(report)
    ordered = sorted(layout.issues, key=lambda issue: (not issue.severe, issue.first_animation))
    instructions = [_WRITERS[issue.kind](issue) for issue in ordered]
    return FixReview(passes=not instructions, instructions=instructions)
