"""The store on a real SQLite file and a real artifact directory."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from pydantic import ValidationError
from sqlalchemy import create_engine, inspect, text

from tools.store import (
    AssembledVideo,
    CachedRender,
    InvalidCommitError,
    MissingArtifactError,
    NewSceneVersion,
    ProjectFields,
    RecordNotFoundError,
    Store,
    StoreConflictError,
    StoreUnavailableError,
    new_id,
)
from tools.store.migrate import alembic_config
from tools.store.tables import Base


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    with Store.open(tmp_path / "data") as opened:
        yield opened


def project_fields(project_id: str | None = None) -> ProjectFields:
    return ProjectFields(
        id=project_id or new_id(),
        title="Bayes",
        prompt="explain Bayes",
        style="3b1b",
        quality="low",
    )


def scene(store: Store, number: int, code: str, **fields: object) -> NewSceneVersion:
    """A scene version whose video artifact really exists (its bytes name the code)."""
    video = store.artifacts.put_bytes(f"video of {code}".encode(), ".mp4")
    frame = store.artifacts.put_bytes(f"frame of {code}".encode(), ".png")
    return NewSceneVersion(
        number=number,
        code=code,
        plan={"title": f"scene {number}", "narration": "..."},
        video=video,
        last_frame=frame,
        duration=2.0,
        layout_report={"animations": 3, "issues": []},
        render_log="ok",
        usage={"input_tokens": 10, "output_tokens": 20},
        **fields,
    )


def output(store: Store, label: str) -> AssembledVideo:
    return AssembledVideo(
        video=store.artifacts.put_bytes(f"assembled {label}".encode(), ".mp4"),
        thumbnail=store.artifacts.put_bytes(f"thumb {label}".encode(), ".png"),
        subtitles=store.artifacts.put_bytes(f"srt {label}".encode(), ".srt"),
        manifest=store.artifacts.put_bytes(f"manifest {label}".encode(), ".json"),
        duration=6.0,
    )


def generate(store: Store, project_id: str | None = None) -> str:
    """Commit a 3-scene first version; returns the project id."""
    fields = project_fields(project_id)
    scenes = [scene(store, n, f"code {n} v1") for n in (1, 2, 3)]
    store.commit_version(fields, scenes, output(store, "v1"), job_id=new_id())
    return fields.id


def test_migrations_create_every_table_matching_the_models(store: Store) -> None:
    engine = create_engine(f"sqlite:///{store.data_dir / 'manimgraph.db'}")
    try:
        with engine.connect() as connection:
            tables = set(inspect(connection).get_table_names())
            assert tables == set(Base.metadata.tables) | {"alembic_version"}
            assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
            head = ScriptDirectory.from_config(alembic_config()).get_current_head()
            assert MigrationContext.configure(connection).get_current_revision() == head
            assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
    finally:
        engine.dispose()
    assert set(store.counts()) == set(Base.metadata.tables)


def test_reopening_is_a_noop_and_a_second_store_sees_the_data(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    schema_sql = text("SELECT type, name, sql FROM sqlite_master ORDER BY name")
    with Store.open(data_dir) as first:
        project_id = generate(first)
        job = first.create_job("edit", project_id, {"scene": 2, "prompt": "bigger"})
        engine = create_engine(f"sqlite:///{data_dir / 'manimgraph.db'}")
        with engine.connect() as connection:
            schema = connection.execute(schema_sql).all()
        with Store.open(data_dir) as second:
            assert second.get_job(job.id) == job
            assert second.get_project(project_id) == first.get_project(project_id)
            assert second.counts() == first.counts()
        with engine.connect() as connection:
            assert connection.execute(schema_sql).all() == schema
        engine.dispose()


def test_unwritable_data_dir_is_a_one_line_store_error(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a directory")
    with pytest.raises(StoreUnavailableError, match="not writable") as caught:
        Store.open(blocker / "data")
    assert "\n" not in str(caught.value)


@pytest.mark.parametrize(
    ("url", "reason"),
    [
        ("postgresql+psycopg://user:secret@127.0.0.1:1/db", "127.0.0.1"),
        ("mysql://user:secret@localhost/db", "unsupported database"),
        ("not a url", "not a database URL"),
    ],
)
def test_a_bad_database_url_is_a_store_error_without_the_password(
    tmp_path: Path, url: str, reason: str
) -> None:
    with pytest.raises(StoreUnavailableError, match=reason) as caught:
        Store.open(tmp_path / "data", database_url=url)
    assert "secret" not in str(caught.value)


def test_artifacts_are_content_addressed_and_written_atomically(
    store: Store, tmp_path: Path
) -> None:
    source = tmp_path / "scene.mp4"
    source.write_bytes(b"\x00frames" * 1000)
    key = store.artifacts.put_file(source)
    assert key.endswith(".mp4")
    assert store.artifacts.path(key) == store.data_dir / "artifacts" / key[:2] / key[2:]
    assert store.artifacts.path(key).read_bytes() == source.read_bytes()
    assert store.artifacts.put_bytes(source.read_bytes(), "MP4") == key
    assert store.artifacts.put_file(source, ".mp4") == key
    other = store.artifacts.put_file(source, ".bin")
    assert other != key and other[:64] == key[:64]
    assert store.artifacts.exists(key)
    assert not store.artifacts.exists("../../etc/passwd")
    with pytest.raises(FileNotFoundError):
        store.artifacts.put_file(tmp_path / "missing.mp4")
    files = sorted(p for p in (store.data_dir / "artifacts").rglob("*") if p.is_file())
    assert files == sorted({store.artifacts.path(key), store.artifacts.path(other)})


def test_generate_then_edit_creates_versions_and_keeps_the_old_ones(store: Store) -> None:
    fields = project_fields()
    first = store.commit_version(
        fields, [scene(store, n, f"code {n} v1") for n in (1, 2, 3)], output(store, "v1")
    )
    assert first.version == 1
    assert [slot.number for slot in first.slots] == [1, 2, 3]
    original = {slot.number: slot.scene_version_id for slot in first.slots}

    edited = scene(store, 2, "code 2 v2", edit_prompt="make the circle red")
    kept = {1: original[1], 3: original[3]}
    second = store.commit_version(fields, [edited], output(store, "v2"), kept=kept)

    assert second.version == 2
    slots = {slot.number: slot.scene_version_id for slot in second.slots}
    assert slots[1] == original[1] and slots[3] == original[3]
    new_scene = store.scene_version(fields.id, 2)
    assert new_scene is not None and new_scene.id == slots[2]
    assert (new_scene.version, new_scene.parent_version_id) == (2, original[2])
    assert new_scene.edit_prompt == "make the circle red"

    old_scene = store.scene_version(fields.id, 2, version=1)
    assert old_scene is not None and old_scene.id == original[2] and old_scene.code == "code 2 v1"
    project = store.get_project(fields.id)
    assert project is not None
    assert [v.version for v in project.versions] == [1, 2]
    assert project.versions[0] == first
    assert project.current == second == store.current_version(fields.id)
    assert [[v.version for v in s.versions] for s in project.scenes] == [[1], [1, 2], [1]]
    assert store.counts()["scene_versions"] == 4
    assert store.counts()["project_version_slots"] == 6
    assert store.scene_version(fields.id, 4) is None
    assert store.scene_version(fields.id, 2, version=3) is None


def test_carry_over_keeps_both_of_two_edits_made_from_the_same_version(store: Store) -> None:
    project_id = generate(store)
    fields = project_fields(project_id)
    store.commit_version(fields, [scene(store, 1, "red")], output(store, "a"), carry_over=True)
    store.commit_version(fields, [scene(store, 3, "blue")], output(store, "b"), carry_over=True)
    codes = {n: store.scene_version(project_id, n) for n in (1, 2, 3)}
    assert {n: v.code for n, v in codes.items() if v} == {1: "red", 2: "code 2 v1", 3: "blue"}


def test_concurrent_commits_from_two_stores_serialise(tmp_path: Path) -> None:
    with Store.open(tmp_path / "data") as first, Store.open(tmp_path / "data") as second:
        project_id = generate(first)
        fields = project_fields(project_id)
        edits = [(first if n % 2 else second, scene(first, n, f"edit {n}")) for n in range(1, 9)]
        errors: list[BaseException] = []

        def commit(target: Store, new: NewSceneVersion) -> None:
            try:
                target.commit_version(fields, [new], output(target, new.code), carry_over=True)
            except BaseException as exc:  # collected, then asserted on the main thread
                errors.append(exc)

        threads = [threading.Thread(target=commit, args=edit) for edit in edits]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        current = first.current_version(project_id)
        assert current is not None and current.version == 9
        codes = [first.scene_version(project_id, n) for n in range(1, 9)]
        assert [v.code if v else None for v in codes] == [f"edit {n}" for n in range(1, 9)]


def test_a_commit_failing_midway_writes_nothing(store: Store) -> None:
    project_id = generate(store)
    other_project = generate(store)
    foreign = store.current_version(other_project)
    assert foreign is not None
    before = store.counts()
    new = [scene(store, 1, "new 1"), scene(store, 2, "new 2")]
    with pytest.raises(InvalidCommitError, match="slot 3"):
        store.commit_version(project_fields(), new, output(store, "x"), kept={3: "nope"})
    with pytest.raises(InvalidCommitError, match="slot 3"):
        store.commit_version(
            project_fields(project_id),
            new,
            output(store, "x"),
            kept={3: foreign.slots[0].scene_version_id},
        )
    with pytest.raises(InvalidCommitError, match="parent"):
        store.commit_version(
            project_fields(project_id),
            [scene(store, 1, "x", parent_version_id=foreign.slots[0].scene_version_id)],
            output(store, "x"),
        )
    with pytest.raises(InvalidCommitError, match="more than once"):
        store.commit_version(project_fields(project_id), new, output(store, "x"), kept={2: "id"})
    missing = output(store, "x").model_copy(update={"thumbnail": "f" * 64 + ".png"})
    with pytest.raises(MissingArtifactError):
        store.commit_version(project_fields(project_id), new, missing)
    assert store.counts() == before


def test_committing_twice_for_one_job_returns_the_first_version(store: Store) -> None:
    fields, job_id = project_fields(), new_id()
    scenes = [scene(store, 1, "only")]
    first = store.commit_version(fields, scenes, output(store, "v1"), job_id=job_id)
    before = store.counts()
    assert store.commit_version(fields, scenes, output(store, "v1"), job_id=job_id) == first
    assert store.counts() == before


def test_render_cache_upsert_is_idempotent(store: Store) -> None:
    video = store.artifacts.put_bytes(b"render", ".mp4")
    render = CachedRender(video=video, duration=1.5, layout_report={"animations": 2}, log="done")
    assert store.get_render("k1") is None
    store.put_render("k1", render)
    store.put_render("k1", render)
    assert store.get_render("k1") == render
    assert store.counts()["render_cache"] == 1
    replaced = render.model_copy(update={"duration": 2.5})
    store.put_render("k1", replaced)
    assert store.get_render("k1") == replaced
    with pytest.raises(MissingArtifactError):
        store.put_render("k2", render.model_copy(update={"last_frame": "0" * 64 + ".png"}))
    store.artifacts.path(video).unlink()
    assert store.get_render("k1") is None


def test_jobs_lifecycle(store: Store) -> None:
    generate_job = store.create_job("generate", None, {"prompt": "Bayes"})
    assert (generate_job.status, generate_job.progress, generate_job.stage) == ("queued", 0.0, None)
    project_id = generate(store, generate_job.project_id)
    edit_job = store.create_job("edit", project_id, {"scene": 1}, job_id="edit-1")
    assert edit_job.id == "edit-1"
    with pytest.raises(StoreConflictError, match="UNIQUE"):
        store.create_job("edit", project_id, {}, job_id="edit-1")

    running = store.update_job(generate_job.id, status="running", stage="plan", progress=0.25)
    assert (running.status, running.stage, running.progress) == ("running", "plan", 0.25)
    assert running.updated_at > generate_job.updated_at
    done = store.update_job(generate_job.id, status="completed", progress=1.0, result={"v": 1})
    assert store.get_job(generate_job.id) == done

    assert [job.id for job in store.list_jobs()] == ["edit-1", generate_job.id]
    assert [job.id for job in store.list_jobs(status="completed")] == [generate_job.id]
    assert [job.id for job in store.list_jobs(project_id=project_id, limit=1, offset=1)] == [
        generate_job.id
    ]
    with pytest.raises(ValidationError):
        store.update_job(edit_job.id, progress=1.5)
    with pytest.raises(ValidationError):
        store.update_job(edit_job.id, owner="me")  # type: ignore[call-arg]
    with pytest.raises(RecordNotFoundError):
        store.update_job("nope", status="failed")
    with pytest.raises(RecordNotFoundError):
        store.create_job("edit", "no-such-project", {})
    with pytest.raises(ValidationError):
        done.status = "failed"  # type: ignore[misc]
    assert store.get_job("nope") is None


def test_list_projects_shows_each_latest_version(store: Store) -> None:
    older = generate(store)
    newer = generate(store)
    fields = project_fields(older)
    store.commit_version(fields, [scene(store, 2, "edit")], output(store, "e"), carry_over=True)
    listed = store.list_projects()
    assert [p.id for p in listed] == [older, newer]
    assert [p.current.version if p.current else None for p in listed] == [2, 1]
    assert [p.id for p in store.list_projects(limit=1, offset=1)] == [newer]
