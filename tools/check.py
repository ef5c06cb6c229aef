"""Cheap structural checks that run before any render, so trivial failures never cost one.

This is lint with clear feedback for the model, not a security boundary: the
render sandbox is the boundary.
"""

from __future__ import annotations

import ast

from tools.render.models import RenderError

__all__ = ["MAX_CODE_BYTES", "check_code", "scene_classes"]

MAX_CODE_BYTES = 100_000


def scene_classes(tree: ast.Module) -> list[str]:
    """Names of top-level classes deriving from a `...Scene` base."""
    found = []
    for node in tree.body:
        if not isinstance(node, ast.ClassDef):
            continue
        for base in node.bases:
            name = base.attr if isinstance(base, ast.Attribute) else getattr(base, "id", "")
            if name.endswith("Scene"):
                found.append(node.name)
                break
    return found


def check_code(code: str, scene_name: str | None = None) -> RenderError | None:
    """The first structural problem as a `code` error, or None when the file may run."""
    size = len(code.encode())
    if size > MAX_CODE_BYTES:
        return _error("SizeError", f"the scene file is {size} bytes; the limit is {MAX_CODE_BYTES}")
    try:
        tree = ast.parse(code)
        compile(tree, "scene.py", "exec")
    except SyntaxError as exc:
        excerpt = (exc.text or "").rstrip() or None
        return _error(type(exc).__name__, exc.msg, line=exc.lineno, excerpt=excerpt)
    scenes = scene_classes(tree)
    if scene_name is not None:
        if scene_name not in scenes:
            found = ", ".join(scenes) or "none"
            return _error("StructureError", f"no Scene subclass {scene_name} (found: {found})")
        return None
    if len(scenes) != 1:
        found = ", ".join(scenes) or "none"
        return _error("StructureError", f"define exactly one Scene subclass (found: {found})")
    return None


def _error(
    kind: str, message: str, *, line: int | None = None, excerpt: str | None = None
) -> RenderError:
    return RenderError(kind="code", type=kind, message=message, line=line, excerpt=excerpt)
