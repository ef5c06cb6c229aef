"""`report.md` and `report.html` of a run: tables and plots from the results and summary."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path

import numpy as np

from evals.contact import layout_contact_sheet
from evals.document import Block, Heading, Image, Link, Paragraph, Table, to_html, to_markdown
from evals.files import write_atomic
from evals.plots import retries_histogram, success_by_group, time_breakdown
from evals.record import RunRecord
from evals.results import ItemResult
from evals.stats import Estimate
from evals.summary import METRICS, Metric, Summary, metric

__all__ = [
    "WORST_ITEMS",
    "format_estimate",
    "format_value",
    "run_blocks",
    "write_document",
    "write_reports",
]

WORST_ITEMS = 5


def format_value(value: float | None, unit: str) -> str:
    """A number as the report shows it in its unit."""
    if value is None:
        return "n/a"
    if unit == "rate":
        return f"{100 * value:.1f}%"
    if unit == "seconds":
        return f"{value:.1f} s"
    if unit == "usd":
        return f"${value:.4f}"
    if unit == "count":
        return f"{value:,.0f}"
    return f"{value:.2f}"


def format_estimate(estimate: Estimate, unit: str) -> str:
    """`mean [low, high]`, or n/a without data."""
    if estimate.mean is None:
        return "n/a"
    if estimate.n < 2:
        return format_value(estimate.mean, unit)
    low, high = format_value(estimate.low, unit), format_value(estimate.high, unit)
    return f"{format_value(estimate.mean, unit)} [{low}, {high}]"


def write_document(out: Path, blocks: list[Block], title: str) -> None:
    """Write `out/report.md` (plots in `out/plots/`) and the self-contained `out/report.html`."""
    write_atomic(out / "report.md", to_markdown(blocks, out / "plots", assets_href="plots"))
    write_atomic(out / "report.html", to_html(blocks, title))


def write_reports(
    out: Path, record: RunRecord, results: Sequence[ItemResult], summary: Summary
) -> None:
    """Both reports of a run, with the contact sheet of layout repairs when there are any."""
    blocks = run_blocks(record, results, summary)
    sheet = layout_contact_sheet(out, results)
    if sheet is not None:
        blocks += [
            Heading("Layout repairs: before and after"),
            Paragraph(
                "The last frame of each scene the layout repair rewrote, as the coder wrote it "
                "(left) and as rendered after the model-free rewrites (right)."
            ),
            Image("layout_repairs.png", sheet, "last frames before and after layout repair"),
        ]
    write_document(out, blocks, _title(record))


def _title(record: RunRecord) -> str:
    return f"Eval: {record.config.dataset.name}"


def run_blocks(record: RunRecord, results: Sequence[ItemResult], summary: Summary) -> list[Block]:
    """The run report, top to bottom."""
    config = record.config
    models = ", ".join(f"{role}={label}" for role, label in record.models.items())
    commit = record.provenance.git_commit or "unknown"
    blocks: list[Block] = [
        Heading(_title(record), 1),
        Paragraph(
            f"{summary.items} items ({summary.completed} completed) from {config.dataset}; "
            f"models: {models}; max_retries={config.max_retries}, "
            f"max_fix_rounds={config.max_fix_rounds}, chaos={config.chaos}, seed={config.seed}, "
            f"quality={config.quality}; commit {commit[:12]}."
        ),
        Paragraph(
            "Means with 95% bootstrap confidence intervals; n is the number of items "
            "the metric applies to."
        ),
        Heading("Headline metrics"),
        Table(
            ["metric", "mean [95% CI]", "n"],
            [
                [
                    m.label,
                    format_estimate(summary.metrics[m.name], m.unit),
                    str(summary.metrics[m.name].n),
                ]
                for m in METRICS
                if summary.metrics[m.name].n
            ],
        ),
        Heading("Success by domain"),
        _group_table("domain", summary.by_domain),
        Heading("Success by difficulty"),
        _group_table("difficulty", summary.by_difficulty),
    ]
    if summary.by_domain or summary.by_difficulty:
        blocks.append(
            Image(
                "success.png",
                success_by_group(summary.by_domain, summary.by_difficulty),
                "success rate by domain and difficulty",
            )
        )
    blocks += [
        Heading("Cost and time"),
        Paragraph(
            "Wall time of each generate job, split so the parts add up: render = some render "
            "was running; model = a model call and no render was running; other = checks, "
            "assembly and the store."
        ),
        _distribution_table(results),
        Image("time.png", time_breakdown(results), "time per video"),
        Heading("Usage by agent"),
        Table(
            ["agent", "calls", "input tokens", "output tokens", "cost"],
            [
                [
                    agent,
                    str(u.calls),
                    f"{u.input_tokens:,}",
                    f"{u.output_tokens:,}",
                    format_value(u.cost_usd, "usd"),
                ]
                for agent, u in summary.usage_by_agent.items()
            ],
        ),
        Heading("Errors and repairs"),
        Table(["error class", "count"], _counts(summary.errors_by_class)),
        Table(["error type sent back to the coder", "count"], _counts(summary.error_types)),
        Table(["fallback class", "scenes"], _counts(summary.fallbacks_by_class)),
        Table(["repair without a model", "count"], _counts(summary.repairs)),
        Table(["layout issue left", "count"], _counts(summary.layout_issues)),
        Image("retries.png", retries_histogram(results), "retries per scene"),
    ]
    if summary.injected:
        blocks += [
            Heading("Injected faults"),
            Table(["mutation", "count"], _counts(summary.injected)),
        ]
    if summary.judge:
        blocks += [
            Heading("Judge scores"),
            Table(
                ["dimension", "mean [95% CI]", "n"],
                [
                    [name, format_estimate(e, "score"), str(e.n)]
                    for name, e in summary.judge.items()
                ],
            ),
        ]
    blocks += [Heading("Worst items"), _worst_table(results)]
    return blocks


def _group_table(name: str, groups: Mapping[str, Mapping[str, Estimate]]) -> Table:
    shown = [metric(key) for key in ("success", "layout_clean", "wall_seconds")]
    return Table(
        [name, "n", *(m.label for m in shown)],
        [
            [
                group,
                str(estimates["success"].n),
                *(format_estimate(estimates[m.name], m.unit) for m in shown),
            ]
            for group, estimates in groups.items()
        ],
    )


def _distribution_table(results: Sequence[ItemResult]) -> Table:
    rows = []
    for name in ("wall_seconds", "model_seconds", "render_seconds", "cost_usd", "tokens"):
        m = metric(name)
        data = [v for v in (m.value(r) for r in results) if v is not None]
        rows.append([m.label, *_quantiles(data, m)])
    return Table(["metric", "min", "median", "p90", "max", "total"], rows)


def _quantiles(data: list[float], m: Metric) -> list[str]:
    if not data:
        return ["n/a"] * 5
    low, median, p90, high = np.percentile(data, [0, 50, 90, 100])
    return [format_value(float(v), m.unit) for v in (low, median, p90, high, sum(data))]


def _counts(counts: Mapping[str, int]) -> list[list[str | Link]]:
    return [[name, str(count)] for name, count in counts.items()] or [["none", "0"]]


def _worst_table(results: Sequence[ItemResult]) -> Table:
    ranked = sorted(
        results,
        key=lambda r: (
            r.success,
            r.layout_clean,
            -r.fallbacks,
            -(r.retries + r.repairs),
            -r.time.wall,
        ),
    )
    rows: list[list[str | Link]] = [
        [
            r.id,
            r.status,
            str(r.fallbacks),
            str(r.retries),
            str(r.repairs),
            str(sum(r.layout_issues.values())),
            format_value(r.time.wall, "seconds"),
            Link("video", r.video) if r.video else "none",
            (r.error or "; ".join(r.fallback_reasons))[:120],
        ]
        for r in ranked[:WORST_ITEMS]
    ]
    header = [
        "item",
        "status",
        "fallbacks",
        "retries",
        "repairs",
        "layout issues",
        "wall",
        "video",
        "error",
    ]
    return Table(header, rows)
