"""GraphScene (removed in Manim CE 0.10) → a Scene that owns an `Axes` as `self.axes`.

GraphScene kept its axes settings in `CONFIG` or in `GraphScene.__init__(self, x_min=...)`
and drew through `self.get_graph`, `self.coords_to_point` and friends; the same calls exist
on `Axes`, so the scene gets one built from those settings and every call goes through it.
"""

from __future__ import annotations

import ast

from tools.repair.models import Repair
from tools.repair.source import Edit, Fix, Source, delete_statement

__all__ = ["graph_scene"]

# GraphScene's defaults, as source text.
_DEFAULTS = {
    "x_min": "-1",
    "x_max": "10",
    "x_tick_frequency": "1",
    "y_min": "-1",
    "y_max": "10",
    "y_tick_frequency": "1",
    "x_axis_width": "9",
    "y_axis_height": "6",
}
# Methods Axes has under the same name.
_SAME_ON_AXES = frozenset(
    {
        "coords_to_point",
        "point_to_coords",
        "c2p",
        "p2c",
        "input_to_graph_point",
        "i2gp",
        "get_graph_label",
        "get_riemann_rectangles",
        "get_secant_slope_group",
        "angle_of_tangent",
        "slope_of_tangent",
        "get_vertical_lines_to_graph",
        "x_axis",
        "y_axis",
    }
)
_RENAMED_ON_AXES = {"get_graph": "plot", "get_derivative_graph": "plot_derivative_graph"}


def graph_scene(src: Source) -> list[Fix]:
    """Rewrite each GraphScene subclass into a Scene with `self.axes`."""
    assert src.tree is not None
    if "GraphScene" in src.bound:
        return []
    fixes = []
    for cls in src.tree.body:
        if isinstance(cls, ast.ClassDef):
            base = next(
                (b for b in cls.bases if isinstance(b, ast.Name) and b.id == "GraphScene"), None
            )
            construct = _method(cls, "construct")
            if base is not None and construct is not None:
                fixes.append(_convert(src, cls, base, construct))
    return fixes


def _convert(src: Source, cls: ast.ClassDef, base: ast.Name, construct: ast.FunctionDef) -> Fix:
    settings = dict(_DEFAULTS)
    edits = [Edit(*src.span(base), "Scene")]
    for stmt in cls.body:
        found = _settings(src, stmt)
        if found is not None:
            settings.update(found)
            edits.extend(delete_statement(src, stmt, Repair("graph", "")).edits)
    for node in ast.walk(cls):
        edit = _through_axes(src, node, settings)
        if edit is not None:
            edits.append(edit)
        edits.extend(_graph_color(src, node))
    first = construct.body[0]
    at = src.line_start(first.lineno)
    indent = src.indent(first.lineno)
    edits.append(Edit(at, at, f"{indent}self.axes = {_axes(settings)}\n"))
    detail = f"rewrote GraphScene {cls.name} as a Scene with self.axes = Axes(...)"
    return Fix(tuple(edits), Repair("graph", detail, cls.lineno))


def _method(cls: ast.ClassDef, name: str) -> ast.FunctionDef | None:
    return next((n for n in cls.body if isinstance(n, ast.FunctionDef) and n.name == name), None)


def _settings(src: Source, stmt: ast.stmt) -> dict[str, str] | None:
    """Axes settings of a `CONFIG = {...}` or an `__init__` that only calls the base's."""
    if (
        isinstance(stmt, ast.Assign)
        and [getattr(t, "id", None) for t in stmt.targets] == ["CONFIG"]
        and isinstance(stmt.value, ast.Dict)
    ):
        return {
            key.value: src.text(value)
            for key, value in zip(stmt.value.keys, stmt.value.values, strict=True)
            if isinstance(key, ast.Constant) and isinstance(key.value, str)
        }
    if isinstance(stmt, ast.FunctionDef) and stmt.name == "__init__":
        calls = [s.value for s in stmt.body if isinstance(s, ast.Expr)]
        if len(calls) == len(stmt.body) and all(_is_base_init(c) for c in calls):
            return {
                k.arg: src.text(k.value)
                for call in calls
                if isinstance(call, ast.Call)
                for k in call.keywords
                if k.arg
            }
    return None


def _is_base_init(node: ast.expr) -> bool:
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
        return False
    if node.func.attr not in ("__init__", "digest_config"):
        return False
    owner = node.func.value
    return (isinstance(owner, ast.Name) and owner.id in ("GraphScene", "self")) or (
        isinstance(owner, ast.Call) and getattr(owner.func, "id", None) == "super"
    )


def _axes(settings: dict[str, str]) -> str:
    s = settings
    parts = [
        f"x_range=[{s['x_min']}, {s['x_max']}, {s['x_tick_frequency']}]",
        f"y_range=[{s['y_min']}, {s['y_max']}, {s['y_tick_frequency']}]",
        f"x_length={s['x_axis_width']}",
        f"y_length={s['y_axis_height']}",
    ]
    if "axes_color" in s:
        parts.append(f'axis_config={{"color": {s["axes_color"]}}}')
    return f"Axes({', '.join(parts)})"


def _through_axes(src: Source, node: ast.AST, settings: dict[str, str]) -> Edit | None:
    """`self.<graph method>` → `self.axes.<method>`; `self.x_min` → its value."""
    if not (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    ):
        return None
    name = node.attr
    if name in _SAME_ON_AXES:
        return Edit(*src.span(node), f"self.axes.{name}")
    if name in _RENAMED_ON_AXES:
        return Edit(*src.span(node), f"self.axes.{_RENAMED_ON_AXES[name]}")
    if name == "setup_axes":
        call = src.parent(node)
        if isinstance(call, ast.Call):
            animate = next((k for k in call.keywords if k.arg == "animate"), None)
            animated = animate is not None and src.text(animate.value) != "False"
            text = "self.play(Create(self.axes))" if animated else "self.add(self.axes)"
            return Edit(*src.span(call), text)
    if name == "graph_origin":
        return Edit(*src.span(node), "self.axes.c2p(0, 0)")
    if name == "get_vertical_line_to_graph":
        return _vertical_line(src, node)
    if name == "get_area":
        return _area(src, node)
    if name in settings and isinstance(node.ctx, ast.Load):
        return Edit(*src.span(node), f"({settings[name]})")
    return None


def _graph_color(src: Source, node: ast.AST) -> list[Edit]:
    """GraphScene's `get_graph(f, color)` took the colour second; `plot` takes an x range."""
    call = src.parent(node) if isinstance(node, ast.Attribute) else None
    if (
        isinstance(node, ast.Attribute)
        and node.attr == "get_graph"
        and isinstance(call, ast.Call)
        and call.func is node
        and len(call.args) > 1
    ):
        at = src.span(call.args[1])[0]
        return [Edit(at, at, "color=")]
    return []


def _vertical_line(src: Source, node: ast.Attribute) -> Edit | None:
    call = src.parent(node)
    if not isinstance(call, ast.Call) or len(call.args) < 2:
        return None
    x, graph = (src.text(a) for a in call.args[:2])
    rest = [src.text(k) for k in call.keywords if k.arg != "line_class"]
    point = f"self.axes.input_to_graph_point({x}, {graph})"
    return Edit(*src.span(call), f"self.axes.get_vertical_line({', '.join([point, *rest])})")


def _area(src: Source, node: ast.Attribute) -> Edit | None:
    call = src.parent(node)
    if not isinstance(call, ast.Call) or len(call.args) != 3:
        return None
    graph, low, high = (src.text(a) for a in call.args)
    rest = [src.text(k) for k in call.keywords]
    text = f"self.axes.get_area({', '.join([graph, f'x_range=[{low}, {high}]', *rest])})"
    return Edit(*src.span(call), text)
