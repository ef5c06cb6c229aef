"""Small text utilities shared by the planner, the scene writer and the editor."""

from __future__ import annotations

import hashlib
import re
import unicodedata

__all__ = ["mentions", "normalise", "sentences", "shorten", "stable_index"]

_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])")


def normalise(text: str) -> str:
    """Lower-case ASCII with typographic quotes and dashes folded, for keyword matching."""
    folded = text.replace("\u2019", "'").replace("\u2018", "'").replace("\u2013", "-")
    folded = folded.replace("\u2014", "-")
    ascii_text = unicodedata.normalize("NFKD", folded).encode("ascii", "ignore").decode()
    return " ".join(ascii_text.lower().split())


def mentions(normalised_text: str, key: str) -> bool:
    """Whether `key` starts a word of the text; a trailing space in `key` also ends the word.

    Prefix matching lets "pythagor" find "Pythagorean"; "ph " finds "pH" but not "phase".
    """
    pattern = r"(?<![a-z0-9])" + re.escape(key.rstrip(" "))
    if key.endswith(" "):
        pattern += r"(?![a-z0-9])"
    return re.search(pattern, normalised_text) is not None


def shorten(text: str, limit: int) -> str:
    """Cut text at a word boundary so it fits `limit` characters, marking the cut with '…'."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rsplit(" ", 1)[0] if " " in text[: limit - 1] else text[: limit - 1]
    return cut.rstrip(" ,;:-") + "…"


def sentences(text: str) -> list[str]:
    """Split prose into sentences (good enough for narration written in plain English)."""
    return [part.strip() for part in _SENTENCE_END.split(" ".join(text.split())) if part.strip()]


def stable_index(seed: str, count: int) -> int:
    """A deterministic pick in range(count) from a string (Python's hash() is salted)."""
    digest = hashlib.sha256(seed.encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") % count
