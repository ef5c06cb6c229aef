"""The store of a data directory, called from synchronous test code."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path
from typing import Any

from tools.store import Store

__all__ = ["StoreAt"]


class StoreAt:
    """Each method call opens the store, awaits the call and closes the store again.

    Example:
        >>> StoreAt(data_dir).counts()["jobs"]
        1
    """

    def __init__(self, data_dir: Path, database_url: str | None = None) -> None:
        self.data_dir = data_dir
        self.database_url = database_url

    def __getattr__(self, name: str) -> Callable[..., Any]:
        def call(*args: Any, **kwargs: Any) -> Any:
            async def run() -> Any:
                store = await Store.open(self.data_dir, database_url=self.database_url)
                try:
                    return await getattr(store, name)(*args, **kwargs)
                finally:
                    await store.close()

            return asyncio.run(run())

        return call
