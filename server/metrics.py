"""Prometheus metrics for jobs, renders, model usage and HTTP traffic.

Every ``Metrics`` owns a private ``CollectorRegistry`` instead of the process-global one, so
two apps in one process (or two tests) never collide on metric names or share counts.
Label values must come from small closed sets: pass a route *template* (``/jobs/{job_id}``),
never a raw path, and an error *class* as a fallback reason, never a message.

Example:
    >>> metrics = Metrics()
    >>> metrics.job_finished("generate", "succeeded", 84.2)
    >>> body, content_type = metrics.render()
"""

from __future__ import annotations

from typing import Literal

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)

from agents.usage import UsageReport

__all__ = ["Metrics", "RenderOutcome"]

RenderOutcome = Literal["rendered", "cached", "failed"]

_NAMESPACE = "manimgraph"
_JOB_BUCKETS_S = (5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1200.0, 1800.0, 3600.0)
_RENDER_BUCKETS_S = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 30.0, 60.0, 120.0, 300.0)
_HTTP_BUCKETS_S = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)


class Metrics:
    """The service's metrics, one method per event, exposed with ``render()``."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self._jobs = self._counter(
            "jobs", "Jobs finished, by kind and final status.", "kind", "status"
        )
        self._job_seconds = self._histogram(
            "job_duration_seconds", "Wall time of finished jobs.", _JOB_BUCKETS_S, "kind"
        )
        self._renders = self._counter(
            "scene_renders", "Scene renders, by outcome (rendered, cached, failed).", "outcome"
        )
        self._render_seconds = self._histogram(
            "scene_render_duration_seconds",
            "Wall time of scene renders, by outcome.",
            _RENDER_BUCKETS_S,
            "outcome",
        )
        self._retries = self._counter("retries", "Retried graph steps and model calls.")
        self._fix_rounds = self._counter("fix_rounds", "Visual-fixer rounds run.")
        self._fallbacks = self._counter("fallbacks", "Fallbacks taken, by reason class.", "reason")
        self._queue_depth = self._gauge("queue_depth", "Jobs waiting in the queue.")
        self._running = self._gauge("running_jobs", "Jobs being worked on.")
        self._workers = self._gauge("workers", "Live `manimgraph worker` processes.")
        self._model_calls = self._counter("model_calls", "Model calls, by agent role.", "role")
        self._tokens = self._counter(
            "model_tokens",
            "Model tokens, by agent role and direction (input, output, cache_read).",
            "role",
            "direction",
        )
        self._cost = self._counter(
            "model_cost_usd", "Estimated model cost in USD, by agent role.", "role"
        )
        self._speech_segments = self._counter(
            "speech_segments",
            "Narration segments, by voice provider and source (synthesised, reused).",
            "provider",
            "source",
        )
        self._speech_characters = self._counter(
            "speech_characters", "Characters synthesised, by voice provider.", "provider"
        )
        self._speech_seconds = self._counter(
            "speech_audio_seconds", "Seconds of audio synthesised, by voice provider.", "provider"
        )
        self._speech_cost = self._counter(
            "speech_cost_usd", "Estimated speech cost in USD, by voice provider.", "provider"
        )
        self._http = self._counter(
            "http_requests",
            "HTTP requests, by route template, method and status.",
            "route",
            "method",
            "status",
        )
        self._http_seconds = self._histogram(
            "http_request_duration_seconds",
            "HTTP request latency, by route template and method.",
            _HTTP_BUCKETS_S,
            "route",
            "method",
        )

    def _counter(self, name: str, documentation: str, *labels: str) -> Counter:
        return Counter(name, documentation, labels, namespace=_NAMESPACE, registry=self.registry)

    def _gauge(self, name: str, documentation: str) -> Gauge:
        return Gauge(name, documentation, namespace=_NAMESPACE, registry=self.registry)

    def _histogram(
        self, name: str, documentation: str, buckets: tuple[float, ...], *labels: str
    ) -> Histogram:
        return Histogram(
            name,
            documentation,
            labels,
            namespace=_NAMESPACE,
            registry=self.registry,
            buckets=buckets,
        )

    def job_finished(self, kind: str, status: str, seconds: float) -> None:
        """A job of ``kind`` (generate, edit, ...) ended with ``status`` after ``seconds``."""
        self._jobs.labels(kind=kind, status=status).inc()
        self._job_seconds.labels(kind=kind).observe(seconds)

    def scene_rendered(self, outcome: RenderOutcome, seconds: float) -> None:
        """A scene render ended, freshly rendered, served from the cache, or failed."""
        self._renders.labels(outcome=outcome).inc()
        self._render_seconds.labels(outcome=outcome).observe(seconds)

    def retry(self) -> None:
        """A step or model call was retried."""
        self._retries.inc()

    def fix_round(self) -> None:
        """The visual fixer ran one more round on a scene."""
        self._fix_rounds.inc()

    def fallback(self, reason: str) -> None:
        """A fallback was taken; ``reason`` is a class of cause, e.g. ``RenderTimeout``."""
        self._fallbacks.labels(reason=reason).inc()

    def set_queue(self, depth: int, running: int, *, workers: int = 0) -> None:
        """The queue's depth, the jobs being worked on and the live workers."""
        self._queue_depth.set(depth)
        self._running.set(running)
        self._workers.set(workers)

    def model_usage(self, usage: UsageReport) -> None:
        """A finished job's model calls, tokens and cost, by agent role, and its speech, by
        voice provider."""
        for role, totals in usage.by_agent.items():
            self._model_calls.labels(role=role).inc(totals.calls)
            self._tokens.labels(role=role, direction="input").inc(totals.input_tokens)
            self._tokens.labels(role=role, direction="output").inc(totals.output_tokens)
            self._tokens.labels(role=role, direction="cache_read").inc(totals.cache_read_tokens)
            self._cost.labels(role=role).inc(totals.cost_usd)
        for provider, spoken in usage.speech.items():
            self._speech_segments.labels(provider=provider, source="synthesised").inc(
                spoken.syntheses
            )
            self._speech_segments.labels(provider=provider, source="reused").inc(spoken.reused)
            self._speech_characters.labels(provider=provider).inc(spoken.characters)
            self._speech_seconds.labels(provider=provider).inc(spoken.audio_seconds)
            self._speech_cost.labels(provider=provider).inc(spoken.cost_usd)

    def http(self, route: str, method: str, status: int, seconds: float) -> None:
        """One HTTP request answered; ``route`` is the route template, not the raw path."""
        self._http.labels(route=route, method=method, status=str(status)).inc()
        self._http_seconds.labels(route=route, method=method).observe(seconds)

    def render(self) -> tuple[bytes, str]:
        """The exposition text of this registry and its content type, for ``GET /metrics``."""
        return generate_latest(self.registry), CONTENT_TYPE_LATEST
