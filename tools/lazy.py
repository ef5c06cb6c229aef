"""Package exports imported on first use (PEP 562), so that importing a light module of a
package does not load its heavy neighbours (LangGraph, SQLAlchemy, the render machinery)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from importlib import import_module
from typing import Any

__all__ = ["lazy_exports"]


def lazy_exports(package: str, homes: Mapping[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports each name in `homes` from its module when first
    asked for (list the names under `TYPE_CHECKING` too, for type checkers).

    Example:
        >>> __getattr__ = lazy_exports(__name__, {"Store": "tools.store.store"})
    """

    def __getattr__(name: str) -> Any:
        home = homes.get(name)
        if home is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(import_module(home), name)

    return __getattr__
