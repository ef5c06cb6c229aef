"""Static renames from manimgl and older Manim CE to 0.22: names, calls, keywords, methods.

Each rule only touches names the file does not define itself, so a helper a model wrote
under an old name is left alone.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from tools.repair.models import Repair
from tools.repair.source import (
    Edit,
    Fix,
    Source,
    delete_statement,
    drop_arguments,
    keyword,
)
from tools.repair.tables import (
    ANIMATION_CLASSES,
    ATTRIBUTE_CONSTANTS,
    COLOR_NAMES,
    DIRECTIONS,
    METHOD_RENAMES,
    NAME_RENAMES,
    NUMPY_FUNCTIONS,
    OPPOSITE_DIRECTIONS,
    RANGE_KEYWORDS,
    RATE_FUNCTIONS,
    SCENE_BASES,
    SILENT_SETTERS,
    THREE_D_CAMERA_CALLS,
)

__all__ = [
    "bound_method_functions",
    "fade_direction",
    "manimgl_frame",
    "old_animations",
    "play_method_arguments",
    "promote_scene_base",
    "remove_embed",
    "rename_free_names",
    "rename_keywords",
    "rename_methods",
]

_TEX_CLASSES = frozenset({"MathTex", "Tex", "SingleStringMathTex"})
# Keyword renames per callee; "*" means any call (no 0.22 API takes the old keyword).
_KEYWORD_RENAMES: dict[str, dict[str, str]] = {
    "isolate": {name: "substrings_to_isolate" for name in _TEX_CLASSES},
    "t2c": {name: "tex_to_color_map" for name in _TEX_CLASSES},
    "side": {"Square": "side_length"},
    "buffer": {"*": "buff"},
    "dashed_segment_length": {"*": "dash_length"},
    "code": {"Code": "code_string"},
    "file_name": {"Code": "code_file"},
    "style": {"Code": "formatter_style"},
    "insert_line_no": {"Code": "add_line_numbers"},
}
_EMBED_CALLS = frozenset({"embed", "interactive_embed"})
_NOT_MOBJECTS = frozenset({"self", "np", "math", "random", "config", "rate_functions"})
_SIZE_SETTERS = frozenset({"set_width", "set_height", "set_depth"})
_FRAME_3D_METHODS = frozenset({"reorient", "set_euler_angles", "increment_theta", "set_phi"})


def rename_free_names(src: Source) -> list[Fix]:
    """Old class, colour, constant, easing and numpy names the file uses but never defines."""
    assert src.tree is not None
    bound = src.bound
    found: dict[str, list[ast.AST]] = {}
    for node in src.nodes():
        if isinstance(node, ast.Name) and isinstance(node.ctx, ast.Load) and node.id not in bound:
            if _replacement(node.id) is not None:
                found.setdefault(node.id, []).append(node)
        elif isinstance(node, ast.ImportFrom) and node.module == "manim":
            for alias in node.names:
                if alias.name in NAME_RENAMES and alias.asname is None:
                    found.setdefault(alias.name, []).append(alias)
    fixes = []
    for old, nodes in found.items():
        new = _replacement(old)
        assert new is not None
        edits = tuple(Edit(*src.span(node), new) for node in nodes)
        first = min(getattr(node, "lineno", 0) for node in nodes)
        fixes.append(Fix(edits, Repair("rename", f"renamed {old} → {new}", first)))
    return fixes


def _replacement(name: str) -> str | None:
    if name in NAME_RENAMES:
        return NAME_RENAMES[name]
    if name in ATTRIBUTE_CONSTANTS:
        return ATTRIBUTE_CONSTANTS[name]
    if name in COLOR_NAMES:
        return COLOR_NAMES[name]
    if name in RATE_FUNCTIONS:
        return f"rate_functions.{name}"
    if name in NUMPY_FUNCTIONS:
        return f"np.{name}"
    return None


def old_animations(src: Source) -> list[Fix]:
    """Calls whose arguments changed shape along with their name (FadeInFrom, Triangle, ...)."""
    assert src.tree is not None
    bound = src.bound
    fixes = []
    for call in src.calls():
        if not isinstance(call.func, ast.Name) or call.func.id in bound:
            continue
        rewrite = _CALL_REWRITES.get(call.func.id)
        new = rewrite(src, call) if rewrite is not None else None
        if new is not None:
            start, end = src.span(call)
            detail = f"rewrote {call.func.id}(...) as {new.split('(')[0]}(...)"
            fixes.append(Fix((Edit(start, end, new),), Repair("rename", detail, call.lineno)))
    return fixes


def _args(
    src: Source, call: ast.Call, skip: int = 0, drop: frozenset[str] = frozenset()
) -> list[str]:
    """Source text of a call's arguments after the first `skip` positionals, minus `drop`."""
    return [src.text(a) for a in call.args[skip:]] + [
        src.text(k) for k in call.keywords if k.arg not in drop
    ]


def _call(func: str, parts: list[str]) -> str:
    return f"{func}({', '.join(parts)})"


def _opposite(src: Source, node: ast.expr) -> str:
    if isinstance(node, ast.Name) and node.id in OPPOSITE_DIRECTIONS:
        return OPPOSITE_DIRECTIONS[node.id]
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        return src.text(node.operand)
    return f"-({src.text(node)})"


def _direction_argument(call: ast.Call) -> tuple[ast.expr | None, frozenset[str]]:
    """The direction given positionally (second) or as `direction=`."""
    if len(call.args) > 1:
        return call.args[1], frozenset()
    given = keyword(call, "direction")
    return (given.value if given else None), frozenset({"direction"})


def _fade_in_from(src: Source, call: ast.Call) -> str | None:
    if not call.args:
        return None
    direction, drop = _direction_argument(call)
    shift = _opposite(src, direction) if direction is not None else "UP"
    rest = _args(src, call, skip=2, drop=drop)
    return _call("FadeIn", [src.text(call.args[0]), f"shift={shift}", *rest])


def _fade_out_and_shift(src: Source, call: ast.Call) -> str | None:
    if not call.args:
        return None
    direction, drop = _direction_argument(call)
    shift = src.text(direction) if direction is not None else "DOWN"
    rest = _args(src, call, skip=2, drop=drop)
    return _call("FadeOut", [src.text(call.args[0]), f"shift={shift}", *rest])


def _fixed_shift(animation: str, shift: str) -> Callable[[Source, ast.Call], str | None]:
    def rewrite(src: Source, call: ast.Call) -> str | None:
        if not call.args:
            return None
        return _call(animation, [src.text(call.args[0]), f"shift={shift}", *_args(src, call, 1)])

    return rewrite


def _fade_in_from_large(src: Source, call: ast.Call) -> str | None:
    if not call.args:
        return None
    factor = (
        call.args[1]
        if len(call.args) > 1
        else getattr(keyword(call, "scale_factor"), "value", None)
    )
    scale = src.text(factor) if factor is not None else "2"
    rest = _args(src, call, skip=2, drop=frozenset({"scale_factor"}))
    return _call("FadeIn", [src.text(call.args[0]), f"scale={scale}", *rest])


def _fade_in_from_point(src: Source, call: ast.Call) -> str | None:
    if len(call.args) < 2:
        return None
    point = f"target_position={src.text(call.args[1])}"
    return _call("FadeIn", [src.text(call.args[0]), point, *_args(src, call, 2)])


def _creation_then_destruction(src: Source, call: ast.Call) -> str | None:
    if not call.args:
        return None
    width = [] if keyword(call, "time_width") else ["time_width=2.0"]
    return _call("ShowPassingFlash", [src.text(call.args[0]), *width, *_args(src, call, 1)])


def _creation_then_fade_out(src: Source, call: ast.Call) -> str | None:
    if len(call.args) != 1:
        return None
    target = call.args[0]
    if not isinstance(target, ast.Name | ast.Attribute | ast.Subscript):
        return _creation_then_destruction(src, call)
    text = src.text(target)
    return _call("Succession", [f"Create({text})", f"FadeOut({text})", *_args(src, call, 1)])


def _circle_indicate(src: Source, call: ast.Call) -> str | None:
    if not call.args:
        return None
    return _call("Circumscribe", [src.text(call.args[0]), "Circle", *_args(src, call, 1)])


def _lagged_start(src: Source, call: ast.Call) -> str | None:
    first = call.args[0] if call.args else None
    if not (isinstance(first, ast.Name) and first.id in ANIMATION_CLASSES) or len(call.args) < 2:
        return None
    return _call("LaggedStartMap", _args(src, call))


def _triangle(src: Source, call: ast.Call) -> str | None:
    return _call("Polygon", _args(src, call)) if call.args else None


def _vgroup(src: Source, call: ast.Call) -> str | None:
    if not any(isinstance(a, ast.Starred) and _is_self_mobjects(a.value) for a in call.args):
        return None
    return _call("Group", _args(src, call))


def _is_self_mobjects(node: ast.expr) -> bool:
    if isinstance(node, ast.Subscript):
        node = node.value
    return (
        isinstance(node, ast.Attribute)
        and node.attr == "mobjects"
        and isinstance(node.value, ast.Name)
        and node.value.id == "self"
    )


def _sector(src: Source, call: ast.Call) -> str | None:
    outer, inner = keyword(call, "outer_radius"), keyword(call, "inner_radius")
    if outer is None and inner is None:
        return None
    if inner is not None:
        return _call("AnnularSector", _args(src, call))
    assert outer is not None
    rest = _args(src, call, drop=frozenset({"outer_radius"}))
    return _call("Sector", [*rest, f"radius={src.text(outer.value)}"])


_CALL_REWRITES: dict[str, Callable[[Source, ast.Call], str | None]] = {
    "FadeInFrom": _fade_in_from,
    "FadeInFromDown": _fixed_shift("FadeIn", "UP"),
    "FadeOutAndShift": _fade_out_and_shift,
    "FadeOutAndShiftDown": _fixed_shift("FadeOut", "DOWN"),
    "FadeInFromLarge": _fade_in_from_large,
    "FadeInFromPoint": _fade_in_from_point,
    "ShowCreationThenDestruction": _creation_then_destruction,
    "ShowCreationThenFadeOut": _creation_then_fade_out,
    "CircleIndicate": _circle_indicate,
    "LaggedStart": _lagged_start,
    "Triangle": _triangle,
    "VGroup": _vgroup,
    "Sector": _sector,
}


def fade_direction(src: Source) -> list[Fix]:
    """`FadeIn(m, UP)` → `FadeIn(m, shift=UP)`: a direction is not a mobject."""
    fixes = []
    for call in src.calls():
        if not (isinstance(call.func, ast.Name) and call.func.id in ("FadeIn", "FadeOut")):
            continue
        if len(call.args) != 2 or keyword(call, "shift") or not _is_direction(call.args[1]):
            continue
        start = src.span(call.args[1])[0]
        detail = f"{call.func.id}(m, direction) → {call.func.id}(m, shift=direction)"
        fixes.append(Fix((Edit(start, start, "shift="),), Repair("rename", detail, call.lineno)))
    return fixes


def _is_direction(node: ast.expr) -> bool:
    if isinstance(node, ast.Name):
        return node.id in DIRECTIONS
    if isinstance(node, ast.UnaryOp):
        return _is_direction(node.operand)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        return _is_direction(node.left) or _is_direction(node.right)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        return _is_direction(node.left) and _is_direction(node.right)
    return False


def rename_keywords(src: Source) -> list[Fix]:
    """Renamed keywords (`isolate=`, `side=`) and `x_min`/`x_max` pairs → `x_range=[...]`."""
    assert src.tree is not None
    bound = src.bound
    fixes = []
    for call in src.calls():
        name = call.func.id if isinstance(call.func, ast.Name) else None
        for kw in call.keywords:
            renames = _KEYWORD_RENAMES.get(kw.arg or "", {})
            new = renames.get(name or "") or (renames.get("*") if kw.arg not in bound else None)
            if new is not None and keyword(call, new) is None:
                start = src.span(kw)[0]
                edit = Edit(start, start + len(kw.arg or ""), new)
                fixes.append(Fix((edit,), Repair("keyword", f"{kw.arg}= → {new}=", kw.lineno)))
        fixes.extend(_range_keywords(src, call))
    return fixes


def _range_keywords(src: Source, call: ast.Call) -> list[Fix]:
    fixes = []
    for axis, (low_default, high_default) in RANGE_KEYWORDS.items():
        low, high = keyword(call, f"{axis}_min"), keyword(call, f"{axis}_max")
        if (low is None and high is None) or keyword(call, f"{axis}_range") is not None:
            continue
        step = keyword(call, "tick_frequency") if axis == "x" else None
        bounds = [
            src.text(low.value) if low else low_default,
            src.text(high.value) if high else high_default,
            *([src.text(step.value)] if step else []),
        ]
        given = [k for k in (low, high, step) if k is not None]
        first = min(given, key=lambda k: (k.lineno, k.col_offset))
        start, end = src.span(first)
        edits = [Edit(start, end, f"{axis}_range=[{', '.join(bounds)}]")]
        edits += drop_arguments(src, call, [k for k in given if k is not first])
        names = "/".join(k.arg or "" for k in given)
        detail = f"{names} → {axis}_range"
        fixes.append(Fix(tuple(edits), Repair("keyword", detail, first.lineno)))
    return fixes


def rename_methods(src: Source) -> list[Fix]:
    """Methods that are gone: renamed ones, `set_backstroke`, and manimgl-only no-op setters."""
    assert src.tree is not None
    bound = src.bound
    fixes = []
    for call in src.calls():
        func = call.func
        if not isinstance(func, ast.Attribute) or func.attr in bound:
            continue
        if func.attr in METHOD_RENAMES:
            fix = _renamed_method(src, call, func)
        elif func.attr == "set_backstroke":
            fix = _backstroke(src, call, func)
        elif func.attr in SILENT_SETTERS:
            fix = _silent_setter(src, call, func)
        elif func.attr in _SIZE_SETTERS and (len(call.args) > 1 or call.keywords):
            fix = _size_setter(src, call, func)
        elif func.attr == "fix_in_frame" and not call.args:
            fix = _fix_in_frame(src, call, func)
        else:
            fix = None
        if fix is not None:
            fixes.append(fix)
    return fixes


def _renamed_method(src: Source, call: ast.Call, func: ast.Attribute) -> Fix | None:
    new, second = METHOD_RENAMES[func.attr]
    if isinstance(func.value, ast.Name) and func.value.id == "self":
        return None
    end = src.span(func)[1]
    edits = [Edit(end - len(func.attr), end, new)]
    if second is not None and len(call.args) > 1:
        at = src.span(call.args[1])[0]
        edits.append(Edit(at, at, f"{second}="))
    detail = f"{func.attr}() → {new}()"
    return Fix(tuple(edits), Repair("method", detail, call.lineno))


def _backstroke(src: Source, call: ast.Call, func: ast.Attribute) -> Fix:
    """manimgl `set_backstroke(color=BLACK, width=3)` is a background stroke in Manim CE."""
    parts = []
    names = ["color", "width"]
    for index, name in enumerate(names):
        given = call.args[index] if index < len(call.args) else keyword(call, name)
        value = given.value if isinstance(given, ast.keyword) else given
        default = "BLACK" if name == "color" else "3"
        parts.append(f"{name}={src.text(value) if value is not None else default}")
    parts += [src.text(k) for k in call.keywords if k.arg not in (*names, "background")]
    parts.append("background=True")
    start, end = src.span(call)
    text = f"{src.text(func.value)}.set_stroke({', '.join(parts)})"
    return Fix(
        (Edit(start, end, text),),
        Repair("method", "set_backstroke() → set_stroke(background=True)", call.lineno),
    )


def _silent_setter(src: Source, call: ast.Call, func: ast.Attribute) -> Fix:
    repair = Repair("method", f"removed {func.attr}(): Manim CE has no such setting", call.lineno)
    parent = src.parent(call)
    if isinstance(parent, ast.Expr):
        return delete_statement(src, parent, repair)
    start, end = src.span(call)
    return Fix((Edit(start, end, src.text(func.value)),), repair)


def _size_setter(src: Source, call: ast.Call, func: ast.Attribute) -> Fix | None:
    """manimgl `set_width(w, stretch=True)`: Manim's generated setter takes one value."""
    if not call.args:
        return None
    stretch = keyword(call, "stretch")
    stretched = stretch is not None and not (
        isinstance(stretch.value, ast.Constant) and not stretch.value.value
    )
    dimension = func.attr.removeprefix("set_")
    new = f"{'stretch' if stretched else 'scale'}_to_fit_{dimension}"
    rest = [src.text(k) for k in call.keywords if k.arg not in ("stretch",)]
    text = f"{src.text(func.value)}.{new}({', '.join([src.text(call.args[0]), *rest])})"
    repair = Repair("method", f"{func.attr}(..., stretch=...) → {new}()", call.lineno)
    return Fix((Edit(*src.span(call), text),), repair)


def _fix_in_frame(src: Source, call: ast.Call, func: ast.Attribute) -> Fix:
    """manimgl `m.fix_in_frame()` is `self.add_fixed_in_frame_mobjects(m)` in a ThreeDScene."""
    parent = src.parent(call)
    if isinstance(parent, ast.Expr):
        text = f"self.add_fixed_in_frame_mobjects({src.text(func.value)})"
        repair = Repair(
            "method", "m.fix_in_frame() → self.add_fixed_in_frame_mobjects(m)", call.lineno
        )
        return Fix((Edit(*src.span(call), text),), repair)
    repair = Repair("method", "removed fix_in_frame() from a chain (manimgl only)", call.lineno)
    return Fix((Edit(*src.span(call), src.text(func.value)),), repair)


def play_method_arguments(src: Source) -> list[Fix]:
    """`self.play(sq.shift, UP)` (old style) → `self.play(sq.animate.shift(UP))`."""
    fixes = []
    for call in src.calls():
        if not _is_play(call) or not any(_is_method_reference(a) for a in call.args):
            continue
        parts: list[str] = []
        pending: list[str] | None = None
        for arg in call.args:
            if _is_method_reference(arg):
                if pending is not None:
                    parts.append(f"{pending[0]}({', '.join(pending[1:])})")
                assert isinstance(arg, ast.Attribute)
                pending = [f"{src.text(arg.value)}.animate.{arg.attr}"]
            elif pending is not None and not _is_animation_call(arg):
                pending.append(src.text(arg))
            else:
                if pending is not None:
                    parts.append(f"{pending[0]}({', '.join(pending[1:])})")
                    pending = None
                parts.append(src.text(arg))
        if pending is not None:
            parts.append(f"{pending[0]}({', '.join(pending[1:])})")
        text = (
            f"{src.text(call.func)}({', '.join([*parts, *(src.text(k) for k in call.keywords)])})"
        )
        repair = Repair(
            "method", "self.play(m.method, args) → self.play(m.animate.method(args))", call.lineno
        )
        fixes.append(Fix((Edit(*src.span(call), text),), repair))
    return fixes


def _is_method_reference(node: ast.expr) -> bool:
    return (
        isinstance(node, ast.Attribute)
        and node.attr[:1].islower()
        and node.attr != "animate"
        and isinstance(node.value, ast.Name | ast.Attribute | ast.Subscript)
        and not (isinstance(node.value, ast.Name) and node.value.id in _NOT_MOBJECTS)
    )


def _is_animation_call(node: ast.expr) -> bool:
    return isinstance(node, ast.Call | ast.Starred) and (
        isinstance(node, ast.Starred)
        or (isinstance(node.func, ast.Name) and node.func.id[:1].isupper())
    )


# Callables a mobject keeps, and the parameters Manim calls them with.
_FUNCTION_TAKERS: dict[str, str] = {
    "plot": "x",
    "FunctionGraph": "x",
    "ParametricFunction": "t",
    "plot_parametric_curve": "t",
    "Surface": "u, v",
    "plot_surface": "u, v",
    "always_redraw": "",
}


def bound_method_functions(src: Source) -> list[Fix]:
    """`axes.plot(self.f)` → `axes.plot(lambda x: self.f(x))`.

    A mobject copies its function on every animation; a bound method drags the whole
    scene into the copy, which fails ("cannot pickle '_thread.lock' object").
    """
    fixes = []
    for call in src.calls():
        name = (
            call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", "")
        )
        if name not in _FUNCTION_TAKERS or not call.args:
            continue
        function = call.args[0]
        if isinstance(function, ast.Attribute) and _is_self(function.value):
            params = _FUNCTION_TAKERS[name]
            text = f"lambda {params}: {src.text(function)}({params})".replace("lambda :", "lambda:")
            detail = f"wrapped {src.text(function)} in a lambda (a bound method cannot be copied)"
            fixes.append(
                Fix((Edit(*src.span(function), text),), Repair("method", detail, call.lineno))
            )
    return fixes


def promote_scene_base(src: Source) -> list[Fix]:
    """A scene that drives a 3-D camera becomes a ThreeDScene; one that moves the camera
    frame a MovingCameraScene; manimgl-only bases become Scene."""
    assert src.tree is not None
    fixes = []
    for cls in src.tree.body:
        if not isinstance(cls, ast.ClassDef):
            continue
        for base in cls.bases:
            if not isinstance(base, ast.Name) or base.id not in ("Scene", *SCENE_BASES):
                continue
            target = _needed_base(cls) or SCENE_BASES.get(base.id)
            if target is not None and target != base.id:
                detail = f"made {cls.name} a {target} (was {base.id})"
                fixes.append(
                    Fix((Edit(*src.span(base), target),), Repair("base", detail, cls.lineno))
                )
    return fixes


def _needed_base(cls: ast.ClassDef) -> str | None:
    frame = False
    for node in ast.walk(cls):
        if not isinstance(node, ast.Attribute) or not _is_self(node.value):
            continue
        if node.attr in THREE_D_CAMERA_CALLS:
            return "ThreeDScene"
        if node.attr == "camera" and _parent_attr(cls, node) in ("frame", "auto_zoom"):
            frame = True
    return "MovingCameraScene" if frame else None


def _parent_attr(cls: ast.ClassDef, child: ast.expr) -> str | None:
    for node in ast.walk(cls):
        if isinstance(node, ast.Attribute) and node.value is child:
            return node.attr
    return None


def _is_self(node: ast.expr) -> bool:
    return isinstance(node, ast.Name) and node.id == "self"


def manimgl_frame(src: Source) -> list[Fix]:
    """manimgl's `self.frame`: 3-D reorientation → camera calls; else `self.camera.frame`."""
    fixes = []
    for node in src.nodes():
        if not (isinstance(node, ast.Attribute) and node.attr == "frame" and _is_self(node.value)):
            continue
        fix = _frame_call(src, node)
        if fix is None:
            method = src.parent(node)
            if isinstance(method, ast.Attribute) and method.attr in _FRAME_3D_METHODS:
                continue
            fix = Fix(
                (Edit(*src.span(node), "self.camera.frame"),),
                Repair("camera", "self.frame → self.camera.frame", node.lineno),
            )
        fixes.append(fix)
    return fixes


def _frame_call(src: Source, frame: ast.Attribute) -> Fix | None:
    """`self.frame.reorient(...)` as a statement, or the only animation of a `self.play`."""
    method = src.parent(frame)
    animated = isinstance(method, ast.Attribute) and method.attr == "animate"
    if animated:
        assert method is not None
        method = src.parent(method)
    call = src.parent(method) if isinstance(method, ast.Attribute) else None
    if (
        not isinstance(method, ast.Attribute)
        or not isinstance(call, ast.Call)
        or call.func is not method
    ):
        return None
    angles = _camera_angles(src, method.attr, call)
    if angles is None:
        return None
    holder = src.parent(call)
    if not animated and isinstance(holder, ast.Expr):
        text = f"self.set_camera_orientation({', '.join(angles)})"
        start, end = src.span(call)
        return Fix(
            (Edit(start, end, text),),
            Repair(
                "camera", f"self.frame.{method.attr}() → self.set_camera_orientation()", call.lineno
            ),
        )
    if animated and isinstance(holder, ast.Call) and _is_play(holder) and holder.args == [call]:
        rest = [src.text(k) for k in holder.keywords]
        text = f"self.move_camera({', '.join([*angles, *rest])})"
        start, end = src.span(holder)
        return Fix(
            (Edit(start, end, text),),
            Repair(
                "camera", f"self.frame.animate.{method.attr}() → self.move_camera()", call.lineno
            ),
        )
    return None


def _camera_angles(src: Source, method: str, call: ast.Call) -> list[str] | None:
    names = ("theta", "phi", "gamma")
    if method == "reorient":
        degrees = {f"{n}_degrees": n for n in names}
        values = [f"{n}={src.text(a)} * DEGREES" for n, a in zip(names, call.args, strict=False)]
        values += [
            f"{degrees[k.arg]}={src.text(k.value)} * DEGREES"
            for k in call.keywords
            if k.arg in degrees
        ]
        return values or None
    if method == "set_euler_angles":
        values = [f"{n}={src.text(a)}" for n, a in zip(names, call.args, strict=False)]
        values += [src.text(k) for k in call.keywords if k.arg in names]
        return values or None
    return None


def _is_play(call: ast.Call) -> bool:
    return (
        isinstance(call.func, ast.Attribute)
        and call.func.attr == "play"
        and _is_self(call.func.value)
    )


def remove_embed(src: Source) -> list[Fix]:
    """`self.embed()` opens manimgl's interactive shell; in Manim CE it fails an assertion."""
    fixes = []
    for node in src.nodes():
        if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Call)):
            continue
        func = node.value.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if name in _EMBED_CALLS and (not isinstance(func, ast.Attribute) or _is_self(func.value)):
            fixes.append(
                delete_statement(src, node, Repair("embed", f"removed {name}()", node.lineno))
            )
    return fixes
