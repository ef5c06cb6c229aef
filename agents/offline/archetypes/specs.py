"""From a ScenePlan to SPEC, the data every generated scene file is driven by.

One builder per archetype picks the elements (heading, body, caption…) and their content;
the shared helpers give every element the same editable fields and fit the timings to the
planned duration.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any

from agents.offline import topics
from agents.offline.text import sentences, shorten
from agents.schemas import ScenePlan

__all__ = [
    "FADE_OUT",
    "PALETTES",
    "TEXT_FIELDS",
    "build_spec",
    "element_texts",
    "fit_narration",
    "palette",
]

Element = dict[str, Any]

PALETTES: dict[str, dict[str, str]] = {
    "dark": {
        "background": "#000000",
        "text": "#FFFFFF",
        "muted": "#BBBBBB",
        "accent": "#58C4DD",
        "highlight": "#F7D96F",
        "positive": "#83C167",
    },
    "light": {
        "background": "#FFFFFF",
        "text": "#1C1C1C",
        "muted": "#4A4A4A",
        "accent": "#1F6FB2",
        "highlight": "#B7791F",
        "positive": "#2F855A",
    },
}
FADE_OUT = 0.5
# The SPEC fields that hold words a viewer reads (LaTeX included).
TEXT_FIELDS = ("text", "items", "steps", "labels", "stages", "names")


def element_texts(item: Element) -> list[str]:
    """Every piece of text an element or extra shows (text, points, LaTeX steps, labels)."""
    values: list[str] = []
    for key in TEXT_FIELDS:
        value = item.get(key)
        values.extend([value] if isinstance(value, str) else value or [])
    return values


def palette(style: str) -> dict[str, str]:
    """The colours of a style; unknown styles get the default dark look."""
    return PALETTES.get(style.strip().lower(), PALETTES["dark"])


def _element(
    id_: str,
    kind: str,
    slot: str,
    animation: str,
    run_time: float,
    wait: float = 0.3,
    **content: Any,
) -> Element:
    return {
        "id": id_,
        "kind": kind,
        **content,
        "slot": slot,
        "scale": 1.0,
        "shift": [0.0, 0.0],
        "visible": True,
        "animation": animation,
        "run_time": run_time,
        "wait": wait,
    }


def _text(id_: str, text: str, color: str, font_size: int, max_lines: int, slot: str) -> Element:
    animation = "write" if id_ in {"title", "heading"} else "fade_in"
    run_time = 1.5 if id_ == "title" else 1.0 if id_ == "heading" else 0.8
    return _element(
        id_,
        "text",
        slot,
        animation,
        run_time,
        text=text,
        color=color,
        font_size=font_size,
        max_lines=max_lines,
    )


def _heading(plan: ScenePlan, colors: dict[str, str]) -> Element:
    return _text("heading", plan.title, colors["text"], 36, 2, "top")


def _caption(plan: ScenePlan, colors: dict[str, str]) -> Element:
    lines = [line for line in sentences(plan.narration) if line.rstrip(".") != plan.title]
    caption = shorten((lines or [plan.goal])[0], 110)
    return _text("caption", caption, colors["muted"], 26, 2, "bottom")


def _points(plan: ScenePlan, limit: int) -> list[str]:
    """Bullet points: 'Label: a; b; c' in the visual when the planner listed them, else the
    narration's sentences."""
    listed = plan.visual.split(":", 1)[-1] if ":" in plan.visual else ""
    items = [item.strip(" .") for item in listed.split(";") if item.strip(" .")]
    if len(items) < 2:
        items = [line.rstrip(".") for line in sentences(plan.narration)]
    return [shorten(item, 84) for item in items[:limit]]


def _lookup_text(plan: ScenePlan) -> str:
    return f"{plan.title}. {plan.goal} {plan.visual}"


def _equation(
    id_: str, steps: list[str], color: str, accent: str, font: int, slot: str, highlight: bool
) -> Element:
    animation, run_time = ("sequence", 1.3 * len(steps) + 0.5) if len(steps) > 1 else ("write", 1.8)
    return _element(
        id_,
        "equation",
        slot,
        animation,
        run_time,
        0.5,
        steps=steps,
        color=color,
        accent=accent,
        font_size=font,
        highlight=highlight,
    )


def _title_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    subtitle = shorten((sentences(plan.goal) or [plan.goal])[0], 100)
    rule = _element("rule", "line", "rule", "create", 0.6, 0.2, color=colors["accent"], width=6.0)
    return [
        _text("title", plan.title, colors["text"], 52, 3, "hero"),
        rule,
        _text("subtitle", subtitle, colors["muted"], 28, 2, "tagline"),
    ]


def _bullets_scene(plan: ScenePlan, colors: dict[str, str], marker: str = "dot") -> list[Element]:
    items = _points(plan, 4)
    bullets = _element(
        "bullets",
        "bullets",
        "body",
        "stagger",
        0.9 * len(items),
        0.5,
        items=items,
        color=colors["text"],
        accent=colors["positive" if marker == "check" else "accent"],
        font_size=30,
        marker=marker,
    )
    return [_heading(plan, colors), bullets]


def _summary_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    return _bullets_scene(plan, colors, marker="check")


def _equation_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    steps = list(topics.formula_for(_lookup_text(plan)).steps)
    equation = _equation("equation", steps, colors["text"], colors["highlight"], 48, "body", True)
    return [_heading(plan, colors), equation, _caption(plan, colors)]


def _plot_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    function = topics.plot_function(_lookup_text(plan))
    graph = _element(
        "graph",
        "graph",
        "body_left",
        "sequence",
        3.0,
        0.4,
        function=function.name,
        x_label="x",
        y_label="y",
        color=colors["accent"],
        accent=colors["muted"],
    )
    formula = _equation(
        "formula", [function.latex], colors["accent"], colors["highlight"], 44, "body_right", False
    )
    return [_heading(plan, colors), graph, formula, _caption(plan, colors)]


def _construction_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    text = _lookup_text(plan)
    shape = topics.shape_for(text)
    figure = _element(
        "shape",
        "shape",
        "body_left",
        "sequence",
        3.0,
        0.4,
        shape=shape.name,
        labels=list(shape.labels),
        color=colors["accent"],
        accent=colors["highlight"],
    )
    formula = topics.formula_for(text)
    if formula.keys:
        side = _equation(
            "formula",
            list(formula.steps[:2]),
            colors["text"],
            colors["highlight"],
            40,
            "body_right",
            False,
        )
    else:
        items = _points(plan, 3)
        side = _element(
            "facts",
            "bullets",
            "body_right",
            "stagger",
            0.9 * len(items),
            0.4,
            items=items,
            color=colors["text"],
            accent=colors["accent"],
            font_size=26,
            marker="dot",
        )
    return [_heading(plan, colors), figure, side, _caption(plan, colors)]


_PAIR = re.compile(r"([A-Za-z][\w' ]{0,15}?)\s*=\s*(-?\d+(?:\.\d+)?)")


def _chart_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    pairs = [(name.strip(), float(value)) for name, value in _PAIR.findall(plan.visual)]
    if len(pairs) >= 2:
        data: dict[str, Any] = {
            "kind": "bars",
            "labels": [n for n, _ in pairs[:6]],
            "values": [abs(v) for _, v in pairs[:6]],
        }
    else:
        data = topics.chart_data(_lookup_text(plan))
    if data["kind"] == "number_line":
        body = _element(
            "number_line",
            "number_line",
            "body",
            "sequence",
            2.5,
            0.5,
            x_range=[0, 10, 1],
            points=data["points"],
            labels=data["labels"],
            color=colors["highlight"],
            accent=colors["text"],
        )
    else:
        body = _element(
            "bars",
            "bars",
            "body",
            "sequence",
            2.5,
            0.5,
            names=data["labels"],
            values=data["values"],
            color=colors["accent"],
            accent=colors["text"],
        )
    return [_heading(plan, colors), body, _caption(plan, colors)]


def _flow_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    listed = re.split(r"\s*(?:→|->)\s*", plan.visual.split(":", 1)[-1])
    steps = [shorten(step.strip(" ."), 30) for step in listed if step.strip(" .")]
    layout = "cycle" if "cycle" in plan.visual.lower() else "row"
    if len(steps) < 2:
        steps, layout = topics.flow_steps(_lookup_text(plan))
    steps = steps[: 5 if layout == "cycle" else 4]
    flow = _element(
        "flow",
        "flow",
        "body",
        "sequence",
        0.8 * (2 * len(steps) - 1),
        0.5,
        stages=steps,
        layout=layout,
        color=colors["accent"],
        text_color=colors["text"],
        accent=colors["muted"],
        font_size=24,
    )
    return [_heading(plan, colors), flow, _caption(plan, colors)]


_BUILDERS: dict[str, Callable[[ScenePlan, dict[str, str]], list[Element]]] = {
    "title": _title_scene,
    "bullets": _bullets_scene,
    "equation": _equation_scene,
    "plot": _plot_scene,
    "construction": _construction_scene,
    "chart": _chart_scene,
    "flow": _flow_scene,
    "summary": _summary_scene,
    "custom": _bullets_scene,
}


def _fit_timing(elements: list[Element], duration: float) -> float:
    """Scale run times and waits so the scene lasts `duration`; return the final hold."""
    budget = duration - FADE_OUT
    used = sum(element["run_time"] + element["wait"] for element in elements)
    if budget - used < 0.5:
        factor = max(budget - 0.5, 0.2) / used
        for element in elements:
            element["run_time"] = max(0.2, round(element["run_time"] * factor, 1))
            element["wait"] = max(0.1, round(element["wait"] * factor, 1))
    used = sum(element["run_time"] + element["wait"] for element in elements)
    return round(max(0.3, budget - used), 2)


def fit_narration(elements: list[Element], durations: Sequence[float]) -> float:
    """Time the elements to the voice-over and return the final hold.

    Element i enters during segment `i * S // E` (of S segments, E elements), and the
    entrances and waits of each segment last exactly its duration; a segment without an
    element of its own lengthens the previous one's last wait. Entrances stretch to 1.5
    times their designed length at most, the waits take the rest. The hold is carved from
    the last segment, so the scene's elements and hold last the narration exactly.
    """
    hold = round(min(0.3, durations[-1] / 4), 2)
    groups: dict[int, list[Element]] = {}
    for i, element in enumerate(elements):
        groups.setdefault(i * len(durations) // len(elements), []).append(element)
    last: Element = elements[0]
    for k, duration in enumerate(durations):
        span = duration - (hold if k == len(durations) - 1 else 0.0)
        group = groups.get(k)
        if group is None:
            last["wait"] = round(last["wait"] + span, 2)
            continue
        _fill(group, span)
        last = group[-1]
    return hold


def _fill(group: list[Element], span: float) -> None:
    """Make the group's entrances and waits add up to `span` (to 0.01 s)."""
    designed = sum(element["run_time"] + element["wait"] for element in group)
    factor = min(span / designed, 1.5)
    for element in group:
        element["run_time"] = max(0.2, round(element["run_time"] * factor, 2))
    rest = span - sum(element["run_time"] for element in group)
    waits = sum(element["wait"] for element in group) or 1.0
    for element in group:
        element["wait"] = max(0.1, round(rest * element["wait"] / waits, 2))
    residual = span - sum(element["run_time"] + element["wait"] for element in group)
    group[-1]["wait"] = max(0.1, round(group[-1]["wait"] + residual, 2))


def _picture_scene(plan: ScenePlan, colors: dict[str, str]) -> list[Element]:
    """The scene's uploaded images large in the body, under its heading, above a caption."""
    files = [image.file for image in plan.images]
    picture = _element("picture", "image", "body", "fade_in", 1.0, 0.6, files=files)
    return [_heading(plan, colors), picture, _caption(plan, colors)]


def build_spec(
    plan: ScenePlan, style: str, durations: Sequence[float] | None = None
) -> dict[str, Any]:
    """The full SPEC of one scene: background, timing knobs, elements and (no) extras.

    With `durations` (the voice-over's segments) the timings follow the voice; without,
    they fill the planned duration.
    """
    colors = palette(style)
    builder = _picture_scene if plan.images else _BUILDERS[plan.archetype]
    elements = builder(plan, colors)
    hold = fit_narration(elements, durations) if durations else _fit_timing(elements, plan.duration)
    return {
        "background": colors["background"],
        "speed": 1.0,
        "run_time": None,
        "hold": hold,
        "elements": elements,
        "extras": [],
    }
