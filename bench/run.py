"""P1, P2, P4: job vs plain manim CLI, edit vs generate, cached re-run; then P6, status
latency under two renders (`bench.p6_status`). `make bench` runs them all.

Every ratio is measured side by side in one run on this machine. Jobs go through the job
room as the CLI runs them: SQLite store, SQLite checkpointer, the offline model.

    .venv/bin/python -m bench.run [--skip-p6]
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
from pathlib import Path

from bench import p6_status
from bench.common import local_room, manim_cli_seconds, report, timed
from graphs.jobs import JobRoom
from graphs.requests import EditRequest, GenerateRequest

PROMPT = "Explain the Pythagorean theorem with a right triangle and its squares"


async def core() -> None:
    """P1, P2, P4 in one data directory, after a warm-up job in another."""
    with tempfile.TemporaryDirectory() as tmp:
        async with local_room(Path(tmp) / "warm") as warm:
            await warm.run_request(GenerateRequest(prompt="warm up the caches", scene_count=1))

        async with local_room(Path(tmp) / "data") as room:
            first, job_s = await timed(
                lambda: room.run_request(GenerateRequest(prompt=PROMPT, scene_count=4))
            )
            codes = [await _code(room, first.project_id, s.number) for s in first.scenes]
            cli_s = manim_cli_seconds(codes)
            _, rerun_s = await timed(
                lambda: room.run_request(GenerateRequest(prompt=PROMPT, scene_count=4))
            )

            six = await room.run_request(GenerateRequest(prompt=PROMPT, scene_count=6))
            edit = EditRequest(
                project_id=six.project_id, scene_number=3, edit_prompt="make the title red"
            )
            _, edit_s = await timed(lambda: room.run_request(edit))
            scene_s = manim_cli_seconds([await _code(room, six.project_id, 3)])

    rows = [
        {
            "benchmark": "P1 4-scene job vs serial manim CLI",
            "ours_s": job_s,
            "baseline_s": cli_s,
            "ratio": job_s / cli_s,
            "target": "<= 0.6",
            "met": job_s / cli_s <= 0.6,
        },
        {
            "benchmark": "P2 edit 1 of 6 scenes vs that scene's render",
            "ours_s": edit_s,
            "baseline_s": scene_s,
            "ratio": edit_s / scene_s,
            "target": "<= 1.3x + 1 s",
            "met": edit_s <= 1.3 * scene_s + 1,
        },
        {
            "benchmark": "P4 identical prompt re-run (cache) vs first run",
            "ours_s": rerun_s,
            "baseline_s": job_s,
            "ratio": job_s / rerun_s,
            "target": ">= 10x faster",
            "met": job_s / rerun_s >= 10,
        },
    ]
    out = report("core", "manimgraph core benchmarks (offline model, low quality)", rows)
    print(f"wrote {out}")


async def _code(room: JobRoom, project_id: str, number: int) -> str:
    version = await room.store.scene_version(project_id, number)
    assert version is not None
    return version.code


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__)
    parser.add_argument("--skip-p6", action="store_true", help="Only P1, P2 and P4.")
    args = parser.parse_args()
    asyncio.run(core())
    if not args.skip_p6:
        p6_status.main([])


if __name__ == "__main__":
    main()
