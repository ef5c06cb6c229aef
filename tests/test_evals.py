"""The eval harness end to end, as a user runs it: `manimgraph eval` in a real process, the
offline model, real renders at low quality, real SQLite, a judge on the fake OpenAI server.

One clean run (with a judge) and one run with half the coder's answers broken are shared
by the slow tests of this module; the fast ones check dataset parsing, bootstrap intervals,
fault injection and the time split on their own.
"""

from __future__ import annotations

import ast
import json
import math
import os
import re
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from typing import Any

import pytest
from langchain_core.messages import BaseMessage, HumanMessage
from langchain_openai import ChatOpenAI

from agents.models import ModelFactory, ModelSpec, build_model
from agents.offline import plan_video, write_scene
from agents.offline.model import OfflineChatModel
from agents.scene_coder import CoderRequest, write_scene_code
from agents.usage import UsageMeter
from evals.chaos import MUTATIONS, ChaosChatModel, break_code
from evals.dataset import DatasetError, load_dataset, select
from evals.judges import DIMENSIONS, DimensionVerdict, Evidence, judge_video
from evals.metrics import time_split
from evals.results import ItemResult, read_results
from evals.stats import bootstrap_diff, bootstrap_mean
from evals.trace import EventTrace, covered
from graphs.events import ProgressEvent
from prompts import load_prompt, prompt_versions
from tests.conftest import ffprobe
from tests.fakes import ChatRequest, OpenAIServer, RecordedRequest, Reply, Usage
from tests.stores import StoreAt
from tools.check import check_code

CLI = str(Path(sys.executable).with_name("manimgraph"))
CHAOS_SEED = "1"  # breaks first answers both ways: a statically repairable name, a truncation
ITEMS: list[dict[str, Any]] = [
    {
        "id": "pythagoras",
        "prompt": "The Pythagorean Theorem",
        "domain": "math",
        "difficulty": "easy",
        "scene_count": 2,
        "edits": [{"scene_number": 1, "edit_prompt": "make the title red"}],
        "expect": {"terms": ["Pythagorean"], "kinds": ["title"]},
    },
    {
        "id": "newton",
        "prompt": "Newton's second law of motion",
        "domain": "physics",
        "difficulty": "medium",
        "scene_count": 2,
        "source": "unit test",
    },
    {
        "id": "search",
        "prompt": "Binary search",
        "domain": "computer_science",
        "difficulty": "hard",
        "scene_count": 2,
    },
]
JUDGE_SCORES = {
    "accuracy_and_depth": 5,
    "visual_relevance": 4,
    "logical_flow": 4,
    "element_layout": 3,
    "visual_consistency": 5,
}


def run_cli(
    *args: str | Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.endswith("_API_KEY") and not k.startswith(("MANIMGRAPH_", "OPENAI_"))
    }
    return subprocess.run(
        [CLI, *map(str, args)],
        capture_output=True,
        text=True,
        env={**clean, **(env or {})},
        timeout=900,
    )


def judge_reply(request: RecordedRequest) -> Reply:
    """Score each dimension as JUDGE_SCORES says, reading the dimension off the system prompt."""
    assert request.chat is not None
    dimension = re.search(r"Dimension: (\w+)", request.chat.system)
    assert dimension is not None
    verdict = DimensionVerdict(
        reasoning="The frames match the narration.", score=JUDGE_SCORES[dimension.group(1)]
    )
    return Reply.structured(verdict, usage=Usage(input_tokens=900, output_tokens=60))


@dataclass(frozen=True)
class Runs:
    dataset: Path
    clean: Path
    chaos: Path
    judge_chats: list[ChatRequest]


@pytest.fixture(scope="module")
def runs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Runs]:
    root = tmp_path_factory.mktemp("evals")
    dataset = root / "topics.jsonl"
    dataset.write_text("".join(json.dumps(item) + "\n" for item in ITEMS))
    common = ("--dataset", dataset, "--concurrency", "3", "--quality", "low")
    with OpenAIServer() as judge:
        judge.respond_with(judge_reply)
        done = run_cli(
            "eval",
            "run",
            *common,
            "--judge",
            "openai:gpt-4o",
            "--out",
            root / "clean",
            env={"OPENAI_BASE_URL": judge.base_url},
        )
        assert done.returncode == 0, done.stderr
        chats = judge.chats
    done = run_cli(
        "eval", "run", *common, "--chaos", "0.5", "--seed", CHAOS_SEED, "--out", root / "chaos"
    )
    assert done.returncode == 0, done.stderr
    yield Runs(dataset, root / "clean", root / "chaos", chats)


def results(run: Path) -> dict[str, ItemResult]:
    return {r.id: r for r in read_results(run / "results.jsonl")}


@pytest.mark.slow
def test_each_item_runs_through_the_graph_and_is_measured(runs: Runs) -> None:
    found = results(runs.clean)
    assert sorted(found) == ["newton", "pythagoras", "search"]
    for result in found.values():
        assert result.status == "completed" and result.success and result.layout_clean
        assert (result.scenes_planned, result.scenes_rendered, result.first_attempt_ok) == (2, 2, 2)
        assert result.retries == result.repairs == result.fallbacks == 0
        assert not result.errors and not result.injected
        video = runs.clean / str(result.video)
        assert video.is_file()
        assert ffprobe(video)["duration"] == pytest.approx(result.video_seconds, abs=0.2)
        assert result.planned_seconds == sum(s.planned_duration or 0 for s in result.scenes)
        assert result.duration_ratio == pytest.approx(1.0, abs=0.1)
        split = result.time
        assert split.render > 0 and split.model >= 0 and split.other >= 0
        assert split.render + split.model + split.other == pytest.approx(split.wall)
        assert split.wall <= split.render_total + split.model_total + split.other + 1e-6
        usage = result.usage.by_agent
        assert usage["planner"].calls == 1 and usage["coder"].calls >= 2
        assert result.usage.total.cost_usd == 0
    assert found["newton"].fields == {"source": "unit test"}
    assert found["pythagoras"].expect is not None and found["pythagoras"].expect.met
    edit = found["pythagoras"].edits[0]
    assert (edit.ok, edit.new_version, edit.changed, edit.others_identical) == (True,) * 4
    project = StoreAt(runs.clean / "store").get_project(str(found["pythagoras"].project_id))
    assert project is not None
    assert [len(scene.versions) for scene in project.scenes] == [2, 1]


@pytest.mark.slow
def test_judges_score_five_dimensions_from_text_and_frames(runs: Runs) -> None:
    expected = math.prod(JUDGE_SCORES.values()) ** (1 / len(JUDGE_SCORES))
    for result in results(runs.clean).values():
        judge = result.judge
        assert judge is not None, result.judge_error
        assert judge.model == "openai:gpt-4o" and judge.frames == 3
        assert {name: s.score for name, s in judge.scores.items()} == JUDGE_SCORES
        assert judge.overall == pytest.approx(expected)
        for dimension in DIMENSIONS:
            assert judge.scores[dimension.name].mode == ("vision" if dimension.visual else "text")
        assert judge.usage.by_agent["judge"].calls == 5
        assert judge.usage.total.input_tokens == 5 * 900
        assert judge.usage.total.cost_usd > 0
    assert len(runs.judge_chats) == 15
    for chat in runs.judge_chats:
        assert chat.schema is not None
        assert list(chat.schema["properties"]) == ["reasoning", "score"]
        visual = any(f"Dimension: {d.name}" in chat.system for d in DIMENSIONS if d.visual)
        assert len(chat.images) == (3 if visual else 0)
        assert all(url.startswith("data:image/png;base64,") for url in chat.images)
        if not visual:
            assert "narration" in chat.last_user_text and "Layout report" in chat.last_user_text


@pytest.mark.slow
def test_run_record_and_summary(runs: Runs) -> None:
    record = json.loads((runs.clean / "run.json").read_text())
    assert record["config"]["chaos"] == 0 and record["config"]["max_retries"] == 2
    assert record["models"] == {
        "planner": "offline",
        "coder": "offline",
        "fixer": "offline",
        "assembler": "offline",
        "judge": "openai:gpt-4o",
    }
    assert record["items"] == ["pythagoras", "newton", "search"]
    facts = record["provenance"]
    assert {k: v for k, v in facts["prompts"].items() if k != "judge"} == prompt_versions()
    assert facts["prompts"]["judge"].startswith("judge-")
    for package in ("manim", "langgraph", "langchain-core"):
        assert facts["packages"][package] == version(package)
    assert re.fullmatch(r"[0-9a-f]{40}", facts["git_commit"])
    assert record["finished_at"] is not None
    summary = json.loads((runs.clean / "summary.json").read_text())
    assert summary["items"] == summary["completed"] == 3
    assert summary["metrics"]["success"] == {"mean": 1.0, "low": 1.0, "high": 1.0, "n": 3}
    wall = summary["metrics"]["wall_seconds"]
    assert wall["low"] <= wall["mean"] <= wall["high"] and wall["n"] == 3
    assert summary["metrics"]["edits_ok"]["n"] == 1
    assert set(summary["by_domain"]) == {"math", "physics", "computer_science"}
    assert set(summary["by_difficulty"]) == {"easy", "medium", "hard"}
    assert set(summary["judge"]) == set(JUDGE_SCORES)
    assert summary["usage_by_agent"]["coder"]["calls"] >= 7  # 6 scenes and one edit


@pytest.mark.slow
def test_reports_have_tables_plots_and_video_links(runs: Runs) -> None:
    markdown = (runs.clean / "report.md").read_text()
    for heading in (
        "Headline metrics",
        "Success by domain",
        "Success by difficulty",
        "Cost and time",
        "Errors and repairs",
        "Judge scores",
        "Worst items",
    ):
        assert f"## {heading}" in markdown
    plots = re.findall(r"!\[[^\]]*\]\((plots/[\w.]+\.png)\)", markdown)
    assert len(plots) == 3
    for plot in plots:
        assert (runs.clean / plot).read_bytes().startswith(b"\x89PNG")
    videos = re.findall(r"\[video\]\(([^)]+)\)", markdown)
    assert len(videos) == 3 and all((runs.clean / v).is_file() for v in videos)
    page = (runs.clean / "report.html").read_text()
    assert page.count('src="data:image/png;base64,') == 3
    assert "plots/" not in page
    assert "<h2>Judge scores</h2>" in page and "computer_science" in page


@pytest.mark.slow
def test_broken_answers_fail_first_attempts_and_are_recovered(runs: Runs) -> None:
    found = results(runs.chaos)
    assert sum(sum(r.injected.values()) for r in found.values()) >= 3
    assert all(r.status == "completed" for r in found.values())
    scenes = [scene for r in found.values() for scene in r.scenes]
    recovered = [s for s in scenes if not s.first_attempt_ok and s.fallback_reason is None]
    assert recovered, "no first attempt failed and was recovered"
    assert any(s.retries for s in recovered)
    assert sum(r.first_attempt_ok for r in found.values()) < len(scenes)
    summary = json.loads((runs.chaos / "summary.json").read_text())
    assert summary["metrics"]["first_attempt"]["mean"] < 1
    assert summary["errors_by_class"]["code"] >= 1
    assert sum(summary["injected"].values()) >= 3
    assert "## Injected faults" in (runs.chaos / "report.md").read_text()


@pytest.mark.slow
def test_compare_flags_a_planted_regression(runs: Runs, tmp_path: Path) -> None:
    same = run_cli("eval", "compare", runs.clean, runs.clean, "--out", tmp_path / "same.json")
    assert same.returncode == 0 and "no regression" in same.stdout
    worse = tmp_path / "worse"
    worse.mkdir()
    lines = (runs.clean / "results.jsonl").read_text().splitlines()
    planted = []
    for line in lines:
        result = json.loads(line)
        result.update(success=False, fallbacks=1, fallback_reasons=["code: NameError: x"])
        planted.append(json.dumps(result))
    (worse / "results.jsonl").write_text("\n".join(planted) + "\n")
    flagged = run_cli("eval", "compare", runs.clean, worse)
    assert flagged.returncode == 0, flagged.stderr
    assert "REGRESSION" in flagged.stdout
    comparison = json.loads((worse / "compare.json").read_text())
    by_name = {m["name"]: m for m in comparison["metrics"]}
    assert by_name["success"]["regression"] and by_name["success"]["paired"]
    assert by_name["success"]["diff"]["mean"] == -1.0
    assert not by_name["layout_clean"]["regression"]
    strict = run_cli("eval", "compare", runs.clean, worse, "--fail-on-regression")
    assert strict.returncode == 1


@pytest.mark.slow
def test_resume_skips_done_items_and_refuses_to_overwrite(runs: Runs) -> None:
    chaos = ("eval", "run", "--dataset", runs.dataset, "--chaos", "0.5", "--seed", CHAOS_SEED)
    path = runs.chaos / "results.jsonl"
    before = path.read_text()
    refused = run_cli(*chaos, "--out", runs.chaos)
    assert refused.returncode == 2
    assert refused.stderr.strip().count("\n") == 0 and "--resume" in refused.stderr
    other = run_cli(*chaos[:-1], "7", "--out", runs.chaos, "--resume")
    assert other.returncode == 2 and "another configuration" in other.stderr
    assert path.read_text() == before
    kept = [line for line in before.splitlines() if json.loads(line)["id"] != "search"]
    path.write_text("".join(line + "\n" for line in kept))
    jobs = StoreAt(runs.chaos / "store").counts()["jobs"]
    resumed = run_cli(*chaos, "--out", runs.chaos, "--resume")
    assert resumed.returncode == 0, resumed.stderr
    assert "resuming: 2 item(s) already done" in resumed.stderr
    lines = path.read_text().splitlines()
    assert lines[:2] == kept and len(lines) == 3
    assert StoreAt(runs.chaos / "store").counts()["jobs"] == jobs + 1
    again = ItemResult.model_validate_json(lines[2])
    first = ItemResult.model_validate_json(
        next(line for line in before.splitlines() if json.loads(line)["id"] == "search")
    )
    # The same seed breaks the same answers the same way.
    assert again.injected == first.injected
    assert [s.retries for s in again.scenes] == [s.retries for s in first.scenes]


@pytest.mark.slow
def test_chaos_curve_reports_success_against_rate(tmp_path: Path) -> None:
    dataset = tmp_path / "one.jsonl"
    dataset.write_text(json.dumps({**ITEMS[2], "scene_count": 1}) + "\n")
    out = tmp_path / "curve"
    done = run_cli(
        "eval",
        "chaos-curve",
        "--dataset",
        dataset,
        "--rates",
        "0,1",
        "--retries",
        "0",
        "--seed",
        "2",
        "--out",
        out,
    )
    assert done.returncode == 0, done.stderr
    curve = json.loads((out / "curve.json").read_text())
    assert [(p["rate"], p["max_retries"]) for p in curve["points"]] == [(0, 0), (1, 0)]
    assert curve["points"][0]["mean"] == 1.0
    assert curve["first_attempt"][1]["mean"] == 0.0  # every answer broken
    assert (out / "chaos-1-retries-0" / "results.jsonl").is_file()
    assert not (out / "chaos-0-retries-0" / "store").exists()  # one shared store
    assert 'src="data:image/png;base64,' in (out / "report.html").read_text()


def test_bad_input_is_one_line_and_writes_nothing(tmp_path: Path) -> None:
    dataset = tmp_path / "bad.jsonl"
    dataset.write_text('{"id": "a", "prompt": "x"}\n{"id": "b", "prompt": ""}\n')
    out = tmp_path / "out"
    done = run_cli("eval", "run", "--dataset", dataset, "--out", out)
    assert done.returncode == 2
    assert done.stderr.startswith(f"error: {dataset}:2: prompt:")
    assert done.stderr.strip().count("\n") == 0
    assert not out.exists()
    missing = run_cli("eval", "compare", tmp_path, tmp_path)
    assert missing.returncode == 2 and "no results.jsonl" in missing.stderr


# Fast checks of the pure parts.

DATASETS = Path(__file__).parents[1] / "evals" / "datasets"
PLAN = plan_video("The Pythagorean Theorem", scene_count=3)


def write_lines(tmp_path: Path, *lines: str) -> Path:
    path = tmp_path / "data.jsonl"
    path.write_text("".join(line + "\n" for line in lines))
    return path


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        (['{"id": "a", "prompt": "x"}', '{"id": "b" "prompt": "y"}'], r":2: invalid JSON"),
        (['{"id": "a"}'], r":1: missing field 'prompt'"),
        (['["a", "x"]'], r":1: expected a JSON object, got list"),
        (['{"id": "a", "prompt": "x"}', "", '{"id": "a", "prompt": "y"}'], r":3: duplicate id"),
        (['{"id": "a", "prompt": "x", "scene_count": 0}'], r":1: scene_count: Input should be"),
        (['{"id": "a", "prompt": "x", "edits": [{"scene_number": 1}]}'], r"edits.0.edit_prompt"),
        (
            [
                '{"id": "a", "prompt": "x", "scene_count": 2, '
                '"edits": [{"scene_number": 3, "edit_prompt": "red"}]}'
            ],
            r":1: edits name scene 3 but scene_count is 2",
        ),
        (['{"id": "a", "prompt": "x", "expect": {"words": ["y"]}}'], r"expect.words"),
        ([""], r"has no items"),
    ],
)
def test_bad_dataset_lines_name_file_and_line(
    tmp_path: Path, lines: list[str], message: str
) -> None:
    path = write_lines(tmp_path, *lines)
    with pytest.raises(DatasetError, match=message) as caught:
        load_dataset(path)
    assert str(caught.value).startswith(str(path))
    assert "\n" not in str(caught.value)


def test_unknown_fields_pass_through_and_sampling_is_seeded(tmp_path: Path) -> None:
    path = write_lines(
        tmp_path,
        *(
            json.dumps({"id": f"i{n}", "prompt": f"topic {n}", "source": "bench"})
            for n in range(10)
        ),
    )
    items = load_dataset(path)
    assert items[0].extra == {"source": "bench"}
    first = select(items, sample=4, seed=3)
    assert [i.id for i in first] == [i.id for i in select(items, sample=4, seed=3)]
    assert [i.id for i in first] != [i.id for i in select(items, sample=4, seed=4)]
    assert [i.id for i in first] == sorted((i.id for i in first), key=lambda x: int(x[1:]))
    assert [i.id for i in select(items, limit=2)] == ["i0", "i1"]


def test_shipped_datasets_load() -> None:
    smoke = load_dataset(DATASETS / "smoke.jsonl")
    assert len(smoke) == 10
    assert len({item.domain for item in smoke}) >= 4
    assert {item.difficulty for item in smoke} == {"easy", "medium", "hard"}
    assert sum(bool(item.edits) for item in smoke) == 2
    topics = load_dataset(DATASETS / "theoremexplainbench_topics.jsonl")
    assert len(topics) == 240
    assert topics[0].extra["subfield"] == "Geometry"


def test_bootstrap_interval_brackets_the_mean_and_is_seeded() -> None:
    values = [1.0] * 30 + [0.0] * 10
    estimate = bootstrap_mean(values, seed=1)
    assert estimate.mean == pytest.approx(0.75)
    assert estimate.low is not None and estimate.high is not None
    assert 0.55 < estimate.low < 0.75 < estimate.high < 0.92
    assert bootstrap_mean(values, seed=1) == estimate
    assert bootstrap_mean([2.0, 2.0, 2.0]).model_dump() == {
        "mean": 2.0,
        "low": 2.0,
        "high": 2.0,
        "n": 3,
    }
    assert bootstrap_mean([]).mean is None


def test_paired_difference_sees_what_unpaired_cannot() -> None:
    base = [float(n) for n in range(20)]
    shifted = [value + 1.0 for value in base]
    paired = bootstrap_diff(base, shifted, paired=True)
    unpaired = bootstrap_diff(base, shifted, paired=False)
    assert paired.mean == unpaired.mean == pytest.approx(1.0)
    assert paired.low == paired.high == pytest.approx(1.0)
    assert unpaired.low is not None and unpaired.low < 0 < 1 < (unpaired.high or 0)
    with pytest.raises(ValueError, match="same length"):
        bootstrap_diff([1.0], [1.0, 2.0], paired=True)


def test_every_mutation_breaks_offline_code_for_real() -> None:
    codes = [write_scene(scene) for scene in plan_video("Derivative of sine").scenes]
    seen = set()
    for code in codes:
        for mutation in MUTATIONS:
            broken = mutation.apply(code)
            if broken is None:
                continue
            seen.add(mutation.name)
            assert broken != code
            if mutation.truncates:
                with pytest.raises(SyntaxError):
                    ast.parse(broken)
                assert check_code(broken) is not None
    assert seen == {m.name for m in MUTATIONS}
    assert break_code("x = 1\n", 0) is None


def coder_messages(number: int) -> list[BaseMessage]:
    request = CoderRequest(mode="write", plan=PLAN.scenes[number], style="dark")
    return load_prompt("scene_coder").render("write", **request.prompt_values())


async def answers(model: ChaosChatModel) -> list[str]:
    return [(await model.ainvoke(coder_messages(n))).text for n in range(3) for _ in range(2)]


async def test_chaos_is_deterministic_per_seed_and_rate() -> None:
    clean = [(await OfflineChatModel().ainvoke(coder_messages(n))).text for n in range(3)]
    first = await answers(ChaosChatModel(inner=OfflineChatModel(), rate=0.5, seed=7))
    again = await answers(ChaosChatModel(inner=OfflineChatModel(), rate=0.5, seed=7))
    other = await answers(ChaosChatModel(inner=OfflineChatModel(), rate=0.5, seed=8))
    assert first == again
    assert first != other
    never = ChaosChatModel(inner=OfflineChatModel(), rate=0.0, seed=7)
    assert await answers(never) == [text for text in clean for _ in range(2)]
    always = ChaosChatModel(inner=OfflineChatModel(), rate=1.0, seed=7)
    broken = await answers(always)
    assert all(text not in clean for text in broken)
    assert len(always.injections) == 6
    # The same prompt asked again draws again: a retry is not doomed to the same fault.
    assert len({broken[0], broken[1]}) == 2 or always.injections[0] != always.injections[1]


async def test_chaos_wraps_at_the_model_layer_and_counts_each_call_once() -> None:
    local, job = UsageMeter(), UsageMeter()
    chaos = ChaosChatModel(inner=OfflineChatModel(), rate=1.0, seed=1, callbacks=[local])
    factory = ModelFactory(default=ModelSpec(provider="offline")).with_model("coder", chaos)
    request = CoderRequest(mode="write", plan=PLAN.scenes[0], style="dark")
    code = await write_scene_code(factory.for_role("coder"), request)
    assert code != write_scene(PLAN.scenes[0])
    assert len(chaos.injections) == 1
    # Structured answers (tool calls) go through the wrapper untouched.
    ask = [HumanMessage("## Topic\nBayes\n\n## Scene count\n2")]
    plan = await chaos.with_structured_output(type(PLAN)).ainvoke(ask, {"callbacks": [job]})
    assert isinstance(plan, type(PLAN)) and len(plan.scenes) == 2
    assert len(chaos.injections) == 1
    # A meter on the wrapper and one inherited from the caller's config see each call once.
    await chaos.ainvoke(coder_messages(1), {"callbacks": [job]})
    assert local.report().total.calls == 3
    assert job.report().total.calls == 2


def test_time_split_partitions_the_wall_time() -> None:
    assert covered([(0, 2), (1, 3), (5, 6)]) == pytest.approx(4)
    split = time_split(10.0, model=[(0, 1), (2.5, 3.5)], render=[(1, 4), (3, 6)])
    assert split.render == pytest.approx(5)
    assert split.model == pytest.approx(1)
    assert split.other == pytest.approx(4)
    assert split.render + split.model + split.other == pytest.approx(split.wall)
    assert split.render_total == pytest.approx(6)
    assert split.model_total == pytest.approx(2)


def test_trace_reads_retries_fix_rounds_and_render_time() -> None:
    trace = EventTrace()
    events = [
        (0.0, ProgressEvent(stage="rendering", message="rendering at low quality", scene=1)),
        (
            2.0,
            ProgressEvent(stage="coding", message="retry 1: NameError: x", scene=1, status="retry"),
        ),
        (2.5, ProgressEvent(stage="rendering", message="rendering at low quality", scene=1)),
        (4.0, ProgressEvent(stage="rendering", message="rendered in 1.5s", scene=1, seconds=1.5)),
        (4.1, ProgressEvent(stage="reviewing", message="fix round 1", scene=1, status="fixing")),
        (5.0, ProgressEvent(stage="fallback", message="title card", scene=2)),
        (6.0, ProgressEvent(stage="saving", message="done", scene=2, status="done")),
    ]
    trace.events.extend(events)
    assert trace.retries() == {1: 1}
    assert trace.fix_rounds() == {1: 1}
    assert trace.retry_errors() == {("code", "NameError"): 1}
    assert trace.render_intervals(end=9.0) == [(0.0, 2.0), (2.5, 4.0), (5.0, 6.0)]


async def test_judge_without_frames_reads_text_only(openai_server: OpenAIServer) -> None:
    openai_server.respond_with(judge_reply)
    spec = ModelSpec.parse("openai:llama3.1", base_url=openai_server.base_url)
    assert not spec.accepts_images
    plan = [{"title": "Bayes", "narration": "Prior times likelihood.", "duration": 6}]
    evidence = Evidence(topic="Bayes' theorem", plan=plan, layout={1: []})
    model = build_model(spec)
    assert isinstance(model, ChatOpenAI)
    try:
        scores = await judge_video(model, evidence)
    finally:
        await model.root_async_client.close()  # its pooled connections belong to this loop
    assert {name: s.score for name, s in scores.items()} == JUDGE_SCORES
    assert {s.mode for s in scores.values()} == {"text"}
    assert len(openai_server.chats) == 5
    assert not any(chat.images for chat in openai_server.chats)
