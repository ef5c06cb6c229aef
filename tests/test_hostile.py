"""The hostile-scene corpus: generated code that attacks the render sandbox stays contained.

Each case in `tests/hostile/cases.toml` renders a scene that attacks the sandbox while a
real `manimgraph serve` runs beside it. The renders start from this process, which plays
the server: its environment holds a fake key, and a credentials file sits outside every
work directory. A case is contained when the render ends as the table says, neither canary
shows in its result or in any file it left, the host paths it aims at are unchanged, none
of its processes survives, and the server still answers /health. The corpus runs cold (a
fresh sandbox per render) and warm (a sandboxed worker forks one child per render).
"""

from __future__ import annotations

import asyncio
import json
import os
import secrets
import shutil
import stat
import sysconfig
import time
import tomllib
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

import httpx
import pytest
from pydantic import BaseModel, ConfigDict, Field

from tests.servers import Server, free_port
from tests.test_render import GOOD_SCENE, live_processes_in, scene_with
from tools.media import probe as probe_media
from tools.render import RenderResult, RenderSettings, render_scene
from tools.render.sandbox import (
    ISOLATION_LAYERS,
    Sandbox,
    SandboxSettings,
    SandboxStatus,
    current_sandbox,
    probe,
)

HOSTILE = Path(__file__).with_name("hostile")
PROJECT_DIR = Path(__file__).resolve().parents[1]
CONCURRENCY = 2
BASE_SETTINGS = RenderSettings(timeout_s=60)
# The runner keeps 1 KB of head and 3 KB of tail, plus a line saying what it dropped.
MAX_LOG_CHARS = 8192
GONE_WITHIN_S = 3.0
# setsid_daemon writes 3 s after its render ended; look well after that.
WATCH_AFTER_S = 6.0
# As many as a warm pool keeps idle on 2 cores, so each idle worker serves one of them.
LATER_RENDERS = 2
ESCAPE_MARKER = "escaped.txt"
LOW_QUALITY_WIDTH = 854

Outcome = Literal["ok", "code", "environment", "timeout", "limit", "security"]


class HostileCase(BaseModel):
    """One row of cases.toml: the attack and what containing it means."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    name: str
    attack: str
    contained: str
    outcome: list[Outcome]
    warm_outcome: list[Outcome] | None = None
    types: list[str] = Field(default_factory=list)
    message: str | None = None
    mode: Literal["validate", "render"] = "validate"
    settings: dict[str, float] = Field(default_factory=dict)
    exclusive: bool = False
    host_paths: list[str] = Field(default_factory=list)
    watch_after: bool = False
    later_render: bool = False

    def expected(self, warm: bool) -> tuple[list[Outcome], list[str], str | None]:
        """Accepted outcomes, error types and message; a warm override drops the last two."""
        if warm and self.warm_outcome is not None:
            return self.warm_outcome, [], None
        return self.outcome, self.types, self.message


def load_cases() -> list[HostileCase]:
    """The rows of cases.toml, each with its scene file beside it."""
    table = tomllib.loads((HOSTILE / "cases.toml").read_text())
    return [HostileCase.model_validate(row) for row in table["case"]]


CASES = load_cases()


@dataclass
class Host:
    """Everything outside the sandbox that a case aims at, and the canaries to look for."""

    root: Path
    canaries: tuple[str, ...]
    secret_files: tuple[Path, ...]
    database: Path
    base_url: str
    tcp_port: int
    unix_socket: Path
    abstract_name: str
    host_target: Path
    server: Server
    connections: list[str] = field(default_factory=list)

    def fill(self, text: str) -> str:
        """A scene file or host path with the placeholders of cases.toml filled in."""
        values = {
            "@SECRET_FILE@": str(self.secret_files[0]),
            "@DATA_DIR@": str(self.database.parent),
            "@DATABASE@": str(self.database),
            "@SERVER_PID@": str(self.server.process.pid),
            "@PROJECT_DIR@": str(PROJECT_DIR),
            "@SITE_PACKAGES@": sysconfig.get_paths()["purelib"],
            "@HOST_TARGET@": str(self.host_target),
            "@TCP_PORT@": str(self.tcp_port),
            "@UNIX_SOCKET@": str(self.unix_socket),
            "@ABSTRACT_SOCKET@": self.abstract_name,
        }
        for placeholder, value in values.items():
            text = text.replace(placeholder, value)
        return text


PathState = tuple[int, int, int]


def path_state(path: Path) -> PathState | None:
    """Type, size and mtime of `path` itself (never followed), or None when it is missing."""
    try:
        info = os.lstat(path)
    except FileNotFoundError:
        return None
    return stat.S_IFMT(info.st_mode), info.st_size, info.st_mtime_ns


def files_in(workdir: Path) -> Iterator[Path]:
    """Regular files under `workdir`, without following a symlink anywhere."""
    for folder, _, names in os.walk(workdir):
        for name in names:
            path = Path(folder) / name
            if stat.S_ISREG(os.lstat(path).st_mode):
                yield path


def sandbox_members(workdir: Path) -> dict[int, int]:
    """Live processes of renders in `workdir` (pid → uid): by cwd, or by the sandbox's mount.

    A daemon that left the directory (chdir("/")) still has it mounted at the sandbox's
    work path for as long as it lives.
    """
    inside = current_sandbox().workdir_inside
    target = workdir.stat()
    members = dict.fromkeys(live_processes_in(workdir), -1)
    for proc in Path("/proc").glob("[0-9]*"):
        try:
            mounted = os.stat(f"{proc}/root{inside}") if inside is not None else None
            status = (proc / "status").read_text()
        except OSError:
            continue
        if mounted is None or (mounted.st_dev, mounted.st_ino) != (target.st_dev, target.st_ino):
            continue
        fields = dict(line.split(":", 1) for line in status.splitlines() if ":" in line)
        if fields["State"].split()[0] != "Z":
            members[int(proc.name)] = int(fields["Uid"].split()[0])
    return members


async def processes_gone(workdir: Path, within_s: float) -> list[int]:
    """The render's processes still alive after `within_s`; none, normally at once."""
    deadline = time.monotonic() + within_s
    while (left := sandbox_members(workdir)) and time.monotonic() < deadline:
        await asyncio.sleep(0.05)
    return sorted(left)


def warm_leftovers(parent: Path) -> dict[str, list[int]]:
    """Warm workers under `parent` running more than themselves (their uid's processes)."""
    crowded = {}
    for root in parent.glob(".warm-*"):
        uid = root.stat().st_uid  # each worker runs as a uid of its own, which owns its root
        mine = [pid for pid, owner in sandbox_members(root).items() if owner == uid]
        if len(mine) > 1:
            crowded[root.name] = mine
    return crowded


def snapshot(workdir: Path) -> dict[str, PathState | None]:
    """Every entry under `workdir` and its state, links not followed."""
    return {
        str(path.relative_to(workdir)): path_state(path)
        for path in sorted(workdir.rglob("*"), key=str)
    }


def outcome_of(result: RenderResult) -> str:
    """ "ok" or the error kind."""
    return "ok" if result.ok or result.error is None else result.error.kind


def leaks(host: Host, result: RenderResult, workdir: Path) -> list[str]:
    """Where a canary shows: the result (log, error, paths) or a file left in the workdir."""
    found = [f"result has {c[:24]}…" for c in host.canaries if c in result.model_dump_json()]
    for path in files_in(workdir):
        data = path.read_bytes()
        found += [f"{path.name} has {c[:24]}…" for c in host.canaries if c.encode() in data]
    return found


def verdict(case: HostileCase, result: RenderResult, workdir: Path, warm: bool) -> list[str]:
    """How the render ended, against what the table accepts."""
    problems = []
    outcomes, types, message = case.expected(warm)
    ended = outcome_of(result)
    if ended not in outcomes:
        problems.append(f"ended {ended} ({result.error}), expected one of {outcomes}")
    error = result.error
    if error is not None and types and error.type not in types:
        problems.append(f"error type {error.type} ({error.message}), expected {types}")
    if error is not None and message is not None and message not in error.message:
        problems.append(f"error message {error.message!r} lacks {message!r}")
    for output in (result.video, result.last_frame):
        if output is not None and (output.is_symlink() or not output.is_relative_to(workdir)):
            problems.append(f"accepted output {output} outside the work directory")
    if len(result.log) > MAX_LOG_CHARS:
        problems.append(f"log of {len(result.log)} characters")
    return problems


async def later_render_problems(workdir: Path, warm: bool) -> list[str]:
    """A normal render after config_persist, in a fresh work directory as render_cached makes.

    Beside the attacker's own directory and with the same settings, so that warm renders
    reuse its worker.
    """
    workdir.mkdir()
    result = await render_scene(GOOD_SCENE, workdir, BASE_SETTINGS, warm=warm)
    if not result.ok or result.video is None:
        return [f"the later render failed: {result.error}"]
    problems = []
    if not result.video.is_relative_to(workdir.resolve()):
        problems.append(f"the later render wrote its video to {result.video}")
    if probe_media(result.video).width != LOW_QUALITY_WIDTH:
        problems.append("the later render did not keep its own frame size")
    if any(workdir.rglob(ESCAPE_MARKER)):
        problems.append("code left by the earlier render ran in the later one")
    return problems


@dataclass
class Corpus:
    """Runs the cases and gathers every problem, so one run shows every breach."""

    host: Host
    client: httpx.AsyncClient
    warm: bool
    baseline: dict[str, PathState | None]
    secrets_before: dict[Path, bytes]
    problems: dict[str, list[str]] = field(default_factory=dict)
    outcomes: dict[str, str] = field(default_factory=dict)
    watched: dict[str, tuple[float, dict[str, PathState | None]]] = field(default_factory=dict)

    @property
    def work_root(self) -> Path:
        return self.host.root / "work"

    async def run(self, case: HostileCase, slots: asyncio.Semaphore) -> None:
        async with slots:
            await self.run_alone(case)

    async def run_alone(self, case: HostileCase) -> None:
        workdir = self.work_root / case.name
        workdir.mkdir(parents=True)
        code = self.host.fill((HOSTILE / f"{case.name}.py").read_text())
        settings = RenderSettings.model_validate({**BASE_SETTINGS.model_dump(), **case.settings})
        result = await render_scene(code, workdir, settings, mode=case.mode, warm=self.warm)
        if case.watch_after:
            self.watched[case.name] = (time.monotonic(), snapshot(workdir))
        error = result.error
        self.outcomes[case.name] = f"{outcome_of(result)} {error.type if error else ''}".strip()
        problems = verdict(case, result, workdir.resolve(), self.warm)
        problems += leaks(self.host, result, workdir)
        if any(workdir.rglob(ESCAPE_MARKER)):
            problems.append("the scene wrote escaped.txt: a step that must fail did not")
        if left := await processes_gone(workdir, GONE_WITHIN_S):
            problems.append(f"processes left running: {left}")
        problems += self.host_changes(case)
        problems += await self.server_problems()
        if case.later_render:
            for index in range(LATER_RENDERS):
                later = self.work_root / f"{case.name}-later-{index}"
                problems += await later_render_problems(later, self.warm)
        if not case.watch_after:
            shutil.rmtree(workdir)
        self.problems[case.name] = problems

    async def watch_after(self, case: HostileCase) -> None:
        """Well after the render: its work directory and the host paths are as they were."""
        ended, before = self.watched[case.name]
        await asyncio.sleep(max(0.0, ended + WATCH_AFTER_S - time.monotonic()))
        workdir = self.work_root / case.name
        problems = [] if snapshot(workdir) == before else ["the work directory changed later"]
        if left := sorted(sandbox_members(workdir)):
            problems.append(f"processes alive {WATCH_AFTER_S:g} s later: {left}")
        self.problems[case.name] += problems + self.host_changes(case)

    def host_changes(self, case: HostileCase) -> list[str]:
        changed = [
            f"host path {path} changed"
            for path in map(self.host.fill, case.host_paths)
            if path_state(Path(path)) != self.baseline[path]
        ]
        changed += [
            f"{path} was changed or deleted"
            for path, data in self.secrets_before.items()
            if not path.is_file() or path.read_bytes() != data
        ]
        return changed

    async def server_problems(self) -> list[str]:
        if self.host.server.process.poll() is not None:
            return ["the server process died"]
        response = await self.client.get(f"{self.host.base_url}/health")
        return [] if response.status_code == 200 else [f"/health answered {response.status_code}"]


Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]


@asynccontextmanager
async def listeners(root: Path) -> AsyncIterator[tuple[int, Path, str, list[str]]]:
    """TCP on 127.0.0.1 and ::1 (one port), a unix socket file and an abstract unix socket.

    Every connection is recorded: a render must reach none of them.
    """
    seen: list[str] = []

    def recorder(where: str) -> Handler:
        async def record(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            seen.append(where)
            writer.close()

        return record

    port = free_port()
    unix_path = root / "host.sock"
    abstract = f"manimgraph-hostile-{secrets.token_hex(6)}"
    servers = [
        await asyncio.start_server(recorder("127.0.0.1"), "127.0.0.1", port),
        await asyncio.start_server(recorder("::1"), "::1", port),
        await asyncio.start_unix_server(recorder("unix"), path=str(unix_path)),
        await asyncio.start_unix_server(recorder("abstract"), path=f"\0{abstract}"),
    ]
    try:
        yield port, unix_path, abstract, seen
    finally:
        for server in servers:
            server.close()
            await server.wait_closed()


@pytest.fixture
async def host(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[Host]:
    """A running server with its own data directory, canaries planted, listeners up."""
    token = secrets.token_hex(8)
    env_canary = f"sk-hostile-canary-env-{token}"
    file_canary = f"sk-hostile-canary-file-{token}"
    # Renders start from this process; the server keeps the variable `cli_env` does not
    # strip, so its /proc environ holds the canary too.
    monkeypatch.setenv("OPENAI_API_KEY", env_canary)
    monkeypatch.setenv("ELEVENLABS_API_KEY", env_canary)
    monkeypatch.setenv("HOSTILE_CANARY_TOKEN", env_canary)
    data_dir = tmp_path / "data"
    data_dir.mkdir()
    (tmp_path / "secrets").mkdir()
    secret_files = (tmp_path / "secrets" / "credentials.txt", data_dir / "secret.env")
    for path in secret_files:
        path.write_text(f"OPENAI_API_KEY={file_canary}\n")
    server = await asyncio.to_thread(Server, data_dir, None)
    try:
        async with listeners(tmp_path) as (tcp_port, unix_socket, abstract, seen):
            yield Host(
                root=tmp_path,
                canaries=(env_canary, file_canary),
                secret_files=secret_files,
                database=data_dir / "manimgraph.db",
                server=server,
                base_url=server.base,
                tcp_port=tcp_port,
                unix_socket=unix_socket,
                abstract_name=abstract,
                host_target=Path(f"/tmp/manimgraph-hostile-{token}.txt"),
                connections=seen,
            )
    finally:
        await asyncio.to_thread(server.stop)


@pytest.mark.slow
@pytest.mark.parametrize("warm", [False, True], ids=["cold", "warm"])
async def test_hostile_corpus_is_contained(host: Host, warm: bool) -> None:
    assert host.database.is_file(), "the server did not open its database"
    paths = {host.fill(path) for case in CASES for path in case.host_paths}
    async with httpx.AsyncClient(timeout=60) as client:
        corpus = Corpus(
            host=host,
            client=client,
            warm=warm,
            baseline={path: path_state(Path(path)) for path in paths},
            secrets_before={path: path.read_bytes() for path in host.secret_files},
        )
        slots = asyncio.Semaphore(CONCURRENCY)
        await asyncio.gather(*(corpus.run(c, slots) for c in CASES if not c.exclusive))
        for case in CASES:
            if case.exclusive:
                await corpus.run_alone(case)
        for case in CASES:
            if case.watch_after:
                await corpus.watch_after(case)

    failed = {name: found for name, found in corpus.problems.items() if found}
    outcomes = "\n".join(f"  {name}: {outcome}" for name, outcome in corpus.outcomes.items())
    assert not failed, f"not contained: {json.dumps(failed, indent=1)}\noutcomes:\n{outcomes}"
    assert not host.connections, f"renders reached listeners of the host: {host.connections}"
    assert not warm_leftovers(corpus.work_root), "warm workers kept a render's processes"
    assert sorted(corpus.outcomes) == sorted(case.name for case in CASES)


def sandbox_from_environment() -> Sandbox:
    """A sandbox probed now, from MANIMGRAPH_SANDBOX as the server would read it."""
    settings = SandboxSettings()
    return Sandbox(status=probe(settings), settings=settings)


@pytest.mark.slow
async def test_strict_mode_renders_here(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MANIMGRAPH_SANDBOX", "strict")
    sandbox = sandbox_from_environment()
    assert sandbox.status.mode == "strict"
    assert sandbox.status.complete, sandbox.status.missing

    result = await render_scene(GOOD_SCENE, tmp_path, BASE_SETTINGS, sandbox=sandbox)

    assert result.ok, result.error
    assert result.video is not None and probe_media(result.video).duration


@pytest.mark.parametrize("layer", ISOLATION_LAYERS)
async def test_strict_mode_refuses_without_a_layer(tmp_path: Path, layer: str) -> None:
    active = [name for name in current_sandbox().status.active if name != layer]
    status = SandboxStatus(mode="strict", active=active, missing={layer: "not available here"})
    sandbox = Sandbox(status=status, settings=SandboxSettings(sandbox="strict"))

    result = await render_scene(GOOD_SCENE, tmp_path, RenderSettings(), sandbox=sandbox)

    assert result.error is not None
    assert (result.error.kind, result.error.type) == ("environment", "SandboxUnavailable")
    assert f"{layer}: not available here" in result.error.message
    assert not (tmp_path / "result.json").exists()


@pytest.mark.slow
async def test_off_mode_runs_without_isolation(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MANIMGRAPH_SANDBOX", "off")
    sandbox = sandbox_from_environment()
    assert not set(ISOLATION_LAYERS) & set(sandbox.status.active)
    body = 'Path("where.json").write_text(json.dumps([os.getuid(), os.getcwd()]))\nself.wait(0.1)'
    code = scene_with(body, imports="import json, os\nfrom pathlib import Path")

    result = await render_scene(code, tmp_path, BASE_SETTINGS, mode="validate", sandbox=sandbox)

    assert result.ok, result.error
    uid, cwd = json.loads((tmp_path / "where.json").read_text())
    assert (uid, cwd) == (os.geteuid(), str(tmp_path.resolve()))
