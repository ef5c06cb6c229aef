"""Deterministic repair of model-written Manim code: no model call, general rules only.

`repair_source` runs before any render (text hygiene, old API names, TeX strings);
`repair_after_error` makes the changes keyed on a classified render error;
`layout_candidates` rewrites what a layout report flags. The render loop
(`graphs.render_loop`) runs them around each render; this package never renders.
"""

from tools.repair.errors import explain_error, repair_after_error
from tools.repair.layout import layout_candidates
from tools.repair.models import Repair, Repaired
from tools.repair.static import repair_source

__all__ = [
    "Repair",
    "Repaired",
    "explain_error",
    "layout_candidates",
    "repair_after_error",
    "repair_source",
]
