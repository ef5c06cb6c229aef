"""Deterministic layout repairs for offline-written scenes, driven by fixer instructions.

Offline scenes are laid out clean, so a layout issue comes from an edit: the repair undoes
the scale or move of the elements an instruction names (matched by their text), drops
added extras that collide, and as a last resort shrinks the font of the named text.
"""

from __future__ import annotations

import re
from typing import Any

from agents.offline.archetypes.literal import read_spec, replace_spec
from agents.offline.archetypes.specs import element_texts

__all__ = ["apply_fixes"]

_LABEL = re.compile(r"\w+\('((?:[^'\\]|\\.)*)'\)|\w+\(\"((?:[^\"\\]|\\.)*)\"\)")


def _named_texts(instruction: str) -> list[str]:
    """Texts quoted in mobject labels such as Text('Bayes rule') or MathTex('a^2'), unclipped."""
    names = [a or b for a, b in _LABEL.findall(instruction)]
    return [name.rstrip("…").replace("\\\\", "\\").strip() for name in names if name.strip()]


def _matches(item: dict[str, Any], names: list[str]) -> bool:
    texts = [" ".join(text.split()) for text in element_texts(item)]
    return any(name in text or name == text for name in names for text in texts)


def _is_edited(element: dict[str, Any]) -> bool:
    return element.get("scale", 1) != 1 or element.get("shift", [0, 0]) != [0, 0]


def _repair(spec: dict[str, Any], instruction: str) -> bool:
    names = _named_texts(instruction)
    named = [e for e in spec["elements"] if _matches(e, names)]
    colliding = [x for x in spec["extras"] if _matches(x, names)]
    if colliding:
        spec["extras"] = [x for x in spec["extras"] if x not in colliding]
        return True
    edited = [e for e in named if _is_edited(e)] or [e for e in spec["elements"] if _is_edited(e)]
    if edited:
        for element in edited:
            element["scale"], element["shift"] = 1.0, [0.0, 0.0]
        return True
    if spec["extras"] and "overlap" in instruction:
        spec["extras"] = []
        return True
    shrinkable = [e for e in named if e.get("font_size", 0) > 20]
    for element in shrinkable:
        element["font_size"] = max(20, round(element["font_size"] * 0.85))
    return bool(shrinkable)


def apply_fixes(code: str, instructions: list[str]) -> str | None:
    """The scene with its layout repaired per the instructions, or None when it cannot be.

    Only files with a SPEC dict (written by the offline model) can be repaired this way.
    """
    spec = read_spec(code)
    if spec is None or not isinstance(spec.get("elements"), list):
        return None
    changed = [_repair(spec, instruction) for instruction in instructions]
    return replace_spec(code, spec) if any(changed) else None
