"""Shared fixtures: a fresh store per test, on SQLite and on PostgreSQL, and a context
factory for graph runs.

Every test that uses `store` (or `database_url`) runs twice, `[sqlite]` and
`[postgresql]`, each time on a database of its own. PostgreSQL comes from
`$MANIMGRAPH_TEST_DATABASE_URL` (a server where the tests may create databases),
else from a server answering on 127.0.0.1:5432 as user postgres, else from a
throwaway cluster started for the session; the PostgreSQL half is skipped, with
the reason shown, only when no PostgreSQL binaries exist.
"""

from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg
import pytest
from sqlalchemy import URL
from sqlalchemy.engine import make_url

from agents.models import ModelFactory, ModelSpec, Role
from graphs.context import VideoContext
from graphs.limits import Limits
from tests.scripted_model import ScriptedChatModel
from tools.store import Store

pytest_plugins = ["tests.fakes.fixtures", "tests.redis_fixtures", "tests.s3_fixtures"]

OFFLINE = ModelSpec(provider="offline")

GOOD_SCENE = """from manim import *


class Good(Scene):
    def construct(self):
        title = Text("Circles", font_size=40).to_edge(UP)
        self.play(Write(title), run_time=0.5)
        self.play(Create(Circle(radius=1.5, color=BLUE)), run_time=0.5)
"""


DATABASE_URL_ENV = "MANIMGRAPH_TEST_DATABASE_URL"
LOCAL_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"


async def open_test_store(tmp_path: Path, database_url: str) -> Store:
    """A store with its data directory under `tmp_path` and its database at
    `database_url` (the `database_url` fixture's); the caller closes it.

    Example:
        >>> store = await open_test_store(tmp_path, database_url)
        >>> try:
        ...     ...
        ... finally:
        ...     await store.close()
    """
    return await Store.open(tmp_path / "data", database_url=database_url)


def pytest_collection_finish(session: pytest.Session) -> None:
    """Refuse a collection in which two items share a nodeid: pytest-xdist (`make test`)
    schedules by nodeid, so it would run one of them and silently drop the others."""
    shared = [
        nodeid for nodeid, count in Counter(i.nodeid for i in session.items).items() if count > 1
    ]
    if shared:
        raise pytest.UsageError(f"{len(shared)} nodeids name more than one test, e.g. {shared[0]}")


@pytest.fixture
async def store(tmp_path: Path, database_url: str) -> AsyncIterator[Store]:
    """A fresh, migrated store on each backend (see `database_url`)."""
    opened = await open_test_store(tmp_path, database_url)
    yield opened
    await opened.close()


@pytest.fixture
def make_context(store: Store) -> Callable[..., VideoContext]:
    """A context on the offline model, with any role replaced by a scripted model."""

    def make(limits: Limits | None = None, **scripted: ScriptedChatModel) -> VideoContext:
        factory = ModelFactory(default=OFFLINE)
        for role, model in scripted.items():
            factory = factory.with_model(_role(role), model)
        return VideoContext(models=factory, store=store, limits=limits or Limits())

    return make


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """The URL of an empty database of its own for this test, on each backend in turn.

    SQLite: a file under `tmp_path`. PostgreSQL: `mg_test_<uuid>` on the session's
    server (`postgres_server`), dropped after the test even if a connection was left
    open. Both are sync SQLAlchemy URLs too, for a test that reads raw rows with
    `create_engine`; the store maps them to its async drivers.
    """
    with fresh_database(request, tmp_path) as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def module_database_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`database_url` shared by the tests of a module (for a module-scoped app)."""
    with fresh_database(request, tmp_path_factory.mktemp("database")) as url:
        yield url


@contextmanager
def fresh_database(request: pytest.FixtureRequest, directory: Path) -> Iterator[str]:
    """An empty database of the backend `request.param` names, dropped afterwards."""
    if request.param == "sqlite":
        yield f"sqlite:///{directory / 'manimgraph.db'}"
        return
    server = make_url(request.getfixturevalue("postgres_server"))
    name = f"mg_test_{uuid.uuid4().hex}"
    with _admin(server) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield server.set(database=name).render_as_string(hide_password=False)
    finally:
        with _admin(server) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(scope="session")
def postgres_server() -> Iterator[str]:
    """The SQLAlchemy URL of a PostgreSQL server on which the tests may create databases."""
    given = os.environ.get(DATABASE_URL_ENV)
    if given:
        yield make_url(given).set(drivername="postgresql+psycopg").render_as_string(False)
    elif _answers(make_url(LOCAL_POSTGRES)):
        yield LOCAL_POSTGRES
    else:
        with _throwaway_cluster() as url:
            yield url


def _admin(server: URL) -> psycopg.Connection[Any]:
    """An autocommit connection to `server`'s own database (CREATE DATABASE needs one)."""
    return psycopg.connect(
        host=server.host,
        port=server.port or 5432,
        user=server.username,
        password=server.password,
        dbname=server.database or "postgres",
        autocommit=True,
        connect_timeout=5,
    )


def _answers(server: URL) -> bool:
    try:
        with _admin(server):
            return True
    except psycopg.OperationalError:
        return False


@contextmanager
def _throwaway_cluster() -> Iterator[str]:
    """`initdb` + `pg_ctl` in a temporary directory on a free port; gone afterwards.

    initdb refuses to run as root, so as root both run as the `postgres` user.
    """
    binaries = _postgres_binaries()
    if binaries is None:
        pytest.skip(
            f"PostgreSQL tests skipped: ${DATABASE_URL_ENV} is unset, nothing answers on"
            " 127.0.0.1:5432, and no initdb/pg_ctl is installed (make test installs the"
            " postgresql package)"
        )
    as_postgres = ["runuser", "-u", "postgres", "--"] if os.geteuid() == 0 else []
    root = Path(tempfile.mkdtemp(prefix="mg-postgres-"))
    if as_postgres:
        shutil.chown(root, "postgres")
    data, port = root / "data", _free_port()

    def run(program: str, *args: str) -> None:
        command = [*as_postgres, str(binaries / program), *args]
        subprocess.run(command, check=True, capture_output=True, cwd=root)

    try:
        run("initdb", "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8")
        options = f"-p {port} -k {root} -c listen_addresses=127.0.0.1 -c fsync=off"
        run("pg_ctl", "start", "-w", "-D", str(data), "-l", str(root / "log"), "-o", options)
        try:
            yield f"postgresql+psycopg://postgres@127.0.0.1:{port}/postgres"
        finally:
            run("pg_ctl", "stop", "-m", "immediate", "-D", str(data))
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _postgres_binaries() -> Path | None:
    """The directory holding initdb and pg_ctl: on PATH, or Debian's versioned one."""
    on_path = shutil.which("initdb")
    candidates = [Path(on_path).parent] if on_path else []
    candidates += [Path(p) for p in sorted(glob.glob("/usr/lib/postgresql/*/bin"), reverse=True)]
    return next(
        (c for c in candidates if (c / "initdb").is_file() and (c / "pg_ctl").is_file()), None
    )


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _role(name: str) -> Role:
    assert name in ("planner", "coder", "fixer", "assembler")
    return name  # type: ignore[return-value]


def plan_answer(*archetypes: str, title: str = "Circles") -> dict[str, Any]:
    """A VideoPlan tool answer with one scene per archetype."""
    return {
        "title": title,
        "scenes": [
            {
                "number": i,
                "title": f"Scene {i}",
                "goal": "Show a circle.",
                "narration": f"This is scene {i} about circles.",
                "visual": "A title and a circle.",
                "archetype": kind,
                "duration": 4,
            }
            for i, kind in enumerate(archetypes, 1)
        ],
    }


def ffprobe(path: Path) -> dict[str, Any]:
    """Duration and stream count of a media file, read by ffprobe."""
    out = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-show_entries",
            "format=duration:stream=codec_type",
            "-of",
            "json",
            str(path),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    import json

    data = json.loads(out.stdout)
    return {"duration": float(data["format"]["duration"]), "streams": len(data["streams"])}
