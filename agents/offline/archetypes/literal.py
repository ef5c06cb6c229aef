"""SPEC as source text: format a dict as a readable Python literal, and find it in a file.

The formatting is our own (not pprint) so that it is byte-stable across Python versions,
uses double quotes like ruff, and writes LaTeX as raw strings.
"""

from __future__ import annotations

import ast
from typing import Any

__all__ = ["format_literal", "read_spec", "replace_spec"]

_LINE_LIMIT = 96
# Values under these keys are LaTeX for MathTex, always written as raw strings.
_LATEX_KEYS = frozenset({"steps", "labels", "x_label", "y_label"})


def _string(text: str, raw: bool = False) -> str:
    plain = text.isprintable() and '"' not in text
    if ("\\" in text or raw) and plain and not text.endswith("\\"):
        return f'r"{text}"'
    escaped = text.replace("\\", "\\\\").replace('"', '\\"')
    escaped = "".join(
        ch if ch.isprintable() else ch.encode("unicode_escape").decode() for ch in escaped
    )
    return f'"{escaped}"'


def _scalar(value: Any, raw: bool = False) -> str:
    if isinstance(value, bool) or value is None:
        return repr(value)
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(round(value, 4))
    if isinstance(value, str):
        return _string(value, raw)
    raise TypeError(f"SPEC values must be literals, not {type(value).__name__}")


def format_literal(value: Any, indent: int = 0, raw: bool = False) -> str:
    """Format dicts one key per line and lists inline when they fit on the line."""
    pad = " " * (indent + 4)
    if isinstance(value, dict):
        if not value:
            return "{}"
        body = "".join(
            f"{pad}{_string(str(key))}: {format_literal(item, indent + 4, key in _LATEX_KEYS)},\n"
            for key, item in value.items()
        )
        return "{\n" + body + " " * indent + "}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        if not any(isinstance(item, dict | list | tuple) for item in value):
            inline = "[" + ", ".join(_scalar(item, raw) for item in value) + "]"
            if indent + len(inline) <= _LINE_LIMIT - 20:
                return inline
        body = "".join(f"{pad}{format_literal(item, indent + 4, raw)},\n" for item in value)
        return "[\n" + body + " " * indent + "]"
    return _scalar(value, raw)


def _spec_node(code: str) -> ast.Assign | None:
    try:
        module = ast.parse(code)
    except SyntaxError:
        return None
    for node in module.body:
        if (
            isinstance(node, ast.Assign)
            and len(node.targets) == 1
            and isinstance(node.targets[0], ast.Name)
            and node.targets[0].id == "SPEC"
        ):
            return node
    return None


def read_spec(code: str) -> dict[str, Any] | None:
    """The module-level SPEC dict of a scene file, or None when there is none to read."""
    node = _spec_node(code)
    if node is None:
        return None
    try:
        spec = ast.literal_eval(node.value)
    except (ValueError, TypeError, SyntaxError, RecursionError):
        return None
    return spec if isinstance(spec, dict) else None


def replace_spec(code: str, spec: dict[str, Any]) -> str:
    """The same file with its SPEC literal rewritten; every other line is kept as it was."""
    node = _spec_node(code)
    if node is None or node.end_lineno is None:
        raise ValueError("the scene file has no SPEC = {...} assignment")
    lines = code.splitlines(keepends=True)
    new = f"SPEC = {format_literal(spec)}\n"
    return "".join(lines[: node.lineno - 1]) + new + "".join(lines[node.end_lineno :])
