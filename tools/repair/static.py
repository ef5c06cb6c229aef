"""The static pass: every rule that needs no render, run to a fixed point.

Text rules make the answer parse; then AST rules run in passes until none applies, so the
result is idempotent: `repair_source(repair_source(c).code)` changes nothing.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from tools.repair import graph_scene, renames, tex, text
from tools.repair.models import Repair, Repaired
from tools.repair.source import Fix, Source, apply_fixes

__all__ = ["AST_RULES", "MAX_PASSES", "repair_source"]

MAX_PASSES = 6

TEXT_RULES: tuple[Callable[[str], tuple[str, list[Repair]]], ...] = (
    text.take_code_block,
    text.escape_bad_unicode_escapes,
)

# Order matters inside a pass: when two rules edit the same text, the earlier one wins and
# the later one sees the result in the next pass.
AST_RULES: tuple[Callable[[Source], list[Fix]], ...] = (
    text.ensure_manim_import,
    text.numpy_math,
    text.import_used_modules,
    graph_scene.graph_scene,
    renames.old_animations,
    renames.rename_free_names,
    renames.fade_direction,
    renames.rename_keywords,
    renames.rename_methods,
    renames.play_method_arguments,
    renames.bound_method_functions,
    renames.manimgl_frame,
    renames.promote_scene_base,
    renames.remove_embed,
    tex.merge_split_groups,
    tex.sanitize_strings,
)


def repair_source(code: str) -> Repaired:
    """Apply every static repair to model-written scene code, before any render.

    The pass is deterministic, so its answer is remembered: the check node and the render
    pipeline, and a re-run of the same scene, pay for it once.

    Example:
        >>> code = "from manim import *\\nclass S(Scene):\\n    def construct(self):\\n"
        >>> repair_source(code + "        self.play(ShowCreation(Circle()))\\n").repairs
        ['renamed ShowCreation → Create (line 4)']
    """
    repaired, repairs = _repair(code)
    return Repaired(code=repaired, repairs=list(repairs))


@functools.lru_cache(maxsize=256)
def _repair(code: str) -> tuple[str, tuple[str, ...]]:
    repairs: list[Repair] = []
    for rule in TEXT_RULES:
        code, found = rule(code)
        repairs += found
    for _ in range(MAX_PASSES):
        src = Source(code)
        if src.tree is None:
            break
        fixes = [fix for rule in AST_RULES for fix in rule(src)]
        if not fixes:
            break
        code, applied = apply_fixes(code, fixes)
        repairs += applied
    return code, tuple(str(repair) for repair in repairs)
