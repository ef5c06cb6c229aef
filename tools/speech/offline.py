"""The offline voice: flite with CMU's `slt` voice (Debian's `flite`, installed by
`scripts/install-system.sh`).

Why this voice (measured by `python -m bench.narration voices`, see the README): of the
Debian voices with a clear licence (espeak-ng, flite's CMU ARCTIC voices, Festival's HTS
voices), it is the one an offline recogniser understands best (a word error rate of 0.26,
against 0.29 for Festival's HTS voice and 0.90 for espeak-ng), and it speaks about 35
times faster than real time, six times faster than Festival: a scene's narration costs a
fraction of a second. It runs as a subprocess of the job process, the text as one
argument, a WAV on stdout, which ffmpeg turns into the 24 kHz PCM every voice delivers.
"""

from __future__ import annotations

import asyncio
import shutil

from tools.speech.models import SAMPLE_RATE, Speech, SpeechError, Voice
from tools.speech.providers import SpeechProvider

__all__ = ["OFFLINE_VOICE", "OfflineSpeech", "offline_voice_installed"]

OFFLINE_VOICE = "slt"
"""flite's voice: CMU ARCTIC's US English female speaker."""
TIMEOUT_S = 120.0
_FFMPEG = ("ffmpeg", "-hide_banner", "-loglevel", "error", "-nostdin")
_PCM_OUT = ("-f", "s16le", "-acodec", "pcm_s16le", "pipe:1")


def offline_voice_installed() -> bool:
    """Whether the offline voice can speak here (flite and ffmpeg)."""
    return shutil.which("flite") is not None and shutil.which("ffmpeg") is not None


class OfflineSpeech(SpeechProvider):
    """Speaks with the Debian voice; deterministic: the same text gives the same audio."""

    def __init__(self, voice: Voice) -> None:
        super().__init__(voice)
        if not offline_voice_installed():
            raise SpeechError(
                "the offline voice is not installed: run `make setup` (Debian's flite), "
                "or use --voice none"
            )

    async def synthesize(self, text: str) -> Speech:
        stretch = f"duration_stretch={1 / self.voice.speed:.3f}"
        wav = await _run(
            ["flite", "-voice", OFFLINE_VOICE, "--setf", stretch, "-t", text, "-o", "/dev/stdout"],
            b"",
        )
        pcm = await _run(
            [*_FFMPEG, "-i", "pipe:0", "-ac", "1", "-ar", str(SAMPLE_RATE), *_PCM_OUT],
            wav,
        )
        if not pcm:
            raise SpeechError(f"the offline voice produced no audio for {text[:60]!r}")
        return Speech(pcm=pcm)


async def _run(command: list[str], data: bytes) -> bytes:
    """Run `command` with `data` on stdin and return its stdout; a failure is a
    SpeechError naming the tool and its last line of stderr."""
    process = await asyncio.create_subprocess_exec(
        *command,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(process.communicate(data), TIMEOUT_S)
    except TimeoutError:
        process.kill()
        await process.wait()
        raise SpeechError(f"{command[0]} did not finish in {TIMEOUT_S:.0f} s") from None
    except BaseException:
        if process.returncode is None:
            process.kill()
            await process.wait()
        raise
    if process.returncode != 0:
        lines = err.decode(errors="replace").strip().splitlines()
        reason = lines[-1] if lines else f"exit code {process.returncode}"
        raise SpeechError(f"{command[0]} failed: {reason}")
    return out
