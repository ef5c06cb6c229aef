"""Assemble a scene file: header, SPEC, the helpers its elements need, and the Scene class."""

from __future__ import annotations

import re
from functools import cache
from importlib.resources import files
from string import Template
from typing import Any

from agents.offline.archetypes.literal import format_literal

__all__ = ["class_name", "render_source"]

# Kinds in the order their builders appear in a file; each has templates/<kind>.py.tmpl.
_KINDS = ("text", "line", "bullets", "equation", "graph", "shape", "bars", "number_line", "flow")
SLOTS: dict[str, tuple[float, float, float, float]] = {
    "top": (0.0, 2.85, 12.6, 1.1),
    "hero": (0.0, 1.0, 12.4, 2.8),
    "rule": (0.0, -0.75, 8.0, 0.2),
    "tagline": (0.0, -1.9, 11.0, 1.4),
    "body": (0.0, -0.05, 12.6, 4.2),
    "body_left": (-3.2, -0.05, 6.0, 4.2),
    "body_right": (3.3, -0.05, 5.8, 4.2),
    "bottom": (0.0, -2.9, 12.4, 0.9),
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


def _slots_literal(names: list[str]) -> str:
    rows = "".join(f'    "{name}": {SLOTS[name]!r},\n' for name in names)
    return "{\n" + rows + "}"


def render_source(spec: dict[str, Any], number: int, title: str) -> str:
    """The complete scene file for a SPEC; byte-identical for identical input."""
    kinds = [kind for kind in _KINDS if any(e["kind"] == kind for e in spec["elements"])]
    slots = [name for name in SLOTS if any(e["slot"] == name for e in spec["elements"])]
    builders = "{" + ", ".join(f'"{kind}": build_{kind}' for kind in kinds) + "}"
    parts = [
        _template("header").substitute(number=number, title=_docstring_line(title)),
        f"SPEC = {format_literal(spec)}\n\n",
        _template("layout").substitute(slots=_slots_literal(slots)),
        *(_template(kind).template for kind in kinds),
        "\n",
        _template("animation").substitute(builders=builders),
        "\n",
        _template("extras").template,
        _template("scene").substitute(class_name=class_name(number, title)),
    ]
    return "".join(parts)
