"""Layout repairs without a model: rewrite the lines that put things where the layout report
says they do not belong.

The report (`tools.layout_models`) names each issue's mobjects with the line of the scene
file that created them, their box on screen and the play() after which they appeared.
From that, each rule edits the code so the stored source itself draws the better layout
in plain Manim (no runtime helper):

- too wide or tall for the safe area → `scale_to_fit_width` / `scale_to_fit_height`;
- past an edge → `shift` back inside (a group moves as one);
- a caption stacked below the frame under another (`next_to(prev, DOWN)`) → it takes the
  place of the one above, which fades out first;
- text over text → the newer one `next_to` the older with a buffer where that fits, else the
  older fades out before the newer appears; a caption redrawn in a loop fades out at the
  end of each pass;
- tiny text → scaled up (or its `font_size` raised) to the minimum size.

A statement naming the mobject goes right before the play() where it first appears, so it
acts on the mobject as it is then; a mobject without a name gets the call appended to the
expression that created it. Rules decline when the code does not say clearly what to
edit. Whether a rewrite helped is the caller's call (`graphs.render_loop` re-validates and
rolls back a rewrite that fails or does not reduce the issues).
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from tools.layout_models import Box, Frame, LayoutIssue, LayoutReport, Placement
from tools.repair.models import Repair, Repaired
from tools.repair.source import Edit, Fix, Source, apply_fixes, call_name

__all__ = ["MIN_FONT_SIZE", "layout_candidates"]

SAFE_MARGIN = 0.5
"""Scaled mobjects fit the frame less this margin on each side."""
EDGE_MARGIN = 0.3
"""Shifted mobjects end this far inside the edge."""
BUFF = 0.25
MIN_FONT_SIZE = 20.0
FADE_TIME = 0.5
_DIRECTIONS = {"DOWN": (0, -1), "UP": (0, 1), "RIGHT": (1, 0), "LEFT": (-1, 0)}
GROUP_TYPES = frozenset({"VGroup", "Group"})


@dataclass(frozen=True)
class _Target:
    """A mobject of an issue, found in the code: its creating expression and its name."""

    place: Placement
    label: str
    chain: ast.expr
    """The whole expression that creates it, e.g. `Text("a").scale(2).to_edge(DOWN)`."""
    statement: ast.stmt
    name: str | None
    function: ast.FunctionDef | None

    @property
    def key(self) -> tuple[int | None, str]:
        return self.place.line, self.label


def layout_candidates(code: str, report: LayoutReport) -> list[Repaired]:
    """Rewrites to try, best guess first: every fix the report allows at once, then each
    fix alone (for the caller to fall back on when the combination does not help).

    Example:
        >>> [r.repairs for r in layout_candidates(code, report)][0]
        ['layout: scaled MathTex(...) to fit the frame width (line 9)']
    """
    src = Source(code)
    if src.tree is None:
        return []
    fixes = _earliest_fixes(src, report)
    if not fixes:
        return []
    candidates = [_applied(code, fixes)]
    if len(fixes) > 1:
        candidates += [_applied(code, [fix]) for fix in fixes]
    return [c for c in candidates if c.code != code]


def _applied(code: str, fixes: list[Fix]) -> Repaired:
    fixed, applied = apply_fixes(code, fixes)
    return Repaired(code=fixed, repairs=[str(repair) for repair in applied])


def _earliest_fixes(src: Source, report: LayoutReport) -> list[Fix]:
    """The fixes of the issues that appear first (by play) among those some rule can fix.

    Later mobjects are often placed from earlier ones (`next_to(step4)`, a
    `SurroundingRectangle(step5)`): fixed first, the earlier ones move the later ones too,
    and the next round measures them where they then are, not where they were.
    """
    for first in sorted({issue.first_animation for issue in report.issues}):
        issues = [issue for issue in report.issues if issue.first_animation == first]
        fixes = _fixes(src, report.model_copy(update={"issues": issues}))
        if fixes:
            return fixes
    return []


def _fixes(src: Source, report: LayoutReport) -> list[Fix]:
    """At most one size fix and one placement fix per mobject, sizes first."""
    sizes: dict[tuple[int | None, str], Fix] = {}
    placements: dict[tuple[int | None, str], Fix] = {}
    for issue in sorted(report.issues, key=_priority):
        if issue.kind == "tiny_text":
            target = _target(src, issue, 0)
            if target is not None and target.key not in sizes:
                fix = _tiny(src, report, target)
                if fix is not None:
                    sizes[target.key] = fix
        elif issue.kind == "out_of_frame":
            target = _target(src, issue, 0)
            if target is None or target.key in placements:
                continue
            if _too_big(report.frame, target.place.box) and target.key not in sizes:
                fix = _fit(src, report, target)
                if fix is not None:
                    sizes[target.key] = fix
                continue
            group = _enclosing_group(src, target) if target.name is None else None
            if group is not None:
                fix = None if group.key in placements else _shift_group(src, report, group)
                if fix is not None:
                    placements[group.key] = fix
                continue
            fix = _stacked(src, report, target, issue) or _shift(src, report, target)
            if fix is not None:
                placements[target.key] = fix
        else:
            fix, key = _overlap(src, report, issue, placements)
            if fix is not None and key is not None:
                placements[key] = fix
    return [*sizes.values(), *placements.values()]


def _priority(issue: LayoutIssue) -> tuple[int, int]:
    order = {"tiny_text": 0, "out_of_frame": 1, "text_overlap": 2}
    return order[issue.kind], issue.first_animation


# --- finding the code of a mobject -----------------------------------------------------------


def _target(src: Source, issue: LayoutIssue, index: int) -> _Target | None:
    if index >= len(issue.places) or index >= len(issue.mobjects):
        return None
    place, label = issue.places[index], issue.mobjects[index]
    if place.line is None:
        return None
    call = _creating_call(src, place.line, label.split("(", 1)[0])
    if call is None:
        return None
    chain = _chain_top(src, call)
    statement = _statement_of(src, chain)
    if statement is None:
        return None
    name = None
    if isinstance(statement, ast.Assign) and statement.value is chain:
        targets = statement.targets
        if len(targets) == 1 and isinstance(targets[0], ast.Name):
            name = targets[0].id
    return _Target(place, label, chain, statement, name, _function_of(src, statement))


def _creating_call(src: Source, line: int, type_name: str) -> ast.Call | None:
    """The call on `line` that makes a `type_name`; else the only class call on it."""
    calls = [c for c in src.calls() if c.lineno <= line <= (c.end_lineno or c.lineno)]
    exact = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id == type_name]
    if exact:
        return min(exact, key=lambda c: (c.end_lineno or c.lineno) - c.lineno)
    classes = [c for c in calls if isinstance(c.func, ast.Name) and c.func.id[:1].isupper()]
    return classes[0] if len(classes) == 1 else None


def _chain_top(src: Source, node: ast.expr) -> ast.expr:
    """`Text("a")` in `Text("a").scale(2).to_edge(DOWN)` → the whole method chain."""
    while True:
        parent = src.parent(node)
        grand = src.parent(parent) if parent is not None else None
        if (
            isinstance(parent, ast.Attribute)
            and isinstance(grand, ast.Call)
            and grand.func is parent
        ):
            node = grand
            continue
        return node


def _statement_of(src: Source, node: ast.AST) -> ast.stmt | None:
    current: ast.AST | None = node
    while current is not None and not isinstance(current, ast.stmt):
        current = src.parent(current)
    return current


def _function_of(src: Source, node: ast.AST) -> ast.FunctionDef | None:
    current: ast.AST | None = src.parent(node)
    while current is not None and not isinstance(current, ast.FunctionDef):
        current = src.parent(current)
    return current


def _loop_of(src: Source, node: ast.AST) -> ast.For | ast.While | None:
    """The innermost loop around `node` inside its function."""
    current: ast.AST | None = src.parent(node)
    while current is not None and not isinstance(current, ast.FunctionDef):
        if isinstance(current, ast.For | ast.While):
            return current
        current = src.parent(current)
    return None


def _play_statement(
    src: Source, report: LayoutReport, target: _Target, *, named: bool = True
) -> ast.stmt | None:
    """The play()/wait() after which the mobject first appeared, after the statement that
    made it in the same function; `named`: only when a statement before it can use its name."""
    index = target.place.appeared
    if index >= len(report.play_lines) or target.function is None:
        return None
    if named and target.name is None:
        return None
    line = report.play_lines[index]
    if line is None or line < target.statement.lineno:
        return None
    spanning = [
        node
        for node in ast.walk(target.function)
        if isinstance(node, ast.Expr) and node.lineno <= line <= (node.end_lineno or node.lineno)
    ]
    statement = min(spanning, key=lambda n: (n.end_lineno or n.lineno) - n.lineno, default=None)
    if statement is None:
        return None
    loop = _loop_of(src, target.statement)
    if loop is not None and _loop_of(src, statement) is not loop:
        return None  # the name would refer to the last pass's mobject
    return statement


def _before(src: Source, statement: ast.stmt, lines: list[str]) -> Edit:
    at = src.line_start(statement.lineno)
    indent = src.indent(statement.lineno)
    return Edit(at, at, "".join(f"{indent}{line}\n" for line in lines))


def _applied_to(
    src: Source, report: LayoutReport, target: _Target, calls: list[str]
) -> tuple[Edit, str] | None:
    """`name.call()` before the mobject's first play, else `.call()` appended to its
    creating expression; with where it went, for the repair's text."""
    play = _play_statement(src, report, target)
    if play is not None and target.name is not None:
        lines = [f"{target.name}.{call}" for call in calls]
        return _before(src, play, lines), f"before line {play.lineno}"
    if _inside_call_arguments(src, target.chain) and len(calls) > 1:
        return None
    end = src.span(target.chain)[1]
    return Edit(end, end, "".join(f".{call}" for call in calls)), "where it is created"


def _inside_call_arguments(src: Source, node: ast.expr) -> bool:
    return isinstance(src.parent(node), ast.Call | ast.keyword)


def _enclosing_group(src: Source, target: _Target) -> _Target | None:
    """The named group whose constructor made the target, e.g. `bullets` for a `Text(...)`
    written inside `bullets = VGroup(Text(...), ...).arrange(DOWN)`."""
    group: ast.Call | None = None
    node: ast.AST | None = src.parent(target.chain)
    while node is not None and not isinstance(node, ast.stmt):
        if isinstance(node, ast.Call) and call_name(node) in GROUP_TYPES:
            group = node
        node = src.parent(node)
    if group is None:
        return None
    chain = _chain_top(src, group)
    statement = _statement_of(src, chain)
    if not (
        isinstance(statement, ast.Assign)
        and statement.value is chain
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return None
    name = statement.targets[0].id
    label = f"{call_name(group)} {name}"
    place = target.place.model_copy(update={"line": statement.lineno})
    return _Target(place, label, chain, statement, name, _function_of(src, statement))


def _shift_group(src: Source, report: LayoutReport, group: _Target) -> Fix | None:
    """A group whose member pokes past an edge: past the top or bottom, it shrinks towards
    the opposite edge (a column keeps its top); past a side, it is fitted to the frame's
    width and centred (its width is known only when the code runs). The
    statement goes after the group is made and placed (`g.arrange`, `g.next_to`...)."""
    _, y0, _, y1 = group.place.box
    half_h = report.frame.units[1] / 2 - EDGE_MARGIN
    name = group.name
    if name is None:
        return None
    if y0 < -half_h or y1 > half_h:
        over = (-half_h - y0) if y0 < -half_h else (y1 - half_h)
        edge = "UP" if y0 < -half_h else "DOWN"
        call = f"scale(({name}.height - {over:.2f}) / {name}.height, about_edge={edge})"
        detail = f"layout: shrank {group.label} by {over:.2f} units towards its {edge.lower()} edge"
    else:
        call = f"scale_to_fit_width(min({name}.width, config.frame_width - 1)).set_x(0)"
        detail = f"layout: fitted {group.label} to the frame width and centred it"
    body = _body_of(src, group.statement)
    index = body.index(group.statement)
    after = group.statement
    for statement in body[index + 1 :]:
        if not _method_call_on(statement, name):
            break
        after = statement
    end = src.span(after)[1]
    text = f"\n{src.indent(group.statement.lineno)}{name}.{call}"
    return Fix((Edit(end, end, text),), Repair("layout", detail, group.place.line))


def _body_of(src: Source, statement: ast.stmt) -> list[ast.stmt]:
    parent = src.parent(statement)
    for field in ("body", "orelse", "finalbody"):
        body = getattr(parent, field, None)
        if isinstance(body, list) and statement in body:
            return body
    return [statement]


def _method_call_on(statement: ast.stmt, name: str) -> bool:
    """`name.arrange(...)`, `name.next_to(...)`: a statement that places the group."""
    if not isinstance(statement, ast.Expr) or not isinstance(statement.value, ast.Call):
        return False
    node: ast.expr = statement.value
    while isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
        node = node.func.value
    return isinstance(node, ast.Name) and node.id == name


# --- rules ------------------------------------------------------------------------------------


def _too_big(frame: Frame, box: Box) -> bool:
    """Wider or taller than the safe area of the frame (the report's units)."""
    width, height = frame.units
    return _width(box) > width - 2 * SAFE_MARGIN or _height(box) > height - 2 * SAFE_MARGIN


def _fit(src: Source, report: LayoutReport, target: _Target) -> Fix | None:
    """Scale to the safe area's width (or height), then shift inside if it still pokes out."""
    box = target.place.box
    safe_w, safe_h = (side - 2 * SAFE_MARGIN for side in report.frame.units)
    if _width(box) / safe_w >= _height(box) / safe_h:
        call, what = "scale_to_fit_width(config.frame_width - 1)", "width"
        factor = safe_w / _width(box)
    else:
        call, what = "scale_to_fit_height(config.frame_height - 1)", "height"
        factor = safe_h / _height(box)
    cx, cy = _center(box)
    half_w, half_h = _width(box) * factor / 2, _height(box) * factor / 2
    calls = [call]
    shift = _shift_vector(report.frame, (cx - half_w, cy - half_h, cx + half_w, cy + half_h))
    if shift is not None:
        calls.append(f"shift({shift})")
    found = _applied_to(src, report, target, calls)
    if found is None:
        return None
    edit, where = found
    detail = f"layout: scaled {target.label} to fit the frame {what} ({where})"
    return Fix((edit,), Repair("layout", detail, target.place.line))


def _shift(src: Source, report: LayoutReport, target: _Target) -> Fix | None:
    shift = _shift_vector(report.frame, target.place.box)
    if shift is None:
        return None
    found = _applied_to(src, report, target, [f"shift({shift})"])
    if found is None:
        return None
    edit, where = found
    detail = f"layout: shifted {target.label} back into the frame by {shift} ({where})"
    return Fix((edit,), Repair("layout", detail, target.place.line))


def _shift_vector(frame: Frame, box: Box) -> str | None:
    """`0.8 * UP + 0.4 * LEFT`: what brings `box` inside the frame with a margin."""
    x0, y0, x1, y1 = box
    half_w, half_h = _half(frame)
    dx = (-half_w - x0) if x0 < -half_w else (half_w - x1) if x1 > half_w else 0.0
    dy = (-half_h - y0) if y0 < -half_h else (half_h - y1) if y1 > half_h else 0.0
    parts = []
    if abs(dx) >= 0.01:
        parts.append(f"{abs(dx):.2f} * {'RIGHT' if dx > 0 else 'LEFT'}")
    if abs(dy) >= 0.01:
        parts.append(f"{abs(dy):.2f} * {'UP' if dy > 0 else 'DOWN'}")
    return " + ".join(parts) or None


def _stacked(src: Source, report: LayoutReport, target: _Target, issue: LayoutIssue) -> Fix | None:
    """A caption placed `next_to(prev, DOWN)` below the bottom edge takes `prev`'s place,
    and `prev` fades out before it appears."""
    if "bottom edge" not in issue.detail or target.name is None:
        return None
    play = _play_statement(src, report, target)
    below = _next_to_below(src, target, play)
    if play is None or below is None:
        return None
    call, anchor = below
    if _loop_carried(src, target, anchor):
        return _stacked_in_loop(src, target, play, anchor)
    attribute = call.func
    assert isinstance(attribute, ast.Attribute)
    start = src.span(attribute.value)[1]
    end = src.span(call)[1]
    edits = (
        Edit(start, end, f".move_to({anchor})"),
        _before(src, play, [f"self.play(FadeOut({anchor}), run_time={FADE_TIME})"]),
    )
    detail = (
        f"layout: {target.label} was stacked below the frame; it takes {anchor}'s place "
        f"and {anchor} fades out first"
    )
    return Fix(edits, Repair("layout", detail, target.place.line))


def _stacked_in_loop(src: Source, target: _Target, play: ast.stmt, anchor: str) -> Fix:
    """In a loop that stacks each pass under the last (`prev = step`), only the passes that
    would land below the frame replace the one above, which fades out first."""
    bottom = f"-config.frame_height / 2 + {EDGE_MARGIN}"
    lines = [
        f"if {target.name}.get_bottom()[1] < {bottom}:",
        f"    self.play(FadeOut({anchor}), run_time={FADE_TIME})",
        f"    {target.name}.move_to({anchor})",
    ]
    detail = (
        f"layout: {target.label} was stacked below the frame in a loop; such a pass takes "
        f"{anchor}'s place and {anchor} fades out first"
    )
    return Fix((_before(src, play, lines),), Repair("layout", detail, target.place.line))


def _next_to_below(
    src: Source, target: _Target, play: ast.stmt | None
) -> tuple[ast.Call, str] | None:
    """The last `next_to(<name>, DOWN)` applied to the target before its play."""
    candidates: list[ast.Call] = []
    for node in ast.walk(target.chain):
        if isinstance(node, ast.Call) and call_name(node) == "next_to":
            candidates.append(node)
    if target.function is not None and play is not None:
        for node in ast.walk(target.function):
            if (
                isinstance(node, ast.Expr)
                and isinstance(node.value, ast.Call)
                and call_name(node.value) == "next_to"
                and isinstance(node.value.func, ast.Attribute)
                and isinstance(node.value.func.value, ast.Name)
                and node.value.func.value.id == target.name
                and target.statement.lineno < node.lineno < play.lineno
            ):
                candidates.append(node.value)
    for call in sorted(candidates, key=lambda c: (c.lineno, c.col_offset), reverse=True):
        args = call.args
        direction = args[1] if len(args) > 1 else None
        if direction is None:
            direction = next((k.value for k in call.keywords if k.arg == "direction"), None)
        if (
            args
            and isinstance(args[0], ast.Name)
            and isinstance(direction, ast.Name)
            and direction.id == "DOWN"
        ):
            return call, args[0].id
    return None


def _loop_carried(src: Source, target: _Target, anchor: str) -> bool:
    """Whether `anchor` is reassigned in a loop around the target (e.g. `prev = t`)."""
    loop = _loop_of(src, target.statement)
    if loop is None:
        return False
    return any(
        isinstance(node, ast.Name) and node.id == anchor and isinstance(node.ctx, ast.Store)
        for node in ast.walk(loop)
    )


def _overlap(
    src: Source,
    report: LayoutReport,
    issue: LayoutIssue,
    taken: dict[tuple[int | None, str], Fix],
) -> tuple[Fix | None, tuple[int | None, str] | None]:
    """Move the newer of two overlapping texts next to the older, or fade the older out."""
    first, second = _target(src, issue, 0), _target(src, issue, 1)
    if first is None or second is None:
        return None, None
    older, newer = sorted(
        (first, second), key=lambda t: (t.place.appeared, t.place.line or 0, t.label)
    )
    if newer.key in taken:
        return None, None
    if older.place.line == newer.place.line:
        return _fade_each_pass(src, newer), newer.key
    if older.name is None:
        return None, None
    play = _play_statement(src, report, newer)
    direction = _free_side(report.frame, older.place.box, newer.place.box)
    if direction is not None:
        anchor = _last_placed(src, older.name, direction, newer.name)
        call = f"next_to({anchor}, {direction}, buff={BUFF})"
        if play is not None and newer.name is not None:
            edit = _before(src, play, [f"{newer.name}.{call}"])
        elif _bound_before(src, older, newer):
            end = src.span(newer.chain)[1]
            edit = Edit(end, end, f".{call}")
        else:
            return None, None
        detail = f"layout: placed {newer.label} {direction.lower()} of {older.label}"
        if anchor != older.name:
            detail += f" (after {anchor}, already placed there)"
        return Fix((edit,), Repair("layout", detail, newer.place.line)), newer.key
    play = play or _play_statement(src, report, newer, named=False)
    if play is None or older.place.appeared >= newer.place.appeared:
        return None, None
    fade = f"self.play(FadeOut({older.name}), run_time={FADE_TIME})"
    detail = f"layout: {older.label} fades out before {newer.label} appears over it"
    return Fix((_before(src, play, [fade]),), Repair("layout", detail, newer.place.line)), (
        newer.key
    )


def _last_placed(src: Source, anchor: str, direction: str, exclude: str | None) -> str:
    """Follow `x.next_to(anchor, direction)` chains already in the code: the newer text goes
    after the last one placed on that side, not on top of it."""
    seen = {anchor}
    while True:
        follower = next(
            (
                name
                for call in src.calls()
                if call_name(call) == "next_to"
                and len(call.args) >= 2
                and isinstance(call.args[0], ast.Name)
                and call.args[0].id == anchor
                and isinstance(call.args[1], ast.Name)
                and call.args[1].id == direction
                and (name := _placed_name(src, call)) is not None
                and name not in seen
                and name != exclude
            ),
            None,
        )
        if follower is None:
            return anchor
        seen.add(follower)
        anchor = follower


def _placed_name(src: Source, call: ast.Call) -> str | None:
    """`x` in `x.next_to(...)` or in `x = Text(...).next_to(...)`."""
    func = call.func
    if isinstance(func, ast.Attribute) and isinstance(func.value, ast.Name):
        return func.value.id
    statement = _statement_of(src, call)
    if (
        isinstance(statement, ast.Assign)
        and len(statement.targets) == 1
        and isinstance(statement.targets[0], ast.Name)
    ):
        return statement.targets[0].id
    return None


def _bound_before(src: Source, older: _Target, newer: _Target) -> bool:
    return (
        older.function is not None
        and older.function is newer.function
        and older.statement.lineno < newer.statement.lineno
        and _loop_of(src, older.statement) is None
    )


def _fade_each_pass(src: Source, target: _Target) -> Fix | None:
    """A caption made in a loop, drawn over the previous pass's: fade it out at the end of
    the pass, so the next one appears on a clear spot."""
    loop = _loop_of(src, target.statement)
    if loop is None or target.name is None:
        return None
    last = loop.body[-1]
    end = src.span(last)[1]
    indent = src.indent(last.lineno)
    if src.indent(target.statement.lineno) != indent:
        return None
    text = f"\n{indent}self.play(FadeOut({target.name}), run_time={FADE_TIME})"
    detail = f"layout: {target.label} fades out at the end of each pass of its loop"
    return Fix((Edit(end, end, text),), Repair("layout", detail, target.place.line))


def _free_side(frame: Frame, anchor: Box, box: Box) -> str | None:
    """The side of `anchor` where `box` fits inside the frame, nearest its current place."""
    ax, ay = _center(anchor)
    bx, by = _center(box)
    dx, dy = bx - ax, by - ay
    vertical = ["DOWN", "UP"] if dy <= 0 else ["UP", "DOWN"]
    horizontal = ["RIGHT", "LEFT"] if dx >= 0 else ["LEFT", "RIGHT"]
    order = horizontal + vertical if abs(dx) > abs(dy) else vertical + horizontal
    for side in order:
        if _inside(frame, _placed(anchor, box, side)):
            return side
    return None


def _placed(anchor: Box, box: Box, side: str) -> Box:
    """Where `next_to(anchor, side, buff=BUFF)` puts `box`."""
    w, h = _width(box), _height(box)
    ax, ay = _center(anchor)
    sx, sy = _DIRECTIONS[side]
    if sx:
        x0 = anchor[2] + BUFF if sx > 0 else anchor[0] - BUFF - w
        return x0, ay - h / 2, x0 + w, ay + h / 2
    y0 = anchor[3] + BUFF if sy > 0 else anchor[1] - BUFF - h
    return ax - w / 2, y0, ax + w / 2, y0 + h


def _inside(frame: Frame, box: Box) -> bool:
    half_w, half_h = _half(frame)
    return box[0] >= -half_w and box[2] <= half_w and box[1] >= -half_h and box[3] <= half_h


def _tiny(src: Source, report: LayoutReport, target: _Target) -> Fix | None:
    """Raise a literal `font_size=` that is the whole story, else scale up to the minimum."""
    size = target.place.font_size
    if size is None or size <= 0:
        return None
    call = _creating_call(src, target.place.line or 0, target.label.split("(", 1)[0])
    keywords = call.keywords if call is not None else []
    literal = next((k.value for k in keywords if k.arg == "font_size"), None)
    if (
        isinstance(literal, ast.Constant)
        and isinstance(literal.value, int | float)
        and abs(float(literal.value) - size) < 0.5
    ):
        edit = Edit(*src.span(literal), f"{MIN_FONT_SIZE:g}")
        detail = f"layout: font_size {literal.value:g} → {MIN_FONT_SIZE:g} for {target.label}"
        return Fix((edit,), Repair("layout", detail, target.place.line))
    factor = -(-MIN_FONT_SIZE * 100 // size) / 100  # rounded up to 0.01
    found = _applied_to(src, report, target, [f"scale({factor:g})"])
    if found is None:
        return None
    edit, where = found
    detail = (
        f"layout: scaled {target.label} up {factor:g}x to font size {MIN_FONT_SIZE:g} ({where})"
    )
    return Fix((edit,), Repair("layout", detail, target.place.line))


def _half(frame: Frame) -> tuple[float, float]:
    """Half the frame's width and height, less the edge margin (the report's units)."""
    width, height = frame.units
    return width / 2 - EDGE_MARGIN, height / 2 - EDGE_MARGIN


def _width(box: Box) -> float:
    return box[2] - box[0]


def _height(box: Box) -> float:
    return box[3] - box[1]


def _center(box: Box) -> tuple[float, float]:
    return (box[0] + box[2]) / 2, (box[1] + box[3]) / 2
