"""Hunts for a speech provider's key (OpenAI, ElevenLabs) wherever a narrated render
could have left one: its environment, every process it can see, and the files it can read
where data lives (narration audio, its JSON, settings). Whatever it finds goes into its
outputs."""

import os
import re
import stat
from pathlib import Path

from manim import Scene, Text

KEY = re.compile(rb"sk-[A-Za-z0-9_-]{8,}")
# Where a job's audio, narration JSON or settings could be: around the work directory and
# the places data lives, not the read-only system trees (a quick hunt, beside other renders).
PLACES = (os.getcwd(), os.path.dirname(os.getcwd()), "/tmp", "/run", "/var", "/home", "/root")
PLACES += ("/mnt", "/media", "/srv", "/opt", "/etc", "/usr/local")


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
    for place in PLACES:
        for root, _, files in os.walk(place):
            paths += [os.path.join(root, name) for name in files]
    for path in sorted(set(paths))[:3000]:
        try:
            if not stat.S_ISREG(os.stat(path).st_mode):
                continue  # a FIFO or a device would never end
            with open(path, "rb") as file:
                found += [m.group().decode() for m in KEY.finditer(file.read(2_000_000))]
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
