"""Text hygiene: the code out of a chat answer, string escapes Python rejects, imports.

The first two rules work on raw text, because their input does not parse yet; the import
rules read the AST.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize

from tools.repair.models import Repair
from tools.repair.source import (
    Edit,
    Fix,
    Source,
    delete_statement,
    insert_line,
    parse,
)
from tools.repair.tables import MODULE_IMPORTS

__all__ = [
    "ensure_manim_import",
    "escape_bad_unicode_escapes",
    "import_used_modules",
    "numpy_math",
    "take_code_block",
]

_FENCE = re.compile(r"^[ \t]*```[\w+-]*[ \t]*$", re.MULTILINE)
_CODE_START = re.compile(r"^(from|import|class|def|@|#)\b|^#", re.MULTILINE)
_BAD_ESCAPE = re.compile(
    r"\\(\\|x(?![0-9a-fA-F]{2})|u(?![0-9a-fA-F]{4})|U(?![0-9a-fA-F]{8})|N(?!\{))"
)
_OLD_MANIM_MODULES = ("manimlib", "manim_imports_ext", "big_ol_pile_of_manim_imports")


def take_code_block(code: str) -> tuple[str, list[Repair]]:
    """The first fenced block of a pasted chat answer, or the code after leading prose."""
    if parse(code) is not None:
        return code, []
    fences = list(_FENCE.finditer(code))
    if fences:
        start = fences[0].end() + 1
        end = fences[1].start() if len(fences) > 1 else len(code)
        block = code[start:end].strip("\n") + "\n"
        if block.strip():
            return block, [Repair("text", "took the code out of its markdown fence")]
    first = _CODE_START.search(code)
    if first is not None and first.start() > 0:
        rest = code[first.start() :]
        if parse(rest) is not None:
            return rest, [Repair("text", "dropped prose before the code")]
    return code, []


def escape_bad_unicode_escapes(code: str) -> tuple[str, list[Repair]]:
    r"""Double the backslash of `\x`, `\u`, `\N` escapes Python refuses (TeX `\xi`, `\underline`).

    Such a literal is a syntax error, so no reading of it can be meant.
    """
    if parse(code) is not None:
        return code, []
    try:
        tokens = list(tokenize.generate_tokens(io.StringIO(code).readline))
    except (tokenize.TokenError, SyntaxError, IndentationError):
        return code, []
    src = Source(code)
    edits: list[Edit] = []
    lines: list[int] = []
    for token in tokens:
        if token.type != tokenize.STRING:
            continue
        prefix = re.match(r"[A-Za-z]*", token.string)
        assert prefix is not None
        if {"r", "b"} & set(prefix.group(0).lower()):
            continue
        fixed = _BAD_ESCAPE.sub(
            lambda m: m.group(0) if m.group(1) == "\\" else "\\" + m.group(0), token.string
        )
        if fixed != token.string:
            start = src.line_start(token.start[0]) + token.start[1]
            end = src.line_start(token.end[0]) + token.end[1]
            edits.append(Edit(start, end, fixed))
            lines.append(token.start[0])
    if not edits:
        return code, []
    out = code
    for edit in sorted(edits, key=lambda e: e.start, reverse=True):
        out = out[: edit.start] + edit.text + out[edit.end :]
    where = ", ".join(str(line) for line in lines)
    return out, [
        Repair("text", f"escaped backslashes Python cannot read in strings (line {where})")
    ]


def ensure_manim_import(src: Source) -> list[Fix]:
    """`from manim import *` in place of manimgl's imports, or added when there is none."""
    assert src.tree is not None
    fixes: list[Fix] = []
    has_star = False
    for node in src.tree.body:
        if isinstance(node, ast.ImportFrom) and node.module:
            root = node.module.split(".")[0]
            if root in _OLD_MANIM_MODULES:
                detail = f"replaced `from {node.module} import ...` with `from manim import *`"
                repair = Repair("import", detail, node.lineno)
                if has_star:
                    fixes.append(delete_statement(src, node, repair))
                else:
                    start, end = src.span(node)
                    fixes.append(Fix((Edit(start, end, "from manim import *"),), repair))
                has_star = True
            elif node.module == "manim" and any(a.name == "*" for a in node.names):
                has_star = True
        elif isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in _OLD_MANIM_MODULES:
                    start, end = src.span(alias)
                    text = f"manim as {alias.asname or alias.name.split('.')[0]}"
                    repair = Repair(
                        "import", f"imported manim in place of {alias.name}", node.lineno
                    )
                    fixes.append(Fix((Edit(start, end, text),), repair))
    if fixes or has_star or _imports_manim(src.tree):
        return fixes
    edit = insert_line(src, _after_header(src), "from manim import *")
    return [Fix((edit,), Repair("import", "added `from manim import *`"))]


def import_used_modules(src: Source) -> list[Fix]:
    """`import math` (random, itertools, ...) for a module used as `math.x` but never imported."""
    assert src.tree is not None
    bound = src.bound
    missing: dict[str, int] = {}
    for node in src.nodes():
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and isinstance(node.value.ctx, ast.Load)
            and node.value.id in MODULE_IMPORTS
            and node.value.id not in bound
        ):
            missing[node.value.id] = min(missing.get(node.value.id, node.lineno), node.lineno)
    at = _after_imports(src)
    return [
        Fix(
            (insert_line(src, at, MODULE_IMPORTS[name]),),
            Repair("import", f"added `{MODULE_IMPORTS[name]}`", line),
        )
        for name, line in sorted(missing.items())
    ]


def numpy_math(src: Source) -> list[Fix]:
    """`np.math.x` → `math.x`: numpy 2 removed its alias of the math module."""
    fixes = []
    for node in src.nodes():
        if (
            isinstance(node, ast.Attribute)
            and node.attr == "math"
            and isinstance(node.value, ast.Name)
            and node.value.id in ("np", "numpy")
            and isinstance(src.parent(node), ast.Attribute)
        ):
            start, end = src.span(node)
            repair = Repair(
                "import", f"{node.value.id}.math → math (numpy 2 removed it)", node.lineno
            )
            fixes.append(Fix((Edit(start, end, "math"),), repair))
    return fixes


def _imports_manim(tree: ast.Module) -> bool:
    for node in tree.body:
        if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "manim":
            return True
        if isinstance(node, ast.Import) and any(
            a.name.split(".")[0] == "manim" for a in node.names
        ):
            return True
    return False


def _after_header(src: Source) -> int:
    """Offset after the module docstring and `__future__` imports."""
    assert src.tree is not None
    at = 0
    for node in src.tree.body:
        docstring = isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)
        future = isinstance(node, ast.ImportFrom) and node.module == "__future__"
        if not (docstring and at == 0) and not future:
            break
        at = _next_line(src, node)
    return at


def _after_imports(src: Source) -> int:
    """Offset after the last import of the file's leading block of imports."""
    assert src.tree is not None
    at = _after_header(src)
    for node in src.tree.body:
        if isinstance(node, ast.Import | ast.ImportFrom):
            at = _next_line(src, node)
        elif not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant)):
            break
    return at


def _next_line(src: Source, node: ast.stmt) -> int:
    end = node.end_lineno or node.lineno
    return src.line_start(end + 1) if end < src.line_count else len(src.code)
