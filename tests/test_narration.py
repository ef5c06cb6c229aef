"""Narration: real speech from the offline voice, OpenAI and ElevenLabs through their fakes,
timed into the video, re-used across edits, with subtitles from the real timings."""

from __future__ import annotations

import array
import itertools
import json
import re
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agents.offline.archetypes.specs import build_spec, fit_narration
from agents.offline.narration import change_narration, without_narration
from agents.offline.planning import plan_video
from agents.schemas import ScenePlan
from agents.usage import Budget, BudgetExhausted, UsageMeter
from graphs.context import VideoContext
from graphs.jobs import JobSummary
from graphs.requests import EditRequest, GenerateRequest, JobSpec
from tests.fakes import ElevenLabsSpeechServer, Fault, OpenAISpeechServer
from tests.fakes.fixtures import SPEECH_KEY
from tests.jobs_helpers import room_for
from tests.servers import cli_env
from tools.speech import (
    NarrationSettings,
    SpeechError,
    Voice,
    provider_for,
    speak_scene,
)
from tools.speech.offline import offline_voice_installed
from tools.store import Store

needs_voice = pytest.mark.skipif(
    not offline_voice_installed(), reason="the offline voice (flite) is not installed"
)
TOPIC = "Explain the Pythagorean theorem"
CLI = str(Path(sys.executable).with_name("manimgraph"))
SRT_TIME = re.compile(r"(\d\d):(\d\d):(\d\d),(\d{3}) --> (\d\d):(\d\d):(\d\d),(\d{3})")


# -- the plan and the offline model ------------------------------------------------------


def test_a_plan_stored_before_segments_still_loads_and_keeps_its_words() -> None:
    old = {
        "number": 1,
        "title": "Intro",
        "goal": "g",
        "narration": "One. Two is here. " + " ".join(f"Part {i}." for i in range(3, 12)),
        "visual": "v",
        "archetype": "title",
        "duration": 6,
    }
    plan = ScenePlan.model_validate(old)
    assert len(plan.segments) == 8
    assert plan.narration == " ".join(old["narration"].split())
    again = ScenePlan.model_validate(plan.model_dump(mode="json"))
    assert again == plan


def test_the_offline_planner_writes_segments() -> None:
    for scene in plan_video(TOPIC).scenes:
        assert 1 <= len(scene.segments) <= 8
        assert all(segment.endswith((".", "!", "?")) for segment in scene.segments)


def test_offline_timing_gives_each_segment_exactly_its_duration() -> None:
    for scene in plan_video("How photosynthesis works", 5).scenes:
        durations = [2.7, 4.1, 3.3, 5.0][: len(scene.segments)]
        spec = build_spec(scene, "dark", durations)
        elements = spec["elements"]
        total = sum(e["run_time"] + e["wait"] for e in elements) + spec["hold"]
        assert total == pytest.approx(sum(durations), abs=0.011)
        # Each segment's elements start when it starts.
        count, starts, at = len(elements), {}, 0.0
        for i, element in enumerate(elements):
            starts.setdefault(i * len(durations) // count, at)
            at += element["run_time"] + element["wait"]
        for k, start in starts.items():
            assert start == pytest.approx(sum(durations[:k]), abs=0.011)


def test_fit_narration_keeps_waits_and_entrances_positive() -> None:
    elements = [{"run_time": 1.0, "wait": 0.3}, {"run_time": 3.0, "wait": 0.5}]
    hold = fit_narration(elements, [0.6, 0.7, 9.0])
    assert all(e["run_time"] >= 0.2 and e["wait"] >= 0.1 for e in elements)
    assert sum(e["run_time"] + e["wait"] for e in elements) + hold == pytest.approx(10.3, 0.011)


@pytest.mark.parametrize(
    ("instruction", "words", "speed", "rest_narrated", "rest_silent"),
    [
        ("make the title red", [], 1.0, "make the title red", "make the title red"),
        ("say it more slowly", [], 0.85, "", ""),
        ("slow down", [], 0.85, "", "slow down"),
        (
            "make the title blue and speak much faster",
            [],
            1.4,
            "make the title blue",
            "make the title blue",
        ),
        (
            'change the narration of scene 2 to "Hello and welcome. A new line."',
            ["Hello and welcome.", "A new line."],
            1.0,
            "",
            "",
        ),
        (
            "make the formula animation faster",
            [],
            1.0,
            "make the formula animation faster",
            "make the formula animation faster",
        ),
    ],
)
def test_offline_narration_edits(
    instruction: str,
    words: list[str],
    speed: float,
    rest_narrated: str,
    rest_silent: str,
) -> None:
    change = change_narration(instruction, ["Old words."], 1.0, narrated=True)
    assert change.segments == words and change.speed == pytest.approx(speed)
    assert without_narration(instruction, narrated=True) == rest_narrated
    assert without_narration(instruction, narrated=False) == rest_silent


# -- the providers, through their fakes ------------------------------------------------


def _speech_env(server: OpenAISpeechServer | ElevenLabsSpeechServer, key: str) -> dict[str, str]:
    if isinstance(server, OpenAISpeechServer):
        return {"OPENAI_API_KEY": key, "OPENAI_BASE_URL": server.base_url}
    return {"ELEVENLABS_API_KEY": key, "ELEVENLABS_BASE_URL": server.url}


def _voice(server: OpenAISpeechServer | ElevenLabsSpeechServer) -> Voice:
    name = "openai:alloy" if isinstance(server, OpenAISpeechServer) else "elevenlabs:Rachel01"
    return NarrationSettings(voice=name, speed=1.1).voice_id()


@pytest.fixture(params=["openai", "elevenlabs"])
def speech_server(
    request: pytest.FixtureRequest,
) -> OpenAISpeechServer | ElevenLabsSpeechServer:
    name = "openai_speech_server" if request.param == "openai" else "elevenlabs_speech_server"
    return request.getfixturevalue(name)


async def test_a_rate_limited_voice_is_retried_and_then_served_from_the_cache(
    speech_server: OpenAISpeechServer | ElevenLabsSpeechServer, store: Store
) -> None:
    env = _speech_env(speech_server, SPEECH_KEY)
    speech_server.script(Fault(429, retry_after=0.2))
    texts = ["Right triangles have a long side.", "It is called the hypotenuse."]
    narration, tally = await speak_scene(
        texts, _voice(speech_server), store, providers=lambda voice: provider_for(voice, env)
    )
    assert len(speech_server.requests) == 3  # one 429, then two answers
    assert sorted(s.text for s in speech_server.syntheses) == sorted(texts)
    assert (tally.calls, tally.reused, tally.characters) == (2, 0, sum(map(len, texts)))
    for segment, text in zip(narration.segments, texts, strict=True):
        assert segment.speech == pytest.approx(len(text) * 0.06 / 1.1, abs=0.01)
        assert segment.duration >= segment.speech + 0.25
    if isinstance(speech_server, ElevenLabsSpeechServer):
        words = narration.segments[1].words
        assert [w.text for w in words] == texts[1].split()
        assert words[-1].end == pytest.approx(len(texts[1]) * 0.06 / 1.1, abs=0.01)

    again, tally = await speak_scene(texts, _voice(speech_server), store, providers=_no_provider)
    assert (tally.calls, tally.reused) == (0, 2)
    assert again == narration
    assert len(speech_server.requests) == 3


async def test_a_rejected_key_fails_at_once(
    speech_server: OpenAISpeechServer | ElevenLabsSpeechServer, store: Store
) -> None:
    env = _speech_env(speech_server, "sk-wrong")
    with pytest.raises(SpeechError, match="HTTP 401"):
        await speak_scene(
            ["Hello."], _voice(speech_server), store, providers=lambda v: provider_for(v, env)
        )
    assert len(speech_server.requests) == 1


def test_a_paid_voice_without_its_key_is_a_clear_error() -> None:
    with pytest.raises(SpeechError, match="OPENAI_API_KEY is not set"):
        provider_for(NarrationSettings(voice="openai:alloy").voice_id(), {})
    with pytest.raises(SpeechError, match="ELEVENLABS_API_KEY is not set"):
        provider_for(NarrationSettings(voice="elevenlabs:abc").voice_id(), {})


def test_speech_is_priced_and_counts_against_the_cost_cap() -> None:
    meter = UsageMeter(Budget(max_cost_usd=0.01))
    meter.admit_speech()
    added = meter.record_speech(
        "elevenlabs",
        "eleven_multilingual_v2",
        syntheses=3,
        reused=2,
        characters=120,
        audio_seconds=9.0,
        seconds=1.5,
    )
    assert added.cost_usd == pytest.approx(120 * 100 / 1e6)
    meter.record_speech(
        "openai",
        "gpt-4o-mini-tts",
        syntheses=1,
        reused=0,
        characters=10,
        audio_seconds=60.0,
        seconds=1.0,
    )
    report = meter.report()
    assert report.speech["openai"].cost_usd == pytest.approx(0.015)
    assert report.cost_usd == pytest.approx(0.012 + 0.015)
    with pytest.raises(BudgetExhausted):
        meter.admit_speech()
    assert meter.report().budget_exhausted


def _no_provider(voice: Voice) -> Any:
    raise AssertionError(f"no synthesis was expected, but {voice} was asked for")


# -- whole videos ----------------------------------------------------------------------


def _path(store: Store, key: str) -> Path:
    return Path(store.artifacts.describe(key))


def _streams(video: Path) -> dict[str, float]:
    command = ["ffprobe", "-v", "error", "-show_entries", "stream=codec_type,duration"]
    done = subprocess.run([*command, "-of", "json", str(video)], capture_output=True, check=True)
    return {s["codec_type"]: float(s["duration"]) for s in json.loads(done.stdout)["streams"]}


def _mean_volume(video: Path) -> float:
    done = subprocess.run(
        ["ffmpeg", "-nostdin", "-i", str(video), "-af", "volumedetect", "-f", "null", "-"],
        capture_output=True,
        text=True,
        check=True,
    )
    match = re.search(r"mean_volume: (-?[\d.]+) dB", done.stderr)
    assert match, done.stderr[-500:]
    return float(match.group(1))


def _speech_onsets(video: Path, starts: list[float]) -> list[float]:
    """Seconds from each start to the first 10 ms window louder than a whisper."""
    rate = 8000
    decode = ["ffmpeg", "-nostdin", "-v", "error", "-i", str(video), "-ac", "1"]
    done = subprocess.run(
        [*decode, "-ar", str(rate), "-f", "s16le", "-"],
        capture_output=True,
        check=True,
    )
    samples = array.array("h", done.stdout)
    window = rate // 100
    loud = [
        max(abs(value) for value in samples[i : i + window]) > 1500
        for i in range(0, len(samples) - window, window)
    ]
    onsets = []
    for start in starts:
        first = round(start * 100)
        onsets.append(next(i for i in range(first, len(loud)) if loud[i]) / 100 - start)
    return onsets


def _cues(text: str) -> list[tuple[float, float, str]]:
    cues = []
    for block in text.strip().split("\n\n"):
        lines = block.split("\n")
        match = SRT_TIME.fullmatch(lines[1])
        assert match, block
        h1, m1, s1, ms1, h2, m2, s2, ms2 = (int(g) for g in match.groups())
        cues.append(
            (h1 * 3600 + m1 * 60 + s1 + ms1 / 1000, h2 * 3600 + m2 * 60 + s2 + ms2 / 1000, block)
        )
    return cues


async def _run(
    ctx: VideoContext, request: GenerateRequest | EditRequest, narration: NarrationSettings | None
) -> tuple[JobSummary, dict[str, Any]]:
    room = room_for(ctx)
    job = await room.submit(JobSpec(request=request, limits=ctx.limits, narration=narration))
    summary = await room.run(job.id, factory=ctx.models)
    done = await ctx.store.get_job(job.id)
    assert done is not None and done.result is not None
    return summary, done.result["usage"]


# SQLite only: the speech cache's rows are tested on both backends above (served from the
# cache), and this test renders three voiced scenes.
@needs_voice
@pytest.mark.slow
@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
async def test_a_narrated_video_is_in_step_and_edits_reuse_its_voice(
    make_context: Any, store: Store
) -> None:
    ctx = make_context()
    summary, usage = await _run(ctx, GenerateRequest(prompt=TOPIC, scene_count=3), None)
    scenes = await store.current_scenes(summary.project_id)
    segments = [len(ScenePlan.model_validate(s.plan).segments) for s in scenes]
    assert usage["speech"]["offline"]["syntheses"] == sum(segments)

    video = _path(store, summary.video)
    streams = _streams(video)
    assert abs(streams["audio"] - streams["video"]) < 0.3
    assert _mean_volume(video) > -45
    starts = list(itertools.accumulate((s.duration for s in scenes[:-1]), initial=0.0))
    assert all(0 <= onset < 0.3 for onset in _speech_onsets(video, starts))

    assert summary.subtitles is not None
    cues = _cues(_path(store, summary.subtitles).read_text(encoding="utf-8"))
    assert len(cues) >= sum(segments)
    assert all(start < end <= streams["video"] + 0.01 for start, end, _ in cues)
    assert all(a[1] <= b[0] + 1e-3 for a, b in itertools.pairwise(cues))
    assert all(seg.split()[0] in _cue_text(cues) for s in scenes for seg in _segments(s.plan))

    before = scenes[1]
    colour = EditRequest(
        project_id=summary.project_id, scene_number=2, edit_prompt="make the heading red"
    )
    _, usage = await _run(ctx, colour, None)
    assert usage["speech"]["offline"]["syntheses"] == 0
    assert usage["speech"]["offline"]["reused"] == segments[1]
    after = (await store.current_scenes(summary.project_id))[1]
    assert after.version == before.version + 1 and after.code != before.code
    assert before.audio is not None and after.audio == before.audio
    assert _path(store, after.audio).read_bytes() == _path(store, before.audio).read_bytes()

    kept = _segments(before.plan)[0]
    words = f'change the narration to "{kept} Every side now has a name."'
    edit = EditRequest(project_id=summary.project_id, scene_number=2, edit_prompt=words)
    summary, usage = await _run(ctx, edit, None)
    assert usage["speech"]["offline"]["syntheses"] == 1  # the new sentence only
    assert usage["speech"]["offline"]["reused"] == 1
    latest = (await store.current_scenes(summary.project_id))[1]
    assert _segments(latest.plan) == [kept, "Every side now has a name."]
    assert summary.subtitles is not None
    assert "Every side now has a name." in _path(store, summary.subtitles).read_text()
    streams = _streams(_path(store, summary.video))
    assert abs(streams["audio"] - streams["video"]) < 0.3


@pytest.mark.slow
async def test_a_paid_voice_speaks_through_the_job_and_times_cues_by_its_words(
    make_context: Any,
    store: Store,
    elevenlabs_speech_server: ElevenLabsSpeechServer,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ELEVENLABS_API_KEY", SPEECH_KEY)
    monkeypatch.setenv("ELEVENLABS_BASE_URL", elevenlabs_speech_server.url)
    ctx = make_context()
    voice = NarrationSettings(voice="elevenlabs:Rachel01")
    summary, usage = await _run(ctx, GenerateRequest(prompt=TOPIC, scene_count=1), voice)
    spoken = usage["speech"]["elevenlabs"]
    plan = (await store.current_scenes(summary.project_id))[0].plan
    assert spoken["syntheses"] == len(_segments(plan)) == len(elevenlabs_speech_server.syntheses)
    assert spoken["cost_usd"] == pytest.approx(spoken["characters"] * 100 / 1e6)
    streams = _streams(_path(store, summary.video))
    assert abs(streams["audio"] - streams["video"]) < 0.3
    assert summary.subtitles is not None
    cues = _cues(_path(store, summary.subtitles).read_text(encoding="utf-8"))
    assert cues[0][0] == 0.0 and len(cues) >= len(_segments(plan))


@pytest.mark.slow
def test_voice_none_gives_a_silent_video(tmp_path: Path, database_url: str) -> None:
    silent = ["--scenes", "1", "--voice", "none", "--json", "--data-dir", str(tmp_path)]
    done = subprocess.run(
        [CLI, "generate", TOPIC, *silent],
        capture_output=True,
        text=True,
        env=cli_env(database_url),
        timeout=300,
    )
    assert done.returncode == 0, done.stderr[-2000:]
    result = json.loads(done.stdout)
    assert _streams(Path(result["video"])).keys() == {"video"}
    assert result["usage"]["speech"] == {}


def _segments(plan: dict[str, Any]) -> list[str]:
    return ScenePlan.model_validate(plan).segments


def _cue_text(cues: list[tuple[float, float, str]]) -> str:
    return " ".join(" ".join(block.split("\n")[2:]) for _, _, block in cues)
