"""The `manimgraph` command line: jobs, projects, scene files, the server and its keys.

User errors print one line on stderr and exit 2; a failed job exits 1.
With `--json`, stdout carries exactly one JSON object and progress goes to stderr.
"""

from __future__ import annotations

import asyncio
import json
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
import uvicorn
from platformdirs import user_data_dir
from pydantic import BaseModel, ValidationError
from rich.console import Console
from rich.table import Table

from agents.calls import ProviderError
from agents.config import ConfigError, ModelConfig, load_model_config
from evals.cli import eval_app
from graphs.context import VideoContext
from graphs.errors import JobError, NotFound
from graphs.limits import Limits
from graphs.requests import EditRequest, GenerateRequest, JobRequest, JobSpec
from graphs.runner import JobSummary, execute_job, project_summary, submit_job
from server.client import DEFAULT_URL, call_server, watch_job
from server.health import check_health
from server.main import create_app
from server.progress_view import ProgressView
from server.settings import LOOPBACK_HOSTS, Settings
from tools.render.models import Quality
from tools.render.sandbox import LAYERS, current_sandbox, sandbox_warning
from tools.render.scene_file import render_file
from tools.store import Store, StoreError

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
    except (UserError, NotFound, StoreError, ConfigError) as exc:
        _fail(str(exc), 2)
    except (JobError, ProviderError) as exc:
        _fail(str(exc), 1)


def _open_store(data_dir: Path | None) -> Store:
    return Store.open(data_dir or Path(user_data_dir("manimgraph")))


def _show(payload: BaseModel | dict[str, Any], as_json: bool) -> None:
    """One JSON line on stdout with --json, else pretty JSON for people."""
    data = payload.model_dump(mode="json") if isinstance(payload, BaseModel) else payload
    if as_json:
        sys.stdout.write(json.dumps(data) + "\n")
    else:
        Console().print_json(data=data)


def _print_summary(summary: JobSummary, as_json: bool) -> None:
    if as_json:
        _show(summary, True)
        return
    table = Table(title=f"{summary.title} — version {summary.version}")
    for column in ("scene", "version", "status", "layout issues", "attempts"):
        table.add_column(column)
    for scene in summary.scenes:
        status = f"fallback ({scene.fallback_reason})" if scene.fallback_used else scene.status
        table.add_row(
            str(scene.number),
            str(scene.version),
            status,
            str(scene.layout_issues),
            str(scene.attempts),
        )
    stderr.print(table)
    if summary.usage is not None:
        total = summary.usage.total
        stderr.print(
            f"models: {total.calls} calls, {total.tokens} tokens, est. ${total.cost_usd:.4f}",
            highlight=False,
        )
    Console().print(f"video: {summary.video}", highlight=False, soft_wrap=True)


def _model_config(
    config: Path | None,
    flags: dict[str, str | None],
    budget: dict[str, int | float | None],
) -> ModelConfig:
    """Models and budget from the config file, the environment and these flags."""
    loaded = load_model_config(config, flags=flags)
    caps = {name: value for name, value in budget.items() if value is not None}
    return loaded.model_copy(update={"budget": loaded.budget.model_copy(update=caps)})


def _run(request: JobRequest, data_dir: Path | None, as_json: bool, models: ModelConfig) -> None:
    with _open_store(data_dir) as store:
        ctx = VideoContext(
            models=models.factory(), store=store, limits=Limits(budget=models.budget)
        )
        job = submit_job(store, JobSpec(request=request, models=models.roles, limits=ctx.limits))
        if models.notice:
            stderr.print(models.notice, style="dim", highlight=False)
        warning = sandbox_warning(current_sandbox().status)
        if warning is not None:
            stderr.print(f"warning: {warning}", style="yellow", highlight=False)
        with ProgressView(stderr) as view:
            summary = asyncio.run(execute_job(job, ctx, on_event=view.on_event))
    _print_summary(summary, as_json)


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
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Make a new project (a video) from a prompt."""
    with _errors():
        request = GenerateRequest(
            prompt=prompt,
            scene_count=scenes,
            quality=quality,
            style=style,
            fallback=not no_fallback,
        )
        models = _model_config(
            config,
            {"default": model, "planner": planner, "coder": coder, "fixer": fixer},
            {"max_calls": max_calls, "max_tokens": max_tokens, "max_cost_usd": max_cost},
        )
        _run(request, data_dir, as_json, models)


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
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Turn one scene into a new version and re-assemble the video."""
    with _errors():
        request = EditRequest(
            project_id=project_id, scene_number=scene_number, edit_prompt=edit_prompt
        )
        models = _model_config(
            config,
            {"default": model, "coder": coder, "fixer": fixer},
            {"max_calls": max_calls, "max_tokens": max_tokens, "max_cost_usd": max_cost},
        )
        _run(request, data_dir, as_json, models)


@app.command()
def show(project_id: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Show a project's current version and its scenes."""
    with _errors():
        with _open_store(data_dir) as store:
            summary = project_summary(store, project_id)
        _print_summary(summary, as_json)


@app.command("list")
def list_projects(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """List projects, newest first."""
    with _errors():
        with _open_store(data_dir) as store:
            projects = store.list_projects(limit=100, offset=0)
        rows = [
            {
                "project_id": p.id,
                "title": p.title,
                "created_at": p.created_at.isoformat(),
                "version": p.current.version if p.current else None,
            }
            for p in projects
        ]
        if as_json:
            _show({"projects": rows, "count": len(rows)}, True)
            return
        table = Table(title="projects")
        columns = ("project_id", "title", "created_at", "version")
        for column in columns:
            table.add_column(column)
        for row in rows:
            table.add_row(*(str(row[c]) for c in columns))
        Console().print(table)


@app.command()
def render(
    file: Annotated[Path, typer.Argument(help="A Manim scene file.")],
    scene: Annotated[str | None, typer.Option(help="Scene class (default: the only one).")] = None,
    quality: Annotated[str, typer.Option(help="low, medium or high.")] = "low",
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Check and render one scene file through the same path the agents use."""
    with _errors():
        if not file.is_file():
            raise UserError(f"no such file: {file}")
        if quality not in ("low", "medium", "high"):
            raise UserError(f"quality must be low, medium or high, not {quality!r}")
        q: Quality = quality  # type: ignore[assignment]
        with _open_store(data_dir) as store:
            outcome = asyncio.run(render_file(store, file.read_text(), q, scene_name=scene))
        if as_json:
            _show(outcome, True)
        elif outcome.ok:
            Console().print(f"video: {outcome.video}", highlight=False, soft_wrap=True)
        else:
            assert outcome.error is not None
            stderr.print(
                f"{outcome.error.kind} error: {outcome.error.type}: {outcome.error.message}"
            )
        if not outcome.ok:
            raise typer.Exit(1)


ServerUrl = Annotated[
    str, typer.Option("--url", envvar="MANIMGRAPH_URL", help="The running server's base URL.")
]
ApiKey = Annotated[
    str | None, typer.Option("--api-key", envvar="MANIMGRAPH_API_KEY", help="Your API key.")
]


@app.command()
def status(
    job_id: str,
    watch: Annotated[bool, typer.Option("--watch", help="Follow until the job ends.")] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """A job's status, stage and progress (read from the store)."""
    with _errors():
        with _open_store(data_dir) as store:
            job = store.get_job(job_id)
            if job is None:
                raise UserError(f"no job {job_id}")
            if watch:
                job = watch_job(store, job_id, stderr)
        _show(job.model_dump(mode="json", exclude={"request", "result"}), as_json)


@app.command()
def cancel(job_id: str, url: ServerUrl = DEFAULT_URL, api_key: ApiKey = None) -> None:
    """Cancel a job running in the server: its renders are killed."""
    with _errors():
        _show(call_server("DELETE", f"{url}/api/v1/jobs/{job_id}", api_key), as_json=False)


@app.command()
def resume(job_id: str, url: ServerUrl = DEFAULT_URL, api_key: ApiKey = None) -> None:
    """Continue a failed or cancelled job in the server from its last checkpoint."""
    with _errors():
        _show(call_server("POST", f"{url}/api/v1/jobs/{job_id}/resume", api_key), as_json=False)


@app.command()
def cleanup(
    max_age: Annotated[float, typer.Option("--max-age", help="Age in hours.", min=0)],
    dry_run: Annotated[bool, typer.Option("--dry-run", help="Count, delete nothing.")] = False,
    data_dir: DataDir = None,
    as_json: AsJson = False,
) -> None:
    """Delete finished jobs, scratch directories and unused files older than --max-age."""
    with _errors():
        with _open_store(data_dir) as store:
            report = store.cleanup(timedelta(hours=max_age), dry_run=dry_run)
        _show(report, as_json)


@app.command()
def stats(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Counts of jobs, projects, versions, fallbacks and stored bytes."""
    with _errors():
        with _open_store(data_dir) as store:
            numbers = store.stats()
        _show(numbers, as_json)


@app.command()
def doctor(data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Check what renders need (database, disk, manim, LaTeX, ffmpeg) and the sandbox layers."""
    with _errors(), _open_store(data_dir) as store:
        report = asyncio.run(check_health(store.data_dir, store.ping))
    if as_json:
        _show(report, as_json)
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


keys = typer.Typer(help="API keys of the server.", no_args_is_help=True)
app.add_typer(keys, name="keys")
app.add_typer(eval_app, name="eval")


@keys.command("create")
def keys_create(name: str, data_dir: DataDir = None, as_json: AsJson = False) -> None:
    """Create a key; it is shown once and stored only as a hash."""
    with _errors():
        with _open_store(data_dir) as store:
            record, plaintext = store.create_api_key(name)
        if as_json:
            _show({"name": record.name, "key": plaintext}, True)
        else:
            Console().print(f"API key {record.name}: {plaintext}\nIt is not shown again.")


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Address to bind.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to bind.")] = 8000,
    data_dir: DataDir = None,
) -> None:
    """Run the REST API; jobs run in this process and resume after a restart."""
    with _errors():
        settings = Settings(host=host, port=port, **({"data_dir": data_dir} if data_dir else {}))
        with _open_store(settings.data_dir) as store:
            open_api = not store.has_api_keys()
        if open_api and host not in LOOPBACK_HOSTS:
            raise UserError(
                f"refusing to bind {host} with no API keys: run `manimgraph keys create NAME` first"
            )
        uvicorn.run(create_app(settings), host=host, port=port, log_level="info")
