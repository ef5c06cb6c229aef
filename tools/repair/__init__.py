"""Deterministic repair of model-written Manim code: no model call, general rules only.

`repair_source` runs before any render (text hygiene, old API names, TeX strings);
`repair_after_error` makes one change keyed on a classified render error. The render paths
use both through `tools.repair.pipeline.render_repaired`.
"""

from tools.repair.errors import repair_after_error
from tools.repair.models import Repair, Repaired
from tools.repair.static import repair_source

__all__ = ["Repair", "Repaired", "repair_after_error", "repair_source"]
