"""The API with its artifacts in S3 (moto's server): a real offline job stores every file in
the bucket, and downloads come from there, streamed through the API or by a redirect to a
presigned URL, while the data directory keeps no artifact."""

from __future__ import annotations

import hashlib
from pathlib import Path

import httpx
import pytest

from tests.api_helpers import make_client, wait_for
from tests.s3_fixtures import S3Bucket

pytestmark = pytest.mark.slow


def test_a_video_with_s3_artifacts_downloads_streamed_and_presigned(
    tmp_path: Path, s3_bucket: S3Bucket
) -> None:
    data_dir = tmp_path / "data"
    with make_client(data_dir, artifacts_url=s3_bucket.url) as client:
        accepted = client.post(
            "/api/v1/generate", json={"prompt": "Explain circles", "scene_count": 1}
        ).json()
        assert wait_for(client, accepted["job_id"])["status"] == "completed"
        result = client.get(f"/api/v1/jobs/{accepted['job_id']}/result").json()
        video_url = result["video_url"]

        streamed = client.get(video_url)
        assert streamed.status_code == 200, streamed.text
        assert streamed.headers["content-type"] == "video/mp4"
        assert streamed.headers["accept-ranges"] == "bytes"
        assert "attachment" in streamed.headers["content-disposition"]
        video = streamed.content
        key = hashlib.sha256(video).hexdigest() + ".mp4"
        assert s3_bucket.get(key)["Body"].read() == video, "the bytes come from the bucket"

        ranged = client.get(video_url, headers={"Range": "bytes=100-1099"})
        assert ranged.status_code == 206
        assert ranged.content == video[100:1100]
        assert ranged.headers["content-range"] == f"bytes 100-1099/{len(video)}"
        past_end = client.get(video_url, headers={"Range": f"bytes={len(video)}-"})
        assert past_end.status_code == 416
        assert past_end.json()["error_code"] == "range_not_satisfiable"
        assert past_end.headers["content-range"] == f"bytes */{len(video)}"

        scene = client.get(result["scenes"][0]["video_url"])
        thumbnail = client.get(f"/api/v1/projects/{accepted['project_id']}/thumbnail")
        for answer, suffix in ((scene, ".mp4"), (thumbnail, ".png")):
            assert answer.status_code == 200
            assert hashlib.sha256(answer.content).hexdigest() + suffix in s3_bucket.stored_keys()

    with make_client(data_dir, artifacts_url=s3_bucket.url, presigned_downloads=True) as client:
        redirect = client.get(video_url, follow_redirects=False)
        assert redirect.status_code == 307
        location = redirect.headers["location"]
        assert location.startswith(f"{s3_bucket.endpoint}/{s3_bucket.name}/")
        assert httpx.get(location).content == video
        missing = client.get(f"{video_url.split('?')[0]}?version=9", follow_redirects=False)
        assert missing.status_code == 404, "the version is checked before any redirect"

    artifacts = data_dir / "artifacts"
    assert not artifacts.exists() or not any(artifacts.iterdir())
    media = [p for p in data_dir.rglob("*") if p.suffix in {".mp4", ".png", ".srt", ".json"}]
    assert media == [], "no render, copy or deliverable stays in the data directory"
