"""Offline narration edits: "say it more slowly", "change the narration to '…'".

The narrator's rules (what the edit does to the voice-over) and the coder's (which part
of the instruction is left for the scene's SPEC) live side by side, so both read an
instruction the same way. A pace word alone ("slow down") is the voice's pace in a
narrated scene, because there the voice sets the pace of every animation; in a silent
scene it stays an animation edit.
"""

from __future__ import annotations

import re

from agents.offline.text import normalise, sentences
from agents.schemas import MAX_SEGMENTS, NarrationChange

__all__ = ["change_narration", "narration_timing", "without_narration"]

_NEW_TEXT = re.compile(
    r"\b(?:change|set|replace|rewrite|update|make)\s+(?:the\s+)?"
    r"(?:narration|voice-?over|narrator's (?:text|words)|spoken (?:text|words)|script)"
    r"(?:\s+(?:of|in|for)\s+(?:this\s+)?scene(?:\s+\d+)?)?\s*(?:to|with|into|so it says|:)\s*"
    r"(?P<text>.+)$",
    re.IGNORECASE | re.DOTALL,
)
_SAY = re.compile(r"\b(?:say|narrate|read out)\s*:?\s*(?P<text>[\"\u201c'\u2018].+)$", re.I | re.S)
_VOICE = re.compile(r"\b(?:say|says|said|speak|speaks|talk|read|narrat\w*|voice\w*|pace)\b")
_SLOWER = re.compile(r"\b(?:slow(?:er|ly)?|slow down|more time|calmer)\b")
_FASTER = re.compile(r"\b(?:fast(?:er)?|quick(?:er|ly)?|speed (?:it )?up|hurry|brisk\w*)\b")
_MUCH = re.compile(r"\b(?:much|a lot|way|far)\b")
_CLAUSES = re.compile(r"\s*(?:;|,|\band then\b|\bthen\b|\band\b|\balso\b)\s*")
_FILLER = re.compile(r"\b(?:please|it|the|scene|a bit|bit|little|down|up|more|\d+)\b|[^a-z ]")
_TIMING_LINE = re.compile(r"^\d+\. [\d.]+ s to [\d.]+ s \((?P<seconds>[\d.]+) s\):", re.M)


def _quoted_or_bare(text: str) -> str:
    stripped = text.strip().rstrip(".")
    for left, right in (('"', '"'), ("\u201c", "\u201d"), ("'", "'"), ("\u2018", "\u2019")):
        if stripped.startswith(left) and right in stripped[1:]:
            return stripped[1 : stripped.index(right, 1)]
    return text.strip()


def _pace_clauses(instruction: str, narrated: bool) -> list[str]:
    """The clauses that set the voice's pace: they name the voice, or (in a narrated scene)
    say nothing but the pace."""
    found = []
    for clause in _CLAUSES.split(normalise(instruction)):
        if not (_SLOWER.search(clause) or _FASTER.search(clause)):
            continue
        bare = not _FILLER.sub(" ", _SLOWER.sub(" ", _FASTER.sub(" ", clause))).split()
        if _VOICE.search(clause) or (narrated and bare):
            found.append(clause)
    return found


def change_narration(
    instruction: str, segments: list[str], speed: float, narrated: bool
) -> NarrationChange:
    """What the instruction does to the narration: new words, a new pace, or neither."""
    new_words: list[str] = []
    match = _NEW_TEXT.search(instruction) or _SAY.search(instruction)
    if match:
        text = _quoted_or_bare(match.group("text"))
        new_words = sentences(text)[:MAX_SEGMENTS] or [text]
    factor = 1.0
    for clause in _pace_clauses(instruction, narrated):
        much = bool(_MUCH.search(clause))
        if _SLOWER.search(clause):
            factor *= 0.7 if much else 0.85
        else:
            factor *= 1.4 if much else 1.2
    new_speed = round(min(2.0, max(0.5, speed * factor)), 3)
    return NarrationChange(segments=new_words if new_words != segments else [], speed=new_speed)


def without_narration(instruction: str, narrated: bool) -> str:
    """The instruction without what `change_narration` reads: what is left for the SPEC."""
    rest = instruction
    match = _NEW_TEXT.search(rest) or _SAY.search(rest)
    if match:
        rest = rest[: match.start()]
    clauses = _CLAUSES.split(rest)
    pace = set(_pace_clauses(rest, narrated))
    kept = [clause for clause in clauses if normalise(clause) not in pace]
    return ", ".join(clause for clause in kept if clause.strip(" .,;"))


def narration_timing(section: str) -> list[float] | None:
    """The segment durations of a coder prompt's narration timing, or None when silent."""
    durations = [float(match.group("seconds")) for match in _TIMING_LINE.finditer(section)]
    return durations or None
