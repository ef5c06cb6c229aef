"""Error-driven repairs: the changes a classified render error allows, keyed on the line.

These fix what only shows at run time (a keyword a class does not take, an empty `play`,
2-D points, indexing a one-part MathTex). Each rule reads the exception type and message,
edits the user's line (or the definitions it uses), and declines when it is unsure; every
rule that applies contributes, so independent fixes land in one step. `explain_error`
rewrites the messages no rule can fix but that mislead a model (Manim's catch-all getter).
"""

from __future__ import annotations

import ast
import difflib
import re
from collections.abc import Callable

from tools.render.models import RenderError
from tools.repair.models import Repair, Repaired
from tools.repair.source import (
    Edit,
    Fix,
    Source,
    apply_fixes,
    call_name,
    delete_statement,
    drop_argument,
    insert_line,
    keyword,
    string_literal,
)
from tools.repair.tables import (
    KEYWORD_MEANINGS,
    KNOWN_GETTERS,
    KNOWN_SETTERS,
    STROKE_ONLY_CLASSES,
)
from tools.repair.tex import tex_depth

__all__ = ["ERROR_RULES", "explain_error", "repair_after_error"]

Rule = Callable[[Source, RenderError, int], Fix | None]

_UNEXPECTED_KEYWORD = re.compile(r"unexpected keyword argument '(\w+)'")
_MULTIPLE_VALUES = re.compile(r"got multiple values for (?:keyword )?argument '(\w+)'")
_UNDEFINED_MACRO = re.compile(r"Undefined control sequence\.?\s*\\([A-Za-z@]+)")
_NOT_DEFINED = re.compile(r"name '(\w+)' is not defined")
_SHIM = "Mobject.__getattr__.<locals>.setter"
_GETTER = "Mobject.__getattr__.<locals>.getter"
_TEX_CALLS = ("MathTex", "Tex")
_ASSET_CALLS = ("ImageMobject", "SVGMobject")
_POINT_CALL_EXCLUDES = frozenset({"range", "zip", "enumerate", "min", "max", "len", "print"})


def repair_after_error(code: str, error: RenderError) -> Repaired | None:
    """Every repair the rules are sure of for a `code` error (independent edits applied
    together), or None when none is.

    Example:
        >>> error = RenderError(kind="code", type="ValueError", line=5,
        ...                     message="Called Scene.play with no animations")
        >>> repair_after_error(code, error).repairs
        ['guarded an empty self.play(*...) (line 5)']
    """
    if error.kind != "code" or error.line is None:
        return _without_line(code, error)
    src = Source(code)
    if src.tree is None:
        return None
    fixes = [fix for rule in ERROR_RULES if (fix := rule(src, error, error.line)) is not None]
    fixed, applied = apply_fixes(code, fixes)
    if fixed == code:
        return None
    return Repaired(code=fixed, repairs=[str(r) for r in applied])


def explain_error(code: str, error: RenderError) -> RenderError:
    """The error as a model should read it: a call to a `get_*` method Manim does not have
    fails inside its catch-all getter with a message about arguments; say "no such method"
    and name the nearest real one.

    Example:
        >>> explain_error(code, getter_error).message
        'axes.get_bar_graph() is no Manim method (...); the nearest real one: get_graph_label()'
    """
    if _GETTER not in error.message or error.line is None:
        return error
    src = Source(code)
    if src.tree is None:
        return error
    for call in _calls_on(src, error.line):
        func = call.func
        if not isinstance(func, ast.Attribute) or not func.attr.startswith("get_"):
            continue
        if func.attr in KNOWN_GETTERS:
            continue
        near = difflib.get_close_matches(func.attr, sorted(KNOWN_GETTERS), n=1, cutoff=0.6)
        hint = f"; the nearest real one: {near[0]}()" if near else ""
        message = (
            f"no such method: {src.text(func)}() is not a Manim method (Manim's catch-all "
            f"`get_*` getter answered the name and rejected the arguments){hint}"
        )
        return error.model_copy(update={"message": message, "type": "NoSuchMethod"})
    return error


def _without_line(code: str, error: RenderError) -> Repaired | None:
    """Errors raised where the user's file is not on the stack (e.g. a class body import)."""
    if error.kind != "code":
        return None
    src = Source(code)
    if src.tree is None:
        return None
    fix = _star_import(src, error, 0) or _no_video(src, error)
    if fix is None:
        return None
    fixed, applied = apply_fixes(code, [fix])
    return Repaired(code=fixed, repairs=[str(r) for r in applied])


def _calls_on(src: Source, line: int) -> list[ast.Call]:
    found = [c for c in src.calls() if c.lineno <= line <= (c.end_lineno or c.lineno)]
    return sorted(found, key=lambda c: (c.lineno, c.col_offset))


def _statement_at(src: Source, line: int) -> ast.stmt | None:
    """The innermost statement that spans `line`."""
    spanning = [
        node
        for node in src.nodes()
        if isinstance(node, ast.stmt) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    return min(spanning, key=lambda n: (n.end_lineno or n.lineno) - n.lineno, default=None)


def _name_of(call: ast.Call) -> str | None:
    if isinstance(call.func, ast.Name):
        return call.func.id
    if isinstance(call.func, ast.Attribute):
        return call.func.attr
    return None


def _grow_arrow_on_line(src: Source, error: RenderError, line: int) -> Fix | None:
    """GrowArrow on something that is not an Arrow fails inside `scale(scale_tips=...)`."""
    if "scale_tips" not in error.message:
        return None
    for call in _calls_on(src, line):
        if isinstance(call.func, ast.Name) and call.func.id == "GrowArrow":
            repair = Repair("error", "GrowArrow → Create: the target is not an Arrow", line)
            return Fix((Edit(*src.span(call.func), "Create"),), repair)
    return None


def _unknown_setter(src: Source, error: RenderError, line: int) -> Fix | None:
    """A `set_x(...)` Manim does not define: its generated one-argument setter rejects the call."""
    if _SHIM not in error.message:
        return None
    for call in _calls_on(src, line):
        func = call.func
        if not isinstance(func, ast.Attribute) or not func.attr.startswith("set_"):
            continue
        if func.attr in KNOWN_SETTERS:
            continue
        repair = Repair("error", f"removed {func.attr}(): Manim 0.22 has no such method", line)
        parent = src.parent(call)
        if isinstance(parent, ast.Expr):
            return delete_statement(src, parent, repair)
        return Fix((Edit(*src.span(call), src.text(func.value)),), repair)
    return None


def _unexpected_keyword(src: Source, error: RenderError, line: int) -> Fix | None:
    """A keyword the called class does not take: renamed to what the class calls it
    (`opacity=` → `fill_opacity=` or `stroke_opacity=`), else dropped; in every call to the
    same callable in the file, so the next call does not fail the same way."""
    match = _UNEXPECTED_KEYWORD.search(error.message)
    if error.type != "TypeError" or match is None or "__getattr__.<locals>" in error.message:
        return None
    name = match.group(1)
    callees = {call_name(c) for c in _calls_on(src, line) if keyword(c, name) is not None}
    calls = [c for c in src.calls() if call_name(c) in callees and keyword(c, name) is not None]
    if not calls:
        return None
    edits, renamed = [], set()
    for call in calls:
        kw = keyword(call, name)
        assert kw is not None
        real = _real_keyword(name, call)
        if real is not None and keyword(call, real) is None:
            start = src.span(kw)[0]
            edits.append(Edit(start, start + len(name), real))
            renamed.add(real)
        else:
            edits.append(drop_argument(src, call, kw))
    at = next((c for c in calls if c.lineno <= line <= (c.end_lineno or c.lineno)), calls[0])
    where = keyword(at, name)
    assert where is not None
    what = (
        f"renamed keyword {name}= → {'/'.join(sorted(renamed))}="
        if renamed
        else (f"dropped unsupported keyword {name}=")
    )
    if len(calls) > 1:
        what += f" in {len(calls)} calls"
    return Fix(tuple(edits), Repair("error", what, where.lineno))


def _real_keyword(name: str, call: ast.Call) -> str | None:
    """What the called class names the keyword, by the kind of object it makes."""
    meanings = KEYWORD_MEANINGS.get(name)
    if meanings is None:
        return None
    filled, stroked = meanings
    return stroked if call_name(call) in STROKE_ONLY_CLASSES else filled


def _multiple_values(src: Source, error: RenderError, line: int) -> Fix | None:
    """A keyword the class sets itself (`Square(width=...)`): side length, or dropped."""
    match = _MULTIPLE_VALUES.search(error.message)
    if error.type != "TypeError" or match is None:
        return None
    name = match.group(1)
    for call in _calls_on(src, line):
        kw = keyword(call, name)
        if kw is None:
            continue
        square = _name_of(call) == "Square" and name in ("width", "height")
        if square and keyword(call, "side_length") is None:
            start = src.span(kw)[0]
            repair = Repair("error", f"Square {name}= → side_length=", line)
            return Fix((Edit(start, start + len(name), "side_length"),), repair)
        repair = Repair("error", f"dropped keyword {name}= that {_name_of(call)} sets itself", line)
        return Fix((drop_argument(src, call, kw),), repair)
    return None


def _empty_play(src: Source, error: RenderError, line: int) -> Fix | None:
    """`self.play(*[... for m in empty])` → play only when there is something to play."""
    empty_play = "play with no animations" in error.message
    if not empty_play and "At least one mobject must be passed" not in error.message:
        return None
    stmt = _statement_at(src, line)
    if not (isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call)):
        return None
    call = stmt.value
    repair = Repair("error", "guarded an empty self.play(*...)", line)
    if not call.args:
        return delete_statement(src, stmt, repair)
    if not all(isinstance(a, ast.Starred) for a in call.args):
        return _guard_starred(src, stmt, repair)
    indent = src.indent(stmt.lineno)
    parts = [src.text(a) for a in call.args]
    collected = src.text(call.args[0].value) if len(parts) == 1 else f"[{', '.join(parts)}]"  # type: ignore[attr-defined]
    rest = "".join(f", {src.text(k)}" for k in call.keywords)
    text = (
        f"animations = {collected}\n{indent}if animations:\n"
        f"{indent}    {src.text(call.func)}(*animations{rest})"
    )
    return Fix((Edit(*src.span(stmt), text),), repair)


def _guard_starred(src: Source, stmt: ast.Expr, repair: Repair) -> Fix | None:
    """Run a statement like `self.play(FadeOut(*group))` only when `group` is not empty."""
    starred = next((n for n in ast.walk(stmt) if isinstance(n, ast.Starred)), None)
    if starred is None:
        return None
    indent = src.indent(stmt.lineno)
    body = src.text(stmt).replace("\n", "\n    ")
    text = f"if {src.text(starred.value)}:\n{indent}    {body}"
    return Fix((Edit(*src.span(stmt), text),), repair)


def _non_positive_duration(src: Source, error: RenderError, line: int) -> Fix | None:
    """`wait(0)` or `run_time=0`: clamp to one frame."""
    if "<= 0 seconds" not in error.message and "run_time of" not in error.message:
        return None
    edits = []
    for call in _calls_on(src, line):
        if _name_of(call) == "wait" and call.args:
            edits.append(_clamp(src, call.args[0]))
        run_time = keyword(call, "run_time")
        if run_time is not None:
            edits.append(_clamp(src, run_time.value))
        duration = keyword(call, "duration")
        if _name_of(call) == "wait" and duration is not None:
            edits.append(_clamp(src, duration.value))
    if not edits:
        return None
    return Fix(tuple(edits), Repair("error", "clamped a duration of 0 to one frame", line))


def _clamp(src: Source, node: ast.expr) -> Edit:
    return Edit(*src.span(node), f"max({src.text(node)}, 1 / config.frame_rate)")


def _points_2d(src: Source, error: RenderError, line: int) -> Fix | None:
    """Shape (2,) against (3,): give 2-D point literals on the line (and its names) a z of 0."""
    if error.type != "ValueError" or "broadcast" not in error.message or "2" not in error.message:
        return None
    stmt = _statement_at(src, line)
    if stmt is None:
        return None
    roots: list[ast.AST] = [stmt]
    used = {n.id for n in ast.walk(stmt) if isinstance(n, ast.Name)}
    for node in src.nodes():
        if isinstance(node, ast.Assign) and any(
            isinstance(t, ast.Name | ast.Tuple) and _targets(t) & used for t in node.targets
        ):
            roots.append(node.value)
    edits = {
        src.span(point)[1] - 1: point
        for root in roots
        for point in ast.walk(root)
        if _is_point_2d(src, point)
    }
    if not edits:
        return None
    fixed = tuple(Edit(end, end, ", 0") for end, _ in sorted(edits.items()))
    return Fix(fixed, Repair("error", "gave 2-D points a z coordinate of 0", line))


def _targets(node: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


def _is_point_2d(src: Source, node: ast.AST) -> bool:
    if not isinstance(node, ast.List | ast.Tuple) or len(node.elts) != 2:
        return False
    if any(isinstance(e, ast.List | ast.Tuple | ast.Dict | ast.Starred) for e in node.elts):
        return False
    if any(isinstance(e, ast.Constant) and not isinstance(e.value, int | float) for e in node.elts):
        return False
    parent = src.parent(node)
    if isinstance(parent, ast.keyword):
        return False
    if isinstance(parent, ast.Assign) and node in parent.targets:
        return False
    if isinstance(parent, ast.Call) and _name_of(parent) in _POINT_CALL_EXCLUDES:
        return False
    return not isinstance(parent, ast.For | ast.comprehension | ast.Subscript)


def _vgroup_with_mobject(src: Source, error: RenderError, line: int) -> Fix | None:
    """A VGroup given an image, a Group or a point cloud must be a Group."""
    if "can be added as submobjects of VGroup" not in error.message:
        return None
    edits = []
    added = set()
    for call in _calls_on(src, line):
        if isinstance(call.func, ast.Name) and call.func.id == "VGroup":
            edits.append(Edit(*src.span(call.func), "Group"))
        elif isinstance(call.func, ast.Attribute) and isinstance(call.func.value, ast.Name):
            added.add(call.func.value.id)
    if not edits and added:
        for node in src.nodes():
            if (
                isinstance(node, ast.Assign)
                and any(isinstance(t, ast.Name) and t.id in added for t in node.targets)
                and isinstance(node.value, ast.Call)
                and isinstance(node.value.func, ast.Name)
                and node.value.func.id == "VGroup"
            ):
                edits.append(Edit(*src.span(node.value.func), "Group"))
    if not edits:
        return None
    return Fix(tuple(edits), Repair("error", "VGroup → Group: it holds a non-vector mobject", line))


def _missing_asset(src: Source, error: RenderError, line: int) -> Fix | None:
    """An image or SVG file the sandbox does not have → a placeholder square."""
    if "could not find" not in error.message and error.type != "FileNotFoundError":
        return None
    for call in _calls_on(src, line):
        if isinstance(call.func, ast.Name) and call.func.id in _ASSET_CALLS:
            detail = f"replaced the missing {call.func.id} file with a placeholder square"
            edit = Edit(*src.span(call), "Square(side_length=2)")
            return Fix((edit,), Repair("error", detail, line))
    return None


def _index_one_part_tex(src: Source, error: RenderError, line: int) -> Fix | None:
    """`eq[2]` on a one-string MathTex: split the string at its top-level spaces into parts."""
    if error.type != "IndexError":
        return None
    stmt = _statement_at(src, line)
    if stmt is None:
        return None
    for sub in ast.walk(stmt):
        if not (isinstance(sub, ast.Subscript) and isinstance(sub.value, ast.Name)):
            continue
        fix = _split_tex_for(src, sub.value.id, line)
        if fix is not None:
            return fix
    return None


def _split_tex_for(src: Source, name: str, line: int) -> Fix | None:
    definitions = [
        node.value
        for node in src.nodes()
        if isinstance(node, ast.Assign)
        and any(isinstance(t, ast.Name) and t.id == name for t in node.targets)
    ]
    if len(definitions) != 1:
        return None
    call = _tex_call(definitions[0])
    if call is None or len(call.args) != 1 or keyword(call, "substrings_to_isolate"):
        return None
    arg = call.args[0]
    if not (isinstance(arg, ast.Constant) and isinstance(arg.value, str)):
        return None
    used = [
        node.slice.value
        for node in src.nodes()
        if isinstance(node, ast.Subscript)
        and isinstance(node.value, ast.Name)
        and node.value.id == name
        and isinstance(node.slice, ast.Constant)
        and isinstance(node.slice.value, int)
    ]
    parts = _top_level_parts(arg.value, keep_spaces=_name_of(call) == "Tex")
    if not used or len(parts) <= max(used):
        return None
    text = ", ".join(string_literal(part) for part in parts)
    detail = (
        f"split the {_name_of(call)} string into {len(parts)} parts so {name}[{max(used)}] exists"
    )
    return Fix((Edit(*src.span(arg), text),), Repair("error", detail, line))


def _tex_call(node: ast.expr) -> ast.Call | None:
    """The MathTex/Tex call at the root of a chain like `MathTex(...).scale(2)`."""
    while isinstance(node, ast.Call):
        if isinstance(node.func, ast.Name):
            return node if node.func.id in _TEX_CALLS else None
        if not isinstance(node.func, ast.Attribute):
            return None
        node = node.func.value
    return None


def _top_level_parts(text: str, *, keep_spaces: bool) -> list[str]:
    """Split TeX at whitespace outside braces; each part stays brace-balanced."""
    parts, current = [], ""
    for piece in re.split(r"(\s+)", text):
        if not piece:
            continue
        if piece.isspace() and tex_depth(current) == 0 and current:
            parts.append(current + (piece if keep_spaces else ""))
            current = ""
        else:
            current += piece
    if current:
        parts.append(current)
    return parts


def _latex_missing_dollar(src: Source, error: RenderError, line: int) -> Fix | None:
    """`Tex` of math without `$`: manimgl's Tex is math mode, Manim CE's is text."""
    if error.type != "LaTeXError" or "Missing $ inserted" not in error.message:
        return None
    for call in _calls_on(src, line):
        if not (isinstance(call.func, ast.Name) and call.func.id == "Tex"):
            continue
        strings = [a.value for a in call.args if isinstance(a, ast.Constant)]
        if strings and not any("$" in str(s) for s in strings):
            repair = Repair("error", "Tex → MathTex: the string is math", line)
            return Fix((Edit(*src.span(call.func), "MathTex"),), repair)
    return None


def _latex_undefined_macro(src: Source, error: RenderError, line: int) -> Fix | None:
    """A macro the TeX template lacks: drop the macro, keep its argument."""
    match = _UNDEFINED_MACRO.search(error.message)
    if error.type != "LaTeXError" or match is None:
        return None
    macro = re.compile(r"\\" + re.escape(match.group(1)) + r"(?![A-Za-z])\s*")
    edits = []
    for call in _calls_on(src, line):
        for arg in call.args:
            if (
                isinstance(arg, ast.Constant)
                and isinstance(arg.value, str)
                and macro.search(arg.value)
            ):
                edits.append(Edit(*src.span(arg), string_literal(macro.sub("", arg.value))))
    if not edits:
        return None
    detail = f"removed \\{match.group(1)}: the TeX template does not define it"
    return Fix(tuple(edits), Repair("error", detail, line))


def _star_import(src: Source, error: RenderError, line: int) -> Fix | None:
    """A Manim name used without `from manim import *` (the file imported names one by one)."""
    if error.type != "NameError" or _NOT_DEFINED.search(error.message) is None:
        return None
    assert src.tree is not None
    stars = [
        node.module
        for node in src.tree.body
        if isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)
    ]
    if "manim" in stars:
        return None
    repair = Repair("error", "added `from manim import *`", line or None)
    return Fix((insert_line(src, 0, "from manim import *"),), repair)


def _no_video(src: Source, error: RenderError) -> Fix | None:
    """A scene that only `add`s has no frames to write: give it one second at its end."""
    if "produced no video" not in error.message:
        return None
    assert src.tree is not None
    for cls in src.tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for method in cls.body:
            if isinstance(method, ast.FunctionDef) and method.name == "construct":
                last = method.body[-1]
                at = src.span(last)[1]
                text = f"\n{src.indent(last.lineno)}self.wait()"
                repair = Repair("error", "added self.wait() so the scene has frames", last.lineno)
                return Fix((Edit(at, at, text),), repair)
    return None


ERROR_RULES: tuple[Rule, ...] = (
    _grow_arrow_on_line,
    _unknown_setter,
    _unexpected_keyword,
    _multiple_values,
    _empty_play,
    _non_positive_duration,
    _points_2d,
    _vgroup_with_mobject,
    _missing_asset,
    _index_one_part_tex,
    _latex_missing_dollar,
    _latex_undefined_macro,
    _star_import,
)
