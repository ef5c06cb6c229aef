"""The `manimgraph` command line: jobs, projects, scene files, the server and its keys.

User errors print one line on stderr and exit 2; a failed job exits 1.
With `--json`, stdout carries exactly one JSON object and progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, Literal, NoReturn

import typer
from platformdirs import user_data_dir
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from server.answer import print_answer

# Heavy modules (LangChain, LangGraph, SQLAlchemy, the render tools, uvicorn) are imported
# in the commands that use them, so `--help`, `list`, `show` and `status` answer fast
# (bench/cli_startup.py measures it).
if TYPE_CHECKING:
    from agents.config import ModelConfig
    from agents.usage import UsageReport
    from graphs.jobs import JobRecord, JobRoom, JobSummary
    from graphs.render_loop import FileRender
    from graphs.requests import JobRequest
    from server.health import HealthReport
    from server.remote import Target
    from tools.render.models import Quality
    from tools.speech import NarrationSettings
    from tools.store import ApiKeyRecord, ArtifactStore, CleanupReport, ProjectSummary, Store
    from tools.store.summary import VersionSummary


__all__ = ["app"]

app = typer.Typer(add_completion=False, no_args_is_help=True, help=__doc__)
stderr = Console(stderr=True)

DataDir = Annotated[
    Path | None,
    typer.Option(
        "--data-dir",
        envvar="MANIMGRAPH_DATA_DIR",
        help="Where projects live (default: the per-user data directory).",
    ),
]
DatabaseUrl = Annotated[
    str | None,
    typer.Option(
        "--database-url",
        envvar="MANIMGRAPH_DATABASE_URL",
        help="PostgreSQL (postgresql://…) instead of SQLite in the data directory.",
    ),
]
AsJson = Annotated[bool, typer.Option("--json", help="Print one JSON object on stdout.")]
ConfigFile = Annotated[
    Path | None,
    typer.Option("--config", help="TOML file of models and budget (see agents/config.py)."),
]
ModelFlag = Annotated[str | None, typer.Option(help="provider:model for every agent.")]
PlannerFlag = Annotated[str | None, typer.Option(help="provider:model of the planner.")]
CoderFlag = Annotated[str | None, typer.Option(help="provider:model of the scene coder.")]
FixerFlag = Annotated[str | None, typer.Option(help="provider:model of the visual fixer.")]
MaxCalls = Annotated[int | None, typer.Option(help="Budget: model calls per job.", min=0)]
MaxTokens = Annotated[int | None, typer.Option(help="Budget: tokens per job.", min=0)]
MaxCost = Annotated[float | None, typer.Option(help="Budget: estimated USD per job.", min=0)]
VoiceFlag = Annotated[
    str | None,
    typer.Option(
        "--voice",
        help="Narration: offline, none (silent), openai:<voice> or elevenlabs:<voice_id> "
        "(default: the config's [narration], else offline where installed; an edit keeps "
        "the scene's voice).",
    ),
]
BurnSubtitles = Annotated[
    bool, typer.Option("--burn-subtitles", help="Draw the subtitles into the video.")
]
AspectFlag = Annotated[
    str | None,
    typer.Option("--aspect", help="16:9 (default), 9:16 (shorts, reels) or 1:1; or [render]."),
]
ResolutionFlag = Annotated[
    str | None,
    typer.Option(
        "--resolution", help="480p, 720p, 1080p, 1440p or 2160p (default: the quality's)."
    ),
]
FpsFlag = Annotated[
    int | None, typer.Option("--fps", help="Frames a second, 15-60 (default: the quality's).")
]
DurationFlag = Annotated[
    float | None,
    typer.Option("--duration", help="Target length of the whole video in seconds (default 40)."),
]
ServerUrl = Annotated[
    str | None,
    typer.Option(
        "--server",
        envvar="MANIMGRAPH_SERVER",
        help="A running server's base URL (e.g. http://host:8000): call its REST API instead "
        "of working here.",
    ),
]
ApiKeyFlag = Annotated[
    str | None,
    typer.Option("--api-key", envvar="MANIMGRAPH_API_KEY", help="The server's API key."),
]
Wait = Annotated[
    bool, typer.Option("--wait", help="With --server: follow the job's progress to its end.")
]


ImageFlag = Annotated[
    list[str] | None,
    typer.Option(
        "--image",
        help="An image to show (PNG, JPEG, WebP), as FILE or FILE:description; repeatable.",
    ),
]
MusicFlag = Annotated[
    Path | None, typer.Option("--music", help="An MP3 or WAV to play under the whole video.")
]
WATCH_POLL_S = 0.5
REMOTE_CONFIG = "--config is read by local runs: with --server, name models with --model, --coder…"
REMOTE_UPLOADS = (
    "--image and --music are read by local runs: with --server, upload them with POST"
    " /api/v1/assets and name them in the generate body's `assets`"
)


class UserError(Exception):
    """Bad input: one line on stderr, exit code 2."""


def _fail(message: str, code: int) -> NoReturn:
    stderr.print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(code)


def _validation_line(exc: ValidationError) -> str:
    first = exc.errors()[0]
    where = ".".join(str(part) for part in first["loc"] if part not in ("generate", "edit"))
    return f"{where}: {first['msg']}" if where else str(first["msg"])


@contextmanager
def _errors() -> Iterator[None]:
    """Map exceptions to the CLI's contract: exit 2 for user errors, 1 for failed jobs."""
    try:
        yield
    except ValidationError as exc:
        _fail(_validation_line(exc), 2)
    except Exception as exc:
        if isinstance(exc, _loaded(USER_ERRORS)):
            _fail(str(exc), 2)
        if isinstance(exc, _loaded(JOB_ERRORS)):
            _fail(str(exc), 1)
        raise


USER_ERRORS = (
    ("server.client", "ServerError"),
    ("graphs.errors", "NotFound"),
    ("tools.store", "StoreError"),
    ("agents.config", "ConfigError"),
)
JOB_ERRORS = (
    ("graphs.errors", "JobError"),
    ("agents.calls", "ProviderError"),
    ("server.remote", "JobNotCompleted"),
)


def _loaded(names: tuple[tuple[str, str], ...]) -> tuple[type[Exception], ...]:
    """The classes `names` lists from modules already imported: a module the command did
    not import cannot have raised one, so it is not imported just to be checked."""
    found: list[type[Exception]] = [UserError]
    for module, name in names:
        if module in sys.modules:
            found.append(getattr(sys.modules[module], name))
    return tuple(found)


def _target(server: str, api_key: str | None, as_json: bool = False) -> Target:
    """Where a `--server` command sends its calls (see server/remote.py)."""
    from server.remote import Target

    return Target(server, api_key, stderr, as_json)


def _data_dir(data_dir: Path | None) -> Path:
    return data_dir or Path(user_data_dir("manimgraph"))


@asynccontextmanager
async def _store(data_dir: Path | None, database_url: str | None) -> AsyncIterator[Store]:
    from tools.store import Store

    store = await Store.open(
        _data_dir(data_dir), database_url=database_url, artifacts_url=_artifacts_url()
    )
    try:
        yield store
    finally:
        await store.close()


def _room(
    data_dir: Path | None, database_url: str | None, models: ModelConfig | None = None
) -> AbstractAsyncContextManager[JobRoom]:
    from graphs.jobs import JobRoom

    options = {"models": models} if models is not None else {}
    return JobRoom.open(
        _data_dir(data_dir), database_url=database_url, artifacts_url=_artifacts_url(), **options
    )


def _artifacts_url() -> str | None:
    """Object storage instead of the data directory's artifacts, as the server reads it."""
    return os.environ.get("MANIMGRAPH_ARTIFACTS_URL") or None


def _local_summary(
    summary: VersionSummary, artifacts: ArtifactStore, job: JobRecord | None
) -> dict:
    """The CLI's JSON: the summary with artifact keys turned into file paths or s3:// URLs."""
    data = summary.model_dump(mode="json")
    for name in ("video", "thumbnail", "subtitles", "manifest"):
        key = data[name]
        data[name] = artifacts.describe(key) if key else None
    for scene in data["scenes"]:
        scene["video"] = artifacts.describe(scene["video"])
    if job is not None:
        from graphs.jobs import JobOutcome
        from graphs.requests import JobSpec

        outcome = JobOutcome.of(job)
        data.update(job_id=job.id, status=job.status, usage=outcome.usage.model_dump(mode="json"))
        data["target_duration_s"] = JobSpec.model_validate(job.request).target_duration
    return data


def _print_summary(
    summary: VersionSummary, data: dict, as_json: bool, usage: UsageReport | None = None
) -> None:
    """The summary for people (with the job's `usage` when one ran), or its JSON `data`."""
    from server.progress_view import print_summary

    if as_json:
        print_answer(data, True)
        return
    print_summary(stderr, summary.title, summary.version, summary.scenes, usage)
    Console().print(f"video: {data['video']}", highlight=False, soft_wrap=True)


def _model_config(
    config: Path | None,
    flags: dict[str, str | None],
    budget: dict[str, int | float | None],
) -> ModelConfig:
    """Models and budget from the config file, the environment and these flags."""
    from agents.config import load_model_config

    loaded = load_model_config(config, flags=flags)
    caps = {name: value for name, value in budget.items() if value is not None}
    return loaded.model_copy(update={"budget": loaded.budget.model_copy(update=caps)})


def _narration(voice: str | None, models: ModelConfig) -> NarrationSettings | None:
    """The voice the flag names, at the configured speed; None leaves the default."""
    from tools.speech import NarrationSettings

    if voice is None:
        return None
    return NarrationSettings(voice=voice, speed=models.narration.speed)


def _run(
    request: JobRequest,
    data_dir: Path | None,
    database_url: str | None,
    as_json: bool,
    models: ModelConfig,
    narration: NarrationSettings | None = None,
    output: Path | None = None,
    *,
    uploads: list[Upload] | None = None,
) -> None:
    """Submit a job and run it here, checkpointed: `manimgraph resume` continues it; its
    `uploads` are stored as assets first."""
    from graphs.limits import Limits
    from graphs.requests import JobSpec
    from tools.render.sandbox import current_sandbox, sandbox_warning

    async def submit_and_run(room: JobRoom) -> JobRecord:
        spec = JobSpec(
            request=await _with_uploads(room.store, request, uploads) if uploads else request,
            models=models.roles,
            limits=Limits(budget=models.budget),
            narration=narration,
        )
        job = await room.submit(spec)
        if models.notice:
            stderr.print(models.notice, style="dim", highlight=False)
        warning = sandbox_warning((await asyncio.to_thread(current_sandbox)).status)
        if warning is not None:
            stderr.print(f"warning: {warning}", style="yellow", highlight=False)
        stderr.print(f"job {job.id} · project {job.project_id}", style="dim", highlight=False)
        return job

    asyncio.run(_drive(data_dir, database_url, models, as_json, submit_and_run, output))


async def _drive(
    data_dir: Path | None,
    database_url: str | None,
    models: ModelConfig | None,
    as_json: bool,
    pick: Callable[[JobRoom], Awaitable[JobRecord]],
    output: Path | None = None,
) -> None:
    """Run the job `pick` chooses with progress bars, then print its summary (and save its
    video to `output`). A failed job prints its JSON too (with --json) and exits 1."""
    from agents.calls import ProviderError
    from graphs.errors import JobError
    from server.progress_view import ProgressView

    async with _room(data_dir, database_url, models) as room:
        job = await pick(room)
        try:
            with ProgressView(stderr) as view:
                summary = await room.run(job.id, on_event=lambda _, progress: view.show(progress))
        except (JobError, ProviderError) as exc:
            failed = await room.store.get_job(job.id)
            if as_json and failed is not None:
                print_answer(_job_json(failed), True)
            _fail(str(exc), 1)
        done = await room.store.get_job(job.id)
        data = _local_summary(summary, room.store.artifacts, done)
        if output is not None and summary.video:
            name = f"{summary.project_id}-v{summary.version}.mp4"
            saved = await _save_video(room.store.artifacts, summary.video, output, name)
            data["output"] = str(saved)
            stderr.print(f"saved the video to {saved}", style="dim", highlight=False)
    _print_summary(summary, data, as_json, summary.usage)


def _job_json(job: JobRecord) -> dict:
    """A job's row for people and scripts: status, stage, progress, scenes, error."""
    return job.model_dump(mode="json", exclude={"request", "result", "idempotency_key"})


@app.command()
def generate(
    prompt: Annotated[str, typer.Argument(help="What the video should explain.")],
    scenes: Annotated[int | None, typer.Option("--scenes", help="Number of scenes, 1-12.")] = None,
    quality: Annotated[str, typer.Option(help="low, medium or high.")] = "low",
    style: Annotated[str, typer.Option(help="Visual style, e.g. dark or light.")] = "dark",
    no_fallback: Annotated[
        bool, typer.Option("--no-fallback", help="Fail instead of using a title card.")
    ] = False,
    config: ConfigFile = None,
    model: ModelFlag = None,
    planner: PlannerFlag = None,
    coder: CoderFlag = None,
    fixer: FixerFlag = None,
    max_calls: MaxCalls = None,
    max_tokens: MaxTokens = None,
    max_cost: MaxCost = None,
    voice: VoiceFlag = None,
    burn_subtitles: BurnSubtitles = False,
    aspect: AspectFlag = None,
    resolution: ResolutionFlag = None,
    fps: FpsFlag = None,
    duration: DurationFlag = None,
    image: ImageFlag = None,
    music: MusicFlag = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="Also save the video to this file or directory."),
    ] = None,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    wait: Wait = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Make a new project (a video) from a prompt, here or with --server on a server."""
    if server is not None:
        from server import remote
        from server.schemas import GenerateBody, VideoRenderOptions

        with _errors():
            if config is not None:
                raise UserError(REMOTE_CONFIG)
            if image or music:
                raise UserError(REMOTE_UPLOADS)
            body = GenerateBody(
                prompt=prompt,
                scene_count=scenes,
                quality=quality,  # type: ignore[arg-type]  # validated by the schema
                style=style,  # type: ignore[arg-type]
                fallback=not no_fallback,
                burn_subtitles=burn_subtitles,
                models=remote.model_settings(model, planner, coder, fixer),
                budget=remote.budget_options(max_calls, max_tokens, max_cost),
                narration=remote.narration_options(voice),
                render=VideoRenderOptions(
                    aspect=aspect,  # type: ignore[arg-type]  # validated by the schema
                    resolution=resolution,  # type: ignore[arg-type]
                    fps=fps,
                    duration_s=duration,
                ),
            )
            remote.start(_target(server, api_key, as_json), body, wait=wait, output=output)
        return
    from graphs.requests import GenerateRequest

    with _errors():
        models = _model_config(
            config,
            {"default": model, "planner": planner, "coder": coder, "fixer": fixer},
            {"max_calls": max_calls, "max_tokens": max_tokens, "max_cost_usd": max_cost},
        )
        render = models.render.merged(
            aspect=aspect, resolution=resolution, fps=fps, duration_s=duration
        )
        request = GenerateRequest(
            prompt=prompt,
            scene_count=scenes,
            quality=quality,
            style=style,
            fallback=not no_fallback,
            burn_subtitles=burn_subtitles,
            frame=render.frame(),
            target_duration=render.duration_s,
        )
        uploads = _uploads(image or [], music)
        _run(
            request,
            data_dir,
            database_url,
            as_json,
            models,
            _narration(voice, models),
            output,
            uploads=uploads,
        )


class Upload(BaseModel):
    """A local file `generate` stores as an asset before the job starts."""

    path: Path
    role: Literal["image", "music"]
    description: str = ""


def _uploads(images: list[str], music: Path | None) -> list[Upload]:
    """The --image (FILE or FILE:description) and --music files, each found on disk."""
    uploads = []
    for value in images:
        path, _, about = (value, "", "") if Path(value).is_file() else value.partition(":")
        uploads.append(Upload(path=Path(path), role="image", description=about.strip()))
    if music is not None:
        uploads.append(Upload(path=music, role="music"))
    for upload in uploads:
        if not upload.path.is_file():
            raise UserError(f"no such file: {upload.path}")
    return uploads


async def _with_uploads(store: Store, request: JobRequest, uploads: list[Upload]) -> JobRequest:
    """The request with its uploads, each checked by decoding it as the API does and only
    then (all of them good) stored as an asset of this data directory."""
    from graphs.requests import GenerateRequest
    from tools.assets import ROLE_KINDS, AssetPick, AssetRefused, name_assets
    from tools.assets.check import check_upload

    found = []
    for upload in uploads:
        try:
            checked = await asyncio.to_thread(check_upload, upload.path)
        except AssetRefused as exc:
            raise UserError(f"{upload.path}: {exc}") from exc
        if checked.kind != ROLE_KINDS[upload.role]:
            raise UserError(f"{upload.path}: an {checked.kind} file cannot be the {upload.role}")
        found.append(checked)
    picks = []
    for upload, checked in zip(uploads, found, strict=True):
        asset, _ = await store.add_asset(
            upload.path, checked, filename=upload.path.name, owner=None, quota_bytes=sys.maxsize
        )
        picks.append(AssetPick(asset.artifact, asset.kind, upload.role, upload.description))
    assets = name_assets(picks)
    return GenerateRequest.model_validate({**request.model_dump(), "assets": assets})


@app.command()
def edit(
    project_id: Annotated[str, typer.Argument(help="The project to change.")],
    scene_number: Annotated[int, typer.Argument(help="Which scene (1-based).")],
    edit_prompt: Annotated[str, typer.Argument(help="What to change, in words.")],
    config: ConfigFile = None,
    model: ModelFlag = None,
    coder: CoderFlag = None,
    fixer: FixerFlag = None,
    max_calls: MaxCalls = None,
    max_tokens: MaxTokens = None,
    max_cost: MaxCost = None,
    voice: VoiceFlag = None,
    burn_subtitles: BurnSubtitles = False,
    preserve_timing: Annotated[
        bool,
        typer.Option(
            "--preserve-timing",
            help="Keep the scene's length, so narration and subtitles stay aligned.",
        ),
    ] = False,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    wait: Wait = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Turn one scene into a new version and re-assemble the video (--server: on a server)."""
    if server is not None:
        from server import remote
        from server.schemas import EditSceneBody

        with _errors():
            if config is not None:
                raise UserError(REMOTE_CONFIG)
            body = EditSceneBody(
                project_id=project_id,
                scene_number=scene_number,
                edit_prompt=edit_prompt,
                burn_subtitles=burn_subtitles,
                preserve_timing=preserve_timing,
                models=remote.model_settings(model, None, coder, fixer),
                budget=remote.budget_options(max_calls, max_tokens, max_cost),
                narration=remote.narration_options(voice),
            )
            remote.start(_target(server, api_key, as_json), body, wait=wait)
        return
    from graphs.requests import EditRequest

    with _errors():
        request = EditRequest(
            project_id=project_id,
            scene_number=scene_number,
            edit_prompt=edit_prompt,
            burn_subtitles=burn_subtitles,
            preserve_timing=preserve_timing,
        )
        models = _model_config(
            config,
            {"default": model, "coder": coder, "fixer": fixer},
            {"max_calls": max_calls, "max_tokens": max_tokens, "max_cost_usd": max_cost},
        )
        _run(request, data_dir, database_url, as_json, models, _narration(voice, models))


@app.command()
def show(
    project_id: str,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Show a project's current version and its scenes."""
    from tools.store.summary import version_summary

    async def read() -> tuple[VersionSummary, dict]:
        async with _store(data_dir, database_url) as store:
            summary = await version_summary(store, project_id)
            if summary is None:
                raise UserError(f"no project {project_id}")
            return summary, _local_summary(summary, store.artifacts, None)

    with _errors():
        summary, data = asyncio.run(read())
        _print_summary(summary, data, as_json)


@app.command("list")
def list_projects(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """List projects, newest first."""

    async def read() -> list[ProjectSummary]:
        async with _store(data_dir, database_url) as store:
            return await store.list_projects(limit=100, offset=0)

    with _errors():
        rows = [
            {
                "project_id": p.id,
                "title": p.title,
                "status": p.status,
                "created_at": p.created_at.isoformat(timespec="seconds"),
                "version": p.current.version if p.current else None,
            }
            for p in asyncio.run(read())
        ]
        if as_json:
            print_answer({"projects": rows, "count": len(rows)}, True)
            return
        table = Table(title="projects")
        table.add_column("project_id", no_wrap=True, min_width=32)
        for column in ("title", "status", "created_at", "version"):
            table.add_column(column, overflow="fold")
        for row in rows:
            table.add_row(*(str(value) for value in row.values()))
        Console().print(table)


@app.command()
def render(
    file: Annotated[Path, typer.Argument(help="A Manim scene file.")],
    scene: Annotated[str | None, typer.Option(help="Scene class (default: the only one).")] = None,
    quality: Annotated[str, typer.Option(help="low, medium or high.")] = "low",
    no_repair: Annotated[
        bool,
        typer.Option(
            "--no-repair", help="Render the code as it is: no static, error or layout repair."
        ),
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Check and render one scene file through the same path the agents use."""
    from graphs.render_loop import render_file

    async def run(code: str, q: Quality) -> FileRender:
        async with _store(data_dir, database_url) as store:
            return await render_file(store, code, q, scene_name=scene, repair=not no_repair)

    with _errors():
        if not file.is_file():
            raise UserError(f"no such file: {file}")
        if quality not in ("low", "medium", "high"):
            raise UserError(f"quality must be low, medium or high, not {quality!r}")
        outcome = asyncio.run(run(file.read_text(), quality))  # type: ignore[arg-type]
        if as_json:
            print_answer(outcome, True)
        elif outcome.ok:
            Console().print(f"video: {outcome.video}", highlight=False, soft_wrap=True)
        else:
            assert outcome.error is not None
            stderr.print(
                f"{outcome.error.kind} error: {outcome.error.type}: {outcome.error.message}"
            )
        if not outcome.ok:
            raise typer.Exit(1)


@app.command()
def status(
    job_id: str,
    watch: Annotated[
        bool, typer.Option("--watch", "--wait", help="Follow until the job ends.")
    ] = False,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """A job's status, stage, progress and scenes, whichever process runs it."""
    if server is not None:
        from server import remote

        with _errors():
            remote.status(_target(server, api_key, as_json), job_id, watch=watch)
        return
    from server.progress_view import ProgressView
    from tools.store import TERMINAL_STATUSES

    async def read() -> JobRecord:
        async with _store(data_dir, database_url) as store:
            job = await store.get_job(job_id)
            if job is None:
                raise UserError(f"no job {job_id}")
            if not watch:
                return job
            with ProgressView(stderr) as view:
                while True:
                    view.show(job.progress_state)
                    if job.status in TERMINAL_STATUSES:
                        return job
                    await asyncio.sleep(WATCH_POLL_S)
                    job = await store.get_job(job_id) or job

    with _errors():
        print_answer(_job_json(asyncio.run(read())), as_json)


@app.command()
def cancel(
    job_id: str,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Cancel a queued or running job; whichever process runs it stops and kills its renders."""
    if server is not None:
        from server import remote

        with _errors():
            remote.cancel(_target(server, api_key), job_id)
        return

    async def run() -> JobRecord | None:
        async with _room(data_dir, database_url) as room:
            if await room.store.get_job(job_id) is None:
                raise UserError(f"no job {job_id}")
            return await room.cancel(job_id)

    with _errors():
        job = asyncio.run(run())
        if job is None:
            raise UserError(f"job {job_id} is not queued or running")
        print_answer(_job_json(job), as_json=False)


@app.command()
def resume(
    job_id: str,
    config: ConfigFile = None,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    wait: Wait = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Continue a failed, cancelled or interrupted job here (or with --server, on that
    server), from its last checkpoint.

    Finished scenes are not rendered again. A job whose runner died is taken over once
    its lease runs out.
    """
    if server is not None:
        from server import remote

        with _errors():
            if config is not None:
                raise UserError(REMOTE_CONFIG)
            remote.resume(_target(server, api_key, as_json), job_id, wait=wait)
        return
    from agents.config import load_model_config

    async def pick(room: JobRoom) -> JobRecord:
        job = await room.resume(job_id)
        await _wait_for_dead_owner(room, job)
        return job

    with _errors():
        models = load_model_config(config)
        asyncio.run(_drive(data_dir, database_url, models, as_json, pick))


async def _wait_for_dead_owner(room: JobRoom, job: JobRecord) -> None:
    """Wait out the lease of a runner on this host whose process is gone (it was killed)."""
    if job.lease_owner is None or job.lease_expires_at is None:
        return
    host, _, rest = job.lease_owner.partition(":")
    pid = int(rest.split(":", 1)[0]) if rest.split(":", 1)[0].isdigit() else 0
    if host != socket.gethostname() or pid <= 0 or _alive(pid):
        return
    wait = (job.lease_expires_at - datetime.now(UTC)).total_seconds()
    if wait > 0:
        stderr.print(f"waiting {wait:.0f} s for the lease of a stopped run", style="dim")
        await asyncio.sleep(wait + 0.1)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@app.command()
def cleanup(
    max_age: Annotated[float, typer.Option("--max-age", help="Age in hours.", min=0)] = 24,
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, delete nothing.")] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Delete finished jobs, scratch directories and unused files older than --max-age."""

    async def run() -> CleanupReport:
        async with _store(data_dir, database_url) as store:
            return await store.cleanup(timedelta(hours=max_age), dry_run=dry_run)

    with _errors():
        report = asyncio.run(run())
    if as_json:
        print_answer(report, True)
        return
    verb = "would delete" if dry_run else "deleted"
    Console().print(
        f"{verb} {report.jobs_deleted} finished jobs, {report.work_dirs_deleted} scratch "
        f"directories and {report.artifacts_deleted} unused files older than {max_age:g} h "
        f"({report.bytes_freed / 1e6:.1f} MB)",
        highlight=False,
        soft_wrap=True,
    )


@app.command()
def stats(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """Counts of jobs, projects, versions, fallbacks and stored bytes."""

    async def run() -> dict[str, Any]:
        async with _store(data_dir, database_url) as store:
            return await store.stats()

    with _errors():
        print_answer(asyncio.run(run()), as_json)


@app.command()
def doctor(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """Check what renders need (database, disk, manim, LaTeX, ffmpeg) and the sandbox layers."""
    from server.health import check_health
    from tools.render.sandbox import LAYERS

    async def run() -> HealthReport:
        async with _store(data_dir, database_url) as store:
            return await check_health(store.data_dir, store.ping)

    with _errors():
        report = asyncio.run(run())
    if as_json:
        print_answer(report, as_json)
    else:
        table = Table(title=f"manimgraph doctor: {report.status}")
        for column in ("check", "status", "detail"):
            table.add_column(column)
        for name, check in report.checks.items():
            table.add_row(name, check.status, check.detail)
        for layer in LAYERS:
            state = "active" if layer in report.sandbox.active else "missing"
            detail = report.sandbox.missing.get(layer, "")
            table.add_row(f"sandbox: {layer}", state, detail)
        Console().print(table)
    if report.status == "unhealthy":
        raise typer.Exit(1)


async def _save_video(artifacts: ArtifactStore, key: str, output: Path, default_name: str) -> Path:
    """Copy the video `key` to `output` (a file, or a directory to put `default_name` in)."""
    target = output / default_name if output.is_dir() else output
    stream = await artifacts.open_stream(key)
    with target.open("wb") as file:
        async for chunk in stream.chunks:
            file.write(chunk)
    return target


@app.command()
def download(
    project_id: str,
    version: Annotated[
        int | None, typer.Option("--version", help="Which version (default: the current).", min=1)
    ] = None,
    output: Annotated[
        Path | None,
        typer.Option("--output", "-o", help="File or directory (default: PROJECT-vN.mp4 here)."),
    ] = None,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Save a project's video (the current version, or --version) to a file."""
    if server is not None:
        from server import remote

        with _errors():
            remote.download(_target(server, api_key, as_json), project_id, version, output)
        return

    async def run() -> dict[str, Any]:
        async with _store(data_dir, database_url) as store:
            project = await store.get_project(project_id)
            if project is None:
                raise UserError(f"no project {project_id}")
            if not project.versions:
                raise UserError(f"project {project_id} has no video yet")
            found = project.versions[-1] if version is None else None
            for candidate in project.versions:
                if candidate.version == version:
                    found = candidate
            if found is None:
                raise UserError(f"project {project_id} has no version {version}")
            name = f"{project_id}-v{found.version}.mp4"
            path = await _save_video(store.artifacts, found.video, output or Path(name), name)
            return {"path": str(path), "version": found.version, "bytes": path.stat().st_size}

    with _errors():
        saved = asyncio.run(run())
    if as_json:
        print_answer(saved, True)
    else:
        Console().print(
            f"saved version {saved['version']} to {saved['path']}", highlight=False, soft_wrap=True
        )


@app.command()
def revert(
    project_id: str,
    scene_number: Annotated[int, typer.Argument(help="Which scene (1-based).", min=1)],
    version: Annotated[int, typer.Argument(help="The scene version to make current.", min=1)],
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Make an old version of a scene current again: a new project version, nothing
    re-rendered, history kept. Refused while another job changes the project."""
    from graphs.assembly import revert_scene
    from graphs.jobs import ProjectBusy
    from graphs.jobs.summary import project_summary

    async def run() -> tuple[JobSummary, dict]:
        async with _room(data_dir, database_url) as room:
            await room.check_scene(project_id, scene_number, owner=None)
            try:
                await room.check_idle(project_id)
            except ProjectBusy as exc:
                raise UserError(str(exc)) from exc
            await revert_scene(room.store, project_id, scene_number, version)
            summary = await project_summary(room.store, project_id)
            return summary, _local_summary(summary, room.store.artifacts, None)

    with _errors():
        summary, data = asyncio.run(run())
        _print_summary(summary, data, as_json)


@app.command("jobs")
def list_jobs(
    status_: Annotated[
        str | None,
        typer.Option(
            "--status", help="queued, running, completed, failed or cancelled (default: all)."
        ),
    ] = None,
    limit: Annotated[int, typer.Option(help="At most this many, newest first.", min=1)] = 50,
    server: ServerUrl = None,
    api_key: ApiKeyFlag = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """List jobs, newest first: kind, status, stage, progress, project."""
    from typing import get_args

    from tools.store import JobStatus

    if status_ is not None and status_ not in get_args(JobStatus):
        _fail(f"unknown status {status_!r}: use one of {', '.join(get_args(JobStatus))}", 2)
    if server is not None:
        from server import remote

        with _errors():
            remote.list_jobs(_target(server, api_key, as_json), status_, limit)  # type: ignore[arg-type]
        return

    async def read() -> tuple[list[JobRecord], int]:
        async with _store(data_dir, database_url) as store:
            jobs = await store.list_jobs(status_, limit=limit)  # type: ignore[arg-type]
            return jobs, await store.count_jobs(status_)  # type: ignore[arg-type]

    with _errors():
        jobs, count = asyncio.run(read())
    if as_json:
        print_answer({"data": [_job_json(job) for job in jobs], "count": count}, True)
        return
    table = Table(title=f"{count} jobs" + (f" {status_}" if status_ else ""))
    table.add_column("job_id", no_wrap=True, min_width=32)
    for column in ("kind", "status", "stage", "progress", "project_id", "created_at"):
        table.add_column(column, overflow="fold")
    for job in jobs:
        table.add_row(
            job.id,
            job.kind,
            job.status,
            job.stage or "",
            f"{job.progress:.0%}",
            job.project_id or "",
            job.created_at.isoformat(timespec="seconds"),
        )
    Console().print(table)


keys = typer.Typer(help="API keys of the server.", no_args_is_help=True)
app.add_typer(keys, name="keys")
db = typer.Typer(help="The database's schema.", no_args_is_help=True)
app.add_typer(db, name="db")


@keys.command("create")
def keys_create(
    name: str,
    admin: Annotated[
        bool, typer.Option("--admin", help="May also run server-wide operations (cleanup).")
    ] = False,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
    as_json: AsJson = False,
) -> None:
    """Create a key; it is shown once and stored only as a hash."""

    async def run() -> tuple[ApiKeyRecord, str]:
        async with _store(data_dir, database_url) as store:
            return await store.create_api_key(name, admin=admin)

    with _errors():
        record, plaintext = asyncio.run(run())
        if as_json:
            print_answer({"name": record.name, "key": plaintext}, True)
        else:
            Console().print(f"API key {record.name}: {plaintext}\nIt is not shown again.")


@keys.command("list")
def keys_list(
    data_dir: DataDir = None, database_url: DatabaseUrl = None, as_json: AsJson = False
) -> None:
    """Every key, revoked ones too: name, prefix, admin, created and revoked times."""

    async def run() -> list[ApiKeyRecord]:
        async with _store(data_dir, database_url) as store:
            return await store.list_api_keys()

    with _errors():
        records = asyncio.run(run())
    if as_json:
        rows = [record.model_dump(mode="json", exclude={"id"}) for record in records]
        print_answer({"data": rows, "count": len(rows)}, True)
        return
    table = Table(title=f"{len(records)} API keys")
    for column in ("name", "prefix", "admin", "created", "revoked"):
        table.add_column(column)
    for record in records:
        revoked = f"{record.revoked_at:%Y-%m-%d %H:%M}" if record.revoked_at else ""
        admin = "yes" if record.admin else ""
        created = f"{record.created_at:%Y-%m-%d %H:%M}"
        table.add_row(record.name, record.prefix, admin, created, revoked)
    Console().print(table)


@keys.command("revoke")
def keys_revoke(name: str, data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Revoke a key at once: the next request with it gets a 401."""

    async def run() -> bool:
        async with _store(data_dir, database_url) as store:
            return await store.revoke_api_key(name)

    with _errors():
        if not asyncio.run(run()):
            raise UserError(f"no active API key named {name!r}")
    Console().print(f"API key {name} revoked")


@db.command("upgrade")
def db_upgrade(data_dir: DataDir = None, database_url: DatabaseUrl = None) -> None:
    """Migrate the database (and the checkpoint tables) to the current schema."""

    async def run() -> None:
        async with _room(data_dir, database_url):
            pass

    with _errors():
        asyncio.run(run())
        Console().print("database is at the current schema")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run the REST API; jobs run in this process, and any server on the same database
    takes over the jobs of one that died."""
    import uvicorn

    from server.main import create_app
    from server.settings import LOOPBACK_HOSTS, Settings

    async def open_api() -> bool:
        async with _store(settings.data_dir, settings.database_url) as store:
            return not await store.has_api_keys()

    with _errors():
        settings = Settings(
            host=host,
            port=port,
            **({"data_dir": data_dir} if data_dir else {}),
            **({"database_url": database_url} if database_url else {}),
        )
        if asyncio.run(open_api()) and host not in LOOPBACK_HOSTS:
            raise UserError(
                f"refusing to bind {host} with no API keys: run `manimgraph keys create NAME` first"
            )
        # uvicorn configures only its own loggers: show ours (the model notice, the open-API
        # warning, job events) on stderr in the same plain form, and others' warnings.
        logging.basicConfig(format="%(levelname)s: %(name)s: %(message)s")
        logging.getLogger("manimgraph").setLevel(logging.INFO)
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")


@app.command()
def worker(
    concurrency: Annotated[int, typer.Option(help="Jobs this worker runs at once.", min=1)] = 1,
    render_slots: Annotated[
        int | None, typer.Option(help="Renders at once (default: the CPU count).", min=1)
    ] = None,
    data_dir: DataDir = None,
    database_url: DatabaseUrl = None,
) -> None:
    """Run jobs from the Redis queue (`MANIMGRAPH_REDIS_URL`) until SIGINT or SIGTERM."""
    from server.settings import Settings
    from server.worker import run_worker

    with _errors():
        settings = Settings(
            **({"data_dir": data_dir} if data_dir else {}),
            **({"database_url": database_url} if database_url else {}),
        )
        if settings.redis_url is None:
            raise UserError("a worker needs the queue: set MANIMGRAPH_REDIS_URL=redis://host:port")
        slots = render_slots or settings.render_slots
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
        asyncio.run(run_worker(settings, concurrency=concurrency, render_slots=slots))


def _add_plugins(argv: list[str]) -> None:
    """Command groups other packages add (`manimgraph.cli` entry points, e.g. `eval`):
    the one the command line names is loaded; the others are listed by name, unloaded.
    A built-in command needs none of them, so for it the installed packages are not read."""
    builtins = {group.name for group in app.registered_groups} | {
        command.name or command.callback.__name__.replace("_", "-")
        for command in app.registered_commands
        if command.callback is not None
    }
    if argv[1:2] and argv[1] in builtins:
        return
    from importlib.metadata import entry_points

    for command in entry_points(group="manimgraph.cli"):
        if command.name in argv[1:2]:
            app.add_typer(command.load(), name=command.name)
        else:
            help_text = f"Commands of {command.module}: see `manimgraph {command.name} --help`."
            app.add_typer(typer.Typer(), name=command.name, help=help_text)


_add_plugins(sys.argv)
