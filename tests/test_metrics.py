"""Metrics as Prometheus scrapes them: parsed back from the exposition text."""

from __future__ import annotations

from prometheus_client.parser import text_string_to_metric_families

from agents.usage import UsageReport, UsageTotals
from server.metrics import Metrics

Scrape = dict[tuple[str, frozenset[tuple[str, str]]], float]


def samples(metrics: Metrics) -> Scrape:
    """Every sample of a scrape, keyed by name and label set."""
    body, _ = metrics.render()
    return {
        (sample.name, frozenset(sample.labels.items())): sample.value
        for family in text_string_to_metric_families(body.decode())
        for sample in family.samples
    }


def value(scrape: Scrape, name: str, **labels: str) -> float:
    return scrape[(name, frozenset(labels.items()))]


def test_events_appear_with_their_labels_and_values() -> None:
    metrics = Metrics()
    metrics.job_finished("generate", "succeeded", 42.0)
    metrics.job_finished("generate", "succeeded", 100.0)
    metrics.job_finished("edit", "failed", 3.0)
    metrics.scene_rendered("rendered", 4.0)
    metrics.scene_rendered("cached", 0.05)
    metrics.scene_rendered("failed", 1.5)
    metrics.retry()
    metrics.retry()
    metrics.fix_round()
    metrics.fallback("RenderTimeout")
    metrics.set_queue(depth=7, running=2)
    for input_tokens, output_tokens in ((1200, 300), (800, 100)):
        call = UsageTotals(
            calls=1, input_tokens=input_tokens, output_tokens=output_tokens, cost_usd=0.01
        )
        metrics.model_usage(UsageReport(by_agent={"planner": call}, total=call))
    metrics.http("/jobs/{job_id}", "GET", 200, 0.02)
    metrics.http("/jobs/{job_id}", "GET", 404, 0.003)

    scrape = samples(metrics)

    assert value(scrape, "manimgraph_jobs_total", kind="generate", status="succeeded") == 2
    assert value(scrape, "manimgraph_jobs_total", kind="edit", status="failed") == 1
    assert value(scrape, "manimgraph_job_duration_seconds_count", kind="generate") == 2
    assert value(scrape, "manimgraph_job_duration_seconds_sum", kind="generate") == 142.0
    assert value(scrape, "manimgraph_job_duration_seconds_bucket", kind="generate", le="60.0") == 1
    for outcome in ("rendered", "cached", "failed"):
        assert value(scrape, "manimgraph_scene_renders_total", outcome=outcome) == 1
    assert value(scrape, "manimgraph_scene_render_duration_seconds_sum", outcome="rendered") == 4.0
    assert value(scrape, "manimgraph_retries_total") == 2
    assert value(scrape, "manimgraph_fix_rounds_total") == 1
    assert value(scrape, "manimgraph_fallbacks_total", reason="RenderTimeout") == 1
    assert value(scrape, "manimgraph_queue_depth") == 7
    assert value(scrape, "manimgraph_running_jobs") == 2
    assert value(scrape, "manimgraph_model_tokens_total", role="planner", direction="input") == 2000
    assert value(scrape, "manimgraph_model_tokens_total", role="planner", direction="output") == 400
    assert value(scrape, "manimgraph_model_calls_total", role="planner") == 2
    assert value(scrape, "manimgraph_model_cost_usd_total", role="planner") == 0.02
    http = {"route": "/jobs/{job_id}", "method": "GET"}
    assert value(scrape, "manimgraph_http_requests_total", status="200", **http) == 1
    assert value(scrape, "manimgraph_http_requests_total", status="404", **http) == 1
    assert value(scrape, "manimgraph_http_request_duration_seconds_count", **http) == 2
    assert value(scrape, "manimgraph_http_request_duration_seconds_bucket", le="0.005", **http) == 1


def test_gauges_are_set_not_added() -> None:
    metrics = Metrics()
    metrics.set_queue(depth=5, running=3)
    metrics.set_queue(depth=1, running=0)

    scrape = samples(metrics)

    assert value(scrape, "manimgraph_queue_depth") == 1
    assert value(scrape, "manimgraph_running_jobs") == 0


def test_instances_are_independent() -> None:
    first, second = Metrics(), Metrics()
    first.retry()
    first.fallback("LatexError")

    assert value(samples(first), "manimgraph_retries_total") == 1
    assert value(samples(second), "manimgraph_retries_total") == 0
    assert ("manimgraph_fallbacks_total", frozenset({("reason", "LatexError")})) not in (
        samples(second)
    )


def test_render_gives_the_text_exposition_content_type() -> None:
    body, content_type = Metrics().render()

    assert content_type.startswith("text/plain; version=")
    assert b"# TYPE manimgraph_jobs_total counter" in body
    assert b"# TYPE manimgraph_scene_render_duration_seconds histogram" in body
