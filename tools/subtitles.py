"""Subtitles from the real timings of the voice-over: SRT and WebVTT.

Every narration segment gets its own cues (at least one), cut into at most two lines of
`LINE_CHARS`. A spoken segment's cues run while its words are heard: from the provider's
word timings where it gives them (ElevenLabs), else shared by length over the segment's
speech. A silent scene's segments share its clip by length, as a reader would pace them.

Example:
    >>> cues = scene_cues(0.0, 9.6, plan.segments, narration)
    >>> print(srt(cues))
    1
    00:00:00,000 --> 00:00:02,140
    Pythagoras relates the three sides
    of a right triangle.
"""

from __future__ import annotations

import re
import textwrap
from collections.abc import Sequence
from typing import NamedTuple

from tools.speech import SceneNarration, Word

__all__ = ["LINE_CHARS", "Cue", "scene_cues", "srt", "webvtt", "webvtt_from_srt"]

LINE_CHARS = 42
"""Subtitle line width; a cue holds at most two lines (84 characters)."""


class Cue(NamedTuple):
    """One subtitle: seconds from the video's start, and up to two lines of text."""

    start: float
    end: float
    text: str


def scene_cues(
    start: float, duration: float, segments: Sequence[str], narration: SceneNarration | None
) -> list[Cue]:
    """The cues of one scene whose clip starts at `start` and lasts `duration` seconds."""
    end_of_scene = start + duration
    cues: list[Cue] = []
    if narration is None:
        total = sum(len(text) for text in segments) or 1
        at = start
        for text in segments:
            span = duration * len(text) / total
            cues += _segment_cues(text, at, at + span, ())
            at += span
    else:
        for spoken in narration.segments:
            begin = start + spoken.start
            cues += _segment_cues(spoken.text, begin, begin + spoken.speech, spoken.words)
    return [
        Cue(min(cue.start, end_of_scene), min(cue.end, end_of_scene), cue.text)
        for cue in cues
        if cue.start < end_of_scene
    ]


def _segment_cues(text: str, begin: float, end: float, words: Sequence[Word]) -> list[Cue]:
    """The segment's pieces, timed by its words when it has them, else by their length."""
    pieces = _pieces(text)
    if not pieces:
        return []
    counts = [len(piece.split()) for piece in pieces]
    if words and len(words) >= sum(counts):
        cues, first = [], 0
        for piece, count in zip(pieces, counts, strict=True):
            last = first + count - 1
            cues.append(Cue(begin + words[first].start, begin + words[last].end, piece))
            first = last + 1
        return _contiguous(cues, end)
    total = sum(len(piece) for piece in pieces)
    cues, at = [], begin
    for piece in pieces:
        span = (end - begin) * len(piece) / total
        cues.append(Cue(at, at + span, piece))
        at += span
    return cues


def _contiguous(cues: list[Cue], end: float) -> list[Cue]:
    """Cues that run on until the next one starts (the last until the speech ends), so
    the text stays up between words."""
    joined = []
    for cue, after in zip(cues, [*cues[1:], None], strict=True):
        stop = after.start if after is not None else max(end, cue.end)
        joined.append(Cue(cue.start, max(stop, cue.start + 0.05), cue.text))
    return joined


def _pieces(text: str) -> list[str]:
    """Cue texts of at most two lines; a long sentence is cut into cues of even length, and
    a short sentence shares a cue with the one before if both fit."""
    pieces: list[str] = []
    for sentence in re.split(r"(?<=[.!?])\s+", " ".join(text.split())):
        parts = _balanced(sentence)
        if pieces and parts and _fits(f"{pieces[-1]} {parts[0]}"):
            pieces[-1] = f"{pieces[-1]} {parts.pop(0)}"
        pieces.extend(parts)
    return [_lines(piece) for piece in pieces]


def _lines(piece: str) -> str:
    """The cue on one line, or two of even length."""
    if len(piece) <= LINE_CHARS:
        return piece
    for width in range((len(piece) + 1) // 2, LINE_CHARS + 1):
        lines = textwrap.wrap(piece, width)
        if len(lines) <= 2:
            return "\n".join(lines)
    return "\n".join(textwrap.wrap(piece, LINE_CHARS))


def _fits(text: str) -> bool:
    return len(textwrap.wrap(text, LINE_CHARS)) <= 2


def _balanced(sentence: str) -> list[str]:
    """The sentence in the fewest cues that fit, their lengths as even as the words allow
    (no short tail left on its own)."""
    words = sentence.split()
    for count in range(1, len(words) + 1):
        target = len(sentence) / count
        parts, current = [], []
        for word in words:
            if current and len(" ".join([*current, word])) > target and len(parts) < count - 1:
                parts.append(" ".join(current))
                current = []
            current.append(word)
        parts.append(" ".join(current))
        if all(_fits(part) for part in parts):
            return parts
    return []


def srt(cues: Sequence[Cue]) -> str:
    """The cues as SubRip text, numbered from 1."""
    blocks = [
        f"{i}\n{_clock(cue.start, ',')} --> {_clock(cue.end, ',')}\n{cue.text}\n"
        for i, cue in enumerate(cues, 1)
    ]
    return "\n".join(blocks)


def webvtt(cues: Sequence[Cue]) -> str:
    """The cues as WebVTT text."""
    return webvtt_from_srt(srt(cues))


def webvtt_from_srt(text: str) -> str:
    """SubRip text as WebVTT: a header, and a dot before the milliseconds."""
    body = re.sub(r"(\d\d:\d\d:\d\d),(\d\d\d)", r"\1.\2", text.replace("\r\n", "\n"))
    return "WEBVTT\n\n" + body


def _clock(seconds: float, mark: str) -> str:
    ms = round(max(seconds, 0.0) * 1000)
    hours, rest = divmod(ms, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    whole, millis = divmod(rest, 1000)
    return f"{hours:02d}:{minutes:02d}:{whole:02d}{mark}{millis:03d}"
