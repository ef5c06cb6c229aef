"""Helpers of the studio's browser tests: a real `manimgraph serve`, API keys, and a guard
that fails a test on script errors, CSP violations, dialogs or requests to other origins."""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import httpx
from playwright.sync_api import BrowserContext, ConsoleMessage, Dialog, Page, Request

__all__ = ["CHROMIUM", "PageGuard", "Served", "create_key", "serve"]

CHROMIUM = Path("/usr/bin/chromium")
"""Debian's browser (scripts/install-system.sh installs it); playwright downloads none."""
CLI = str(Path(sys.executable).with_name("manimgraph"))


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass(frozen=True)
class Served:
    """A running server: its base URL, data directory and log."""

    base: str
    data_dir: Path
    log: Path


@contextmanager
def serve(data_dir: Path, log: Path) -> Iterator[Served]:
    """`manimgraph serve` on a free port with the offline model; stopped on exit."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if not k.endswith("_API_KEY")}
    env["MANIMGRAPH_RATE_LIMIT"] = "100000/minute"
    base = f"http://127.0.0.1:{port}"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [CLI, "serve", "--port", str(port), "--data-dir", str(data_dir)],
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 60
            while True:
                try:
                    httpx.get(f"{base}/health", timeout=1)
                    break
                except httpx.HTTPError:
                    if process.poll() is not None or time.monotonic() > deadline:
                        raise AssertionError(
                            f"the server did not start:\n{log.read_text()}"
                        ) from None
                    time.sleep(0.2)
            yield Served(base=base, data_dir=data_dir, log=log)
        finally:
            process.terminate()
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def create_key(data_dir: Path, name: str) -> str:
    """`manimgraph keys create NAME`: the key's plaintext."""
    out = subprocess.run(
        [CLI, "keys", "create", name, "--data-dir", str(data_dir), "--json"],
        capture_output=True,
        text=True,
        check=True,
    )
    return str(json.loads(out.stdout)["key"])


@dataclass
class PageGuard:
    """What a page did that it never should: collected, then asserted empty."""

    origin: str
    errors: list[str] = field(default_factory=list)
    violations: list[str] = field(default_factory=list)
    dialogs: list[str] = field(default_factory=list)
    foreign: list[str] = field(default_factory=list)

    def attach(self, context: BrowserContext) -> None:
        context.on("page", self._watch)
        context.on("request", self._request)

    def _watch(self, page: Page) -> None:
        page.on("pageerror", lambda error: self.errors.append(str(error)))
        page.on("console", self._console)
        page.on("dialog", self._dialog)

    def _console(self, message: ConsoleMessage) -> None:
        text = message.text
        if "Content Security Policy" in text or "Trusted Type" in text:
            self.violations.append(text)

    def _dialog(self, dialog: Dialog) -> None:
        self.dialogs.append(f"{dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, request: Request) -> None:
        url = request.url
        if not url.startswith((self.origin + "/", "blob:", "data:")):
            self.foreign.append(url)

    def check(self) -> None:
        assert not self.errors, f"script errors: {self.errors}"
        assert not self.violations, f"CSP / Trusted Types violations: {self.violations}"
        assert not self.dialogs, f"dialogs opened: {self.dialogs}"
        assert not self.foreign, f"requests to other origins: {self.foreign}"
