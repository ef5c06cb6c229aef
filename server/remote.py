"""The CLI's `--server` path: submit, follow, list, cancel, resume and download jobs on a
running server or cluster through its REST API, drawn with the same progress bars and
tables as a local run. Every failure raises `ServerError` (one line for the CLI)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from rich.console import Console
from rich.table import Table

from server.answer import print_answer
from server.client import ApiClient, ServerError
from server.progress_view import ProgressView, print_summary
from server.schemas import (
    Accepted,
    BudgetOptions,
    EditSceneBody,
    GenerateBody,
    JobFinished,
    JobPublic,
    JobResult,
    JobsPublic,
    ModelChoice,
    ModelSettings,
    NarrationOptions,
)
from tools.store import TERMINAL_STATUSES, JobProgress, JobStatus, SceneProgress

__all__ = [
    "Target",
    "budget_options",
    "cancel",
    "download",
    "follow",
    "list_jobs",
    "model_settings",
    "narration_options",
    "resume",
    "start",
    "status",
]


@dataclass(frozen=True)
class Target:
    """Which server to call, as whom, and where the CLI prints."""

    url: str
    api_key: str | None
    stderr: Console
    as_json: bool

    def client(self) -> ApiClient:
        return ApiClient(self.url, self.api_key)

    def show(self, payload: JobPublic | JobsPublic | Accepted | JobResult | JobFinished) -> None:
        print_answer(payload, self.as_json)


def model_settings(
    default: str | None, planner: str | None, coder: str | None, fixer: str | None
) -> ModelSettings:
    """The API's per-agent models from the CLI's flags (`--model` sets every agent)."""

    def choice(model: str | None) -> ModelChoice | None:
        chosen = model or default
        return ModelChoice(model=chosen) if chosen else None

    return ModelSettings(planner=choice(planner), scene=choice(coder), helper=choice(fixer))


def budget_options(
    max_calls: int | None, max_tokens: int | None, max_cost: float | None
) -> BudgetOptions:
    return BudgetOptions(max_calls=max_calls, max_tokens=max_tokens, max_cost_usd=max_cost)


def narration_options(voice: str | None) -> NarrationOptions | None:
    """None leaves the server's default voice (or, on an edit, the scene's own)."""
    return NarrationOptions(voice=voice) if voice is not None else None


def start(
    target: Target,
    body: GenerateBody | EditSceneBody,
    *,
    wait: bool,
    output: Path | None = None,
) -> None:
    """Submit a generate or an edit; `output` (save the video there) implies `wait`."""
    with target.client() as api:
        accepted = api.generate(body) if isinstance(body, GenerateBody) else api.edit(body)
    _report(target, accepted, wait=wait or output is not None, output=output)


def _report(target: Target, accepted: Accepted, *, wait: bool, output: Path | None = None) -> None:
    """After a submit or resume: print the job, or with `wait` follow it to its end, print
    its result and save its video to `output`. A job that does not complete exits 1."""
    target.stderr.print(
        f"job {accepted.job_id} · project {accepted.project_id} · {target.url}",
        style="dim",
        highlight=False,
    )
    if not wait:
        target.show(accepted)
        return
    with target.client() as api:
        finished = follow(api, accepted.job_id, target.stderr)
        if finished.result is None:
            if target.as_json:
                target.show(finished)
            raise JobNotCompleted(finished.error or f"job {finished.job_id} {finished.status}")
        result = finished.result
        saved = None
        if output is not None:
            name = f"{result.project_id}-v{result.version}.mp4"
            saved = output / name if output.is_dir() else output
            api.download(result.video_url, saved)
            target.stderr.print(f"saved the video to {saved}", style="dim", highlight=False)
    if target.as_json:
        data = result.model_dump(mode="json")
        if saved is not None:
            data["output"] = str(saved)
        print_answer(data, True)
        return
    print_summary(target.stderr, result.title, result.version, result.scenes, result.usage)
    Console().print(f"video: {target.url}{result.video_url}", highlight=False, soft_wrap=True)


class JobNotCompleted(Exception):
    """A followed job failed or was cancelled: the CLI exits 1 with its error."""


def follow(api: ApiClient, job_id: str, console: Console) -> JobFinished:
    """Draw the job's progress from its event stream until the terminal event."""
    with ProgressView(console) as view:
        for event in api.events(job_id):
            if event.name in TERMINAL_STATUSES:
                return JobFinished.model_validate(event.data)
            if event.name in ("state", "progress"):
                view.show(progress_of(JobPublic.model_validate(event.data)))
    raise ServerError(f"{api.base_url} closed the event stream of job {job_id} before it ended")


def progress_of(job: JobPublic) -> JobProgress:
    """The API's view of a job as the folded progress the progress bars draw."""
    scenes = tuple(
        SceneProgress.model_validate(scene.model_dump(exclude={"video_url"}))
        for scene in job.scenes
    )
    return JobProgress(
        stage=job.stage,
        fraction=job.progress,
        message=job.message,
        scenes_total=job.scenes_total,
        scenes=scenes,
        stages=tuple(job.stages),
    )


def status(target: Target, job_id: str, *, watch: bool) -> None:
    """Print a job; with `watch`, follow it first until it ends."""
    with target.client() as api:
        if watch:
            follow(api, job_id, target.stderr)
        target.show(api.job(job_id))


def list_jobs(target: Target, job_status: JobStatus | None, limit: int) -> None:
    """The caller's jobs on the server, newest first."""
    with target.client() as api:
        page = api.jobs(job_status, page_size=min(limit, 100))
    if target.as_json:
        target.show(page)
        return
    table = Table(
        title=f"{page.count} jobs on {target.url}" + (f" {job_status}" if job_status else "")
    )
    table.add_column("job_id", no_wrap=True, min_width=32)
    for column in ("kind", "status", "stage", "progress", "project_id", "created_at"):
        table.add_column(column, overflow="fold")
    for job in page.data:
        table.add_row(
            job.job_id,
            job.kind,
            job.status,
            job.stage or "",
            f"{job.progress:.0%}",
            job.project_id,
            job.created_at.isoformat(timespec="seconds"),
        )
    Console().print(table)


def cancel(target: Target, job_id: str) -> None:
    with target.client() as api:
        target.show(api.cancel(job_id))


def resume(target: Target, job_id: str, *, wait: bool) -> None:
    with target.client() as api:
        accepted = api.resume(job_id)
    _report(target, accepted, wait=wait)


def download(target: Target, project_id: str, version: int | None, output: Path | None) -> None:
    """Save a project's video (the current version, or `version`) from the server."""
    with target.client() as api:
        if version is None:
            version = api.project(project_id).current_version
            if version is None:
                raise ServerError(f"project {project_id} has no video yet")
        name = f"{project_id}-v{version}.mp4"
        path = output or Path(name)
        path = path / name if path.is_dir() else path
        size = api.download_project(project_id, version, path)
    if target.as_json:
        print_answer({"path": str(path), "version": version, "bytes": size}, True)
    else:
        Console().print(f"saved version {version} to {path}", highlight=False, soft_wrap=True)
