"""The store on a real database, SQLite and PostgreSQL in turn, and a real artifact directory."""

from __future__ import annotations

import asyncio
import sys
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import create_engine, inspect
from sqlalchemy.engine import make_url

from tests.conftest import open_test_store
from tools.layout_models import LayoutIssue, LayoutReport
from tools.store import (
    TRANSITIONS,
    AssembledVideo,
    CachedRender,
    InvalidCommitError,
    InvalidTransitionError,
    JobProgress,
    JobRecord,
    JobStatus,
    LocalArtifacts,
    MissingArtifactError,
    NewSceneVersion,
    ProjectFields,
    RecordNotFoundError,
    SceneProgress,
    StageTiming,
    Store,
    StoreConflictError,
    StoreUnavailableError,
    new_id,
    upgrade_database,
)
from tools.store.database import async_url
from tools.store.migrate import alembic_config
from tools.store.tables import Base, utcnow

LEASE = timedelta(seconds=30)
ISSUE = LayoutIssue(
    kind="out_of_frame",
    severe=True,
    mobjects=["Text('Bayes')"],
    first_animation=1,
    last_animation=2,
    persists=True,
    detail="0.4 units past the right edge",
)


def project_fields(project_id: str | None = None, **fields: object) -> ProjectFields:
    values: dict[str, object] = {
        "id": project_id or new_id(),
        "title": "Bayes",
        "prompt": "explain Bayes",
        "style": "3b1b",
        "quality": "low",
    }
    return ProjectFields.model_validate(values | fields)


async def scene(store: Store, number: int, code: str, **fields: Any) -> NewSceneVersion:
    """A scene version whose video artifact really exists (its bytes name the code)."""
    video = await store.artifacts.put_bytes(f"video of {code}".encode(), ".mp4")
    frame = await store.artifacts.put_bytes(f"frame of {code}".encode(), ".png")
    return NewSceneVersion(
        number=number,
        code=code,
        plan={"title": f"scene {number}", "narration": "..."},
        video=video,
        last_frame=frame,
        duration=2.0,
        layout_report=LayoutReport(animations=3, issues=[ISSUE], ends=[1.0, 2.0, 3.0]),
        render_log="ok",
        usage={"input_tokens": 10, "output_tokens": 20},
        **fields,
    )


async def output(store: Store, label: str) -> AssembledVideo:
    put = store.artifacts.put_bytes
    return AssembledVideo(
        video=await put(f"assembled {label}".encode(), ".mp4"),
        thumbnail=await put(f"thumb {label}".encode(), ".png"),
        subtitles=await put(f"srt {label}".encode(), ".srt"),
        manifest=await put(f"manifest {label}".encode(), ".json"),
        duration=6.0,
        description=f"the video {label}",
    )


async def generate(store: Store, project_id: str | None = None) -> str:
    """Commit a 3-scene first version; returns the project id."""
    fields = project_fields(project_id)
    scenes = [await scene(store, n, f"code {n} v1") for n in (1, 2, 3)]
    await store.commit_version(fields, scenes, await output(store, "v1"), job_id=new_id())
    return fields.id


async def job_in(store: Store, status: JobStatus) -> JobRecord:
    """A new job moved to `status` along allowed transitions."""
    job = await store.create_job("generate", None, {})
    path: dict[JobStatus, list[JobStatus]] = {
        "queued": [],
        "running": ["running"],
        "completed": ["running", "completed"],
        "failed": ["failed"],
        "cancelled": ["cancelled"],
    }
    for step in path[status]:
        job = await store.update_job(job.id, status=step)
    return job


# Schema and opening


async def test_migrations_create_every_table_matching_the_models(
    store: Store, database_url: str
) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert tables == set(Base.metadata.tables) | {"alembic_version"}
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert MigrationContext.configure(connection).get_current_revision() == head
            if engine.dialect.name == "sqlite":
                assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
    assert set(await store.counts()) == set(Base.metadata.tables)
    assert await store.ping()


async def test_reopening_is_a_noop_and_a_second_store_sees_the_data(
    tmp_path: Path, database_url: str
) -> None:
    engine = create_engine(database_url)

    def schema() -> list[tuple[str, list[str]]]:
        with engine.connect() as connection:
            found = inspect(connection)
            return [
                (table, sorted(str(column) for column in found.get_columns(table)))
                for table in sorted(found.get_table_names())
            ]

    async with Store.connect(tmp_path / "data", database_url=database_url) as first:
        project_id = await generate(first)
        job = await first.create_job("edit", project_id, {"scene": 2, "prompt": "bigger"})
        before = schema()
        async with Store.connect(tmp_path / "data", database_url=database_url) as second:
            assert await second.get_job(job.id) == job
            assert await second.get_project(project_id) == await first.get_project(project_id)
            assert await second.counts() == await first.counts()
        assert schema() == before
    head = ScriptDirectory.from_config(alembic_config()).get_current_head()
    assert await upgrade_database(database_url) == head
    assert schema() == before
    engine.dispose()


async def test_unwritable_data_dir_is_a_one_line_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailableError, match="not writable") as caught:
        await Store.open(blocker / "data")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql://user:secret@127.0.0.1:1/db", "check that PostgreSQL answers at 127.0.0.1:1"),
        ("postgres://user:secret@no-such-host.invalid/db", "no-such-host.invalid:5432"),
        ("mysql://user:secret@localhost/db", "unsupported database"),
        ("postgresql+psycopg2://user:secret@localhost/db", "leave the driver out"),
        ("not a url", "not a database URL"),
    ],
)
async def test_a_bad_database_url_is_one_line_without_the_password(
    tmp_path: Path, url: str, reason: str
) -> None:
    with pytest.raises(StoreUnavailableError, match=reason) as caught:
        await Store.open(tmp_path / "data", database_url=url)
    assert "secret" not in str(caught.value) and "\n" not in str(caught.value)
    with pytest.raises(StoreUnavailableError, match=reason):
        await upgrade_database(url)


async def test_a_missing_driver_names_the_extra_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StoreUnavailableError) as caught:
        await Store.open(tmp_path / "data", database_url="postgresql://u:secret@db.example/mg")
    message = str(caught.value)
    assert "pip install 'manimgraph[postgres]'" in message
    assert "\n" not in message and "secret" not in message


def test_urls_without_a_driver_get_the_async_one() -> None:
    assert async_url("sqlite:////data/mg.db").drivername == "sqlite+aiosqlite"
    assert async_url("postgresql://u@h/d").drivername == "postgresql+psycopg"
    assert async_url("postgres://u:p@h:5433/d").render_as_string(hide_password=False) == (
        "postgresql+psycopg://u:p@h:5433/d"
    )
    assert async_url("postgresql+psycopg2://u@h/d").drivername == "postgresql+psycopg2"


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
async def test_a_plain_postgresql_url_opens_with_psycopg(tmp_path: Path, database_url: str) -> None:
    plain = make_url(database_url).set(drivername="postgresql")
    async with Store.connect(
        tmp_path / "data", database_url=plain.render_as_string(hide_password=False)
    ) as store:
        assert await store.ping()


async def test_artifacts_are_content_addressed_and_written_atomically(tmp_path: Path) -> None:
    artifacts = LocalArtifacts(tmp_path / "artifacts")
    source = tmp_path / "scene.mp4"
    source.write_bytes(b"\x00frames" * 1000)
    key = await artifacts.put_file(source)
    assert key.endswith(".mp4")
    assert artifacts.path(key) == tmp_path / "artifacts" / key[:2] / key[2:]
    assert artifacts.path(key).read_bytes() == source.read_bytes()
    assert await artifacts.put_bytes(source.read_bytes(), "MP4") == key
    assert await artifacts.put_file(source, ".mp4") == key
    other = await artifacts.put_file(source, ".bin")
    assert other != key and other[:64] == key[:64]
    assert await artifacts.exists(key)
    assert not await artifacts.exists("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        await artifacts.put_file(tmp_path / "missing.mp4")
    files = sorted(p for p in (tmp_path / "artifacts").rglob("*") if p.is_file())
    assert files == sorted({artifacts.path(key), artifacts.path(other)})


# Versions


async def test_generate_then_edit_creates_versions_and_keeps_the_old_ones(store: Store) -> None:
    fields = project_fields()
    first = await store.commit_version(
        fields,
        [await scene(store, n, f"code {n} v1") for n in (1, 2, 3)],
        await output(store, "v1"),
    )
    assert first.version == 1 and first.description == "the video v1"
    assert [slot.number for slot in first.slots] == [1, 2, 3]
    original = {slot.number: slot.scene_version_id for slot in first.slots}

    edited = await scene(store, 2, "code 2 v2", edit_prompt="make the circle red")
    kept = {1: original[1], 3: original[3]}
    second = await store.commit_version(fields, [edited], await output(store, "v2"), kept=kept)

    assert second.version == 2
    slots = {slot.number: slot.scene_version_id for slot in second.slots}
    assert slots[1] == original[1] and slots[3] == original[3]
    new_scene = await store.scene_version(fields.id, 2)
    assert new_scene is not None and new_scene.id == slots[2]
    assert (new_scene.version, new_scene.parent_version_id) == (2, original[2])
    assert new_scene.edit_prompt == "make the circle red"

    old_scene = await store.scene_version(fields.id, 2, version=1)
    assert old_scene is not None and old_scene.id == original[2] and old_scene.code == "code 2 v1"
    project = await store.get_project(fields.id)
    assert project is not None and project.status == "ready"
    assert [v.version for v in project.versions] == [1, 2]
    assert project.versions[0] == first
    assert project.current == second == await store.current_version(fields.id)
    assert [[v.version for v in s.versions] for s in project.scenes] == [[1], [1, 2], [1]]
    counts = await store.counts()
    assert (counts["scene_versions"], counts["project_version_slots"]) == (4, 6)
    assert await store.scene_version(fields.id, 4) is None
    assert await store.scene_version(fields.id, 2, version=3) is None


async def test_layout_reports_come_back_as_models(store: Store) -> None:
    project_id = await generate(store)
    stored = await store.scene_version(project_id, 1)
    assert stored is not None and isinstance(stored.layout_report, LayoutReport)
    assert stored.layout_report.ends == [1.0, 2.0, 3.0]
    assert stored.layout_issues == [ISSUE]
    bare = (await scene(store, 2, "no report")).model_copy(update={"layout_report": None})
    await store.commit_version(project_fields(project_id), [bare], await output(store, "b"))
    without = await store.scene_version(project_id, 2)
    assert without is not None and without.layout_report is None
    assert without.layout_issues == []


async def test_current_scenes_are_the_current_versions_in_slot_order(store: Store) -> None:
    project_id = await generate(store)
    fields = project_fields(project_id)
    assert await store.current_scenes("no-such-project") == []
    await store.commit_version(
        fields, [await scene(store, 2, "code 2 v2")], await output(store, "v2"), carry_over=True
    )
    current = await store.current_scenes(project_id)
    assert [(v.number, v.version, v.code) for v in current] == [
        (1, 1, "code 1 v1"),
        (2, 2, "code 2 v2"),
        (3, 1, "code 3 v1"),
    ]
    assert current == [await store.scene_version(project_id, n) for n in (1, 2, 3)]
    assert await store.current_scenes(project_id, owner="someone else") == []


async def test_carry_over_keeps_both_of_two_edits_made_from_the_same_version(
    store: Store,
) -> None:
    project_id = await generate(store)
    fields = project_fields(project_id)
    await store.commit_version(
        fields, [await scene(store, 1, "red")], await output(store, "a"), carry_over=True
    )
    await store.commit_version(
        fields, [await scene(store, 3, "blue")], await output(store, "b"), carry_over=True
    )
    codes = [v.code for v in await store.current_scenes(project_id)]
    assert codes == ["red", "code 2 v1", "blue"]


async def test_concurrent_commits_from_two_stores_serialise(
    tmp_path: Path, database_url: str
) -> None:
    first = await open_test_store(tmp_path, database_url)
    second = await open_test_store(tmp_path, database_url)
    try:
        project_id = await generate(first)
        fields = project_fields(project_id)
        edits = [
            (first if n % 2 else second, await scene(first, n, f"edit {n}")) for n in range(1, 9)
        ]
        outputs = [await output(target, new.code) for target, new in edits]
        await asyncio.gather(
            *(
                target.commit_version(fields, [new], done, carry_over=True)
                for (target, new), done in zip(edits, outputs, strict=True)
            )
        )
        current = await first.current_version(project_id)
        assert current is not None and current.version == 9
        codes = [v.code for v in await first.current_scenes(project_id)]
        assert codes == [f"edit {n}" for n in range(1, 9)]
    finally:
        await first.close()
        await second.close()


async def test_a_commit_failing_midway_writes_nothing(store: Store) -> None:
    project_id = await generate(store)
    other_project = await generate(store)
    foreign = await store.current_version(other_project)
    assert foreign is not None
    before = await store.counts()
    new = [await scene(store, 1, "new 1"), await scene(store, 2, "new 2")]
    with pytest.raises(InvalidCommitError, match="slot 3"):
        await store.commit_version(
            project_fields(), new, await output(store, "x"), kept={3: "nope"}
        )
    with pytest.raises(InvalidCommitError, match="slot 3"):
        await store.commit_version(
            project_fields(project_id),
            new,
            await output(store, "x"),
            kept={3: foreign.slots[0].scene_version_id},
        )
    with pytest.raises(InvalidCommitError, match="parent"):
        await store.commit_version(
            project_fields(project_id),
            [await scene(store, 1, "x", parent_version_id=foreign.slots[0].scene_version_id)],
            await output(store, "x"),
        )
    with pytest.raises(InvalidCommitError, match="more than once"):
        await store.commit_version(
            project_fields(project_id), new, await output(store, "x"), kept={2: "id"}
        )
    missing = (await output(store, "x")).model_copy(update={"thumbnail": "f" * 64 + ".png"})
    with pytest.raises(MissingArtifactError):
        await store.commit_version(project_fields(project_id), new, missing)
    assert await store.counts() == before


async def test_committing_twice_for_one_job_returns_the_first_version(store: Store) -> None:
    fields, job_id = project_fields(), new_id()
    scenes = [await scene(store, 1, "only")]
    first = await store.commit_version(fields, scenes, await output(store, "v1"), job_id=job_id)
    before = await store.counts()
    assert (
        await store.commit_version(fields, scenes, await output(store, "v1"), job_id=job_id)
        == first
    )
    assert await store.counts() == before


async def test_render_cache_upsert_is_idempotent(store: Store) -> None:
    video = await store.artifacts.put_bytes(b"render", ".mp4")
    report = LayoutReport(animations=2, issues=[ISSUE])
    render = CachedRender(video=video, duration=1.5, layout_report=report, log="done")
    assert await store.get_render("k1") is None
    await store.put_render("k1", render)
    await store.put_render("k1", render)
    cached = await store.get_render("k1")
    assert cached == render and isinstance(cached.layout_report, LayoutReport)
    assert (await store.counts())["render_cache"] == 1
    replaced = render.model_copy(update={"duration": 2.5})
    await store.put_render("k1", replaced)
    assert await store.get_render("k1") == replaced
    with pytest.raises(MissingArtifactError):
        await store.put_render("k2", render.model_copy(update={"last_frame": "0" * 64 + ".png"}))
    await store.artifacts.delete([video])
    assert await store.get_render("k1") is None


# Projects


async def test_a_generate_job_creates_its_project_at_once(store: Store) -> None:
    prompt = "Explain Bayes' theorem with a medical test, slowly, in four scenes " * 3
    fields = ProjectFields(id=new_id(), prompt=prompt, style="3b1b", quality="low")
    job = await store.create_job("generate", None, {}, owner="alice", project=fields)
    assert job.project_id == fields.id

    [listed] = await store.list_projects()
    assert (listed.id, listed.status, listed.current, listed.owner) == (
        fields.id,
        "generating",
        None,
        "alice",
    )
    assert listed.title == prompt[:80] and listed.prompt == prompt
    project = await store.get_project(fields.id, owner="alice")
    assert project is not None and (project.scenes, project.versions) == ((), ())
    assert await store.count_projects() == 1

    assert await store.set_project_status(fields.id, "failed")
    failed = await store.get_project(fields.id)
    assert failed is not None and failed.status == "failed"
    with pytest.raises(ValidationError):
        await store.set_project_status(fields.id, "lost")  # type: ignore[arg-type]
    assert not await store.set_project_status("no-such-project", "ready")

    titled = fields.model_copy(update={"title": "Bayes, tested"})
    await store.commit_version(titled, [await scene(store, 1, "one")], await output(store, "v1"))
    ready = await store.get_project(fields.id)
    assert ready is not None and (ready.status, ready.title, ready.owner) == (
        "ready",
        "Bayes, tested",
        "alice",
    )
    await store.commit_version(fields, [await scene(store, 1, "two")], await output(store, "v2"))
    kept_title = await store.get_project(fields.id)
    assert kept_title is not None and kept_title.title == "Bayes, tested"

    again = await store.create_job("generate", fields.id, {}, project=fields)
    assert again.project_id == fields.id
    assert await store.get_project(fields.id) == kept_title
    with pytest.raises(ValueError, match="only a generate job"):
        await store.create_job("edit", fields.id, {}, project=fields)
    with pytest.raises(ValueError, match="not the job's project"):
        await store.create_job("generate", "another", {}, project=fields)
    plain = await store.create_job("generate", None, {})
    assert await store.get_project(plain.project_id) is None


async def test_list_projects_shows_each_latest_version(store: Store) -> None:
    older = await generate(store)
    newer = await generate(store)
    fields = project_fields(older)
    await store.commit_version(
        fields, [await scene(store, 2, "edit")], await output(store, "e"), carry_over=True
    )
    listed = await store.list_projects()
    assert [p.id for p in listed] == [older, newer]
    assert [p.current.version if p.current else None for p in listed] == [2, 1]
    assert [p.id for p in await store.list_projects(limit=1, offset=1)] == [newer]


# Jobs


async def test_jobs_lifecycle(store: Store) -> None:
    generate_job = await store.create_job("generate", None, {"prompt": "Bayes"})
    assert (generate_job.status, generate_job.progress, generate_job.stage) == ("queued", 0.0, None)
    assert generate_job.progress_state == JobProgress()
    project_id = await generate(store, generate_job.project_id)
    edit_job = await store.create_job("edit", project_id, {"scene": 1}, job_id="edit-1")
    assert edit_job.id == "edit-1"
    with pytest.raises(StoreConflictError) as clash:
        await store.create_job("edit", project_id, {}, job_id="edit-1")
    assert "\n" not in str(clash.value)

    running = await store.update_job(generate_job.id, status="running", stage="plan", progress=0.25)
    assert (running.status, running.stage, running.progress) == ("running", "plan", 0.25)
    assert running.updated_at > generate_job.updated_at
    done = await store.update_job(
        generate_job.id, status="completed", progress=1.0, result={"v": 1}
    )
    assert await store.get_job(generate_job.id) == done

    assert [job.id for job in await store.list_jobs()] == ["edit-1", generate_job.id]
    assert [job.id for job in await store.list_jobs(status="completed")] == [generate_job.id]
    assert [job.id for job in await store.list_jobs(project_id=project_id, limit=1, offset=1)] == [
        generate_job.id
    ]
    with pytest.raises(ValidationError):
        await store.update_job(edit_job.id, progress=1.5)
    with pytest.raises(ValidationError):
        await store.update_job(edit_job.id, owner="me")  # type: ignore[call-arg]
    with pytest.raises(RecordNotFoundError):
        await store.update_job("nope", status="failed")
    with pytest.raises(RecordNotFoundError):
        await store.create_job("edit", "no-such-project", {})
    with pytest.raises(ValidationError):
        done.status = "failed"  # type: ignore[misc]
    assert await store.get_job("nope") is None


async def test_the_store_enforces_the_transition_table(store: Store) -> None:
    statuses: list[JobStatus] = ["queued", "running", "completed", "failed", "cancelled"]
    assert set(TRANSITIONS) == set(statuses)
    for current in statuses:
        for target in statuses:
            job = await job_in(store, current)
            allowed = target in TRANSITIONS[current] or (
                target == current and target in ("queued", "running")
            )
            if allowed:
                changed = await store.update_job(job.id, status=target, message="moved")
                assert (changed.status, changed.message) == (target, "moved")
            else:
                with pytest.raises(InvalidTransitionError, match=f"is {current}"):
                    await store.update_job(job.id, status=target)
                assert await store.get_job(job.id) == job
    finished = await job_in(store, "completed")
    with pytest.raises(InvalidTransitionError):
        await store.update_job(finished.id, message="a late word")


# Leases


async def test_a_lease_gives_a_job_one_runner_at_a_time(store: Store) -> None:
    job = await store.create_job("generate", None, {})
    claimed = await store.claim_job(job.id, "runner-a", LEASE)
    assert claimed is not None and (claimed.status, claimed.lease_owner) == ("running", "runner-a")
    assert claimed.lease_expires_at is not None
    assert claimed.lease_expires_at - utcnow() > LEASE - timedelta(seconds=5)
    assert await store.claim_job(job.id, "runner-b", LEASE) is None
    assert await store.claimable_jobs() == []

    again = await store.claim_job(job.id, "runner-a", LEASE * 2)
    assert again is not None and again.lease_expires_at is not None
    assert again.lease_expires_at > claimed.lease_expires_at
    assert await store.renew_lease(job.id, "runner-a", LEASE)
    assert not await store.renew_lease(job.id, "runner-b", LEASE)

    assert await store.transition_job(job.id, {"running"}, runner="runner-b", progress=0.5) is None
    moved = await store.transition_job(job.id, {"running"}, runner="runner-a", progress=0.5)
    assert moved is not None and moved.progress == 0.5 and moved.lease_owner == "runner-a"

    with pytest.raises(ValueError, match="positive"):
        await store.claim_job(job.id, "runner-a", timedelta(0))
    with pytest.raises(RecordNotFoundError):
        await store.claim_job("nope", "runner-a", LEASE)


async def test_an_expired_lease_lets_another_runner_take_over(store: Store) -> None:
    job = await store.create_job("generate", None, {})
    older = await store.create_job("generate", None, {})
    held = await store.create_job("generate", None, {})
    await store.claim_job(held.id, "runner-c", LEASE)
    await store.claim_job(job.id, "runner-a", timedelta(milliseconds=50))
    await asyncio.sleep(0.2)

    assert [j.id for j in await store.claimable_jobs()] == [job.id, older.id]
    assert [j.id for j in await store.claimable_jobs(limit=1)] == [job.id]
    taken = await store.claim_job(job.id, "runner-b", LEASE)
    assert taken is not None and taken.lease_owner == "runner-b"
    assert not await store.renew_lease(job.id, "runner-a", LEASE)
    assert await store.transition_job(job.id, {"running"}, runner="runner-a", message="x") is None
    assert await store.claimable_jobs() == [await store.get_job(older.id)]


async def test_finishing_or_requeueing_a_job_releases_its_lease(store: Store) -> None:
    targets: list[JobStatus] = ["completed", "failed", "cancelled", "queued"]
    for target in targets:
        job = await store.create_job("generate", None, {})
        await store.claim_job(job.id, "runner-a", LEASE)
        changed = await store.transition_job(job.id, {"running"}, status=target)
        assert changed is not None and changed.status == target
        assert (changed.lease_owner, changed.lease_expires_at) == (None, None)
        assert not await store.renew_lease(job.id, "runner-a", LEASE)
    [requeued] = await store.claimable_jobs()
    assert requeued.id == job.id
    cancelled = await job_in(store, "cancelled")
    assert await store.claim_job(cancelled.id, "runner-a", LEASE) is None
    resumed = await store.transition_job(cancelled.id, {"failed", "cancelled"}, status="queued")
    assert resumed is not None
    assert await store.claimable_jobs() == [requeued, resumed]
    assert await store.claim_job(cancelled.id, "runner-b", LEASE) is not None


async def test_of_two_concurrent_claimers_exactly_one_wins(
    tmp_path: Path, database_url: str
) -> None:
    first = await open_test_store(tmp_path, database_url)
    second = await open_test_store(tmp_path, database_url)
    try:
        for _ in range(5):
            job = await first.create_job("generate", None, {})
            results = await asyncio.gather(
                first.claim_job(job.id, "runner-a", LEASE),
                second.claim_job(job.id, "runner-b", LEASE),
            )
            winners = [result for result in results if result is not None]
            assert len(winners) == 1
            stored = await second.get_job(job.id)
            assert stored is not None and stored.lease_owner == winners[0].lease_owner
    finally:
        await first.close()
        await second.close()


# Progress


async def test_progress_round_trips_as_the_model(store: Store) -> None:
    job = await store.create_job("generate", None, {})
    now = utcnow()
    progress = JobProgress(
        stage="render",
        fraction=0.5,
        message="scene 2 of 3",
        scenes_total=3,
        scenes=(
            SceneProgress(number=1, title="Prior", state="done", attempts=1),
            SceneProgress(number=2, state="rendering", attempts=2, repairs=1),
            SceneProgress(number=3, state="fallback", fallback_reason="kept failing"),
        ),
        stages=(
            StageTiming(stage="plan", started_at=now - timedelta(seconds=3), ended_at=now),
            StageTiming(stage="render", started_at=now),
        ),
    )
    assert not await store.save_progress(job.id, None, progress), "queued: nobody works on it"
    await store.claim_job(job.id, "runner-a", LEASE)
    assert not await store.save_progress(job.id, "runner-b", progress)
    assert await store.save_progress(job.id, "runner-a", progress)

    stored = await store.get_job(job.id)
    assert stored is not None and stored.progress_state == progress
    assert isinstance(stored.progress_state.scenes[1], SceneProgress)
    assert (stored.stage, stored.progress, stored.message) == ("render", 0.5, "scene 2 of 3")
    assert stored.lease_owner == "runner-a"

    later = progress.model_copy(update={"fraction": 0.75})
    assert await store.save_progress(job.id, None, later)
    await store.update_job(job.id, status="cancelled")
    assert not await store.save_progress(job.id, None, progress)
    final = await store.get_job(job.id)
    assert final is not None and final.progress_state == later and final.progress == 0.75
    assert not await store.save_progress("nope", None, progress)
    with pytest.raises(ValidationError):
        JobProgress(fraction=1.5)
