"""The failing region of a scene file: what a retry prompt points the model at.

A model asked to "fix the error" in a 120-line file rewrites all of it; shown the line,
inside its enclosing function, it changes that and keeps the rest.
"""

from __future__ import annotations

import ast

from tools.repair.source import parse

__all__ = ["MAX_REGION_LINES", "failing_region"]

MAX_REGION_LINES = 30
CONTEXT_LINES = 6


def failing_region(code: str, line: int) -> str | None:
    """Numbered lines around `line`: its whole function when short, else a window inside it.

    Example:
        >>> print(failing_region(code, 11))
        lines 7-12 (the error is at line 11, marked >>):
             7 |     def construct(self):
        ...
        >>  11 |         self.play(ShowCreation(circle))
    """
    lines = code.splitlines()
    if not 0 < line <= len(lines):
        return None
    first, last = _enclosing_function(code, line) or (line - CONTEXT_LINES, line + CONTEXT_LINES)
    if last - first + 1 > MAX_REGION_LINES:
        first, last = line - CONTEXT_LINES, line + CONTEXT_LINES
    first, last = max(first, 1), min(last, len(lines))
    width = len(str(last))
    numbered = [
        f"{'>>' if number == line else '  '} {number:>{width}} | {lines[number - 1]}"
        for number in range(first, last + 1)
    ]
    header = f"lines {first}-{last} (the error is at line {line}, marked >>):"
    return "\n".join([header, *numbered])


def _enclosing_function(code: str, line: int) -> tuple[int, int] | None:
    tree = parse(code)
    if tree is None:
        return None
    spans = [
        (node.lineno, node.end_lineno or node.lineno)
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef)
        and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    return min(spans, key=lambda span: span[1] - span[0], default=None)
