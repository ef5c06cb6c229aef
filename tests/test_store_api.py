"""What the REST API needs from the store: keys, owners, idempotency, deletion, cleanup.

Real databases (SQLite and PostgreSQL in turn) and a real artifact directory; "old"
rows and files are made old by rewriting their timestamps, the way time would.
"""

from __future__ import annotations

import asyncio
import hashlib
import os
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, inspect, text, update

from tests.conftest import open_test_store
from tests.test_store import generate, job_in, output, project_fields, scene
from tools.layout_models import LayoutReport
from tools.store import (
    CachedRender,
    InvalidTransitionError,
    JobProgress,
    JobRecord,
    LocalArtifacts,
    RecordNotFoundError,
    Store,
    StoreConflictError,
    new_id,
)
from tools.store.migrate import _head_revision, alembic_config
from tools.store.tables import Base, Job

HOUR = 3600.0
NO_ISSUES = LayoutReport(animations=1)


@pytest.fixture
def database(database_url: str) -> Iterator[Engine]:
    """A second, plain (sync) connection to the store's database, to look at raw rows."""
    engine = create_engine(database_url)
    yield engine
    engine.dispose()


def age(path: Path, hours: float) -> None:
    """Make a file or directory look last written `hours` ago."""
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))


async def age_all_artifacts(store: Store, hours: float) -> None:
    artifacts = local(store)
    async for found in artifacts.scan():
        age(artifacts.path(found.name), hours)


def local(store: Store) -> LocalArtifacts:
    """The store's artifact directory (these tests age its files)."""
    assert isinstance(store.artifacts, LocalArtifacts)
    return store.artifacts


# Migration


def insert_revision_0001_rows(engine: Engine, artifacts: dict[str, str]) -> None:
    """A project with one version, a job and a cache entry, written as revision 0001 had them."""
    stamp = "2026-01-02 03:04:05.000000"
    statements = [
        "INSERT INTO projects VALUES ('p1', 'Old', 'old prompt', '3b1b', 'low', :t, :t)",
        "INSERT INTO scenes VALUES ('s1', 'p1', 1, :t)",
        "INSERT INTO scene_versions VALUES ('sv1', 's1', 1, 'code', '{}', :video, NULL, 2.0,"
        " NULL, 'log', NULL, NULL, 1, '[]', FALSE, NULL, '{}', :t)",
        "INSERT INTO project_versions VALUES ('pv1', 'p1', 1, :assembled, NULL, NULL, NULL, 2.0,"
        " 'j1', :t)",
        "INSERT INTO project_version_slots VALUES ('pv1', 1, 'sv1')",
        "INSERT INTO jobs VALUES ('j1', 'generate', 'p1', 'completed', 'done', 1.0, '', '{}',"
        " NULL, '{}', :t, :t)",
        "INSERT INTO render_cache VALUES ('k1', :video, NULL, 2.0, '{\"animations\": 1}',"
        " 'log', :t)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"t": stamp, **artifacts})


async def test_a_database_at_revision_0001_with_rows_upgrades_and_downgrades(
    tmp_path: Path, database_url: str, database: Engine
) -> None:
    data_dir = tmp_path / "data"
    artifacts = LocalArtifacts(data_dir / "artifacts")
    video = await artifacts.put_bytes(b"scene video", ".mp4")
    assembled = await artifacts.put_bytes(b"assembled", ".mp4")
    with database.begin() as connection:
        command.upgrade(alembic_config(connection=connection), "0001")
    insert_revision_0001_rows(database, {"video": video, "assembled": assembled})

    async with Store.connect(data_dir, database_url=database_url) as store:
        project = await store.get_project("p1")
        job = await store.get_job("j1")
        assert project is not None and (project.owner, project.status) == (None, "ready")
        assert project.current is not None and project.current.video == assembled
        assert project.current.description is None
        assert project.scenes[0].versions[0].video == video
        assert project.scenes[0].versions[0].layout_report is None
        assert job is not None and (job.owner, job.idempotency_key) == (None, None)
        assert job.status == "completed" and job.result == {}
        assert (job.progress_state, job.lease_owner) == (JobProgress(), None)
        cached = await store.get_render("k1")
        assert cached is not None and cached.layout_report == NO_ISSUES
        assert [p.id for p in await store.list_projects()] == ["p1"]
        await store.create_api_key("first")
        edit = await store.create_job("edit", "p1", {}, owner=None, idempotency_key="again")
        assert await store.find_job_by_idempotency(None, "again") == edit
        assert (await store.stats())["projects"] == 1

    with database.connect() as connection:
        head = ScriptDirectory.from_config(alembic_config()).get_current_head()
        assert head == _head_revision()  # the store's own reading, which skips Alembic at head
        assert MigrationContext.configure(connection).get_current_revision() == head
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []

    with database.begin() as connection:
        command.downgrade(alembic_config(connection=connection), "0001")
    with database.connect() as connection:
        schema = inspect(connection)
        later = {"api_keys", "speech_cache", "assets", "batches", "scene_renders"}  # after 0001
        assert not later & set(schema.get_table_names())
        columns = {
            table: {c["name"] for c in schema.get_columns(table)}
            for table in Base.metadata.tables
            if table not in later
        }
        assert not {"owner", "lease_owner", "progress_state"} & columns["jobs"]
        assert not {"owner", "status"} & columns["projects"]
        assert "description" not in columns["project_versions"]
        assert connection.execute(text("SELECT count(*) FROM jobs")).scalar() == 2
        assert connection.execute(text("SELECT count(*) FROM scene_versions")).scalar() == 1
        if database.dialect.name == "sqlite":
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []

    async with Store.connect(data_dir, database_url=database_url) as store:
        assert await store.get_job(edit.id) == edit.model_copy(update={"idempotency_key": None})
        assert await store.list_api_keys() == []


# API keys


async def test_api_keys_are_stored_as_hashes_and_verified(store: Store, database: Engine) -> None:
    assert not await store.has_api_keys()
    record, plaintext = await store.create_api_key("ci")
    other, other_plaintext = await store.create_api_key("laptop")
    assert plaintext.startswith("mg_") and len(plaintext) >= 40
    assert plaintext != other_plaintext
    assert record.prefix == plaintext[:8] and record.active and record.revoked_at is None
    assert await store.has_api_keys()

    with database.connect() as connection:
        rows = connection.execute(text("SELECT name, key_hash, prefix FROM api_keys")).all()
    stored = {name: key_hash for name, key_hash, _ in rows}
    assert stored["ci"] == hashlib.sha256(plaintext.encode()).hexdigest() != plaintext
    if database.dialect.name == "sqlite":
        file = Path(database.url.database or "")
        database_bytes = b"".join(p.read_bytes() for p in file.parent.glob(f"{file.name}*"))
        assert stored["ci"].encode() in database_bytes
        assert plaintext.encode() not in database_bytes
        assert other_plaintext.encode() not in database_bytes

    assert await store.verify_api_key(plaintext) == record
    assert await store.verify_api_key(other_plaintext) == other
    assert (
        await store.verify_api_key(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    )
    assert await store.verify_api_key(plaintext[:8]) is None
    assert await store.verify_api_key("") is None

    with pytest.raises(StoreConflictError):
        await store.create_api_key("ci")
    with pytest.raises(ValidationError):
        await store.create_api_key("")

    assert await store.revoke_api_key("ci") is True
    assert await store.revoke_api_key("ci") is False
    assert await store.revoke_api_key("nobody") is False
    assert await store.verify_api_key(plaintext) is None
    assert await store.has_api_keys()
    listed = await store.list_api_keys()
    assert [(k.name, k.active) for k in listed] == [("ci", False), ("laptop", True)]
    assert listed[0].revoked_at is not None and listed[0].revoked_at.tzinfo == UTC
    with pytest.raises(StoreConflictError):
        await store.create_api_key("ci")
    await store.revoke_api_key("laptop")
    assert not await store.has_api_keys()


# Ownership


async def test_every_read_shows_an_owner_only_its_own_rows(store: Store) -> None:
    alice, _ = await store.create_api_key("alice")
    bob, _ = await store.create_api_key("bob")
    mine = project_fields().model_copy(update={"owner": alice.id})
    theirs = project_fields().model_copy(update={"owner": bob.id})
    for fields in (mine, theirs):
        await store.commit_version(
            fields, [await scene(store, 1, f"code of {fields.id}")], await output(store, "v")
        )
    unowned = await generate(store)
    alice_job = await store.create_job("edit", mine.id, {}, owner=alice.id)
    bob_job = await store.create_job("generate", theirs.id, {}, owner=bob.id)
    await store.create_job("generate", None, {})

    assert [p.id for p in await store.list_projects(owner=alice.id)] == [mine.id]
    assert [p.owner for p in await store.list_projects(owner=bob.id)] == [bob.id]
    assert {p.id for p in await store.list_projects()} == {mine.id, theirs.id, unowned}
    assert (await store.count_projects(owner=alice.id), await store.count_projects()) == (1, 3)
    assert await store.count_projects(owner="nobody") == 0
    project = await store.get_project(mine.id, owner=alice.id)
    assert project is not None and project.owner == alice.id
    assert await store.get_project(theirs.id, owner=alice.id) is None
    assert await store.get_project(unowned, owner=alice.id) is None
    assert await store.current_version(theirs.id, owner=alice.id) is None
    assert await store.current_version(mine.id, owner=alice.id) is not None
    assert await store.scene_version(theirs.id, 1, owner=alice.id) is None
    assert await store.scene_version(theirs.id, 1, version=1, owner=alice.id) is None
    assert await store.scene_version(mine.id, 1, owner=alice.id) is not None

    assert [j.id for j in await store.list_jobs(owner=alice.id)] == [alice_job.id]
    assert [j.id for j in await store.list_jobs(owner=bob.id, status="queued")] == [bob_job.id]
    assert await store.list_jobs(owner=alice.id, project_id=theirs.id) == []
    assert (await store.count_jobs(owner=alice.id), await store.count_jobs()) == (1, 3)
    assert await store.count_jobs("queued", project_id=theirs.id) == 1
    assert await store.count_jobs("running") == 0
    assert await store.get_job(bob_job.id, owner=alice.id) is None
    assert await store.get_job(bob_job.id, owner=bob.id) == bob_job
    assert alice_job.owner == alice.id

    with pytest.raises(RecordNotFoundError):
        await store.create_job("edit", theirs.id, {}, owner=alice.id)
    assert await store.delete_project(theirs.id, owner=alice.id) is False
    assert await store.get_project(theirs.id) is not None

    edit = await scene(store, 1, "alice's edit")
    await store.commit_version(
        theirs.model_copy(update={"owner": alice.id}), [edit], await output(store, "e")
    )
    edited = await store.get_project(theirs.id)
    assert edited is not None and edited.owner == bob.id and len(edited.versions) == 2


# Idempotency


async def test_an_idempotency_key_names_one_job_per_owner(store: Store) -> None:
    first = await store.create_job("generate", None, {"n": 1}, owner="alice", idempotency_key="k")
    assert first.idempotency_key == "k"
    with pytest.raises(StoreConflictError):
        await store.create_job("generate", None, {"n": 2}, owner="alice", idempotency_key="k")
    bobs = await store.create_job("generate", None, {}, owner="bob", idempotency_key="k")
    unowned = await store.create_job("generate", None, {}, idempotency_key="k")
    with pytest.raises(StoreConflictError):
        await store.create_job("generate", None, {}, idempotency_key="k")
    await store.create_job("generate", None, {})
    await store.create_job("generate", None, {})

    assert await store.find_job_by_idempotency("alice", "k") == first
    assert await store.find_job_by_idempotency("bob", "k") == bobs
    assert await store.find_job_by_idempotency(None, "k") == unowned
    assert await store.find_job_by_idempotency("alice", "other") is None
    assert await store.count_jobs() == 5
    with pytest.raises(ValidationError):
        await store.create_job("generate", None, {}, idempotency_key="x" * 256)


@pytest.mark.parametrize("owner", ["alice", None])
async def test_two_concurrent_creates_with_one_key_make_one_job(
    tmp_path: Path, database_url: str, owner: str | None
) -> None:
    first = await open_test_store(tmp_path, database_url)
    second = await open_test_store(tmp_path, database_url)
    try:
        for attempt in range(5):
            key = f"request-{attempt}"
            outcomes = await asyncio.gather(
                *(
                    target.create_job(
                        "generate", None, {"from": n}, owner=owner, idempotency_key=key
                    )
                    for n, target in enumerate((first, second))
                ),
                return_exceptions=True,
            )
            results = [o for o in outcomes if isinstance(o, JobRecord)]
            errors = [o for o in outcomes if isinstance(o, BaseException)]
            assert len(results) == 1
            assert len(errors) == 1 and isinstance(errors[0], StoreConflictError)
            assert await second.find_job_by_idempotency(owner, key) == results[0]
        assert await first.count_jobs() == 5
    finally:
        await first.close()
        await second.close()


# Deleting a project


async def test_deleting_a_project_removes_its_rows_and_only_its_unshared_files(
    store: Store,
) -> None:
    doomed = await generate(store)
    fields = project_fields(doomed)
    await store.commit_version(
        fields, [await scene(store, 2, "edited")], await output(store, "e"), carry_over=True
    )
    kept = project_fields()
    await store.commit_version(
        kept, [await scene(store, 1, "code 1 v1")], await output(store, "kept")
    )
    cached = await store.scene_version(doomed, 3)
    assert cached is not None
    await store.put_render(
        "cache-key", CachedRender(video=cached.video, duration=1.0, layout_report=NO_ISSUES)
    )
    job = await store.create_job("edit", doomed, {"scene": 2})
    doomed_project = await store.get_project(doomed)
    survivor = await store.get_project(kept.id)
    assert doomed_project is not None and survivor is not None
    await age_all_artifacts(store, hours=2)
    before = await store.counts()

    assert await store.delete_project(doomed) is True

    assert await store.get_project(doomed) is None
    assert await store.current_version(doomed) is None
    assert await store.get_project(kept.id) == survivor
    assert await store.get_job(job.id) == job
    after = await store.counts()
    assert after["projects"] == before["projects"] - 1
    assert after["scenes"] == before["scenes"] - 3
    assert after["scene_versions"] == before["scene_versions"] - 4
    assert after["project_versions"] == before["project_versions"] - 2
    assert after["project_version_slots"] == before["project_version_slots"] - 6
    assert after["jobs"] == before["jobs"] and after["render_cache"] == 1

    def files_of(project: Any) -> set[str]:
        scene_files = {
            key
            for s in project.scenes
            for v in s.versions
            for key in (v.video, v.last_frame)
            if key
        }
        version_files = {
            key
            for v in project.versions
            for key in (v.video, v.thumbnail, v.subtitles, v.manifest)
            if key
        }
        return scene_files | version_files

    shared = files_of(doomed_project) & files_of(survivor)
    assert shared, "the surviving project reuses scene 1's render"
    still_used = files_of(survivor) | {cached.video}
    on_disk = {found.key async for found in store.artifacts.scan()}
    assert on_disk == still_used
    assert files_of(doomed_project) - still_used, "some files were the doomed project's alone"
    assert await store.delete_project(doomed) is False


async def test_garbage_collection_spares_young_files(store: Store) -> None:
    project_id = await generate(store)
    artifacts = local(store)
    fresh = await artifacts.put_bytes(b"stored by a job that has not committed yet", ".mp4")
    old = await artifacts.put_bytes(b"left behind long ago", ".mp4")
    age(artifacts.path(old), hours=2)
    (artifacts.root / ".incoming-crashed").write_bytes(b"partial")
    age(artifacts.root / ".incoming-crashed", hours=2)

    assert await store.collect_garbage() == 2
    assert await artifacts.exists(fresh) and not await artifacts.exists(old)
    assert not (artifacts.root / ".incoming-crashed").exists()
    age(artifacts.path(fresh), hours=2)
    assert await artifacts.put_bytes(b"stored by a job that has not committed yet", ".mp4") == fresh
    assert await store.collect_garbage() == 0, "storing the content again made it young"
    assert await store.collect_garbage(grace=timedelta(0)) == 1
    project = await store.get_project(project_id)
    assert project is not None and project.current is not None
    assert await artifacts.exists(project.current.video)


# Cleanup


def make_jobs_old(engine: Engine, job_ids: list[str], days: int) -> None:
    then = datetime.now(UTC) - timedelta(days=days)
    with engine.begin() as connection:
        connection.execute(
            update(Job).where(Job.id.in_(job_ids)).values(created_at=then, updated_at=then)
        )


async def test_cleanup_deletes_old_finished_jobs_work_dirs_and_garbage(
    store: Store, database: Engine
) -> None:
    finished = [(await job_in(store, status)).id for status in ("completed", "failed", "cancelled")]
    running = await job_in(store, "running")
    recent = await job_in(store, "completed")
    make_jobs_old(database, [*finished, running.id], days=30)

    work = store.data_dir / "work"
    crashed = work / "render-crashed"
    (crashed / "media").mkdir(parents=True)
    (crashed / "media" / "scene.mp4").write_bytes(b"x" * 1000)
    (crashed / "scene.py").write_bytes(b"y" * 24)
    age(crashed, hours=24 * 8)
    active = work / "render-active"
    active.mkdir()
    (active / "scene.py").write_bytes(b"z" * 10)

    referenced = await generate(store)
    garbage = await store.artifacts.put_bytes(b"g" * 300, ".mp4")
    young_garbage = await store.artifacts.put_bytes(b"young", ".mp4")
    await age_all_artifacts(store, hours=2)
    age(local(store).path(young_garbage), hours=0)

    counts = await store.counts()
    files = sorted(store.data_dir.rglob("*"))
    expected = {
        "jobs_deleted": 3,
        "work_dirs_deleted": 1,
        "artifacts_deleted": 1,
        "bytes_freed": 1000 + 24 + 300,
    }
    report = await store.cleanup(timedelta(days=7), dry_run=True)
    assert report.model_dump() == expected
    assert await store.counts() == counts
    assert sorted(store.data_dir.rglob("*")) == files

    assert (await store.cleanup(timedelta(days=7))).model_dump() == expected
    assert {j.id for j in await store.list_jobs()} == {running.id, recent.id}
    assert not crashed.exists() and active.exists()
    assert not await store.artifacts.exists(garbage)
    assert await store.artifacts.exists(young_garbage)
    assert await store.get_project(referenced) is not None
    assert (await store.cleanup(timedelta(days=7))).model_dump() == dict.fromkeys(expected, 0)
    with pytest.raises(ValueError, match="negative"):
        await store.cleanup(timedelta(days=-1))


# Stats


async def test_stats_count_jobs_versions_cache_and_disk(store: Store) -> None:
    await generate(store)
    project_id = await generate(store)
    fallback = await scene(store, 2, "card", fallback_used=True, fallback_reason="kept failing")
    await store.commit_version(
        project_fields(project_id), [fallback], await output(store, "f"), carry_over=True
    )
    video = await store.artifacts.put_bytes(b"cached", ".mp4")
    await store.put_render("k", CachedRender(video=video, duration=1.0, layout_report=NO_ISSUES))
    await store.create_job("generate", None, {})
    failed = await store.create_job("edit", project_id, {})
    await store.update_job(failed.id, status="failed")

    stats = await store.stats()
    assert stats["jobs"] == {
        "generate": {"queued": 1, "running": 0, "completed": 0, "failed": 0, "cancelled": 0},
        "edit": {"queued": 0, "running": 0, "completed": 0, "failed": 1, "cancelled": 0},
    }
    assert (stats["projects"], stats["scene_versions"], stats["fallbacks"]) == (2, 7, 1)
    assert stats["render_cache_entries"] == 1
    on_disk = [p for p in local(store).root.rglob("*") if p.is_file()]
    assert stats["artifacts"] == len(on_disk)
    assert stats["artifact_bytes"] == sum(p.stat().st_size for p in on_disk) > 0


# Revert


async def test_committing_an_old_scene_version_as_kept_reverts_to_it(store: Store) -> None:
    project_id = await generate(store)
    fields = project_fields(project_id)
    original = await store.scene_version(project_id, 2)
    assert original is not None
    await store.commit_version(
        fields, [await scene(store, 2, "code 2 v2")], await output(store, "v2"), carry_over=True
    )
    await store.commit_version(
        fields, [await scene(store, 1, "code 1 v2")], await output(store, "v3"), carry_over=True
    )
    scene_versions = (await store.counts())["scene_versions"]

    job_id = new_id()
    revert = await store.commit_version(
        fields, [], await output(store, "v4"), kept={2: original.id}, carry_over=True, job_id=job_id
    )

    assert revert.version == 4
    current = await store.scene_version(project_id, 2)
    assert current == original
    assert [v.code for v in await store.current_scenes(project_id)] == [
        "code 1 v2",
        "code 2 v1",
        "code 3 v1",
    ]
    assert (await store.counts())["scene_versions"] == scene_versions
    second = await store.commit_version(
        fields, [], await output(store, "v4"), kept={2: original.id}, carry_over=True, job_id=job_id
    )
    assert second == revert


# Job state guard


async def test_a_finished_job_only_changes_by_a_resume(store: Store) -> None:
    job = await store.create_job("generate", None, {})
    running = await store.transition_job(job.id, {"queued"}, status="running", stage="plan")
    assert running is not None and running.status == "running"
    assert await store.transition_job(job.id, {"queued"}, status="running") is None

    cancelled = await store.update_job(job.id, status="cancelled", error="by the user")
    late = await store.transition_job(job.id, {"queued", "running"}, progress=0.9, message="late")
    assert late is None and await store.get_job(job.id) == cancelled
    for changes in ({"progress": 0.9}, {"status": "completed"}, {"status": "failed"}):
        with pytest.raises(InvalidTransitionError, match="cancelled"):
            await store.update_job(job.id, **changes)  # type: ignore[arg-type]
    assert await store.get_job(job.id) == cancelled

    with pytest.raises(InvalidTransitionError, match="may become: queued"):
        await store.transition_job(job.id, {"failed", "cancelled"}, status="running")
    resumed = await store.transition_job(
        job.id, {"failed", "cancelled"}, status="queued", error=None
    )
    assert resumed is not None and (resumed.status, resumed.error) == ("queued", None)
    await store.update_job(job.id, status="running")
    await store.update_job(job.id, status="failed", error="boom")
    assert (await store.update_job(job.id, status="queued")).status == "queued"
    await store.update_job(job.id, status="running")
    done = await store.update_job(job.id, status="completed", progress=1.0)
    for status in ("running", "queued", "failed", "cancelled"):
        with pytest.raises(InvalidTransitionError, match="completed"):
            await store.update_job(job.id, status=status)  # type: ignore[arg-type]
    with pytest.raises(InvalidTransitionError):
        await store.transition_job(job.id, {"completed"}, status="running")
    assert await store.get_job(job.id) == done
    with pytest.raises(RecordNotFoundError):
        await store.transition_job("nope", {"running"}, progress=0.5)


async def test_progress_racing_a_cancel_never_overwrites_it(
    tmp_path: Path, database_url: str
) -> None:
    worker = await open_test_store(tmp_path, database_url)
    api = await open_test_store(tmp_path, database_url)
    try:
        job = await worker.create_job("generate", None, {})
        await worker.update_job(job.id, status="running")
        underway = asyncio.Event()

        async def report_progress() -> list[JobRecord | None]:
            updates = []
            for step in range(200):
                updates.append(
                    await worker.transition_job(job.id, {"running"}, progress=step / 200)
                )
                if step == 10:
                    underway.set()
            return updates

        async def cancel() -> JobRecord | None:
            await asyncio.wait_for(underway.wait(), timeout=60)
            return await api.transition_job(job.id, {"queued", "running"}, status="cancelled")

        progress, cancelled = await asyncio.gather(report_progress(), cancel())
        final = await worker.get_job(job.id)
        assert final is not None and final == cancelled and final.status == "cancelled"
        accepted = [update for update in progress if update is not None]
        assert len(accepted) > 10 and progress[: len(accepted)] == accepted
        assert final.progress == accepted[-1].progress
    finally:
        await worker.close()
        await api.close()
