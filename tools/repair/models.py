"""What a repair pass hands back: the code and one short line per change it made."""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = ["Repair", "Repaired"]


@dataclass(frozen=True)
class Repair:
    """One deterministic change, e.g. `Repair("rename", "renamed ShowCreation → Create", 11)`."""

    rule: str
    detail: str
    line: int | None = None

    def __str__(self) -> str:
        return self.detail if self.line is None else f"{self.detail} (line {self.line})"


@dataclass(frozen=True)
class Repaired:
    """Repaired code and the human lines of every repair applied to reach it, in order."""

    code: str
    repairs: list[str] = field(default_factory=list)

    @property
    def changed(self) -> bool:
        """Whether any rule applied."""
        return bool(self.repairs)
