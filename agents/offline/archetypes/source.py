"""Assemble a scene file: header, SPEC, the helpers its elements need, and the Scene class."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any

from agents.offline.archetypes.literal import format_literal
from tools.layout_models import Aspect

__all__ = ["SLOTS", "class_name", "render_source"]

# Kinds in the order their builders appear in a file; each has templates/<kind>.py.tmpl.
_KINDS = (
    "text",
    "line",
    "bullets",
    "equation",
    "graph",
    "shape",
    "bars",
    "number_line",
    "flow",
    "image",
)
Slot = tuple[float, float, float, float]
SLOTS: dict[Aspect, dict[str, Slot]] = {
    # Layout regions of each frame (centre x, centre y, width, height), inside its safe area:
    # 14.22 x 8 at 16:9; 8 x 14.22 at 9:16 and 8 x 8 at 1:1, where the side-by-side pair
    # (body_left, body_right) is stacked instead.
    "16:9": {
        "top": (0.0, 2.85, 12.6, 1.1),
        "hero": (0.0, 1.0, 12.4, 2.8),
        "rule": (0.0, -0.75, 8.0, 0.2),
        "tagline": (0.0, -1.9, 11.0, 1.4),
        "body": (0.0, -0.05, 12.6, 4.2),
        "body_left": (-3.2, -0.05, 6.0, 4.2),
        "body_right": (3.3, -0.05, 5.8, 4.2),
        "bottom": (0.0, -2.9, 12.4, 0.9),
    },
    "9:16": {
        "top": (0.0, 5.5, 7.0, 1.9),
        "hero": (0.0, 2.0, 7.0, 4.0),
        "rule": (0.0, -0.5, 5.0, 0.2),
        "tagline": (0.0, -2.0, 6.6, 2.2),
        "body": (0.0, -0.1, 7.0, 8.4),
        "body_left": (0.0, 2.0, 7.0, 4.0),
        "body_right": (0.0, -2.4, 7.0, 3.6),
        "bottom": (0.0, -5.6, 7.0, 1.4),
    },
    "1:1": {
        "top": (0.0, 2.95, 7.0, 1.0),
        "hero": (0.0, 1.0, 7.0, 2.6),
        "rule": (0.0, -0.75, 5.0, 0.2),
        "tagline": (0.0, -1.9, 6.6, 1.4),
        "body": (0.0, -0.05, 7.0, 4.2),
        "body_left": (0.0, 0.85, 7.0, 2.4),
        "body_right": (0.0, -1.35, 7.0, 1.5),
        "bottom": (0.0, -2.9, 7.0, 0.9),
    },
}


@cache
def _template(name: str) -> Template:
    path = files("agents.offline.archetypes") / "templates" / f"{name}.py.tmpl"
    return Template(path.read_text(encoding="utf-8"))


def class_name(number: int, title: str) -> str:
    """`Scene02TheKeyEquation`: the scene number, then the title's words in CamelCase."""
    words = re.findall(r"[A-Za-z0-9]+", title)
    camel = "".join(word[0].upper() + word[1:] for word in words)[:40]
    return f"Scene{number:02d}{camel}"


def _docstring_line(title: str) -> str:
    return " ".join(title.replace("\\", "/").replace('"""', "'''").split())


def _slots_literal(slots: dict[str, Slot], names: list[str]) -> str:
    rows = "".join(f'    "{name}": {slots[name]!r},\n' for name in names)
    return "{\n" + rows + "}"


def render_source(spec: dict[str, Any], number: int, title: str, aspect: Aspect = "16:9") -> str:
    """The complete scene file for a SPEC laid out for the `aspect` frame; byte-identical
    for identical input."""
    kinds = [kind for kind in _KINDS if any(e["kind"] == kind for e in spec["elements"])]
    table = SLOTS[aspect]
    slots = [name for name in table if any(e["slot"] == name for e in spec["elements"])]
    builders = "{" + ", ".join(f'"{kind}": build_{kind}' for kind in kinds) + "}"
    parts = [
        _template("header").substitute(number=number, title=_docstring_line(title)),
        f"SPEC = {format_literal(spec)}\n\n",
        _template("layout").substitute(slots=_slots_literal(table, slots)),
        *(_template(kind).template for kind in kinds),
        "\n",
        _template("animation").substitute(builders=builders),
        "\n",
        _template("extras").template,
        _template("scene").substitute(class_name=class_name(number, title)),
    ]
    return "".join(parts)
