"""A tiny document model rendered twice: Markdown (plots as files) and self-contained HTML.

Reports build a list of blocks once; `to_markdown` and `to_html` lay them out, so the
two reports always say the same thing.
"""

from __future__ import annotations

import base64
import html
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from evals.files import write_atomic

__all__ = ["Block", "Heading", "Image", "Link", "Paragraph", "Table", "to_html", "to_markdown"]


@dataclass(frozen=True)
class Heading:
    """A section title; `level` 1 is the document's title."""

    text: str
    level: int = 2


@dataclass(frozen=True)
class Paragraph:
    """Plain text."""

    text: str


@dataclass(frozen=True)
class Link:
    """A table cell pointing at a file, relative to the report."""

    text: str
    href: str


Cell = str | Link


@dataclass(frozen=True)
class Table:
    """Rows of cells under a header."""

    header: Sequence[str]
    rows: Sequence[Sequence[Cell]] = field(default_factory=list)


@dataclass(frozen=True)
class Image:
    """A PNG plot; `name` is its file name beside the Markdown report."""

    name: str
    png: bytes
    alt: str


Block = Heading | Paragraph | Table | Image


def to_markdown(blocks: list[Block], assets: Path, *, assets_href: str) -> str:
    """Markdown; images are written to `assets` and linked as `assets_href/name`."""
    parts: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            parts.append(f"{'#' * block.level} {block.text}")
        elif isinstance(block, Paragraph):
            parts.append(block.text)
        elif isinstance(block, Table):
            parts.append(_markdown_table(block))
        else:
            write_atomic(assets / block.name, block.png)
            parts.append(f"![{block.alt}]({assets_href}/{block.name})")
    return "\n\n".join(parts) + "\n"


def _markdown_table(table: Table) -> str:
    def cell(value: Cell) -> str:
        text = f"[{value.text}]({value.href})" if isinstance(value, Link) else value
        return text.replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(table.header) + " |", "|" + "---|" * len(table.header)]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in table.rows]
    return "\n".join(lines)


_STYLE = """
body { font-family: system-ui, sans-serif; margin: 2rem auto; max-width: 72rem; color: #222; }
table { border-collapse: collapse; margin: 0.5rem 0 1.5rem; }
th, td { border: 1px solid #ccc; padding: 0.25rem 0.6rem; text-align: left; }
th { background: #f3f3f3; }
img { max-width: 100%; }
"""


def to_html(blocks: list[Block], title: str) -> str:
    """One HTML file with every image embedded as a base64 PNG."""
    body: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            body.append(f"<h{block.level}>{html.escape(block.text)}</h{block.level}>")
        elif isinstance(block, Paragraph):
            body.append(f"<p>{html.escape(block.text)}</p>")
        elif isinstance(block, Table):
            body.append(_html_table(block))
        else:
            data = base64.b64encode(block.png).decode()
            body.append(f'<img src="data:image/png;base64,{data}" alt="{html.escape(block.alt)}">')
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{html.escape(title)}</title><style>{_STYLE}</style></head>\n"
        f"<body>\n{chr(10).join(body)}\n</body></html>\n"
    )


def _html_table(table: Table) -> str:
    def cell(value: Cell) -> str:
        if isinstance(value, Link):
            return f'<a href="{html.escape(value.href)}">{html.escape(value.text)}</a>'
        return html.escape(value)

    head = "".join(f"<th>{html.escape(h)}</th>" for h in table.header)
    rows = "".join(
        "<tr>" + "".join(f"<td>{cell(c)}</td>" for c in row) + "</tr>" for row in table.rows
    )
    return f"<table><thead><tr>{head}</tr></thead><tbody>{rows}</tbody></table>"
