"""Precise source edits located by the AST, so a rewrite never touches text it does not mean to.

Rules find nodes with `ast`, then replace exactly those characters of the original file:
comments, formatting and every other string stay as the model wrote them.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from tools.repair.models import Repair

__all__ = [
    "Edit",
    "Fix",
    "Source",
    "apply_fixes",
    "arguments",
    "bound_names",
    "call_name",
    "delete_statement",
    "drop_argument",
    "drop_arguments",
    "insert_line",
    "is_call_to",
    "keyword",
    "parse",
    "string_literal",
]

_LINE_END = re.compile(r"\r\n|\r|\n")


def parse(code: str) -> ast.Module | None:
    """The module's AST, or None when it does not parse; warnings (bad escapes) stay quiet."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            return ast.parse(code)
        except (SyntaxError, ValueError):
            return None


class Source:
    """A parsed file with character offsets for AST positions (which count UTF-8 bytes)."""

    def __init__(self, code: str) -> None:
        self.code = code
        self.tree = parse(code)
        self._starts = [0] + [m.end() for m in _LINE_END.finditer(code)]
        self._parents: dict[ast.AST, ast.AST] | None = None
        self._nodes: list[ast.AST] | None = None
        self._bound: set[str] | None = None

    def offset(self, line: int, col: int) -> int:
        """Character offset of a 1-based line and a UTF-8 byte column."""
        start = self._starts[line - 1]
        end = self._starts[line] if line < len(self._starts) else len(self.code)
        text = self.code[start:end]
        return start + len(text.encode()[:col].decode(errors="ignore"))

    def span(self, node: ast.AST) -> tuple[int, int]:
        """Start and end character offsets of a node."""
        end_line, end_col = node.end_lineno, node.end_col_offset  # type: ignore[attr-defined]
        return (
            self.offset(node.lineno, node.col_offset),  # type: ignore[attr-defined]
            self.offset(end_line, end_col),
        )

    def text(self, node: ast.AST) -> str:
        """The node's source text."""
        start, end = self.span(node)
        return self.code[start:end]

    @property
    def line_count(self) -> int:
        """Number of lines (a final line break starts no new line)."""
        return len(self._starts) - (1 if self.code.endswith(("\n", "\r")) else 0)

    def line_start(self, line: int) -> int:
        """Offset of the first character of a 1-based line."""
        return self._starts[line - 1]

    def indent(self, line: int) -> str:
        """The leading whitespace of a line."""
        start = self._starts[line - 1]
        match = re.match(r"[ \t]*", self.code[start:])
        return match.group(0) if match else ""

    def parent(self, node: ast.AST) -> ast.AST | None:
        """The node that contains `node`."""
        if self._parents is None:
            assert self.tree is not None
            self._parents = {
                child: outer for outer in self.nodes() for child in ast.iter_child_nodes(outer)
            }
        return self._parents.get(node)

    def nodes(self) -> Iterator[ast.AST]:
        """Every node of the tree in source order of discovery (breadth first)."""
        if self._nodes is None:
            self._nodes = list(ast.walk(self.tree)) if self.tree is not None else []
        return iter(self._nodes)

    @property
    def bound(self) -> set[str]:
        """Every name the file binds (computed once per parse; see `bound_names`)."""
        if self._bound is None:
            self._bound = bound_names(self.tree) if self.tree is not None else set()
        return self._bound

    def calls(self) -> Iterator[ast.Call]:
        """Every call in the file."""
        return (node for node in self.nodes() if isinstance(node, ast.Call))


@dataclass(frozen=True)
class Edit:
    """Replace characters `start:end` with `text` (an insertion when start == end)."""

    start: int
    end: int
    text: str


@dataclass(frozen=True)
class Fix:
    """The edits of one repair; applied together or not at all."""

    edits: tuple[Edit, ...]
    repair: Repair


def apply_fixes(code: str, fixes: Iterable[Fix]) -> tuple[str, list[Repair]]:
    """Apply every fix whose edits overlap no earlier accepted fix; later passes get the rest."""
    accepted: list[tuple[int, Edit]] = []
    repairs: list[Repair] = []
    for fix in fixes:
        taken = [edit for _, edit in accepted]
        if any(_overlap(edit, other) for edit in fix.edits for other in taken):
            continue
        accepted.extend((len(accepted) + i, edit) for i, edit in enumerate(fix.edits))
        repairs.append(fix.repair)
    out: list[str] = []
    cursor = 0
    for _, edit in sorted(accepted, key=lambda item: (item[1].start, item[0])):
        out.append(code[cursor : edit.start])
        out.append(edit.text)
        cursor = max(cursor, edit.end)
    out.append(code[cursor:])
    return "".join(out), repairs


def _overlap(a: Edit, b: Edit) -> bool:
    if a.start == a.end or b.start == b.end:
        return b.start < a.start < b.end or a.start < b.start < a.end
    return a.start < b.end and b.start < a.end


def arguments(call: ast.Call) -> list[ast.expr | ast.keyword]:
    """Positional and keyword arguments of a call, in source order."""
    items: list[ast.expr | ast.keyword] = [*call.args, *call.keywords]
    return sorted(items, key=lambda n: (n.lineno, n.col_offset))


def drop_argument(src: Source, call: ast.Call, node: ast.expr | ast.keyword) -> Edit:
    """Remove one argument of a call together with the comma that separates it."""
    return drop_arguments(src, call, [node])[0]


def drop_arguments(src: Source, call: ast.Call, nodes: list[ast.expr | ast.keyword]) -> list[Edit]:
    """Remove several arguments of a call with their commas, as non-overlapping edits."""
    items = arguments(call)
    dropped = [n in nodes for n in items]
    edits = []
    # Arguments followed by any other one go up to the start of the next.
    trailing = len(items)
    while trailing > 0 and dropped[trailing - 1]:
        trailing -= 1
    for index, item in enumerate(items[:trailing]):
        if dropped[index]:
            edits.append(Edit(src.span(item)[0], src.span(items[index + 1])[0], ""))
    # A run of dropped arguments at the end goes from the last kept one (or the parenthesis).
    if trailing < len(items):
        end = src.span(items[-1])[1]
        start = src.span(items[trailing - 1])[1] if trailing > 0 else src.span(items[0])[0]
        if trailing == 0:
            end = src.span(call)[1] - 1
        edits.append(Edit(start, end, ""))
    return edits


def keyword(call: ast.Call, name: str) -> ast.keyword | None:
    """The keyword argument `name` of a call."""
    return next((k for k in call.keywords if k.arg == name), None)


def bound_names(tree: ast.Module) -> set[str]:
    """Every name the file binds anywhere: assignments, loops, defs, classes, imports, args."""
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store | ast.Del):
            names.add(node.id)
        elif isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.arg):
            names.add(node.arg)
        elif isinstance(node, ast.alias) and node.name != "*":
            names.add((node.asname or node.name).split(".")[0])
        elif isinstance(node, ast.Global | ast.Nonlocal):
            names.update(node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
    return names


def call_name(call: ast.Call) -> str | None:
    """`Circle` for `Circle(...)`, `plot` for `axes.plot(...)`, None for anything else."""
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def is_call_to(node: ast.AST, names: Iterable[str] | str) -> bool:
    """Whether `node` calls a bare name (not a method) among `names`."""
    wanted = {names} if isinstance(names, str) else set(names)
    return isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in wanted


def delete_statement(src: Source, stmt: ast.stmt, repair: Repair) -> Fix:
    """Remove a statement; a body left empty gets `pass` so the file still parses."""
    parent = src.parent(stmt)
    body = next(
        (
            getattr(parent, field)
            for field in ("body", "orelse", "finalbody")
            if stmt in getattr(parent, field, [])
        ),
        [stmt],
    )
    start, end = src.span(stmt)
    if len(body) == 1:
        return Fix((Edit(start, end, "pass"),), repair)
    line_start = src.line_start(stmt.lineno)
    rest = src.code[end:]
    tail = re.match(r"[ \t]*(#[^\r\n]*)?(\r\n|\r|\n|$)", rest)
    if tail is not None and not src.code[line_start:start].strip():
        return Fix((Edit(line_start, end + tail.end(), ""),), repair)
    return Fix((Edit(start, end, "pass"),), repair)


def insert_line(src: Source, at: int, text: str) -> Edit:
    """Insert `text` as a whole line at offset `at` (a line start, or the end of the file)."""
    if at == len(src.code) and src.code and not src.code.endswith(("\n", "\r")):
        return Edit(at, at, "\n" + text + "\n")
    return Edit(at, at, text + "\n")


def string_literal(value: str) -> str:
    """Python source for `value`: a raw string when that reads cleanly (TeX), else escaped."""
    printable = all(ch.isprintable() or ch == " " for ch in value)
    if printable and not value.endswith("\\"):
        for quote in ('"', "'"):
            if quote not in value:
                return f"r{quote}{value}{quote}"
    return repr(value)
