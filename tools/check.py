"""Cheap structural checks that run before any render, so trivial failures never cost one.

This is lint with clear feedback for the model, not a security boundary: the
render sandbox is the boundary.
"""

from __future__ import annotations

import ast
import io
import tokenize

from tools.plugins import missing_plugin
from tools.render.models import RenderError

__all__ = ["MAX_CODE_BYTES", "check_code", "scene_classes", "truncation"]

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
        cut = truncation(code)
        if cut is not None:
            return cut
        excerpt = (exc.text or "").rstrip() or None
        return _error(type(exc).__name__, exc.msg, line=exc.lineno, excerpt=excerpt)
    missing = missing_plugin(tree)
    if missing is not None:
        return missing
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


def truncation(code: str) -> RenderError | None:
    """A `Truncated` error when the file stops inside its last statement (an answer cut off
    at the model's token limit): such a file is never rendered, the model is asked for all
    of it. An unclosed bracket followed by more statements is an ordinary syntax error."""
    opened: list[tokenize.TokenInfo] = []
    try:
        for token in tokenize.generate_tokens(io.StringIO(code).readline):
            if token.type == tokenize.OP and token.string in "([{":
                opened.append(token)
            elif token.type == tokenize.OP and token.string in ")]}" and opened:
                opened.pop()
    except tokenize.TokenError as exc:
        if "string" in str(exc):
            return _truncated("inside an unterminated string")
        if not opened:
            return None
    except (SyntaxError, IndentationError):
        return None
    if not opened:
        return None
    first = opened[0]
    lines = code.splitlines()
    indent = len(first.line) - len(first.line.lstrip())
    later = [line for line in lines[first.start[0] :] if line.strip()]
    if any(len(line) - len(line.lstrip()) <= indent for line in later):
        return None
    return _truncated(
        f"inside the {first.string!r} opened at line {first.start[0]}",
        line=first.start[0],
        excerpt=first.line.strip(),
    )


def _truncated(where: str, *, line: int | None = None, excerpt: str | None = None) -> RenderError:
    message = (
        f"the file ends {where}: the answer was cut off. Return the complete file, "
        "shorter if needed (fewer steps, helper loops), not a continuation."
    )
    return _error("Truncated", message, line=line, excerpt=excerpt)


def _error(
    kind: str, message: str, *, line: int | None = None, excerpt: str | None = None
) -> RenderError:
    return RenderError(kind="code", type=kind, message=message, line=line, excerpt=excerpt)
