"""The structural check catches what would waste a render, before any render."""

from __future__ import annotations

from tests.conftest import GOOD_SCENE
from tools.check import MAX_CODE_BYTES, check_code


def test_a_good_scene_passes() -> None:
    assert check_code(GOOD_SCENE) is None


def test_syntax_error_has_its_line() -> None:
    error = check_code(
        "from manim import *\n\nclass A(Scene):\n    def construct(self)\n        pass\n"
    )
    assert error is not None
    assert (error.kind, error.type, error.line) == ("code", "SyntaxError", 4)


def test_exactly_one_scene_unless_named() -> None:
    two = GOOD_SCENE + "\n\nclass Other(Scene):\n    pass\n"
    error = check_code(two)
    assert error is not None and "exactly one" in error.message
    assert check_code(two, "Other") is None
    missing = check_code(two, "Missing")
    assert missing is not None and "Good, Other" in missing.message
    none = check_code("from manim import *\nx = 1\n")
    assert none is not None and "found: none" in none.message


def test_size_limit() -> None:
    error = check_code(GOOD_SCENE + "#" * MAX_CODE_BYTES)
    assert error is not None and error.type == "SizeError"
