"""Manim plugins: which are installed here, and a clear error for a scene that imports one
that is not.

Renders see the virtualenv read-only (`tools.render.sandbox`), so a plugin installed in it
(`pip install 'manimgraph[plugins]'`) is importable by every scene. Nothing here imports a
plugin or Manim: the answers come from package metadata, so the API process can ask too.

Example:
    >>> installed_plugins()
    ['manim_chemistry', 'manim_circuit', 'manim_physics']
"""

from __future__ import annotations

import ast
import functools
import importlib.util
from importlib.metadata import entry_points
from pathlib import Path

from tools.render.models import RenderError

__all__ = [
    "KNOWN_PLUGINS",
    "installed_plugins",
    "missing_plugin",
    "plugin_paths",
    "plugins_line",
]

KNOWN_PLUGINS: dict[str, str] = {
    "manim_physics": "manim-physics",
    "manim_chemistry": "manim-chemistry",
    "manim_circuit": "manim-circuit",
    "manim_slides": "manim-slides",
    "manim_voiceover": "manim-voiceover",
    "manim_ml": "manim-ml",
    "manim_dsa": "manim-dsa",
    "manim_data_structures": "manim-data-structures",
    "manim_fonts": "manim-fonts",
    "manim_editor": "manim-editor",
    "manim_rubikscube": "manim-rubikscube",
}
"""Import name → package name of the plugins model-written scenes reach for."""


@functools.cache
def installed_plugins() -> list[str]:
    """Import names of the Manim plugins installed: those registered with Manim
    (`manim.plugins` entry points) and the known ones that can be found."""
    registered = {
        point.value.split(":")[0].split(".")[0] for point in entry_points(group="manim.plugins")
    }
    known = {name for name in KNOWN_PLUGINS if importlib.util.find_spec(name) is not None}
    return sorted(registered | known)


def plugin_paths() -> list[Path]:
    """Where the installed plugins' packages live, for the sandbox to show them read-only
    (one installed outside the virtualenv, e.g. in editable mode, is not visible otherwise)."""
    paths = set()
    for name in installed_plugins():
        spec = importlib.util.find_spec(name)
        if spec is None:
            continue
        for location in spec.submodule_search_locations or []:
            paths.add(Path(location).resolve())
        if not spec.submodule_search_locations and spec.origin:
            paths.add(Path(spec.origin).resolve().parent)
    return sorted(paths)


def plugins_line() -> str:
    """How the coder's prompt names what it may import besides Manim."""
    found = installed_plugins()
    if not found:
        return "No Manim plugins are installed: use core Manim only."
    return (
        f"Installed Manim plugins you may import: {', '.join(found)}. "
        "Any other plugin is missing: use core Manim instead."
    )


def missing_plugin(tree: ast.Module) -> RenderError | None:
    """A `code` error for the first import of a Manim plugin that is not installed."""
    found = installed_plugins()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules = [(alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            modules = [(node.module, node.lineno)]
        else:
            continue
        for module, line in modules:
            top = module.split(".")[0]
            if (top in KNOWN_PLUGINS or top.startswith("manim_")) and top not in found:
                installed = ", ".join(found) if found else "none"
                alternative = " or an installed plugin" if found else ""
                message = (
                    f"the Manim plugin {top} is not installed here (installed plugins: "
                    f"{installed}); write the scene with core Manim{alternative}"
                )
                return RenderError(
                    kind="code", type="ModuleNotFoundError", message=message, line=line
                )
    return None
