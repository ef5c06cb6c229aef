"""Offline edits, reviews and repairs: each intent changes the right SPEC field, several
intents combine, unsupported requests say a real model is needed, and edited scenes still
validate with zero layout issues in real Manim runs."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from agents.offline import UnsupportedEdit, apply_edit, apply_fixes, plan_video, review, write_scene
from agents.offline.archetypes.literal import read_spec
from tests.test_offline_codegen import assert_clean, validate

Spec = dict[str, Any]
GOOD_SCENE_WITHOUT_SPEC = """from manim import *


class Circles(Scene):
    def construct(self):
        self.play(Write(Text("Circles")))
"""
PLAN = plan_video("Bayes' theorem", scene_count=5)  # title, equation, bullets x2, summary
ARCHETYPE_SCENES = {scene.archetype: scene for scene in PLAN.scenes}


def code_for(archetype: str, topic: str | None = None) -> str:
    if topic is None:
        return write_scene(ARCHETYPE_SCENES[archetype])
    return write_scene(next(s for s in plan_video(topic).scenes if s.archetype == archetype))


def element(spec: Spec, id_: str) -> Spec:
    return next(e for e in spec["elements"] if e["id"] == id_)


def edited(code: str, instruction: str) -> Spec:
    spec = read_spec(apply_edit(code, instruction))
    assert spec is not None
    return spec


INTENTS: list[tuple[str, str, Callable[[Spec], bool]]] = [
    ("title", "make the title red", lambda s: element(s, "title")["color"] == "#FC6255"),
    ("title", "make the heading bigger", lambda s: element(s, "title")["scale"] == 1.25),
    ("title", "shrink the subtitle", lambda s: element(s, "subtitle")["scale"] == 0.8),
    ("title", "double the size of the title", lambda s: element(s, "title")["scale"] == 2.0),
    (
        "title",
        "change the title to 'Bayes rule'",
        lambda s: element(s, "title")["text"] == "Bayes rule",
    ),
    (
        "title",
        "Change the title to Bayes Rule",
        lambda s: element(s, "title")["text"] == "Bayes Rule",
    ),
    ("title", "move the title to the left", lambda s: element(s, "title")["shift"][0] < 0),
    (
        "title",
        "move the subtitle up a bit",
        lambda s: element(s, "subtitle")["shift"] == [0.0, 0.5],
    ),
    ("title", "remove the subtitle", lambda s: element(s, "subtitle")["visible"] is False),
    ("title", "make the background white", lambda s: s["background"] == "#FFFFFF"),
    ("title", "make the background white", lambda s: element(s, "title")["color"] == "#1C1C1C"),
    ("title", "make the background dark blue", lambda s: element(s, "title")["color"] == "#FFFFFF"),
    ("title", "slow down", lambda s: s["speed"] < 1),
    ("title", "make it faster", lambda s: s["speed"] > 1),
    ("title", "make the animations take 3 seconds", lambda s: s["run_time"] == 3.0),
    (
        "title",
        "make the scene last 12 seconds",
        lambda s: s["speed"] == pytest.approx(0.5, abs=0.01),
    ),
    (
        "equation",
        "turn the equation yellow",
        lambda s: element(s, "equation")["color"] == "#F7D96F",
    ),
    (
        "equation",
        "make the box around it green",
        lambda s: element(s, "equation")["accent"] == "#83C167",
    ),
    ("equation", "move the formula up", lambda s: element(s, "equation")["shift"] == [0.0, 1.5]),
    ("equation", "make the caption 50% larger", lambda s: element(s, "caption")["scale"] == 1.5),
    (
        "equation",
        "replace 'P' with 'Q'",
        lambda s: element(s, "equation")["steps"][0].startswith("Q(A"),
    ),
    (
        "equation",
        "add a red circle",
        lambda s: s["extras"][0]["kind"] == "circle" and s["extras"][0]["color"] == "#FC6255",
    ),
    (
        "equation",
        "add an arrow pointing to the equation",
        lambda s: s["extras"][0]["target"] == "equation",
    ),
    ("equation", "add a label saying 'posterior'", lambda s: s["extras"][0]["text"] == "posterior"),
    ("bullets", "colour the bullets blue", lambda s: element(s, "bullets")["color"] == "#58C4DD"),
    ("bullets", "make the points smaller", lambda s: element(s, "bullets")["scale"] == 0.8),
    ("summary", "hide the heading", lambda s: element(s, "heading")["visible"] is False),
]


@pytest.mark.parametrize(
    ("archetype", "instruction", "check"), INTENTS, ids=[i[1] for i in INTENTS]
)
def test_each_intent_changes_the_right_field(
    archetype: str, instruction: str, check: Callable[[Spec], bool]
) -> None:
    assert check(edited(code_for(archetype), instruction))


@pytest.mark.parametrize(
    ("topic", "archetype", "instruction", "check"),
    [
        (
            "Bubble Sort",
            "flow",
            "make the boxes red",
            lambda s: element(s, "flow")["color"] == "#FC6255",
        ),
        (
            "Bubble Sort",
            "flow",
            "make the arrows white",
            lambda s: element(s, "flow")["accent"] == "#FFFFFF",
        ),
        (
            "Kinetic energy",
            "plot",
            "make the curve orange",
            lambda s: element(s, "graph")["color"] == "#FF862F",
        ),
        (
            "Kinetic energy",
            "plot",
            "make the axes gray",
            lambda s: element(s, "graph")["accent"] == "#888888",
        ),
        (
            "Properties of Kites",
            "construction",
            "double the size of the kite",
            lambda s: element(s, "shape")["scale"] == 2.0,
        ),
        (
            "Noble gas",
            "chart",
            "colour the bars purple",
            lambda s: element(s, "bars")["color"] == "#9A72AC",
        ),
        ("Noble gas", "chart", "shrink the chart", lambda s: element(s, "bars")["scale"] == 0.8),
    ],
)
def test_intents_find_elements_by_synonym(
    topic: str, archetype: str, instruction: str, check: Callable[[Spec], bool]
) -> None:
    assert check(edited(code_for(archetype, topic), instruction))


def test_several_intents_in_one_instruction_all_apply() -> None:
    spec = edited(
        code_for("title"), "make the title red and bigger, slow down; remove the subtitle"
    )
    title = element(spec, "title")
    assert (title["color"], title["scale"], spec["speed"]) == ("#FC6255", 1.25, 0.667)
    assert element(spec, "subtitle")["visible"] is False


def test_targets_named_together_share_the_intent() -> None:
    spec = edited(code_for("title"), "make the title and the subtitle yellow")
    assert element(spec, "title")["color"] == element(spec, "subtitle")["color"] == "#F7D96F"
    spec = edited(code_for("title"), "make the title red and the subtitle blue")
    assert (element(spec, "title")["color"], element(spec, "subtitle")["color"]) == (
        "#FC6255",
        "#58C4DD",
    )


def test_an_edit_only_rewrites_the_spec_and_is_deterministic() -> None:
    code = code_for("equation")
    first = apply_edit(code, "make the equation green and add a star")
    assert first == apply_edit(code, "make the equation green and add a star")
    outside = code[code.index("\n\nSAFE_X") :]
    assert first.endswith(outside)


@pytest.mark.parametrize(
    "instruction", ["rewrite this as a haiku about cats", "remove it", "make it feel more epic"]
)
def test_unsupported_edits_say_a_real_model_is_needed(instruction: str) -> None:
    with pytest.raises(UnsupportedEdit, match="real model is needed") as raised:
        apply_edit(code_for("title"), instruction)
    assert "colour, size, speed" in str(raised.value)
    assert isinstance(raised.value, ValueError)


def test_code_without_spec_cannot_be_edited_or_repaired() -> None:
    with pytest.raises(UnsupportedEdit, match="SPEC"):
        apply_edit(GOOD_SCENE_WITHOUT_SPEC, "make the title red")
    assert apply_fixes(GOOD_SCENE_WITHOUT_SPEC, ["Text('Circles') is out of frame"]) is None


LONG_TITLE = "A " + "very " * 28 + "long title about priors, likelihoods and posteriors"

EDIT_CASES = [
    ("title", None, "make the title much bigger and move it to the left; add a red circle"),
    ("title", None, f"change the title to '{LONG_TITLE}' and make it three times bigger"),
    ("equation", None, "double the size of the equation, add an arrow pointing to the equation"),
    ("equation", None, "move the formula to the top and make the caption much bigger"),
    ("construction", "The Pythagorean Theorem", "make the triangle twice as big, move it right"),
    ("plot", "Sound waves", "make the graph 3 times bigger; move the formula to the left"),
    ("flow", "Bubble Sort", "shrink the flow, make the boxes red and add a square on the top"),
    ("bullets", None, "add a label saying 'remember this' and add a star on the left"),
    ("summary", None, "make everything smaller, make the background white and slow down"),
]


@pytest.mark.slow
async def test_edited_scenes_still_validate_with_zero_layout_issues(tmp_path: Path) -> None:
    codes = [apply_edit(code_for(arch, topic), text) for arch, topic, text in EDIT_CASES]
    assert_clean(await validate(codes, tmp_path), [text for _, _, text in EDIT_CASES])


def test_review_passes_a_clean_report_and_explains_each_issue() -> None:
    assert review({"animations": 4, "issues": []}).passes
    issues = [
        {
            "kind": "out_of_frame",
            "severe": True,
            "mobjects": ["Text('Bayes rule')"],
            "first_animation": 3,
            "last_animation": 5,
            "persists": True,
            "detail": "1.20 units past the right edge; 9% of it outside the frame",
        },
        {
            "kind": "text_overlap",
            "severe": False,
            "mobjects": ["MathTex('a^2')", "Text('legs')"],
            "first_animation": 1,
            "last_animation": 1,
            "persists": False,
            "detail": "they overlap by 20% of the smaller one's box",
        },
        {
            "kind": "tiny_text",
            "severe": True,
            "mobjects": ["Text('note')"],
            "first_animation": 2,
            "last_animation": 2,
            "persists": True,
            "detail": "effective font size 11.0 (below 16; 24-28 reads well)",
        },
    ]
    verdict = review({"animations": 6, "issues": issues})
    assert not verdict.passes
    assert len(verdict.instructions) == 3
    out_of_frame = next(i for i in verdict.instructions if "out of frame" in i)
    assert "Text('Bayes rule')" in out_of_frame and "animation 3" in out_of_frame
    assert "move it left by 1.7 units" in out_of_frame
    overlap = next(i for i in verdict.instructions if "overlaps" in i)
    assert "MathTex('a^2')" in overlap and "Text('legs')" in overlap
    assert any("font_size 24" in i for i in verdict.instructions)


def test_fixes_undo_the_edit_behind_a_reported_issue() -> None:
    code = apply_edit(code_for("title"), "make the title three times bigger and move it up")
    instruction = review(
        {
            "animations": 5,
            "issues": [
                {
                    "kind": "out_of_frame",
                    "severe": True,
                    "mobjects": ['Text("Bayes\' theorem")'],
                    "first_animation": 1,
                    "last_animation": 5,
                    "persists": True,
                    "detail": "0.80 units past the top edge; 5% of it outside the frame",
                }
            ],
        }
    ).instructions
    fixed = apply_fixes(code, instruction)
    assert fixed is not None
    spec = read_spec(fixed)
    assert spec is not None
    assert (element(spec, "title")["scale"], element(spec, "title")["shift"]) == (1.0, [0.0, 0.0])


def test_fixes_drop_a_colliding_extra_and_give_up_when_nothing_is_left() -> None:
    code = apply_edit(code_for("equation"), "add a label saying 'posterior'")
    fixed = apply_fixes(code, ["Text('posterior') overlaps Text('The evidence updates')"])
    assert fixed is not None
    assert read_spec(fixed)["extras"] == []  # type: ignore[index]
    clean = code_for("equation")
    assert apply_fixes(clean, ["Something vague went wrong"]) is None
