"""TeX string sanitising inside MathTex / Tex / MarkupText arguments.

LaTeX errors cost a full TeX run each and read badly to a model; most come from a handful
of string slips that can be seen without running anything: escapes a non-raw Python string
ate (`"\\frac"` is a form feed and "rac"), math delimiters inside MathTex (already math),
text-mode specials (`% & #`), unicode Greek, macros the default template lacks, and
`{...}` groups split across MathTex arguments.
"""

from __future__ import annotations

import ast
import re
from dataclasses import dataclass

from tools.repair.models import Repair
from tools.repair.source import Edit, Fix, Source, string_literal
from tools.repair.tables import (
    NEWLINE_MACROS,
    TEX_CALLS,
    TEX_MACRO_ARGUMENTS,
    TEX_MACRO_RENAMES,
    TEXT_TEX_CALLS,
    UNICODE_MATH,
)

__all__ = ["balance_braces", "merge_split_groups", "sanitize_strings", "tex_depth"]

MATH_TEX_CALLS = TEX_CALLS - TEXT_TEX_CALLS
_EATEN = {"\x07": "a", "\x08": "b", "\x0c": "f", "\t": "t", "\x0b": "v", "\r": "r"}
_EATEN_BEFORE_LETTER = re.compile("([\x07\x08\x0c\t\x0b\r])(?=[A-Za-z])")
# After "\n" the macro has lost its leading "n": "\nabla" arrives as a newline and "abla".
_NEWLINE_MACRO = re.compile(
    "\n(?=("
    + "|".join(sorted((m[1:] for m in NEWLINE_MACROS), key=len, reverse=True))
    + ")(?![A-Za-z]))"
)
_MATH_DELIMITERS = re.compile(r"(?<!\\)\$|(?<!\\)\\[()\[\]]")
_MATH_ENVIRONMENT = re.compile(r"\\(begin|end)\{(align|equation|gather|displaymath|math)\*?\}")
_UNESCAPED = {ch: re.compile(r"(?<!\\)" + re.escape(ch)) for ch in "%&#"}
_MARKUP_AMPERSAND = re.compile(r"&(?!#?\w+;)")
_MARKUP_LESS_THAN = re.compile(r"<(?![A-Za-z/!?])")
_LITERAL_PREFIX = re.compile(r"([A-Za-z]*)('''|\"\"\"|'|\")")
_TRAILING_GROUPS = re.compile(r"\\([A-Za-z]+)\s*((?:\{[^{}]*\}\s*)*)$")


@dataclass(frozen=True)
class _Literal:
    node: ast.Constant
    value: str
    raw: bool
    one_line: bool


def sanitize_strings(src: Source) -> list[Fix]:
    """Rewrite each TeX (or Pango markup) string literal that would fail as written."""
    custom_template = "tex_template" in src.code or "TexTemplate" in src.code
    fixes = []
    for call in src.calls():
        name = call.func.id if isinstance(call.func, ast.Name) else None
        if name not in TEX_CALLS and name != "MarkupText":
            continue
        for arg in call.args:
            if isinstance(arg, ast.JoinedStr):
                fixes.extend(_raw_f_string(src, arg, name or ""))
            literal = _literal(src, arg)
            if literal is None:
                continue
            if name == "MarkupText":
                value, notes = _markup(literal.value)
            else:
                value, notes = _tex(literal, name in MATH_TEX_CALLS, custom_template)
            if value != literal.value:
                detail = f"{name} string: {'; '.join(notes)}"
                edit = Edit(*src.span(arg), string_literal(value))
                fixes.append(Fix((edit,), Repair("tex", detail, arg.lineno)))
    return fixes


def _raw_f_string(src: Source, node: ast.JoinedStr, name: str) -> list[Fix]:
    """An f-string whose TeX lost backslashes to escapes becomes a raw f-string (`rf"..."`)."""
    text = src.text(node)
    prefix = _LITERAL_PREFIX.match(text)
    parts = [
        v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)
    ]
    eaten = any(_EATEN_BEFORE_LETTER.search(part) for part in parts)
    if prefix is None or "r" in prefix.group(1).lower() or not eaten or "\\\\" in text:
        return []
    start = src.span(node)[0]
    detail = f'{name} f-string: made it raw (rf"...") to keep its TeX backslashes'
    return [Fix((Edit(start, start, "r"),), Repair("tex", detail, node.lineno))]


def merge_split_groups(src: Source) -> list[Fix]:
    """Join MathTex arguments that split one `{...}` group or one macro's arguments.

    Manim typesets every argument inside its own marked group, so `MathTex(r"\\frac{1}", "{2}")`
    hands `\\frac` the marker instead of `{2}`.
    """
    fixes = []
    for call in src.calls():
        name = call.func.id if isinstance(call.func, ast.Name) else None
        if name not in ("MathTex", "Tex"):
            continue
        literals = [_literal(src, arg) for arg in call.args]
        for index in range(len(literals) - 1):
            first, second = literals[index], literals[index + 1]
            if first is None or second is None or not _ends_short(first.value):
                continue
            joined = first.value + (" " if name == "MathTex" else "") + second.value
            start, end = src.span(first.node)[0], src.span(second.node)[1]
            detail = (
                f"joined {name} arguments {index + 1} and {index + 2}: they split one TeX group"
            )
            fixes.append(
                Fix((Edit(start, end, string_literal(joined)),), Repair("tex", detail, call.lineno))
            )
            break
    return fixes


def tex_depth(text: str) -> int:
    """Unclosed `{` left at the end of `text` (negative: more `}` than `{`), escapes skipped."""
    depth = 0
    for match in re.finditer(r"\\.|[{}]", text, re.DOTALL):
        if match.group(0) == "{":
            depth += 1
        elif match.group(0) == "}":
            depth -= 1
    return depth


def balance_braces(text: str) -> str:
    """Drop `}` that close nothing and close every `{` left open."""
    out, depth = [], 0
    for match in re.finditer(r"\\.|[{}]|[^\\{}]+|\\", text, re.DOTALL):
        token = match.group(0)
        if token == "}" and depth == 0:
            continue
        depth += {"{": 1, "}": -1}.get(token, 0)
        out.append(token)
    return "".join(out) + "}" * depth


def _ends_short(text: str) -> bool:
    """Whether a TeX part leaves a group open or a macro waiting for brace arguments."""
    if tex_depth(text) > 0:
        return True
    stripped = text.rstrip()
    if re.search(r"\\[A-Za-z]+$", stripped):
        return re.search(r"\\([A-Za-z]+)$", stripped).group(1) in TEX_MACRO_ARGUMENTS  # type: ignore[union-attr]
    match = _TRAILING_GROUPS.search(stripped)
    if match is None or match.group(1) not in TEX_MACRO_ARGUMENTS:
        return False
    given = len(re.findall(r"\{", match.group(2)))
    return given < TEX_MACRO_ARGUMENTS[match.group(1)]


def _literal(src: Source, node: ast.expr) -> _Literal | None:
    if not (isinstance(node, ast.Constant) and isinstance(node.value, str)):
        return None
    prefix = _LITERAL_PREFIX.match(src.text(node))
    if prefix is None or "b" in prefix.group(1).lower():
        return None
    return _Literal(
        node=node,
        value=node.value,
        raw="r" in prefix.group(1).lower(),
        one_line=len(prefix.group(2)) == 1,
    )


def _tex(literal: _Literal, math: bool, custom_template: bool) -> tuple[str, list[str]]:
    value, notes = literal.value, []
    if not literal.raw:
        restored = _EATEN_BEFORE_LETTER.sub(lambda m: "\\" + _EATEN[m.group(1)], value)
        if literal.one_line:
            restored = _NEWLINE_MACRO.sub(r"\\n", restored)
        if restored != value:
            notes.append('restored backslashes a non-raw string ate (use r"...")')
            value = restored
    if math:
        stripped = _MATH_ENVIRONMENT.sub("", _MATH_DELIMITERS.sub("", value)).strip()
        if stripped != value.strip():
            notes.append("removed math delimiters (MathTex is already math)")
            value = stripped
    value = _escape(value, "%", notes)
    if not math:
        value = _close_math(value, notes)
    if not math and "\\begin{" not in value:
        value = _escape(value, "&", notes)
    value = _escape(value, "#", notes)
    value = _unicode(value, math, notes)
    if not custom_template:
        value = _macros(value, notes)
    balanced = balance_braces(value)
    if balanced != value:
        notes.append("balanced braces")
        value = balanced
    return value, notes


def _escape(value: str, char: str, notes: list[str]) -> str:
    escaped = _UNESCAPED[char].sub("\\" + char, value)
    if escaped != value:
        notes.append(f"escaped {char}")
    return escaped


def _close_math(value: str, notes: list[str]) -> str:
    """An odd number of `$` in text mode opens math that never closes: the last one is a
    dollar sign ("costs $5")."""
    dollars = [m.start() for m in re.finditer(r"(?<!\\)\$", value)]
    if len(dollars) % 2 == 0:
        return value
    notes.append("escaped an unpaired $")
    last = dollars[-1]
    return value[:last] + "\\" + value[last:]


def _unicode(value: str, math: bool, notes: list[str]) -> str:
    if not any(ch in UNICODE_MATH for ch in value):
        return value
    out: list[str] = []
    in_math = math
    for index, ch in enumerate(value):
        if ch == "$" and not math and (index == 0 or value[index - 1] != "\\"):
            in_math = not in_math
        macro = UNICODE_MATH.get(ch)
        if macro is None:
            out.append(ch)
            continue
        following = value[index + 1 : index + 2]
        spaced = macro + " " if macro[-1].isalpha() and following.isalpha() else macro
        out.append(spaced if in_math else f"${macro}$")
    notes.append("unicode math symbols → TeX macros")
    return "".join(out)


def _macros(value: str, notes: list[str]) -> str:
    for name, replacement in TEX_MACRO_RENAMES.items():
        pattern = re.compile(r"\\" + name + r"(?![A-Za-z])")
        if pattern.search(value):
            value = pattern.sub(replacement.replace("\\", "\\\\"), value)
            notes.append(f"\\{name} → {replacement} (not in the default template)")
    return value


def _markup(value: str) -> tuple[str, list[str]]:
    escaped = _MARKUP_LESS_THAN.sub("&lt;", _MARKUP_AMPERSAND.sub("&amp;", value))
    return escaped, (["escaped & and < for Pango markup"] if escaped != value else [])
