"""What the REST API needs from the store: keys, owners, idempotency, deletion, cleanup.

Real SQLite files and a real artifact directory; "old" rows and files are made old
by rewriting their timestamps, the way time would.
"""

from __future__ import annotations

import hashlib
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, datetime, timedelta
from functools import partial
from pathlib import Path
from typing import Any

import pytest
from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Engine, create_engine, inspect, text

from tests.test_store import generate, output, project_fields, scene
from tools.store import (
    ArtifactStore,
    CachedRender,
    InvalidTransitionError,
    JobRecord,
    RecordNotFoundError,
    Store,
    StoreConflictError,
    new_id,
)
from tools.store.migrate import alembic_config
from tools.store.tables import Base

HOUR = 3600.0


@pytest.fixture
def database(store: Store) -> Iterator[Engine]:
    """A second, plain connection to the store's SQLite file, to look at raw rows."""
    engine = create_engine(f"sqlite:///{store.data_dir / 'manimgraph.db'}")
    yield engine
    engine.dispose()


def age(path: Path, hours: float) -> None:
    """Make a file or directory look last written `hours` ago."""
    then = time.time() - hours * HOUR
    os.utime(path, (then, then))


def age_all_artifacts(store: Store, hours: float) -> None:
    for found in store.artifacts.scan():
        age(found.path, hours)


def race(calls: Sequence[Callable[[], Any]]) -> tuple[list[Any], list[BaseException]]:
    """Start every call at the same moment on its own thread; results and errors."""
    barrier = threading.Barrier(len(calls))
    results: list[Any] = []
    errors: list[BaseException] = []

    def run(call: Callable[[], Any]) -> None:
        barrier.wait()
        try:
            results.append(call())
        except BaseException as exc:  # collected, then asserted on the main thread
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results, errors


# Migration


def insert_revision_0001_rows(engine: Engine, artifacts: dict[str, str]) -> None:
    """A project with one version, a job and a cache entry, written as revision 0001 had them."""
    stamp = "2026-01-02 03:04:05.000000"
    statements = [
        "INSERT INTO projects VALUES ('p1', 'Old', 'old prompt', '3b1b', 'low', :t, :t)",
        "INSERT INTO scenes VALUES ('s1', 'p1', 1, :t)",
        "INSERT INTO scene_versions VALUES ('sv1', 's1', 1, 'code', '{}', :video, NULL, 2.0,"
        " NULL, 'log', NULL, NULL, 1, '[]', 0, NULL, '{}', :t)",
        "INSERT INTO project_versions VALUES ('pv1', 'p1', 1, :assembled, NULL, NULL, NULL, 2.0,"
        " 'j1', :t)",
        "INSERT INTO project_version_slots VALUES ('pv1', 1, 'sv1')",
        "INSERT INTO jobs VALUES ('j1', 'generate', 'p1', 'completed', 'done', 1.0, '', '{}',"
        " NULL, '{}', :t, :t)",
        "INSERT INTO render_cache VALUES ('k1', :video, NULL, 2.0, '{}', 'log', :t)",
    ]
    with engine.begin() as connection:
        for statement in statements:
            connection.execute(text(statement), {"t": stamp, **artifacts})


def test_a_database_at_revision_0001_with_rows_upgrades_and_downgrades(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    artifacts = ArtifactStore(data_dir / "artifacts")
    video = artifacts.put_bytes(b"scene video", ".mp4")
    assembled = artifacts.put_bytes(b"assembled", ".mp4")
    engine = create_engine(f"sqlite:///{data_dir / 'manimgraph.db'}")
    try:
        with engine.begin() as connection:
            command.upgrade(alembic_config(connection=connection), "0001")
        insert_revision_0001_rows(engine, {"video": video, "assembled": assembled})

        with Store.open(data_dir) as store:
            project = store.get_project("p1")
            job = store.get_job("j1")
            assert project is not None and project.owner is None
            assert project.current is not None and project.current.video == assembled
            assert project.scenes[0].versions[0].video == video
            assert job is not None and (job.owner, job.idempotency_key) == (None, None)
            assert job.status == "completed" and job.result == {}
            assert store.get_render("k1") is not None
            assert [p.id for p in store.list_projects()] == ["p1"]
            store.create_api_key("first")
            edit = store.create_job("edit", "p1", {}, owner=None, idempotency_key="again")
            assert store.find_job_by_idempotency(None, "again") == edit
            assert store.stats()["projects"] == 1

        with engine.connect() as connection:
            assert MigrationContext.configure(connection).get_current_revision() == "0002"
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []

        with engine.begin() as connection:
            command.downgrade(alembic_config(connection=connection), "0001")
        with engine.connect() as connection:
            schema = inspect(connection)
            assert "api_keys" not in schema.get_table_names()
            assert "owner" not in {c["name"] for c in schema.get_columns("jobs")}
            assert "owner" not in {c["name"] for c in schema.get_columns("projects")}
            assert connection.execute(text("SELECT count(*) FROM jobs")).scalar() == 2
            assert connection.execute(text("PRAGMA foreign_key_check")).all() == []

        with Store.open(data_dir) as store:
            assert store.get_job(edit.id) == edit.model_copy(update={"idempotency_key": None})
            assert store.list_api_keys() == []
    finally:
        engine.dispose()


# API keys


def test_api_keys_are_stored_as_hashes_and_verified(store: Store, database: Engine) -> None:
    assert not store.has_api_keys()
    record, plaintext = store.create_api_key("ci")
    other, other_plaintext = store.create_api_key("laptop")
    assert plaintext.startswith("mg_") and len(plaintext) >= 40
    assert plaintext != other_plaintext
    assert record.prefix == plaintext[:8] and record.active and record.revoked_at is None
    assert store.has_api_keys()

    with database.connect() as connection:
        rows = connection.execute(text("SELECT name, key_hash, prefix FROM api_keys")).all()
    stored = {name: key_hash for name, key_hash, _ in rows}
    assert stored["ci"] == hashlib.sha256(plaintext.encode()).hexdigest() != plaintext
    database_bytes = b"".join(
        path.read_bytes() for path in store.data_dir.glob("manimgraph.db*") if path.is_file()
    )
    assert stored["ci"].encode() in database_bytes
    assert plaintext.encode() not in database_bytes
    assert other_plaintext.encode() not in database_bytes

    assert store.verify_api_key(plaintext) == record
    assert store.verify_api_key(other_plaintext) == other
    assert store.verify_api_key(plaintext[:-1] + ("A" if plaintext[-1] != "A" else "B")) is None
    assert store.verify_api_key(plaintext[:8]) is None
    assert store.verify_api_key("") is None

    with pytest.raises(StoreConflictError):
        store.create_api_key("ci")
    with pytest.raises(ValidationError):
        store.create_api_key("")

    assert store.revoke_api_key("ci") is True
    assert store.revoke_api_key("ci") is False
    assert store.revoke_api_key("nobody") is False
    assert store.verify_api_key(plaintext) is None
    assert store.has_api_keys()
    listed = store.list_api_keys()
    assert [(k.name, k.active) for k in listed] == [("ci", False), ("laptop", True)]
    assert listed[0].revoked_at is not None and listed[0].revoked_at.tzinfo == UTC
    with pytest.raises(StoreConflictError):
        store.create_api_key("ci")
    store.revoke_api_key("laptop")
    assert not store.has_api_keys()


# Ownership


def test_every_read_shows_an_owner_only_its_own_rows(store: Store) -> None:
    alice, _ = store.create_api_key("alice")
    bob, _ = store.create_api_key("bob")
    mine = project_fields().model_copy(update={"owner": alice.id})
    theirs = project_fields().model_copy(update={"owner": bob.id})
    for fields in (mine, theirs):
        store.commit_version(fields, [scene(store, 1, f"code of {fields.id}")], output(store, "v"))
    unowned = generate(store)
    alice_job = store.create_job("edit", mine.id, {}, owner=alice.id)
    bob_job = store.create_job("generate", theirs.id, {}, owner=bob.id)
    store.create_job("generate", None, {})

    assert [p.id for p in store.list_projects(owner=alice.id)] == [mine.id]
    assert [p.owner for p in store.list_projects(owner=bob.id)] == [bob.id]
    assert {p.id for p in store.list_projects()} == {mine.id, theirs.id, unowned}
    assert (store.count_projects(owner=alice.id), store.count_projects()) == (1, 3)
    assert store.count_projects(owner="nobody") == 0
    project = store.get_project(mine.id, owner=alice.id)
    assert project is not None and project.owner == alice.id
    assert store.get_project(theirs.id, owner=alice.id) is None
    assert store.get_project(unowned, owner=alice.id) is None
    assert store.current_version(theirs.id, owner=alice.id) is None
    assert store.current_version(mine.id, owner=alice.id) is not None
    assert store.scene_version(theirs.id, 1, owner=alice.id) is None
    assert store.scene_version(theirs.id, 1, version=1, owner=alice.id) is None
    assert store.scene_version(mine.id, 1, owner=alice.id) is not None

    assert [j.id for j in store.list_jobs(owner=alice.id)] == [alice_job.id]
    assert [j.id for j in store.list_jobs(owner=bob.id, status="queued")] == [bob_job.id]
    assert store.list_jobs(owner=alice.id, project_id=theirs.id) == []
    assert (store.count_jobs(owner=alice.id), store.count_jobs()) == (1, 3)
    assert store.count_jobs("queued", project_id=theirs.id) == 1
    assert store.count_jobs("running") == 0
    assert store.get_job(bob_job.id, owner=alice.id) is None
    assert store.get_job(bob_job.id, owner=bob.id) == bob_job
    assert alice_job.owner == alice.id

    with pytest.raises(RecordNotFoundError):
        store.create_job("edit", theirs.id, {}, owner=alice.id)
    assert store.delete_project(theirs.id, owner=alice.id) is False
    assert store.get_project(theirs.id) is not None

    edit = scene(store, 1, "alice's edit")
    store.commit_version(theirs.model_copy(update={"owner": alice.id}), [edit], output(store, "e"))
    edited = store.get_project(theirs.id)
    assert edited is not None and edited.owner == bob.id and len(edited.versions) == 2


# Idempotency


def test_an_idempotency_key_names_one_job_per_owner(store: Store) -> None:
    first = store.create_job("generate", None, {"n": 1}, owner="alice", idempotency_key="k")
    assert first.idempotency_key == "k"
    with pytest.raises(StoreConflictError):
        store.create_job("generate", None, {"n": 2}, owner="alice", idempotency_key="k")
    bobs = store.create_job("generate", None, {}, owner="bob", idempotency_key="k")
    unowned = store.create_job("generate", None, {}, idempotency_key="k")
    with pytest.raises(StoreConflictError):
        store.create_job("generate", None, {}, idempotency_key="k")
    store.create_job("generate", None, {})
    store.create_job("generate", None, {})

    assert store.find_job_by_idempotency("alice", "k") == first
    assert store.find_job_by_idempotency("bob", "k") == bobs
    assert store.find_job_by_idempotency(None, "k") == unowned
    assert store.find_job_by_idempotency("alice", "other") is None
    assert store.count_jobs() == 5
    with pytest.raises(ValidationError):
        store.create_job("generate", None, {}, idempotency_key="x" * 256)


@pytest.mark.parametrize("owner", ["alice", None])
def test_two_concurrent_creates_with_one_key_make_one_job(
    tmp_path: Path, owner: str | None
) -> None:
    with Store.open(tmp_path / "data") as first, Store.open(tmp_path / "data") as second:
        for attempt in range(5):
            key = f"request-{attempt}"
            create = [
                partial(
                    target.create_job,
                    "generate",
                    None,
                    {"from": n},
                    owner=owner,
                    idempotency_key=key,
                )
                for n, target in enumerate((first, second))
            ]
            results, errors = race(create)
            assert len(results) == 1 and isinstance(results[0], JobRecord)
            assert len(errors) == 1 and isinstance(errors[0], StoreConflictError)
            assert second.find_job_by_idempotency(owner, key) == results[0]
        assert first.count_jobs() == 5


# Deleting a project


def test_deleting_a_project_removes_its_rows_and_only_its_unshared_files(store: Store) -> None:
    doomed = generate(store)
    fields = project_fields(doomed)
    store.commit_version(fields, [scene(store, 2, "edited")], output(store, "e"), carry_over=True)
    kept = project_fields()
    store.commit_version(kept, [scene(store, 1, "code 1 v1")], output(store, "kept"))
    cached = store.scene_version(doomed, 3)
    assert cached is not None
    store.put_render("cache-key", CachedRender(video=cached.video, duration=1.0, layout_report={}))
    job = store.create_job("edit", doomed, {"scene": 2})
    doomed_project = store.get_project(doomed)
    survivor = store.get_project(kept.id)
    assert doomed_project is not None and survivor is not None
    age_all_artifacts(store, hours=2)
    before = store.counts()

    assert store.delete_project(doomed) is True

    assert store.get_project(doomed) is None
    assert store.current_version(doomed) is None
    assert store.get_project(kept.id) == survivor
    assert store.get_job(job.id) == job
    after = store.counts()
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
    on_disk = {found.key for found in store.artifacts.scan()}
    assert on_disk == still_used
    assert files_of(doomed_project) - still_used, "some files were the doomed project's alone"
    assert store.delete_project(doomed) is False


def test_garbage_collection_spares_young_files(store: Store) -> None:
    project_id = generate(store)
    fresh = store.artifacts.put_bytes(b"stored by a job that has not committed yet", ".mp4")
    old = store.artifacts.put_bytes(b"left behind long ago", ".mp4")
    age(store.artifacts.path(old), hours=2)
    (store.artifacts.root / ".incoming-crashed").write_bytes(b"partial")
    age(store.artifacts.root / ".incoming-crashed", hours=2)

    assert store.collect_garbage() == 2
    assert store.artifacts.exists(fresh) and not store.artifacts.exists(old)
    assert not (store.artifacts.root / ".incoming-crashed").exists()
    age(store.artifacts.path(fresh), hours=2)
    assert store.artifacts.put_bytes(b"stored by a job that has not committed yet", ".mp4") == fresh
    assert store.collect_garbage() == 0, "storing the content again made it young"
    assert store.collect_garbage(grace=timedelta(0)) == 1
    project = store.get_project(project_id)
    assert project is not None and project.current is not None
    assert store.artifacts.exists(project.current.video)


# Cleanup


def make_jobs_old(engine: Engine, job_ids: list[str], days: int) -> None:
    then = datetime.now(UTC).replace(tzinfo=None) - timedelta(days=days)
    with engine.begin() as connection:
        for job_id in job_ids:
            connection.execute(
                text("UPDATE jobs SET created_at = :t, updated_at = :t WHERE id = :id"),
                {"t": then.isoformat(sep=" "), "id": job_id},
            )


def test_cleanup_deletes_old_finished_jobs_work_dirs_and_garbage(
    store: Store, database: Engine
) -> None:
    finished = {}
    for status in ("completed", "failed", "cancelled"):
        job = store.create_job("generate", None, {})
        store.update_job(job.id, status=status)
        finished[status] = job.id
    running = store.create_job("generate", None, {})
    store.update_job(running.id, status="running")
    recent = store.create_job("generate", None, {})
    store.update_job(recent.id, status="completed")
    make_jobs_old(database, [*finished.values(), running.id], days=30)

    work = store.data_dir / "work"
    crashed = work / "render-crashed"
    (crashed / "media").mkdir(parents=True)
    (crashed / "media" / "scene.mp4").write_bytes(b"x" * 1000)
    (crashed / "scene.py").write_bytes(b"y" * 24)
    age(crashed, hours=24 * 8)
    active = work / "render-active"
    active.mkdir()
    (active / "scene.py").write_bytes(b"z" * 10)

    referenced = generate(store)
    garbage = store.artifacts.put_bytes(b"g" * 300, ".mp4")
    young_garbage = store.artifacts.put_bytes(b"young", ".mp4")
    age_all_artifacts(store, hours=2)
    age(store.artifacts.path(young_garbage), hours=0)

    counts = store.counts()
    files = sorted(p for p in store.data_dir.rglob("*") if not p.name.startswith("manimgraph.db"))
    expected = {
        "jobs_deleted": 3,
        "work_dirs_deleted": 1,
        "artifacts_deleted": 1,
        "bytes_freed": 1000 + 24 + 300,
    }
    report = store.cleanup(timedelta(days=7), dry_run=True)
    assert report.model_dump() == expected
    assert store.counts() == counts
    assert (
        sorted(p for p in store.data_dir.rglob("*") if not p.name.startswith("manimgraph.db"))
        == files
    )

    assert store.cleanup(timedelta(days=7)).model_dump() == expected
    assert {j.id for j in store.list_jobs()} == {running.id, recent.id}
    assert not crashed.exists() and active.exists()
    assert not store.artifacts.exists(garbage) and store.artifacts.exists(young_garbage)
    assert store.get_project(referenced) is not None
    assert store.cleanup(timedelta(days=7)).model_dump() == dict.fromkeys(expected, 0)
    with pytest.raises(ValueError, match="negative"):
        store.cleanup(timedelta(days=-1))


# Stats


def test_stats_count_jobs_versions_cache_and_disk(store: Store) -> None:
    generate(store)
    project_id = generate(store)
    fallback = scene(store, 2, "card", fallback_used=True, fallback_reason="kept failing")
    store.commit_version(
        project_fields(project_id), [fallback], output(store, "f"), carry_over=True
    )
    video = store.artifacts.put_bytes(b"cached", ".mp4")
    store.put_render("k", CachedRender(video=video, duration=1.0, layout_report={}))
    store.create_job("generate", None, {})
    failed = store.create_job("edit", project_id, {})
    store.update_job(failed.id, status="failed")

    stats = store.stats()
    assert stats["jobs"] == {
        "generate": {"queued": 1, "running": 0, "completed": 0, "failed": 0, "cancelled": 0},
        "edit": {"queued": 0, "running": 0, "completed": 0, "failed": 1, "cancelled": 0},
    }
    assert (stats["projects"], stats["scene_versions"], stats["fallbacks"]) == (2, 7, 1)
    assert stats["render_cache_entries"] == 1
    on_disk = [p for p in store.artifacts.root.rglob("*") if p.is_file()]
    assert stats["artifacts"] == len(on_disk)
    assert stats["artifact_bytes"] == sum(p.stat().st_size for p in on_disk) > 0


# Revert


def test_committing_an_old_scene_version_as_kept_reverts_to_it(store: Store) -> None:
    project_id = generate(store)
    fields = project_fields(project_id)
    original = store.scene_version(project_id, 2)
    assert original is not None
    store.commit_version(
        fields, [scene(store, 2, "code 2 v2")], output(store, "v2"), carry_over=True
    )
    store.commit_version(
        fields, [scene(store, 1, "code 1 v2")], output(store, "v3"), carry_over=True
    )
    scene_versions = store.counts()["scene_versions"]

    job_id = new_id()
    revert = store.commit_version(
        fields, [], output(store, "v4"), kept={2: original.id}, carry_over=True, job_id=job_id
    )

    assert revert.version == 4
    current = store.scene_version(project_id, 2)
    assert current == original
    assert [
        s.code if s else None for s in (store.scene_version(project_id, n) for n in (1, 3))
    ] == [
        "code 1 v2",
        "code 3 v1",
    ]
    assert store.counts()["scene_versions"] == scene_versions
    second = store.commit_version(
        fields, [], output(store, "v4"), kept={2: original.id}, carry_over=True, job_id=job_id
    )
    assert second == revert


# Job state guard


def test_a_finished_job_only_changes_by_a_resume(store: Store) -> None:
    job = store.create_job("generate", None, {})
    running = store.transition_job(job.id, {"queued"}, status="running", stage="plan")
    assert running is not None and running.status == "running"
    assert store.transition_job(job.id, {"queued"}, status="running") is None

    cancelled = store.update_job(job.id, status="cancelled", error="by the user")
    late = store.transition_job(job.id, {"queued", "running"}, progress=0.9, message="late")
    assert late is None and store.get_job(job.id) == cancelled
    for changes in ({"progress": 0.9}, {"status": "completed"}, {"status": "failed"}):
        with pytest.raises(InvalidTransitionError, match="cancelled"):
            store.update_job(job.id, **changes)  # type: ignore[arg-type]
    assert store.get_job(job.id) == cancelled

    resumed = store.transition_job(job.id, {"failed", "cancelled"}, status="running", error=None)
    assert resumed is not None and (resumed.status, resumed.error) == ("running", None)
    store.update_job(job.id, status="failed", error="boom")
    assert store.update_job(job.id, status="queued").status == "queued"
    done = store.update_job(job.id, status="completed", progress=1.0)
    for status in ("running", "queued", "failed", "cancelled"):
        with pytest.raises(InvalidTransitionError, match="completed"):
            store.update_job(job.id, status=status)  # type: ignore[arg-type]
    with pytest.raises(InvalidTransitionError):
        store.transition_job(job.id, {"completed"}, status="running")
    assert store.get_job(job.id) == done
    with pytest.raises(RecordNotFoundError):
        store.transition_job("nope", {"running"}, progress=0.5)


def test_progress_racing_a_cancel_never_overwrites_it(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as worker, Store.open(tmp_path / "data") as api:
        job = worker.create_job("generate", None, {})
        worker.update_job(job.id, status="running")
        underway = threading.Event()

        def report_progress() -> list[JobRecord | None]:
            updates = []
            for step in range(200):
                updates.append(worker.transition_job(job.id, {"running"}, progress=step / 200))
                if step == 10:
                    underway.set()
            return updates

        def cancel() -> JobRecord | None:
            underway.wait(timeout=60)
            return api.transition_job(job.id, {"queued", "running"}, status="cancelled")

        results, errors = race([report_progress, cancel])
        assert errors == []
        progress = next(r for r in results if isinstance(r, list))
        final = worker.get_job(job.id)
        assert final is not None and final.status == "cancelled"
        accepted = [update for update in progress if update is not None]
        assert len(accepted) > 10 and progress[: len(accepted)] == accepted
        assert final.progress == accepted[-1].progress
