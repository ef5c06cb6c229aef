"""Hunts for a speech provider's key (OpenAI, ElevenLabs) wherever a narrated render
could have left one: its environment, every process it can see, the files it can read
(narration audio and its JSON first). Whatever it finds goes into its outputs."""

import os
import re
from pathlib import Path

from manim import Scene, Text

KEY = re.compile(rb"sk-[A-Za-z0-9_-]{8,}")
SKIP = ("/proc", "/sys", "/dev")
FIRST = (".wav", ".mp3", ".json", ".srt", ".env", ".toml")


def hunt():
    found = [f"{name}={value}" for name, value in os.environ.items() if "KEY" in name]
    for pid in os.listdir("/proc"):
        for part in ("environ", "cmdline"):
            try:
                found += [
                    m.group().decode()
                    for m in KEY.finditer(Path(f"/proc/{pid}/{part}").read_bytes())
                ]
            except (OSError, ValueError):
                continue
    paths = []
    for root, dirs, files in os.walk("/"):
        dirs[:] = [d for d in dirs if not os.path.join(root, d).startswith(SKIP)]
        paths += [os.path.join(root, name) for name in files]
    paths.sort(key=lambda path: not path.endswith(FIRST))
    for path in paths[:6000]:
        try:
            if os.path.getsize(path) < 2_000_000:
                found += [m.group().decode() for m in KEY.finditer(Path(path).read_bytes())]
        except (OSError, ValueError):
            continue
    return found


class SpeechKeyHunt(Scene):
    def construct(self):
        found = hunt()
        Path("found.txt").write_text("\n".join(found))
        if any("canary" in item or "_API_KEY=" in item for item in found):
            Path("escaped.txt").write_text("\n".join(found))
        print(f"{len(found)} candidate key(s):", " ".join(found)[:2000])
        self.add(Text(str(len(found)), font_size=24))
        self.wait(0.1)
