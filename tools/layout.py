"""Layout report from mobject bounding boxes, without drawing a pixel.

Once model-written code runs, bad layout is its main failure: text leaving the frame,
text over text, text too small to read. These show up in the boxes of what is on screen
after each `play()` (end states are final then), so the check rides along the fast
validation pass. It runs inside the render harness only: it imports Manim.

Each issue also says where its mobjects came from (the line of the scene file that
created them, `record_creation_lines`) and where they were, so the model-free layout
repair (`tools.repair.layout`) can rewrite those lines.

Example:
    with record_creation_lines(scene_file):
        tracker = track_layout(scene, scene_file)
        scene.render()
    report = tracker.report()
"""

from __future__ import annotations

import contextlib
import functools
import math
import sys
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
from manim import (
    Camera,
    DecimalNumber,
    Group,
    MarkupText,
    Mobject,
    NumberPlane,
    Paragraph,
    PolarPlane,
    Scene,
    SingleStringMathTex,
    Text,
    ThreeDCamera,
    VDict,
    VGroup,
    VMobject,
    config,
)
from manim.mobject.types.image_mobject import AbstractImageMobject
from manim.mobject.types.point_cloud_mobject import PMobject

from tools.layout_models import IssueKind, LayoutIssue, LayoutReport, Placement

__all__ = ["LayoutTracker", "record_creation_lines", "track_layout"]

EDGE_TOLERANCE = 0.05
SEVERE_OUTSIDE_SHARE = 0.02
OVERLAP_SHARE = 0.15
SEVERE_OVERLAP_SHARE = 0.30
MIN_FONT_SIZE = 16.0
SEVERE_FONT_SIZE = 12.0
PLANE_COVERAGE = 0.9
LABEL_CHARS = 30

TEXT_TYPES = (Text, MarkupText, Paragraph, SingleStringMathTex, DecimalNumber)
PLANE_TYPES = (NumberPlane, PolarPlane)
CONTAINER_TYPES = (Mobject, VMobject, Group, VGroup, VDict)

Box = tuple[float, float, float, float]
"""xmin, ymin, xmax, ymax in the units of the configured frame (`config.frame_width` x
`config.frame_height`: 14.22 x 8 at 16:9, 8 x 14.22 at 9:16), centred on the view."""
CREATED_AT = "_manimgraph_line"
"""The attribute `record_creation_lines` sets on each mobject: its line in the scene file."""


@dataclass(frozen=True)
class _Unit:
    """A thing checked on its own: a text unit, or the drawn non-text part of a shape."""

    mobject: Mobject
    label: str
    is_text: bool
    box: Box
    scale: float
    """Projected height over model height: how much the camera magnifies it."""


@dataclass(frozen=True)
class _Finding:
    key: tuple[Any, ...]
    subjects: tuple[Mobject, ...]
    """Held so that the ids in `key` cannot be reused by new mobjects while remembered."""
    boxes: tuple[Box, ...]
    sizes: tuple[float | None, ...]
    """Effective font size of each subject (None for shapes)."""
    kind: IssueKind
    labels: list[str]
    severe: bool
    score: float
    detail: str


@dataclass
class _Seen:
    finding: _Finding
    first: int
    last: int


class _View:
    """Maps model points to the configured frame's units as the camera would show them."""

    def __init__(self, scene: Scene) -> None:
        if not isinstance(scene.camera, Camera):
            raise TypeError("the layout report reads Cairo cameras only")
        self.camera = scene.camera
        if isinstance(self.camera, ThreeDCamera):
            # ThreeDCamera caches its rotation at draw time; nothing is drawn here.
            self.camera.reset_rotation_matrix()
        self.center = np.asarray(self.camera.frame_center, dtype=float)[:2]
        self.scale = np.array(
            [
                config.frame_width / self.camera.frame_width,
                config.frame_height / self.camera.frame_height,
            ]
        )

    def project(self, mobject: Mobject) -> np.ndarray:
        points = self.camera.transform_points_pre_display(mobject, mobject.points)
        return (points[:, :2] - self.center) * self.scale


class LayoutTracker:
    """Looks at the scene after every play and remembers each issue once."""

    def __init__(self, scene: Scene) -> None:
        self._scene = scene
        self._animations = 0
        self._ends: list[float] = []
        self._lines: list[int | None] = []
        self._seen: dict[tuple[Any, ...], _Seen] = {}
        self._appeared: dict[int, tuple[Mobject, int]] = {}

    def observe(self, line: int | None = None) -> None:
        """Inspect the scene as it stands after the animation just played (called at `line`)."""
        index = self._animations
        self._animations += 1
        self._ends.append(round(float(self._scene.time), 3))
        self._lines.append(line)
        units, findings = _inspect(self._scene)
        for unit in units:
            self._appeared.setdefault(id(unit.mobject), (unit.mobject, index))
        for finding in findings:
            seen = self._seen.get(finding.key)
            if seen is None:
                self._seen[finding.key] = _Seen(finding, index, index)
                continue
            seen.last = index
            if finding.score > seen.finding.score:
                seen.finding = finding

    def report(self) -> LayoutReport:
        final = self._animations - 1
        issues = [
            LayoutIssue(
                kind=seen.finding.kind,
                severe=seen.finding.severe,
                mobjects=seen.finding.labels,
                first_animation=seen.first,
                last_animation=seen.last,
                persists=seen.last == final,
                detail=seen.finding.detail,
                places=self._places(seen),
            )
            for seen in sorted(self._seen.values(), key=lambda s: (s.first, s.finding.kind))
        ]
        return LayoutReport(
            animations=self._animations, issues=issues, ends=self._ends, play_lines=self._lines
        )

    def _places(self, seen: _Seen) -> list[Placement]:
        finding = seen.finding
        return [
            Placement(
                line=getattr(mobject, CREATED_AT, None),
                box=tuple(round(v, 3) for v in box),  # type: ignore[arg-type]
                appeared=self._appeared.get(id(mobject), (mobject, seen.first))[1],
                font_size=None if size is None else round(size, 1),
            )
            for mobject, box, size in zip(
                finding.subjects, finding.boxes, finding.sizes, strict=True
            )
        ]


def track_layout(scene: Scene, scene_file: Path | None = None) -> LayoutTracker:
    """Wrap this scene's `play` (which `wait` calls too) so each call is inspected after it;
    with `scene_file`, each call's line in that file is recorded too."""
    tracker = LayoutTracker(scene)
    play: Callable[..., None] = scene.play
    path = str(scene_file) if scene_file is not None else None

    @functools.wraps(play)
    def play_and_observe(*args: Any, **kwargs: Any) -> None:
        line = _caller_line(path) if path is not None else None
        play(*args, **kwargs)
        tracker.observe(line)

    scene.play = play_and_observe  # type: ignore[method-assign]
    return tracker


@contextlib.contextmanager
def record_creation_lines(scene_file: Path) -> Iterator[None]:
    """While active, every new mobject remembers the line of `scene_file` that made it (the
    innermost one on the stack), as the attribute `CREATED_AT`; copies keep it."""
    path = str(scene_file)
    original = Mobject.__init__

    @functools.wraps(original)
    def init(self: Mobject, *args: Any, **kwargs: Any) -> None:
        self.__dict__[CREATED_AT] = _caller_line(path)
        original(self, *args, **kwargs)

    Mobject.__init__ = init  # type: ignore[method-assign]
    try:
        yield
    finally:
        Mobject.__init__ = original  # type: ignore[method-assign]


def _caller_line(path: str) -> int | None:
    """The innermost line of the file `path` on the current stack."""
    frame = sys._getframe(1)
    while frame is not None:
        if frame.f_code.co_filename == path:
            return frame.f_lineno
        frame = frame.f_back  # type: ignore[assignment]
    return None


def _inspect(scene: Scene) -> tuple[list[_Unit], list[_Finding]]:
    view = _View(scene)
    units: list[_Unit] = []
    seen_ids: set[int] = set()
    for mobject in [*scene.mobjects, *scene.foreground_mobjects]:
        if id(mobject) not in seen_ids:
            seen_ids.add(id(mobject))
            _collect(mobject, view, units)
    texts = list({id(unit.mobject): unit for unit in units if unit.is_text}.values())
    findings = [f for unit in units if (f := _out_of_frame(unit)) is not None]
    findings += [f for a, b in combinations(texts, 2) if (f := _text_overlap(a, b)) is not None]
    findings += [f for unit in texts if (f := _tiny_text(unit)) is not None]
    return units, findings


def _collect(mobject: Mobject, view: _View, units: list[_Unit]) -> None:
    """Split a family into units: highest text mobjects, and highest non-group shapes."""
    if _is_plane_backdrop(mobject, view):
        return
    if isinstance(mobject, TEXT_TYPES):
        _add_unit(units, mobject, mobject.get_family(), view, is_text=True)
        return
    if type(mobject) in CONTAINER_TYPES and len(mobject.points) == 0:
        for sub in mobject.submobjects:
            _collect(sub, view, units)
        return
    parts: list[Mobject] = []
    pending = [mobject]
    while pending:
        current = pending.pop()
        parts.append(current)
        for sub in current.submobjects:
            if isinstance(sub, TEXT_TYPES) or _is_plane_backdrop(sub, view):
                _collect(sub, view, units)
            else:
                pending.append(sub)
    _add_unit(units, mobject, parts, view, is_text=False)


def _add_unit(
    units: list[_Unit], mobject: Mobject, parts: Iterable[Mobject], view: _View, *, is_text: bool
) -> None:
    drawn = [part for part in parts if _is_drawn(part)]
    if not drawn:
        return
    projected = np.concatenate([view.project(part) for part in drawn])
    model_height = np.ptp(np.concatenate([part.points[:, 1] for part in drawn]))
    box = _box_of(projected)
    scale = (box[3] - box[1]) / model_height if model_height > 1e-9 else 1.0
    units.append(_Unit(mobject, _label(mobject), is_text, box, scale))


def _is_drawn(mobject: Mobject) -> bool:
    """Only what leaves ink counts: visible fill or stroke, images and point clouds."""
    if len(mobject.points) == 0:
        return False
    if isinstance(mobject, VMobject):
        fill = mobject.get_fill_opacities()
        if fill.size and float(fill.max()) > 0:
            return True
        stroke = mobject.get_stroke_opacities()
        return mobject.get_stroke_width() > 0 and stroke.size > 0 and float(stroke.max()) > 0
    return isinstance(mobject, AbstractImageMobject | PMobject)


def _is_plane_backdrop(mobject: Mobject, view: _View) -> bool:
    """A coordinate plane spanning the frame is a backdrop, meant to run past the edges."""
    if not isinstance(mobject, PLANE_TYPES) or not mobject.has_points():
        return False
    box = _box_of(np.concatenate([view.project(m) for m in mobject.family_members_with_points()]))
    return (
        box[2] - box[0] >= PLANE_COVERAGE * config.frame_width
        and box[3] - box[1] >= PLANE_COVERAGE * config.frame_height
    )


def _out_of_frame(unit: _Unit) -> _Finding | None:
    half_w, half_h = config.frame_width / 2, config.frame_height / 2
    xmin, ymin, xmax, ymax = unit.box
    overshoot = {
        "left": -half_w - xmin,
        "right": xmax - half_w,
        "bottom": -half_h - ymin,
        "top": ymax - half_h,
    }
    edge = max(overshoot, key=overshoot.__getitem__)
    amount = overshoot[edge]
    if amount <= EDGE_TOLERANCE:
        return None
    inside = _intersection(unit.box, (-half_w, -half_h, half_w, half_h))
    outside = 1.0 - inside / _area(unit.box)
    return _Finding(
        key=("out_of_frame", id(unit.mobject)),
        subjects=(unit.mobject,),
        boxes=(unit.box,),
        sizes=(_effective_size(unit),),
        kind="out_of_frame",
        labels=[unit.label],
        severe=unit.is_text and outside > SEVERE_OUTSIDE_SHARE,
        score=amount,
        detail=f"{amount:.2f} units past the {edge} edge; {outside:.0%} of it outside the frame",
    )


def _text_overlap(a: _Unit, b: _Unit) -> _Finding | None:
    if a.mobject in b.mobject.get_family() or b.mobject in a.mobject.get_family():
        return None
    share = _intersection(a.box, b.box) / min(_area(a.box), _area(b.box))
    if share < OVERLAP_SHARE:
        return None
    first, second = sorted((a, b), key=lambda unit: id(unit.mobject))
    return _Finding(
        key=("text_overlap", id(first.mobject), id(second.mobject)),
        subjects=(first.mobject, second.mobject),
        boxes=(first.box, second.box),
        sizes=(_effective_size(first), _effective_size(second)),
        kind="text_overlap",
        labels=[first.label, second.label],
        severe=share >= SEVERE_OVERLAP_SHARE,
        score=share,
        detail=f"they overlap by {share:.0%} of the smaller one's box",
    )


def _effective_size(unit: _Unit) -> float | None:
    """The font size as seen on screen (the camera may magnify), None for shapes."""
    size = _font_size(unit.mobject) if unit.is_text else None
    return None if size is None else size * unit.scale


def _tiny_text(unit: _Unit) -> _Finding | None:
    effective = _effective_size(unit)
    if effective is None or effective >= MIN_FONT_SIZE:
        return None
    return _Finding(
        key=("tiny_text", id(unit.mobject)),
        subjects=(unit.mobject,),
        boxes=(unit.box,),
        sizes=(effective,),
        kind="tiny_text",
        labels=[unit.label],
        severe=effective < SEVERE_FONT_SIZE,
        score=MIN_FONT_SIZE - effective,
        detail=f"effective font size {effective:.1f} (below {MIN_FONT_SIZE:g}; 24-28 reads well)",
    )


def _font_size(mobject: Mobject) -> float | None:
    """The font size Manim reports, which already tracks `.scale()`; None when undefined."""
    if isinstance(mobject, Paragraph):
        mobject = mobject.lines_text
    if not isinstance(mobject, Text | MarkupText | SingleStringMathTex | DecimalNumber):
        return None
    with np.errstate(all="ignore"):
        try:
            size = float(mobject.font_size)
        except ZeroDivisionError:
            return None
    return size if math.isfinite(size) and size > 0 else None


def _label(mobject: Mobject) -> str:
    """A short name a person (or a model) recognises, e.g. Text('Bayes rule')."""
    name = type(mobject).__name__
    if isinstance(mobject, Text | MarkupText):
        content: object = mobject.original_text
    elif isinstance(mobject, Paragraph):
        content = mobject.lines_text.original_text
    elif isinstance(mobject, SingleStringMathTex):
        content = mobject.tex_string
    elif isinstance(mobject, DecimalNumber):
        return f"{name}({mobject.number:g})"
    else:
        return name
    text = " ".join(str(content).split())
    if len(text) > LABEL_CHARS:
        text = text[: LABEL_CHARS - 1] + "…"
    return f"{name}({text!r})"


def _box_of(points: np.ndarray) -> Box:
    xmin, ymin = points.min(axis=0)
    xmax, ymax = points.max(axis=0)
    return float(xmin), float(ymin), float(xmax), float(ymax)


def _area(box: Box) -> float:
    """Box area with a floor, so lines and dots still compare sensibly."""
    return max(box[2] - box[0], 1e-3) * max(box[3] - box[1], 1e-3)


def _intersection(a: Box, b: Box) -> float:
    """Area shared by two boxes, with the same floor as `_area` so a line inside counts."""
    width = min(a[2], b[2]) - max(a[0], b[0])
    height = min(a[3], b[3]) - max(a[1], b[1])
    if width < 0 or height < 0:
        return 0.0
    return max(width, 1e-3) * max(height, 1e-3)
