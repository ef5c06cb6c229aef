"""Deterministic repair of model-written Manim code: no model call, general rules only.

`repair_source` runs before any render (text hygiene, old API names, TeX strings);
`repair_after_error` makes one change keyed on a classified render error. The render loop
(`graphs.render_loop`) runs both around each render; this package never renders.
"""

from tools.repair.errors import repair_after_error
from tools.repair.models import Repair, Repaired
from tools.repair.static import repair_source

__all__ = ["Repair", "Repaired", "repair_after_error", "repair_source"]
