"""The artifact store on both back ends, the local directory and S3 (moto's server over
real HTTP), through the interface every caller uses; then the store's guarantees on top
of it: garbage collection from the database's references, and no row naming a missing
object."""

from __future__ import annotations

import hashlib
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx
import pytest

from tests.s3_fixtures import S3Bucket
from tests.test_store import generate, output, project_fields, scene
from tools.store import (
    LocalArtifacts,
    MissingArtifactError,
    RangeNotSatisfiableError,
    S3Artifacts,
    Store,
    StoreUnavailableError,
)

CONTENT = bytes(range(256)) * 5000  # 1.28 MB: several stream chunks


@pytest.fixture
async def store(tmp_path: Path, artifacts_url: str | None) -> AsyncIterator[Store]:
    """A SQLite store whose artifacts live on each back end in turn."""
    opened = await Store.open(tmp_path / "data", artifacts_url=artifacts_url)
    yield opened
    await opened.close()


async def read_all(
    store: Store, key: str, first: int | None = None, last: int | None = None
) -> tuple[int, int, int, bytes]:
    stream = await store.artifacts.open_stream(key, first, last)
    data = b"".join([chunk async for chunk in stream.chunks])
    assert len(data) == stream.stop - stream.start
    return stream.size, stream.start, stream.stop, data


async def test_put_read_stream_copy_and_describe(
    store: Store, artifacts_url: str | None, tmp_path: Path
) -> None:
    source = tmp_path / "scene.MP4"
    source.write_bytes(CONTENT)
    key = await store.artifacts.put_file(source)
    assert key == hashlib.sha256(CONTENT).hexdigest() + ".mp4"
    assert await store.artifacts.put_bytes(CONTENT, "mp4") == key
    assert await store.artifacts.exists(key)
    assert not await store.artifacts.exists("0" * 64 + ".mp4")
    assert not await store.artifacts.exists("../../etc/passwd")
    assert await store.artifacts.read_bytes(key) == CONTENT

    size = len(CONTENT)
    assert await read_all(store, key) == (size, 0, size, CONTENT)
    assert await read_all(store, key, 10, 19) == (size, 10, 20, CONTENT[10:20])
    assert await read_all(store, key, size - 5) == (size, size - 5, size, CONTENT[-5:])
    assert await read_all(store, key, None, 7) == (size, size - 7, size, CONTENT[-7:])
    assert await read_all(store, key, 0, size + 100) == (size, 0, size, CONTENT)
    with pytest.raises(RangeNotSatisfiableError):
        await store.artifacts.open_stream(key, size)

    scratch = tmp_path / "scratch"
    scratch.mkdir()
    copy = await store.artifacts.local_copy(key, scratch)
    assert copy.read_bytes() == CONTENT
    where = store.artifacts.describe(key)
    if artifacts_url is None:
        assert isinstance(store.artifacts, LocalArtifacts)
        assert copy == Path(where) == store.artifacts.path(key), "the local file, not a copy"
        assert not list(scratch.iterdir())
        assert await store.artifacts.presigned_url(key, timedelta(minutes=1)) is None
    else:
        assert isinstance(store.artifacts, S3Artifacts)
        assert copy == scratch / key
        assert where == f"{artifacts_url}/{key}"
        assert not (store.data_dir / "artifacts").exists()

    missing = "f" * 64 + ".mp4"
    with pytest.raises(FileNotFoundError):
        await store.artifacts.read_bytes(missing)
    with pytest.raises(FileNotFoundError):
        await store.artifacts.open_stream(missing)
    with pytest.raises(FileNotFoundError):
        await store.artifacts.local_copy(missing, scratch)
    with pytest.raises(FileNotFoundError):
        await store.artifacts.put_file(tmp_path / "missing.mp4")


async def test_scan_and_delete(store: Store) -> None:
    video = await store.artifacts.put_bytes(b"video bytes", ".mp4")
    frame = await store.artifacts.put_bytes(b"frame", ".png")
    found = {item.key: item async for item in store.artifacts.scan()}
    assert set(found) == {video, frame}
    assert (found[video].size, found[frame].size) == (11, 5)

    await store.artifacts.delete([video, "e" * 64 + ".mp4"])

    assert [item.key async for item in store.artifacts.scan()] == [frame]
    assert not await store.artifacts.exists(video)
    with pytest.raises(ValueError, match="not an artifact key"):
        await store.artifacts.delete(["../manimgraph.db"])
    stats = await store.stats()
    assert (stats["artifacts"], stats["artifact_bytes"]) == (1, 5)


async def test_storing_stored_content_succeeds_and_keeps_one_object(store: Store) -> None:
    first = await store.artifacts.put_bytes(b"same bytes", ".srt")
    assert await store.artifacts.put_bytes(b"same bytes", ".srt") == first
    assert [item.key async for item in store.artifacts.scan()] == [first]


async def test_s3_writes_are_conditional_and_refresh_old_objects(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    """A PUT never replaces an object (If-None-Match: *): a planted object under the key
    survives a put of its content. Only an object older than `refresh_after` is written
    again, so that garbage collection sees it young."""
    content = b"the real content"
    key = hashlib.sha256(content).hexdigest() + ".mp4"
    s3_bucket.put(key, b"planted")
    async with Store.connect(tmp_path / "data", artifacts_url=s3_bucket.url) as store:
        assert await store.artifacts.put_bytes(content, ".mp4") == key
        assert s3_bucket.get(key)["Body"].read() == b"planted", "the PUT was conditional"

        assert isinstance(store.artifacts, S3Artifacts)
        store.artifacts.refresh_after = timedelta(0)
        assert await store.artifacts.put_bytes(content, ".mp4") == key
        stored = s3_bucket.get(key)
        assert stored["Body"].read() == content, "an old object is written again"
        assert stored["ContentType"] == "video/mp4"
    assert s3_bucket.stored_keys() == {key}


async def test_s3_presigned_url_serves_the_object_over_plain_http(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    async with Store.connect(tmp_path / "data", artifacts_url=s3_bucket.url) as store:
        key = await store.artifacts.put_bytes(CONTENT, ".mp4")
        url = await store.artifacts.presigned_url(key, timedelta(minutes=5))
    assert url is not None and url.startswith(s3_bucket.endpoint)
    async with httpx.AsyncClient() as client:
        answer = await client.get(url)
        unsigned = await client.get(url.split("?")[0])
    assert answer.status_code == 200 and answer.content == CONTENT
    assert answer.headers["content-type"] == "video/mp4"
    assert unsigned.status_code == 403, "the bucket is not public: the signature opens it"


async def test_garbage_collection_deletes_only_unreferenced_objects(store: Store) -> None:
    project_id = await generate(store)
    project = await store.get_project(project_id)
    assert project is not None
    referenced = {
        key for s in project.scenes for v in s.versions for key in (v.video, v.last_frame) if key
    } | {
        key
        for v in project.versions
        for key in (v.video, v.thumbnail, v.subtitles, v.manifest)
        if key
    }
    garbage = {await store.artifacts.put_bytes(f"left {n}".encode(), ".mp4") for n in range(3)}
    stored = {item.key async for item in store.artifacts.scan()}
    assert stored == referenced | garbage

    assert await store.collect_garbage() == 0, "young objects are spared"
    report = await store.cleanup(timedelta(0), dry_run=True)
    assert report.artifacts_deleted == 3
    assert {item.key async for item in store.artifacts.scan()} == stored
    assert await store.collect_garbage(grace=timedelta(0)) == 3

    assert {item.key async for item in store.artifacts.scan()} == referenced
    for key in referenced:
        assert await store.artifacts.exists(key)


async def test_a_commit_naming_a_missing_object_is_refused_and_writes_nothing(
    store: Store,
) -> None:
    """As when a worker dies mid-upload: the rows would name an object that is not there."""
    scenes = [await scene(store, 1, "one")]
    done = await output(store, "v1")
    await store.artifacts.delete([done.video])
    before = await store.counts()
    with pytest.raises(MissingArtifactError, match=done.video):
        await store.commit_version(project_fields(), scenes, done)
    assert await store.counts() == before


async def test_health_of_each_back_end(store: Store) -> None:
    assert await store.artifacts.ping()


async def test_an_unreachable_bucket_is_a_one_line_store_error(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    with pytest.raises(StoreUnavailableError, match="cannot reach the artifacts") as caught:
        await Store.open(tmp_path / "data", artifacts_url=f"s3://{s3_bucket.name}-missing/x")
    assert "\n" not in str(caught.value)
    with pytest.raises(StoreUnavailableError, match="s3://bucket"):
        await Store.open(tmp_path / "data", artifacts_url="https://example.com/bucket")
    artifacts = S3Artifacts.from_url(f"s3://{s3_bucket.name}-missing/x")
    assert not await artifacts.ping()
