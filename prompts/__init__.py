"""Prompt templates as data: one TOML file per agent, one table per mode.

Each file carries a `version` tag (recorded with every result) and `$name`
placeholders. Rendering fails loudly when a placeholder is left unfilled or an
unknown value is passed, so a prompt can never silently lose its inputs.

Example:
    >>> from prompts import load_prompt
    >>> messages = load_prompt("planner").render("plan", topic="Bayes", ...)
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from string import Template

from langchain_core.messages import BaseMessage, HumanMessage, SystemMessage

__all__ = ["PROMPT_NAMES", "PromptError", "PromptTemplate", "load_prompt", "prompt_versions"]

PROMPT_NAMES: tuple[str, ...] = (
    "planner",
    "scene_coder",
    "visual_fixer",
    "assembler",
    "narrator",
)


class PromptError(ValueError):
    """A prompt file is malformed or was rendered with the wrong values."""


@dataclass(frozen=True)
class PromptTemplate:
    """A versioned system prompt plus one user template per mode."""

    name: str
    version: str
    system: str
    modes: dict[str, str]

    def placeholders(self, mode: str) -> set[str]:
        """Names a mode's templates expect, system prompt included."""
        text = self.system + "\n" + self._mode(mode)
        return set(Template(text).get_identifiers())

    def render(self, mode: str, **values: str) -> list[BaseMessage]:
        """Fill every placeholder of `mode`; refuse missing or unexpected values."""
        expected = self.placeholders(mode)
        missing = expected - values.keys()
        unexpected = values.keys() - expected
        if missing or unexpected:
            raise PromptError(
                f"prompt {self.name}/{mode}: missing {sorted(missing)}, "
                f"unexpected {sorted(unexpected)}"
            )
        return [
            SystemMessage(Template(self.system).substitute(values)),
            HumanMessage(Template(self._mode(mode)).substitute(values)),
        ]

    def _mode(self, mode: str) -> str:
        try:
            return self.modes[mode]
        except KeyError:
            raise PromptError(f"prompt {self.name} has no mode {mode!r}") from None


@cache
def load_prompt(name: str) -> PromptTemplate:
    """Read `prompts/<name>.toml` once per process."""
    raw = resources.files(__package__).joinpath(f"{name}.toml").read_text(encoding="utf-8")
    data = tomllib.loads(raw)
    try:
        return PromptTemplate(
            name=name,
            version=str(data["version"]),
            system=str(data["system"]),
            modes={mode: str(table["user"]) for mode, table in data["modes"].items()},
        )
    except (KeyError, TypeError) as exc:
        raise PromptError(f"prompt file {name}.toml is malformed: {exc}") from exc


def prompt_versions() -> dict[str, str]:
    """The version tag of every prompt, recorded with job and eval results."""
    return {name: load_prompt(name).version for name in PROMPT_NAMES}
