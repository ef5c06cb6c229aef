"""Media helpers on real ffmpeg output (lavfi test sources, fractions of a second to make)."""

from __future__ import annotations

import itertools
import json
import re
import subprocess
from pathlib import Path

import pytest

from tools.media import (
    MediaError,
    add_voice_over,
    burn_subtitles,
    concat,
    hold_last_frame,
    probe,
    thumbnail,
)
from tools.speech import SAMPLE_RATE, wav_bytes
from tools.subtitles import scene_cues, srt, webvtt


def make_video(path: Path, size: str, seconds: float, *, tone: bool = False) -> Path:
    """An H.264 test pattern (optionally with a sine tone), like a low-quality render."""
    inputs = ["-f", "lavfi", "-i", f"testsrc=size={size}:rate=15:duration={seconds}"]
    if tone:
        inputs += ["-f", "lavfi", "-i", f"sine=frequency=440:duration={seconds}"]
    subprocess.run(
        [
            "ffmpeg",
            "-v",
            "error",
            "-y",
            *inputs,
            "-c:v",
            "libx264",
            "-pix_fmt",
            "yuv420p",
            str(path),
        ],
        check=True,
    )
    return path


PACKET_HASHES = ["ffprobe", "-v", "error", "-select_streams", "v", "-show_packets"]
PACKET_HASHES += ["-show_data_hash", "md5", "-show_entries", "packet=data_hash", "-of", "csv=p=0"]


def packet_hashes(path: Path) -> list[str]:
    """MD5 of every video packet's bytes: equal lists mean no re-encoding happened."""
    result = subprocess.run(
        [*PACKET_HASHES, str(path)],
        check=True,
        capture_output=True,
        text=True,
    )
    return result.stdout.split()


def decodes_cleanly(path: Path) -> bool:
    result = subprocess.run(
        ["ffmpeg", "-v", "error", "-i", str(path), "-f", "null", "-"],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0 and result.stderr == ""


@pytest.fixture(scope="module")
def videos(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("videos")
    return {
        "wide_2s": make_video(root / "wide_2s.mp4", "854x480", 2),
        "wide_1s": make_video(root / "wide_1s.mp4", "854x480", 1),
        "small_1s": make_video(root / "small_1s.mp4", "640x360", 1),
        "tone_1s": make_video(root / "tone_1s.mp4", "854x480", 1, tone=True),
    }


def test_probe_reads_duration_size_rate_and_codecs(videos: dict[str, Path]) -> None:
    info = probe(videos["wide_2s"])
    assert info.duration == pytest.approx(2.0, abs=0.05)
    assert (info.width, info.height, info.fps) == (854, 480, 15.0)
    assert (info.video_codec, info.audio_codec, info.pix_fmt) == ("h264", None, "yuv420p")
    assert info.streams == 1
    assert probe(videos["tone_1s"]).audio_codec == "aac"


def test_concat_of_matching_videos_copies_the_streams(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    out = concat([videos["wide_2s"], videos["wide_1s"]], tmp_path / "joined.mp4")
    assert probe(out).duration == pytest.approx(3.0, abs=0.05)
    assert packet_hashes(out) == packet_hashes(videos["wide_2s"]) + packet_hashes(videos["wide_1s"])
    assert decodes_cleanly(out)
    assert [p.name for p in tmp_path.iterdir()] == ["joined.mp4"]


def test_concat_of_different_sizes_reencodes_to_the_first(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    out = concat([videos["wide_1s"], videos["small_1s"]], tmp_path / "mixed.mp4")
    info = probe(out)
    assert (info.width, info.height, info.fps, info.pix_fmt) == (854, 480, 15.0, "yuv420p")
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert packet_hashes(out)[:15] != packet_hashes(videos["wide_1s"])
    assert decodes_cleanly(out)


def test_concat_keeps_audio_and_fills_silence(videos: dict[str, Path], tmp_path: Path) -> None:
    out = concat([videos["wide_1s"], videos["tone_1s"]], tmp_path / "with_audio.mp4")
    info = probe(out)
    assert (info.video_codec, info.audio_codec, info.streams) == ("h264", "aac", 2)
    assert info.duration == pytest.approx(2.0, abs=0.1)
    assert decodes_cleanly(out)


def test_concat_of_one_video_is_a_copy(videos: dict[str, Path], tmp_path: Path) -> None:
    out = concat([videos["wide_1s"]], tmp_path / "single.mp4")
    assert out.read_bytes() == videos["wide_1s"].read_bytes()


def test_concat_failure_names_the_reason_and_leaves_no_file(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    with pytest.raises(MediaError, match="No such file or directory"):
        concat([videos["wide_1s"], tmp_path / "missing.mp4"], tmp_path / "out.mp4")
    broken = tmp_path / "broken.mp4"
    broken.write_bytes(b"not a video")
    with pytest.raises(MediaError, match=r"ffprobe failed: .*Invalid data"):
        concat([videos["wide_1s"], broken], tmp_path / "out.mp4")
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mp4"]


def test_missing_ffmpeg_says_how_to_install_it(
    videos: dict[str, Path], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    with pytest.raises(MediaError, match="apt-get install ffmpeg"):
        probe(videos["wide_1s"])


def test_thumbnail_is_a_png_of_the_video_size(videos: dict[str, Path], tmp_path: Path) -> None:
    for at_s in (None, 0.2, 99.0):
        out = thumbnail(videos["small_1s"], tmp_path / "thumb.png", at_s)
        assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        info = probe(out)
        assert (info.width, info.height, info.video_codec) == (640, 360, "png")


SRT_BLOCK = re.compile(
    r"(\d+)\n(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})\n(.+(?:\n.+)?)"
)


def parse_srt(text: str) -> list[tuple[int, int, int, str]]:
    """(index, start ms, end ms, text) of each cue; fails on any malformed block."""
    cues = []
    for block in text.strip().split("\n\n"):
        match = SRT_BLOCK.fullmatch(block)
        assert match, block
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups()[1:9])
        start = ((h1 * 60 + m1) * 60 + s1) * 1000 + ms1
        end = ((h2 * 60 + m2) * 60 + s2) * 1000 + ms2
        cues.append((int(match[1]), start, end, match[10]))
    return cues


def test_silent_scenes_share_their_clip_among_their_segments_by_length() -> None:
    long = (
        "Bayes' rule tells us how to update a belief when evidence arrives. "
        "We weigh the prior by the likelihood of the evidence, then normalise so the "
        "posterior sums to one across every hypothesis we are still considering. Simple."
    )
    scenes = [(6.5, [long]), (3.0, []), (3700.25, ["One short line."])]
    timed, start = [], 0.0
    for duration, segments in scenes:
        timed += scene_cues(start, duration, segments, None)
        start += duration
    text = srt(timed)
    cues = parse_srt(text)

    assert [cue[0] for cue in cues] == list(range(1, len(cues) + 1))
    assert len(cues) >= 4
    for _, start, end, body in cues:
        assert start < end
        lines = body.split("\n")
        assert len(lines) <= 2 and all(len(line) <= 42 for line in lines)
    assert all(a[2] <= b[1] for a, b in itertools.pairwise(cues))
    first_scene = [cue for cue in cues if cue[2] <= 6500]
    assert first_scene[0][1] == 0 and first_scene[-1][2] == 6500
    assert " ".join(cue[3].replace("\n", " ") for cue in first_scene) == long
    assert cues[-1][1:] == (9500, 3709750, "One short line.")
    assert "00:00:09,500 --> 01:01:49,750" in text
    assert webvtt(timed).startswith("WEBVTT\n\n1\n00:00:00.000 --> ")
    assert "00:00:09.500 --> 01:01:49.750" in webvtt(timed)


def test_voice_over_is_one_aac_track_fitted_to_each_clip(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    tone = bytes(range(256)) * (SAMPLE_RATE * 2 // 256)  # a second of noise
    long_voice = tmp_path / "long.wav"
    long_voice.write_bytes(wav_bytes(tone * 3))  # 3 s under a 1 s clip: cut at the join
    short_voice = tmp_path / "short.wav"
    short_voice.write_bytes(wav_bytes(tone[:SAMPLE_RATE]))  # 0.5 s: padded with silence
    clips = [videos["small_1s"], videos["small_1s"], videos["small_1s"]]
    joined = concat(clips, tmp_path / "joined.mp4")
    length = probe(videos["small_1s"]).duration or 0.0
    tracks = [(length, long_voice), (length, None), (length, short_voice)]
    out = add_voice_over(joined, tracks, tmp_path / "narrated.mp4")
    streams = json_streams(out)
    assert [s["codec_name"] for s in streams] == ["h264", "aac"]
    video_s, audio_s = (float(s["duration"]) for s in streams)
    assert abs(video_s - audio_s) < 0.05 and abs(video_s - 3 * length) < 0.05


def test_a_clip_holds_its_last_frame_to_the_asked_length(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    held = hold_last_frame(videos["small_1s"], 2.5, tmp_path / "held.mp4")
    info = probe(held)
    assert info.duration is not None and abs(info.duration - 2.5) < 0.1
    assert (info.width, info.height, info.audio_codec) == (640, 360, None)


def test_burned_subtitles_change_the_pictures_while_they_show(
    videos: dict[str, Path], tmp_path: Path
) -> None:
    cues = tmp_path / "cues.srt"
    cues.write_text(srt(scene_cues(0.0, 0.5, ["SUBTITLE TEXT"], None)), encoding="utf-8")
    burned = burn_subtitles(videos["small_1s"], cues, tmp_path / "burned.mp4")
    assert probe(burned).duration == pytest.approx(probe(videos["small_1s"]).duration, abs=0.1)

    def frame(video: Path, at: float) -> bytes:
        command = ["ffmpeg", "-v", "error", "-ss", str(at), "-i", str(video), "-frames:v", "1"]
        return subprocess.run([*command, "-f", "rawvideo", "-"], capture_output=True).stdout

    shown, gone = (
        sum(abs(a - b) for a, b in zip(frame(video, at), frame(burned, at), strict=True))
        for video, at in ((videos["small_1s"], 0.2), (videos["small_1s"], 0.8))
    )
    assert shown > 4 * gone  # the cue is drawn at 0.2 s, gone at 0.8 s (only re-encoding noise)


def json_streams(path: Path) -> list[dict]:
    command = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_name,duration"]
    done = subprocess.run([*command, "-of", "json", str(path)], capture_output=True, check=True)
    return json.loads(done.stdout)["streams"]
