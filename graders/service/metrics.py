"""Prometheus metrics of one service instance (its own registry, so several apps can live in one process)."""
from __future__ import annotations

from typing import Callable, Iterable

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from graders.result import GradeResult

LATENCY_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0,
                   120.0)


class _PoolCollector:
    """Worker-pool figures read at scrape time (restarts = workers killed after a timeout or a crash)."""

    def __init__(self, pool_stats: Callable[[], dict[str, int]]):
        self.pool_stats = pool_stats

    def collect(self) -> Iterable:
        stats = self.pool_stats()
        restarts = CounterMetricFamily("verigrade_worker_restarts", "grading worker processes replaced after "
                                       "a timeout kill or a crash", labels=["reason"])
        restarts.add_metric(["timeout"], stats.get("timeouts", 0))
        restarts.add_metric(["crash"], stats.get("crashes", 0))
        yield restarts
        yield CounterMetricFamily("verigrade_worker_spawned", "grading worker processes started",
                                  value=stats.get("spawned", 0))
        yield GaugeMetricFamily("verigrade_workers", "grading worker pool size", value=stats.get("size", 0))


class ServiceMetrics:
    """Requests, results per status and grader, latencies, queue depth and worker restarts."""

    def __init__(self, pool_stats: Callable[[], dict[str, int]]):
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("verigrade_requests", "HTTP requests answered", ["route", "code"], registry=r)
        self.request_seconds = Histogram("verigrade_request_seconds", "HTTP request latency", ["route"],
                                         buckets=LATENCY_BUCKETS, registry=r)
        self.results = Counter("verigrade_results", "grade results", ["grader", "status"], registry=r)
        self.grade_seconds = Histogram("verigrade_grade_seconds", "time to grade one sample (its elapsed_ms)",
                                       ["grader"], buckets=LATENCY_BUCKETS, registry=r)
        self.queue_depth = Gauge("verigrade_queue_depth", "samples admitted and not yet graded", registry=r)
        self.queue_limit = Gauge("verigrade_queue_limit", "samples admitted at most (429 above)", registry=r)
        self.rejected = Counter("verigrade_rejected", "requests refused before grading", ["reason"], registry=r)
        self.deadline_exceeded = Counter("verigrade_deadline_exceeded", "requests answered at their deadline "
                                         "with `timeout` results", registry=r)
        r.register(_PoolCollector(pool_stats))

    def observe_results(self, grader: str, results: list[GradeResult]) -> None:
        for res in results:
            self.results.labels(grader, res.status).inc()
            self.grade_seconds.labels(grader).observe(res.elapsed_ms / 1000.0)

    def render(self) -> bytes:
        return generate_latest(self.registry)
