"""`manimgraph eval`: run datasets through the graph, trace a chaos curve, compare runs.

Bad input prints one line on stderr and exits 2 before anything is written.
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.table import Table

from evals.compare import Comparison, compare_runs
from evals.config import ConfigError, ResolvedConfig, load_config
from evals.curve import execute_curve, prepare_curve
from evals.dataset import DatasetError
from evals.files import write_model
from evals.progress import EvalProgress
from evals.record import EvalInputError, read_run
from evals.report import format_estimate, format_value
from evals.results import RESULTS_FILE, ResultsError, read_results
from evals.runner import execute_run, prepare_run, write_outputs
from evals.summary import METRICS, Summary

__all__ = ["eval_app"]

eval_app = typer.Typer(help=__doc__, no_args_is_help=True, add_completion=False)
stderr = Console(stderr=True)

Dataset = Annotated[Path | None, typer.Option("--dataset", help="A JSONL dataset.")]
Limit = Annotated[int | None, typer.Option("--limit", help="Only the first N items.")]
Sample = Annotated[int | None, typer.Option("--sample", help="A seeded random sample of N items.")]
Seed = Annotated[int | None, typer.Option("--seed", help="Seed of --sample and --chaos.")]
ConfigFile = Annotated[Path | None, typer.Option("--config", help="A TOML run configuration.")]
ModelOption = Annotated[str | None, typer.Option(help="provider:model of this agent.")]
Retries = Annotated[int | None, typer.Option("--max-retries", help="Coder retries per scene.")]
Concurrency = Annotated[int | None, typer.Option("--concurrency", help="Items run at once.")]
Quality = Annotated[str | None, typer.Option("--quality", help="low, medium or high.")]
Out = Annotated[Path, typer.Option("--out", help="The run directory.")]
Resume = Annotated[bool, typer.Option("--resume", help="Skip items already in results.jsonl.")]


@contextmanager
def _user_errors() -> Iterator[None]:
    """Input problems: one line on stderr, exit code 2."""
    try:
        yield
    except (ConfigError, DatasetError, EvalInputError, ResultsError) as exc:
        _fail(str(exc))


def _fail(message: str) -> NoReturn:
    stderr.print(f"error: {message}", highlight=False, markup=False, soft_wrap=True)
    raise typer.Exit(2)


def _config(config_file: Path | None, **options: Any) -> ResolvedConfig:
    names = ("default", "planner", "coder", "fixer", "judge")
    models = {name: options.pop(name, None) for name in names}
    return load_config(config_file, options, models=models)


@eval_app.command("run")
def run(
    out: Out,
    dataset: Dataset = None,
    limit: Limit = None,
    sample: Sample = None,
    seed: Seed = None,
    config: ConfigFile = None,
    model: Annotated[str | None, typer.Option(help="provider:model for every agent.")] = None,
    planner: ModelOption = None,
    coder: ModelOption = None,
    fixer: ModelOption = None,
    judge: Annotated[
        str | None, typer.Option(help="Judge model (provider:model) for the five scores.")
    ] = None,
    max_retries: Retries = None,
    chaos: Annotated[
        float | None, typer.Option("--chaos", help="Share of coder answers to break, 0-1.")
    ] = None,
    no_repair: Annotated[
        bool, typer.Option("--no-repair", help="Turn the model-free repairs off.")
    ] = False,
    concurrency: Concurrency = None,
    quality: Quality = None,
    resume: Resume = False,
) -> None:
    """Run every item of a dataset through the graph; write results, summary and reports."""
    with _user_errors():
        settings = _config(
            config,
            dataset=dataset,
            limit=limit,
            sample=sample,
            seed=seed,
            default=model,
            planner=planner,
            coder=coder,
            fixer=fixer,
            judge=judge,
            max_retries=max_retries,
            chaos=chaos,
            repairs=False if no_repair else None,
            concurrency=concurrency,
            quality=quality,
        )
        plan = prepare_run(settings.config, out, resume=resume, notice=settings.notice)
    if plan.record.model_notice:
        stderr.print(plan.record.model_notice, style="dim", highlight=False)
    if plan.done:
        stderr.print(f"resuming: {len(plan.done)} item(s) already done", highlight=False)
    with EvalProgress(stderr) as progress:
        summary = asyncio.run(execute_run(plan, progress))
    _print_summary(summary)
    Console().print(f"report: {out / 'report.html'}", highlight=False, soft_wrap=True)


@eval_app.command("chaos-curve")
def chaos_curve(
    out: Out,
    rates: Annotated[str, typer.Option(help="Chaos rates, comma-separated.")] = "0,0.25,0.5",
    retries: Annotated[
        str, typer.Option("--retries", help="max_retries values, comma-separated.")
    ] = "0,1,2",
    dataset: Dataset = None,
    limit: Limit = None,
    sample: Sample = None,
    seed: Seed = None,
    config: ConfigFile = None,
    model: Annotated[str | None, typer.Option(help="provider:model for every agent.")] = None,
    planner: ModelOption = None,
    coder: ModelOption = None,
    fixer: ModelOption = None,
    concurrency: Concurrency = None,
    quality: Quality = None,
    resume: Resume = False,
) -> None:
    """Success against chaos rate for each retry budget: one run per pair, one curve."""
    with _user_errors():
        settings = _config(
            config,
            dataset=dataset,
            limit=limit,
            sample=sample,
            seed=seed,
            default=model,
            planner=planner,
            coder=coder,
            fixer=fixer,
            concurrency=concurrency,
            quality=quality,
        )
        plans = prepare_curve(
            settings.config,
            out,
            rates=_numbers(rates, float, "--rates"),
            budgets=_numbers(retries, int, "--retries"),
            resume=resume,
            notice=settings.notice,
        )
    if settings.notice:
        stderr.print(settings.notice, style="dim", highlight=False)
    with EvalProgress(stderr) as progress:
        curve = asyncio.run(execute_curve(out, plans, progress))
    table = Table(title="success by chaos rate and retry budget")
    for column in ("chaos rate", "max_retries", "success [95% CI]"):
        table.add_column(column)
    for point in curve.points:
        table.add_row(f"{point.rate:g}", str(point.max_retries), format_estimate(point, "rate"))
    Console().print(table)
    Console().print(f"report: {out / 'report.html'}", highlight=False, soft_wrap=True)


def _numbers(text: str, kind: type[float] | type[int], option: str) -> list[Any]:
    try:
        found = sorted({kind(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise EvalInputError(f"{option}: expected comma-separated numbers, got {text!r}") from None
    if not found:
        raise EvalInputError(f"{option}: give at least one value")
    if option == "--rates" and not all(0 <= rate <= 1 for rate in found):
        raise EvalInputError(f"{option}: rates lie between 0 and 1")
    if option == "--retries" and not all(0 <= budget <= 10 for budget in found):
        raise EvalInputError(f"{option}: max_retries lies between 0 and 10")
    return found


@eval_app.command("compare")
def compare(
    run_a: Annotated[Path, typer.Argument(help="The baseline run directory.")],
    run_b: Annotated[Path, typer.Argument(help="The run to compare with it.")],
    out: Annotated[
        Path | None, typer.Option("--out", help="Where to write (default RUN_B/compare.json).")
    ] = None,
    tolerance: Annotated[
        float, typer.Option(help="Smallest change that counts: rate points, else a fraction.")
    ] = 0.05,
    seed: Annotated[int, typer.Option(help="Seed of the bootstrap.")] = 0,
    fail_on_regression: Annotated[
        bool, typer.Option("--fail-on-regression", help="Exit 1 when a metric regressed.")
    ] = False,
) -> None:
    """Differences per metric (B - A) with bootstrap CIs; regressions are flagged."""
    with _user_errors():
        comparison = compare_runs(run_a, run_b, seed=seed, tolerance=tolerance)
    target = out or run_b / "compare.json"
    write_model(target, comparison)
    _print_comparison(comparison)
    Console().print(f"written: {target}", highlight=False, soft_wrap=True)
    if comparison.regressions and fail_on_regression:
        raise typer.Exit(1)


@eval_app.command("report")
def report(run_dir: Annotated[Path, typer.Argument(help="An eval run directory.")]) -> None:
    """Rebuild summary.json and both reports from a run's results."""
    with _user_errors():
        record = read_run(run_dir)
        if record is None:
            raise EvalInputError(f"{run_dir} has no run.json: is it an eval run directory?")
        results = read_results(run_dir / RESULTS_FILE)
    summary = write_outputs(run_dir, record, results)
    _print_summary(summary)


def _print_summary(summary: Summary) -> None:
    table = Table(title=f"{summary.items} items, {summary.completed} completed")
    for column in ("metric", "mean [95% CI]", "n"):
        table.add_column(column)
    for m in METRICS:
        estimate = summary.metrics[m.name]
        if estimate.n:
            table.add_row(m.label, format_estimate(estimate, m.unit), str(estimate.n))
    Console().print(table)


def _print_comparison(comparison: Comparison) -> None:
    table = Table(title=f"B - A: {comparison.run_b} vs {comparison.run_a}")
    for column in ("metric", "A", "B", "B - A [95% CI]", ""):
        table.add_column(column)
    for diff in comparison.metrics:
        flag = "REGRESSION" if diff.regression else "improved" if diff.improvement else ""
        table.add_row(
            diff.label,
            format_value(diff.a.mean, diff.unit),
            format_value(diff.b.mean, diff.unit),
            format_estimate(diff.diff, diff.unit),
            flag,
            style="bold red" if diff.regression else None,
        )
    Console().print(table)
    if comparison.regressions:
        Console().print(f"REGRESSION: {', '.join(comparison.regressions)}", style="bold red")
    else:
        Console().print("no regression")
