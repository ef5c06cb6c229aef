"""What a CLI command answers on stdout, whether it ran here or on a server: exactly one
JSON line with `--json` (progress goes to stderr), else pretty JSON for people."""

from __future__ import annotations

import json
import sys
from typing import Any

from pydantic import BaseModel
from rich.console import Console

__all__ = ["print_answer"]


def print_answer(payload: BaseModel | dict[str, Any], as_json: bool) -> None:
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        Console().print_json(data=data)
