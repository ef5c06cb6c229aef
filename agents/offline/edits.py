"""Offline edits: turn a plain-English instruction into changes of a scene's SPEC.

The instruction is split into clauses ("make the title red and slow down"); each clause
names its targets (by id, kind, synonym or words of their text) and one intent. Clauses
with no recognised intent raise UnsupportedEdit, so the caller can ask a real model.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from agents.offline.archetypes.literal import read_spec, replace_spec
from agents.offline.archetypes.specs import (
    FADE_OUT,
    PALETTES,
    TEXT_FIELDS,
    element_texts,
    fit_narration,
)
from tools.layout_models import FPS_RANGE

__all__ = ["COLOURS", "UnsupportedEdit", "apply_edit"]

Spec = dict[str, Any]
Item = dict[str, Any]


class UnsupportedEdit(ValueError):
    """The offline model cannot perform this edit; a real model is needed."""


_HANDLED = (
    "offline edits handle colour, size, speed or run time, replacing text, moving, adding a "
    "simple shape, arrow or label, and removing or showing an element"
)

COLOURS: dict[str, str] = {
    "dark blue": "#236B8E",
    "light blue": "#9CDCEB",
    "dark green": "#699C52",
    "light green": "#A6CF8C",
    "dark red": "#CF5044",
    "light red": "#F7A1A3",
    "dark gray": "#444444",
    "dark grey": "#444444",
    "light gray": "#BBBBBB",
    "light grey": "#BBBBBB",
    "red": "#FC6255",
    "blue": "#58C4DD",
    "green": "#83C167",
    "yellow": "#F7D96F",
    "orange": "#FF862F",
    "purple": "#9A72AC",
    "violet": "#9A72AC",
    "pink": "#D147BD",
    "magenta": "#D147BD",
    "teal": "#5CD0B3",
    "cyan": "#5CD0B3",
    "gold": "#F0AC5F",
    "brown": "#8B4513",
    "maroon": "#C55F73",
    "navy": "#1C3D5A",
    "white": "#FFFFFF",
    "black": "#000000",
    "gray": "#888888",
    "grey": "#888888",
}
_QUOTE = re.compile(
    r"(?<![A-Za-z0-9])'(.+?)'(?![A-Za-z0-9])|\"(.+?)\"|\u2018(.+?)\u2019|\u201c(.+?)\u201d"
)
_SPLIT = re.compile(r"\s*(?:;|,|\band then\b|\bthen\b|\band\b|\balso\b|\bplus\b)\s*", re.IGNORECASE)
_NUMBER = r"(\d+(?:\.\d+)?)"

# Words naming elements, mapped to a test on the element and the colour field they mean.
_SYNONYMS: tuple[tuple[tuple[str, ...], Callable[[Item], bool], str], ...] = (
    (("subtitle", "subheading", "tagline"), lambda e: e["id"] == "subtitle", "color"),
    (
        ("title", "heading", "header", "headline"),
        lambda e: e["id"] in {"title", "heading"},
        "color",
    ),
    (("caption", "footer", "bottom text", "description"), lambda e: e["id"] == "caption", "color"),
    (
        ("bullet", "bullets", "points", "list", "items", "facts"),
        lambda e: e["kind"] == "bullets",
        "color",
    ),
    (("markers", "dots", "checks", "check marks"), lambda e: e["kind"] == "bullets", "accent"),
    (
        ("equation", "formula", "math", "expression", "derivation"),
        lambda e: e["kind"] == "equation",
        "color",
    ),
    (("highlight", "box", "frame"), lambda e: e["kind"] == "equation", "accent"),
    (("axes", "axis"), lambda e: e["kind"] == "graph", "accent"),
    (("graph", "plot", "curve", "function"), lambda e: e["kind"] == "graph", "color"),
    (("labels", "label"), lambda e: e["kind"] in {"shape", "bars", "number_line"}, "accent"),
    (("shape", "figure", "drawing", "construction"), lambda e: e["kind"] == "shape", "color"),
    (("bars", "bar", "chart", "columns", "histogram"), lambda e: e["kind"] == "bars", "color"),
    (
        ("number line", "numberline", "points on the line"),
        lambda e: e["kind"] == "number_line",
        "color",
    ),
    (("arrows",), lambda e: e["kind"] == "flow", "accent"),
    (
        ("boxes", "box", "flow", "steps", "diagram", "process", "stages"),
        lambda e: e["kind"] == "flow",
        "color",
    ),
    (("rule", "underline", "line"), lambda e: e["kind"] == "line", "color"),
)
_SHAPE_WORDS = ("triangle", "circle", "square", "kite", "polygon", "hexagon", "ellipse", "angle")
_EXTRA_KINDS = ("circle", "square", "rectangle", "triangle", "star", "dot", "arrow", "text")
_EVERYTHING = ("everything", "all", "whole scene", "all elements", "all text", "the text", "font")
_STOP = frozenset(
    {"this", "that", "make", "change", "turn", "move", "with", "colour", "color", "size"}
    | {"bigger", "smaller", "larger", "please", "more", "less", "from", "into", "them", "then"}
    | {"remove", "delete", "hide", "slow", "down", "faster", "slower", "left", "right", "scene"}
    | {"animation", "animations", "seconds", "take", "video", "double", "half", "shrink"}
)


@dataclass
class _Clause:
    """One instruction clause: lower-case text with quotes replaced by «0», «1»…"""

    text: str
    raw: str
    quotes: list[str]
    elements: list[Item] = field(default_factory=list)
    extras: list[Item] = field(default_factory=list)
    field_name: str = "color"

    def has(self, *words: str) -> bool:
        return any(re.search(rf"(?<![a-z]){re.escape(word)}(?![a-z])", self.text) for word in words)


def _unsupported(clause: str) -> UnsupportedEdit:
    return UnsupportedEdit(
        f'The offline model cannot apply "{clause.strip()}": a real model is needed for this '
        f"edit ({_HANDLED})."
    )


def _split(instruction: str) -> list[_Clause]:
    """Clauses of the instruction; quoted text is set aside first so it is never split."""
    quotes: list[str] = []

    def stash(match: re.Match[str]) -> str:
        quotes.append(next(group for group in match.groups() if group is not None))
        return f" «{len(quotes) - 1}» "

    masked = _QUOTE.sub(stash, instruction)
    clauses = []
    for part in _SPLIT.split(masked):
        part = part.strip(" .!")
        if not part:
            continue
        found = [int(index) for index in re.findall(r"«(\d+)»", part)]
        for local, index in enumerate(found):
            part = part.replace(f"«{index}»", f"«{local}»", 1)
        clauses.append(_Clause(part.lower(), part, [quotes[index] for index in found]))
    return clauses


def _primary(spec: Spec) -> list[Item]:
    """The element an edit without a target means: the scene's main content."""
    minor = {"heading", "caption", "subtitle", "rule"}
    main = [e for e in spec["elements"] if e["id"] not in minor and e["visible"]]
    return main[:1] or spec["elements"][:1]


def _resolve(clause: _Clause, spec: Spec) -> None:
    """Fill in the clause's target elements, extras and colour field.

    Only the words before "to"/"say" name targets: in "change the title to Bayes rule", the
    word "rule" is new text, not the title rule.
    """
    elements: list[Item] = spec["elements"]
    scope = _Clause(re.split(r"\b(?:to|say|says|read|reads)\b", clause.text, maxsplit=1)[0], "", [])
    for kind in _EXTRA_KINDS:
        if scope.has(kind, kind + "s"):
            clause.extras += [
                x for x in spec["extras"] if x["kind"] == kind and x not in clause.extras
            ]
    for words, test, colour_field in _SYNONYMS:
        if scope.has(*words):
            found = [e for e in elements if test(e) and e not in clause.elements]
            if found and not clause.elements:
                clause.field_name = colour_field
            clause.elements += found
    for word in _SHAPE_WORDS:
        if scope.has(word, word + "s") and not clause.extras:
            clause.elements += [
                e for e in elements if e["kind"] == "shape" and e not in clause.elements
            ]
    if scope.has(*_EVERYTHING):
        clause.elements = list(elements)
    if clause.elements or clause.extras:
        return
    named = [clause.quotes[int(i)] for i in re.findall(r"«(\d+)»", scope.text)]
    words = [w for w in re.findall(r"[a-z]{4,}", scope.text) if w not in _STOP]
    for element in elements:
        texts = element_texts(element)
        lowered = " ".join(texts).lower()
        if any(quote in t for quote in named for t in texts) or any(w in lowered for w in words):
            clause.elements.append(element)


def _targets(clause: _Clause, spec: Spec) -> list[Item]:
    return clause.elements + clause.extras or _primary(spec)


# --- intents -------------------------------------------------------------------------------


def _colour_in(text: str) -> str | None:
    hex_code = re.search(r"#[0-9a-f]{6}\b", text)
    if hex_code:
        return hex_code.group(0).upper()
    for name, value in COLOURS.items():
        if re.search(rf"(?<![a-z]){name}(?![a-z])", text):
            return value
    return None


def _is_light(colour: str) -> bool:
    red, green, blue = (int(colour.lstrip("#")[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return 0.2126 * red + 0.7152 * green + 0.0722 * blue > 0.5


def _palette_for(background: str) -> dict[str, str]:
    return PALETTES["light" if _is_light(background) else "dark"]


def _background(clause: _Clause, spec: Spec) -> bool:
    """A new background; when it flips between dark and light, the style's own colours
    follow (white text on a white background would vanish, and no layout check sees it)."""
    colour = _colour_in(clause.text)
    if not clause.has("background", "backdrop") or colour is None:
        return False
    old, new = _palette_for(spec["background"]), _palette_for(colour)
    swap = {old[role]: new[role] for role in old if role != "background"}
    for item in spec["elements"] + spec["extras"]:
        for key in ("color", "accent", "text_color"):
            if key in item:
                item[key] = swap.get(item[key], item[key])
    spec["background"] = colour
    return True


def _set_text(item: Item, text: str) -> None:
    if "text" in item:
        item["text"] = text
    elif "items" in item:
        item["items"] = [part.strip() for part in text.split(";") if part.strip()]
    elif "steps" in item:
        item["steps"] = [text]
    elif "stages" in item:
        item["stages"] = [part.strip() for part in re.split(r";|→|->", text) if part.strip()]
    elif "labels" in item or "names" in item:
        key = "labels" if "labels" in item else "names"
        item[key] = [part.strip() for part in text.split(",") if part.strip()]
    else:
        raise _unsupported(f"set the text of the {item['id']}")


def _replace_in(item: Item, old: str, new: str) -> None:
    for key in TEXT_FIELDS:
        if key not in item:
            continue
        latex = key in {"steps", "labels"}
        pattern = rf"(?<![\\A-Za-z]){re.escape(old)}(?![A-Za-z])" if latex else re.escape(old)

        def swap(value: str, pattern: str = pattern) -> str:
            return re.sub(pattern, lambda _: new, value)

        value = item[key]
        item[key] = swap(value) if isinstance(value, str) else [swap(v) for v in value]


def _text(clause: _Clause, spec: Spec) -> bool:
    quotes = clause.quotes
    if len(quotes) == 2 and clause.has("replace", "swap", "substitute", "change", "rename"):
        old, new = quotes
        for item in spec["elements"] + spec["extras"]:
            _replace_in(item, old, new)
        return True
    said = re.search(r"\b(?:to|say|says|read|reads|into|with)\s+«(\d+)»", clause.text)
    if said and clause.has(
        "change", "set", "rename", "make", "update", "replace", "edit", "rewrite"
    ):
        text = clause.quotes[int(said.group(1))]
        for item in clause.elements + clause.extras or _primary(spec):
            _set_text(item, text)
        return True
    bare = re.search(r"\b(?:change|set|rename)\b.*?\bto\s+(.+)$", clause.raw, re.IGNORECASE)
    other_intent = r"\b(left|right|top|bottom|center|centre|size|speed|bigger|smaller)\b"
    if (
        bare
        and (clause.elements or clause.extras)
        and _colour_in(bare.group(1).lower()) is None
        and not re.search(other_intent, bare.group(1).lower())
    ):
        for item in clause.elements + clause.extras:
            _set_text(item, bare.group(1).strip())
        return True
    return False


def _add(clause: _Clause, spec: Spec) -> bool:
    if not clause.has("add", "insert", "draw", "include", "put", "place", "create"):
        return False
    kinds = [kind for kind in _EXTRA_KINDS if clause.has(kind, kind + "s")]
    if clause.has("label", "note", "caption", "words", "saying", "text") and clause.quotes:
        kinds = ["text"]
    if not kinds or (kinds[0] == "text" and not clause.quotes):
        return False
    kind = kinds[0]
    side = next((s for s in ("left", "right", "top", "bottom") if clause.has(s)), "auto")
    target = None
    pointing = re.search(r"\b(?:to|at|towards|toward)\b(.*)$", clause.text)
    if kind == "arrow" and pointing:
        sub = _Clause(pointing.group(1), pointing.group(1), [])
        _resolve(sub, spec)
        target = sub.elements[0]["id"] if sub.elements else None
    count = sum(1 for x in spec["extras"] if x["kind"] == kind)
    spec["extras"].append(
        {
            "id": f"{kind}_{count + 1}",
            "kind": kind,
            "text": clause.quotes[0] if kind == "text" and clause.quotes else "",
            "color": _colour_in(clause.text.split(" to ")[0])
            or _palette_for(spec["background"])["highlight"],
            "size": 1.0,
            "side": side,
            "target": target,
            "animation": "write" if kind == "text" else "create",
            "run_time": 0.8,
        }
    )
    return True


def _remove(clause: _Clause, spec: Spec) -> bool:
    hide = clause.has("remove", "delete", "hide", "drop", "get rid of", "take out", "erase")
    show = clause.has("unhide", "bring back", "show again", "reveal")
    if not hide and not show:
        return False
    if not clause.elements and not clause.extras:
        raise _unsupported(clause.text + " (say which element)")
    if hide:
        doomed = [id(x) for x in clause.extras]
        spec["extras"] = [x for x in spec["extras"] if id(x) not in doomed]
    for element in clause.elements:
        element["visible"] = show
    return True


def _speed(clause: _Clause, spec: Spec) -> bool:
    seconds = re.search(_NUMBER + r"\s*(?:s|sec|secs|second|seconds)\b", clause.text)
    if seconds and clause.has("scene", "video", "last", "long", "total", "duration", "whole"):
        timeline = sum(e["run_time"] + e["wait"] for e in spec["elements"] if e["visible"])
        total = timeline + spec["hold"] + 0.5
        spec["speed"] = round(min(4.0, max(0.25, total / max(float(seconds.group(1)), 0.5))), 3)
        return True
    if seconds and clause.has("animation", "animations", "take", "run", "each", "every", "step"):
        spec["run_time"] = min(10.0, max(0.2, float(seconds.group(1))))
        return True
    explicit = re.search(r"\bspeed\b\D*?" + _NUMBER, clause.text)
    if explicit:
        spec["speed"] = min(4.0, max(0.25, float(explicit.group(1))))
        return True
    factor = None
    if clause.has("speed") and clause.has("increase", "raise", "up", "higher"):
        factor = 1.5
    elif clause.has("speed") and clause.has("decrease", "reduce", "lower", "down"):
        factor = 1 / 1.5
    elif clause.has("twice as fast", "double speed", "double the speed"):
        factor = 2.0
    elif clause.has("half speed", "half the speed", "twice as slow"):
        factor = 0.5
    elif clause.has("faster", "speed up", "quicker", "quickly", "speed it up", "hurry"):
        factor = 2.0 if clause.has("much", "lot", "way") else 1.5
    elif clause.has("slower", "slow down", "slowly", "slow it down", "more time", "slow"):
        factor = 0.5 if clause.has("much", "lot", "way") else 1 / 1.5
    if factor is None:
        return False
    spec["speed"] = round(min(4.0, max(0.25, spec["speed"] * factor)), 3)
    return True


_DIRECTIONS = {
    "left": (-1.0, 0.0),
    "right": (1.0, 0.0),
    "up": (0.0, 1.0),
    "higher": (0.0, 1.0),
    "upward": (0.0, 1.0),
    "top": (0.0, 1.0),
    "down": (0.0, -1.0),
    "lower": (0.0, -1.0),
    "downward": (0.0, -1.0),
    "bottom": (0.0, -1.0),
}


_SIDES = {
    "left": "left",
    "right": "right",
    "up": "top",
    "top": "top",
    "down": "bottom",
    "bottom": "bottom",
}


def _move(clause: _Clause, spec: Spec) -> bool:
    if not clause.has(
        "move", "shift", "put", "place", "push", "nudge", "slide", "position", "center", "centre"
    ):
        return False
    targets = _targets(clause, spec)
    if clause.has("center", "centre", "middle", "back to its place", "original position"):
        for item in targets:
            item["shift"] = [0.0, 0.0]
        return True
    steps = [vector for word, vector in _DIRECTIONS.items() if clause.has(word)]
    if not steps:
        return False
    amount = re.search(_NUMBER + r"\s*units?", clause.text)
    if amount:
        distance = float(amount.group(1))
    elif clause.has("a bit", "slightly", "a little", "a touch"):
        distance = 0.5
    elif clause.has("edge", "corner", "side", "all the way") or re.search(
        r"\bto the\b", clause.text
    ):
        distance = 8.0
    else:
        distance = 1.5
    dx = sum(v[0] for v in steps) * distance
    dy = sum(v[1] for v in steps) * distance
    side = next((side for word, side in _SIDES.items() if clause.has(word)), "auto")
    for item in targets:
        if "shift" not in item:
            item["side"] = side
            continue
        x, y = item["shift"]
        item["shift"] = [
            round(min(8.0, max(-8.0, x + dx)), 3),
            round(min(5.0, max(-5.0, y + dy)), 3),
        ]
    return True


def _size_factor(clause: _Clause) -> float | None:
    times = re.search(_NUMBER + r"\s*(?:x|times)\b", clause.text)
    percent = re.search(_NUMBER + r"\s*%", clause.text)
    scale_to = re.search(r"\bscale\b.*?\b(?:by|to)\s+" + _NUMBER, clause.text)
    grow = clause.has(
        "bigger", "larger", "enlarge", "grow", "increase", "scale up", "huge", "big", "large"
    )
    shrink = clause.has("smaller", "shrink", "reduce", "decrease", "scale down", "tiny", "small")
    if times and (grow or shrink or clause.has("size", "as big", "as large")):
        value = float(times.group(1))
        return 1 / value if shrink and value > 1 else value
    if percent and (grow or shrink):
        value = float(percent.group(1)) / 100
        return 1 - value if shrink else 1 + value
    if scale_to:
        return float(scale_to.group(1))
    if clause.has("double", "twice", "two times"):
        return 2.0
    if clause.has("triple", "three times"):
        return 3.0
    if clause.has("half", "halve"):
        return 0.5
    if grow:
        return 1.5 if clause.has("much", "lot", "way") else 1.25
    if shrink:
        return 0.6 if clause.has("much", "lot", "way") else 0.8
    return None


def _size(clause: _Clause, spec: Spec) -> bool:
    factor = _size_factor(clause)
    if factor is None or factor <= 0:
        return False
    for item in _targets(clause, spec):
        key = "size" if "size" in item and "shift" not in item else "scale"
        item[key] = round(min(3.0, max(0.3, item[key] * factor)), 3)
    return True


def _colour(clause: _Clause, spec: Spec) -> bool:
    colour = _colour_in(clause.text)
    if colour is None:
        return False
    for item in _targets(clause, spec):
        key = clause.field_name if clause.field_name in item else "color"
        if key in item:
            item[key] = colour
        if item.get("kind") == "flow" and clause.has("text", "words"):
            item["text_color"] = colour
    return True


def _reset(clause: _Clause, spec: Spec) -> bool:
    if not clause.has("reset", "undo the move", "original size"):
        return False
    for item in _targets(clause, spec):
        if "shift" in item:
            item["scale"], item["shift"] = 1.0, [0.0, 0.0]
    return True


_INTENTS: tuple[Callable[[_Clause, Spec], bool], ...] = (
    _background,
    _text,
    _add,
    _remove,
    _speed,
    _reset,
    _move,
    _size,
    _colour,
)


def apply_edit(
    code: str,
    instruction: str,
    durations: Sequence[float] | None = None,
    *,
    keep: float | None = None,
) -> str:
    """Apply an edit instruction to an offline-written scene file (one with a SPEC dict).

    With `durations` (a narrated scene's segments), the timings are fitted to the voice
    afterwards: there the voice sets the pace, so the speed knobs go back to 1. An empty
    instruction (the edit was about the narration alone) only re-times the scene. With
    `keep` (seconds) on a silent scene, the speed is set so the scene lasts exactly that.

    Example:
        >>> edited = apply_edit(code, "make the title red and slow down")

    Raises:
        UnsupportedEdit: the file has no SPEC, or a clause asks for something the offline
            model cannot do (the message says which intents it handles).
    """
    spec = read_spec(code)
    if spec is None or not isinstance(spec.get("elements"), list):
        raise UnsupportedEdit(
            "The offline model can only edit scenes it wrote (with a SPEC dict): a real model is "
            f"needed for this edit ({_HANDLED})."
        )
    clauses = _split(instruction)
    if not clauses and not instruction.strip():
        return replace_spec(code, _timed(spec, durations)) if durations else code
    if not clauses:
        raise _unsupported(instruction)
    carried: _Clause | None = None  # targets named in a clause without an intent
    previous: _Clause | None = None  # the last clause that changed something
    for clause in clauses:
        _resolve(clause, spec)
        own = bool(clause.elements or clause.extras)
        donor = carried or (previous if not own else None)
        if donor is not None:
            clause.elements = donor.elements + [
                e for e in clause.elements if e not in donor.elements
            ]
            clause.extras = donor.extras + [x for x in clause.extras if x not in donor.extras]
            clause.field_name = donor.field_name if not own else clause.field_name
        if any(intent(clause, spec) for intent in _INTENTS):
            previous, carried = clause, None
        elif own and carried is None:
            carried = clause
        else:
            raise _unsupported(clause.text)
    if carried is not None:
        raise _unsupported(carried.text)
    if durations:
        return replace_spec(code, _timed(spec, durations))
    return replace_spec(code, _kept(spec, keep) if keep else spec)


def _kept(spec: Spec, seconds: float) -> Spec:
    """The SPEC with its speed set so the whole scene lasts `seconds`, at most: Manim
    rounds each play up to whole frames, so the timeline aims a frame per play short (at
    the slowest frame rate), and the graph holds the last frame for what is left."""
    run_time = spec["run_time"]
    shown = [element for element in spec["elements"] if element["visible"]]
    length = sum((run_time or e["run_time"]) + e["wait"] for e in shown)
    length += sum(run_time or extra["run_time"] for extra in spec["extras"])
    length += spec["hold"] + (FADE_OUT if shown or spec["extras"] else 0.0)
    plays = 2 * len(shown) + len(spec["extras"]) + 2
    spec["speed"] = round(length / max(seconds - plays / FPS_RANGE[0], 0.5), 4)
    return spec


def _timed(spec: Spec, durations: Sequence[float]) -> Spec:
    """The SPEC with its visible elements timed to the voice-over's segments."""
    shown = [element for element in spec["elements"] if element["visible"]] or spec["elements"]
    spec["hold"] = fit_narration(shown, durations)
    spec["speed"], spec["run_time"] = 1.0, None
    return spec
