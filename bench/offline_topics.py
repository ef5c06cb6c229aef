"""The offline model over every TheoremExplainBench topic: valid plans, clean scenes.

Each topic goes through the real planner and scene-coder agents; every scene then
runs in the render harness (validate mode: no pixels, full layout report; with
`--render`, a real low-quality render). Prints a table, writes bench/results/topics.json.

    python -m bench.offline_topics [--limit N] [--render] [--jobs K]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import tempfile
import time
from pathlib import Path
from typing import Any

from agents.offline.model import OfflineChatModel
from agents.planner import plan_video
from agents.scene_coder import CoderRequest, write_scene_code
from bench.common import report
from tools.render.models import RenderSettings
from tools.render.runner import render_scene

DATASET = Path(__file__).parents[1] / "evals" / "datasets" / "theoremexplainbench_topics.jsonl"


async def check_topic(topic: dict[str, Any], mode: str, slots: asyncio.Semaphore) -> dict[str, Any]:
    """Plan one topic, write each scene, and run each through the harness."""
    model = OfflineChatModel()
    plan = await plan_video(
        model, topic["prompt"], scene_count=None, style="dark", target_duration=40
    )
    scenes = []
    for scene in plan.scenes:
        code = await write_scene_code(model, CoderRequest(mode="write", plan=scene, style="dark"))
        async with slots:
            with tempfile.TemporaryDirectory() as work:
                result = await render_scene(code, Path(work), RenderSettings(), mode=mode)  # type: ignore[arg-type]
        issues = len(result.layout.issues) if result.layout else None
        scenes.append(
            {
                "archetype": scene.archetype,
                "ok": result.ok,
                "issues": issues,
                "error": result.error.message if result.error else None,
            }
        )
    clean = all(s["ok"] and s["issues"] == 0 for s in scenes)
    return {"id": topic["id"], "prompt": topic["prompt"], "scenes": scenes, "clean": clean}


async def main(limit: int | None, mode: str, jobs: int) -> None:
    topics = [json.loads(line) for line in DATASET.read_text().splitlines() if line.strip()]
    topics = topics[:limit] if limit else topics
    slots = asyncio.Semaphore(jobs)
    started = time.perf_counter()
    results = await asyncio.gather(*(check_topic(t, mode, slots) for t in topics))
    seconds = time.perf_counter() - started
    scenes = [s for r in results for s in r["scenes"]]
    rows = [
        {
            "mode": mode,
            "topics": len(results),
            "clean_topics": sum(r["clean"] for r in results),
            "scenes": len(scenes),
            "scenes_with_errors": sum(not s["ok"] for s in scenes),
            "scenes_with_layout_issues": sum(bool(s["issues"]) for s in scenes),
            "seconds": seconds,
        }
    ]
    report("topics", "Offline model over TheoremExplainBench topics", rows)
    failures = [r for r in results if not r["clean"]]
    (Path(__file__).parent / "results" / "topics_failures.json").write_text(
        json.dumps(failures, indent=2)
    )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--limit", type=int, default=None)
    parser.add_argument("--render", action="store_true", help="Real low-quality renders.")
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    asyncio.run(main(args.limit, "render" if args.render else "validate", args.jobs))
