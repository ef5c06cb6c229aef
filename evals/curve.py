"""Success against fault rate and retry budget: the same items at several chaos rates and
`max_retries` values, one ordinary run per pair, all in one shared store.

    OUT/chaos-0.25-retries-1/   an eval run (results, summary, reports)
    OUT/store/                  shared: clean scenes render once for every run
    OUT/curve.json, OUT/report.md, OUT/report.html

Example:
    >>> plans = prepare_curve(config, Path("out"), rates=[0, 0.5], budgets=[0, 2])
    >>> points = asyncio.run(execute_curve(Path("out"), plans))
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel

from evals.config import EvalConfig
from evals.document import Block, Heading, Image, Paragraph, Table
from evals.files import write_model
from evals.plots import CurvePoint, chaos_curve
from evals.report import format_estimate, write_document
from evals.runner import RunObserver, RunPlan, execute_run, prepare_run

__all__ = ["CURVE_FILE", "Curve", "execute_curve", "prepare_curve", "run_dir_name"]

CURVE_FILE = "curve.json"


class Curve(BaseModel):
    """What `curve.json` holds: success, first-attempt rate and retries per point."""

    dataset: str
    points: list[CurvePoint]
    first_attempt: list[CurvePoint]
    retries: list[CurvePoint]


def run_dir_name(rate: float, budget: int) -> str:
    """The sub-directory of one (chaos rate, max_retries) run."""
    return f"chaos-{rate:g}-retries-{budget}"


def prepare_curve(
    config: EvalConfig,
    out: Path,
    *,
    rates: list[float],
    budgets: list[int],
    resume: bool = False,
    notice: str = "",
) -> list[RunPlan]:
    """Check every run of the curve before any of them starts (nothing is written)."""
    return [
        prepare_run(
            config.model_copy(update={"chaos": rate, "max_retries": budget}),
            out / run_dir_name(rate, budget),
            resume=resume,
            store_dir=out / "store",
            notice=notice,
        )
        for rate in rates
        for budget in budgets
    ]


async def execute_curve(
    out: Path, plans: list[RunPlan], observer: RunObserver | None = None
) -> Curve:
    """Run each point in turn, then write `curve.json` and the curve's reports."""
    series: dict[str, list[CurvePoint]] = {"success": [], "first_attempt": [], "retries": []}
    for plan in plans:
        summary = await execute_run(plan, observer)
        rate, budget = plan.config.chaos, plan.config.max_retries
        for name, points in series.items():
            estimate = summary.metrics[name].model_dump()
            points.append(CurvePoint(**estimate, rate=rate, max_retries=budget))
    curve = Curve(
        dataset=str(plans[0].config.dataset),
        points=series["success"],
        first_attempt=series["first_attempt"],
        retries=series["retries"],
    )
    write_model(out / CURVE_FILE, curve)
    write_document(out, _blocks(curve), "Chaos curve")
    return curve


def _blocks(curve: Curve) -> list[Block]:
    rows = [
        [
            f"{p.rate:g}",
            str(p.max_retries),
            format_estimate(p, "rate"),
            format_estimate(f, "rate"),
            format_estimate(r, "ratio"),
            run_dir_name(p.rate, p.max_retries),
        ]
        for p, f, r in zip(curve.points, curve.first_attempt, curve.retries, strict=True)
    ]
    return [
        Heading("Chaos curve", 1),
        Paragraph(
            f"Items of {curve.dataset} with a share of the coder's answers broken on purpose "
            "(old Manim names, LaTeX mistakes, truncation, tiny text), at each retry budget. "
            "Success means a final video with no fallback scene; 95% bootstrap CIs."
        ),
        Table(
            [
                "chaos rate",
                "max_retries",
                "success",
                "first-attempt scenes",
                "retries/scene",
                "run",
            ],
            rows,
        ),
        Image("chaos_curve.png", chaos_curve(curve.points), "success rate against chaos rate"),
    ]
