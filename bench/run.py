"""P1, P2, P4: job vs plain manim CLI, edit vs generate, cached re-run. `make bench` runs them.

Every ratio is measured side by side in one run on this machine.
"""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path

from bench.common import manim_cli_seconds, offline_context, report, timed
from graphs.requests import EditRequest, GenerateRequest
from graphs.runner import run_job
from tools.store import Store

PROMPT = "Explain the Pythagorean theorem with a right triangle and its squares"


async def main() -> None:
    with tempfile.TemporaryDirectory() as tmp:
        warm = Store.open(Path(tmp) / "warm")
        await run_job(
            GenerateRequest(prompt="warm up the caches", scene_count=1), offline_context(warm)
        )
        warm.close()

        store = Store.open(Path(tmp) / "data")
        ctx = offline_context(store)
        first, job_s = await timed(
            lambda: run_job(GenerateRequest(prompt=PROMPT, scene_count=4), ctx)
        )
        codes = [_code(store, first.project_id, s.number) for s in first.scenes]
        cli_s = manim_cli_seconds(codes)
        _, rerun_s = await timed(
            lambda: run_job(GenerateRequest(prompt=PROMPT, scene_count=4), ctx)
        )

        six, _ = await timed(lambda: run_job(GenerateRequest(prompt=PROMPT, scene_count=6), ctx))
        edit = EditRequest(
            project_id=six.project_id, scene_number=3, edit_prompt="make the title red"
        )
        _, edit_s = await timed(lambda: run_job(edit, ctx))
        scene_s = manim_cli_seconds([_code(store, six.project_id, 3)])
        store.close()

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


def _code(store: Store, project_id: str, number: int) -> str:
    version = store.scene_version(project_id, number)
    assert version is not None
    return version.code


if __name__ == "__main__":
    asyncio.run(main())
