"""What narration costs in wall time, and how the offline voice was chosen.

`python -m bench.narration` times, in one run, a 4-scene offline job with the offline voice
against the same job with `--voice none` (each in a fresh data directory, so nothing is
cached), then an edit of scene 2 that only changes a colour, narrated against silent
(the target is at most 1.1 times: the edit re-uses every segment's audio). Trials
alternate between the two so machine load hits both alike; medians are reported.

`python -m bench.narration voices` compares the Debian voices with a clear licence:
each speaks sentences of the offline planner's narration, an offline recogniser
(pocketsphinx's US English model, `pip install pocketsphinx`) transcribes them, and the
table gives the word error rate (lower is clearer) and the real-time factor (synthesis
seconds per second of speech). Festival's HTS voice is measured when it is installed.

    .venv/bin/python -m bench.narration [--trials 2]
    .venv/bin/python -m bench.narration voices [--sentences 8]
"""

from __future__ import annotations

import argparse
import asyncio
import re
import shutil
import statistics
import subprocess
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from agents.offline.planning import plan_video
from bench.common import OFFLINE, local_room, report, timed
from graphs.jobs import JobSummary
from graphs.requests import EditRequest, GenerateRequest, JobRequest, JobSpec
from tools.speech import NarrationSettings

PROMPT = "Explain the Pythagorean theorem with a right triangle and its squares"
COLOUR_EDIT = "make the heading red"
TO_PCM = ("ffmpeg", "-v", "error", "-i", "-ac", "1", "-ar", "16000", "-f", "s16le", "-")
"""ffmpeg, input file name inserted after `-i`: 16 kHz mono PCM on stdout."""
VOICE_TOPICS = (
    "The Pythagorean theorem",
    "How photosynthesis works",
    "Bayes' theorem",
    "Binary search",
    "Compound interest",
)


async def _job(data_dir: Path, voice: str) -> dict[str, float]:
    """A 4-scene generate, then a colour edit of scene 2; their wall times, and the video's
    length (a narrated scene lasts as long as its voice, so it may be longer)."""
    narration = NarrationSettings(voice=voice)
    async with local_room(data_dir, OFFLINE) as room:

        async def run(request: JobRequest) -> JobSummary:
            job = await room.submit(JobSpec(request=request, narration=narration))
            return await room.run(job.id)

        summary, generate_s = await timed(
            lambda: run(GenerateRequest(prompt=PROMPT, scene_count=4))
        )
        edit = EditRequest(project_id=summary.project_id, scene_number=2, edit_prompt=COLOUR_EDIT)
        edited, edit_s = await timed(lambda: run(edit))
    scene_2 = next(scene for scene in edited.scenes if scene.number == 2)
    async with local_room(data_dir, OFFLINE) as room:
        version = await room.store.scene_version(summary.project_id, 2, scene_2.version)
    assert version is not None
    return {
        "generate": generate_s,
        "edit": edit_s,
        "video_seconds": summary.duration,
        "scene_2_seconds": version.duration,
    }


async def wall_times(trials: int) -> None:
    samples: dict[str, list[dict[str, float]]] = {"offline": [], "none": []}
    for _ in range(trials):
        for voice in ("none", "offline"):
            with tempfile.TemporaryDirectory() as tmp:
                samples[voice].append(await _job(Path(tmp), voice))
    steps = ("generate", "edit", "video_seconds", "scene_2_seconds")
    median = {
        voice: {step: statistics.median(s[step] for s in runs) for step in steps}
        for voice, runs in samples.items()
    }
    names = {
        "generate": "generate 4 scenes (wall s)",
        "edit": "colour edit of scene 2 (wall s)",
        "video_seconds": "video length (s)",
        "scene_2_seconds": "scene 2 length (s)",
    }
    rows = [
        {
            "step": names[step],
            "voice none": median["none"][step],
            "offline voice": median["offline"][step],
            "ratio": median["offline"][step] / median["none"][step],
        }
        for step in steps
    ]
    details = {
        "commands": [f"python -m bench.narration --trials {trials}"],
        "prompt": PROMPT,
        "edit": COLOUR_EDIT,
        "samples": samples,
    }
    report(
        "narration", "Narration's wall-time cost (4-scene offline job, low quality)", rows, details
    )


# -- the voice comparison ----------------------------------------------------------------


def _voices() -> dict[str, Callable[[str, str], list[str]]]:
    voices: dict[str, Callable[[str, str], list[str]]] = {
        "espeak-ng": lambda text, out: ["espeak-ng", "-w", out, text],
        "flite slt": lambda text, out: ["flite", "-voice", "slt", "-t", text, "-o", out],
        "flite kal16": lambda text, out: ["flite", "-voice", "kal16", "-t", text, "-o", out],
        "flite awb": lambda text, out: ["flite", "-voice", "awb", "-t", text, "-o", out],
    }
    if shutil.which("text2wave"):
        voices["festival hts slt"] = lambda text, out: [
            "sh",
            "-c",
            'printf %s "$1" | text2wave -eval "(voice_cmu_us_slt_arctic_hts)" -o "$2"',
            "text2wave",
            text,
            out,
        ]
    return {name: make for name, make in voices.items() if shutil.which(make("x", "y")[0])}


def _words(text: str) -> list[str]:
    return re.sub(r"[^a-z' ]", " ", text.lower()).split()


def _errors(reference: list[str], heard: list[str]) -> int:
    """Word-level edit distance."""
    row = list(range(len(heard) + 1))
    for i, word in enumerate(reference, 1):
        previous, row[0] = row[0], i
        for j, other in enumerate(heard, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (word != other))
    return row[-1]


def voices(count: int) -> None:
    try:
        from pocketsphinx import Decoder
    except ImportError:
        raise SystemExit(
            "the voice comparison needs pocketsphinx: pip install pocketsphinx"
        ) from None
    sentences = [
        segment
        for topic in VOICE_TOPICS
        for scene in plan_video(topic).scenes
        for segment in scene.segments
    ][:: max(1, 60 // count)][:count]
    decoder = Decoder(samprate=16000)
    rows, details = [], {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, command in _voices().items():
            errors = words = 0
            synthesis = audio = 0.0
            heard = []
            for i, text in enumerate(sentences):
                wav = str(Path(tmp) / f"{i}.wav")
                start = time.perf_counter()
                subprocess.run(command(text, wav), check=True, capture_output=True)
                synthesis += time.perf_counter() - start
                pcm = subprocess.run(
                    [*TO_PCM[:4], wav, *TO_PCM[4:]],
                    capture_output=True,
                    check=True,
                ).stdout
                audio += len(pcm) / 32000
                decoder.start_utt()
                decoder.process_raw(pcm, full_utt=True)
                decoder.end_utt()
                hypothesis = decoder.hyp().hypstr if decoder.hyp() else ""
                heard.append(hypothesis)
                errors += _errors(_words(text), _words(hypothesis))
                words += len(_words(text))
            rows.append(
                {
                    "voice": name,
                    "word error rate": errors / words,
                    "real-time factor": synthesis / audio,
                    "seconds of speech": audio,
                }
            )
            details[name] = heard
    report(
        "voices",
        f"Offline voices: intelligibility to pocketsphinx over {len(sentences)} sentences",
        rows,
        {
            "commands": [f"python -m bench.narration voices --sentences {count}"],
            "sentences": sentences,
            "heard": details,
        },
    )


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.narration")
    parser.add_argument("part", nargs="?", choices=["time", "voices"], default="time")
    parser.add_argument("--trials", type=int, default=2)
    parser.add_argument("--sentences", type=int, default=8)
    args = parser.parse_args()
    if args.part == "voices":
        voices(args.sentences)
    else:
        asyncio.run(wall_times(args.trials))


if __name__ == "__main__":
    main()
