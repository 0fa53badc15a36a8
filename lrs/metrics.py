"""Prometheus metrics: what is counted (GET /metrics is lrs/metrics_api.py).

Metrics live in the process (prometheus-client's usual module-level objects). With several uvicorn
workers, `lrs-bridge serve` sets PROMETHEUS_MULTIPROC_DIR before the workers start, each worker writes
its values there and /metrics adds up every worker's (prometheus-client multiprocess mode).
"""

from __future__ import annotations

import os
from typing import Any

from prometheus_client import (
    REGISTRY,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)

MULTIPROC_ENV = "PROMETHEUS_MULTIPROC_DIR"

REQUEST_SECONDS = Histogram(
    "lrs_http_request_duration_seconds",
    "HTTP requests by method, route template and status, with their latency",
    ["method", "route", "status"],
)
COMMITS = Counter("lrs_scorm_commits_total", "SCORM commits received, by outcome (as audited)", ["outcome"])
STATEMENTS_STORED = Counter(
    "lrs_statements_stored_total", "xAPI statements stored (new ones), by source (xapi or scorm)", ["source"]
)
STORAGE_SECONDS = Histogram(
    "lrs_storage_call_duration_seconds",
    "Storage calls (database round trips) by collection and method, with their latency",
    ["collection", "method"],
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0),
)
FAILED_LOGINS = Counter("lrs_failed_logins_total", "Requests refused for an unknown key or a wrong secret")
# the postback outbox: the depth is measured by whichever worker looked last (the outbox is in the database)
OUTBOX_DEPTH = Gauge(
    "lrs_postback_outbox_depth", "Postbacks waiting in the outbox", multiprocess_mode="mostrecent"
)
POSTBACK_FAILURES = Counter("lrs_postback_delivery_failures_total", "Postback deliveries that failed")


class StorageMetrics:
    """A meter for lrs.storage.instrumented: each storage call observed in STORAGE_SECONDS."""

    def __init__(self) -> None:
        self._children: dict[tuple[str, str], Any] = {}  # labels() validates and locks: once per pair

    def record(self, collection: str, method: str, seconds: float, cpu_seconds: float) -> None:
        child = self._children.get((collection, method))
        if child is None:
            child = self._children[(collection, method)] = STORAGE_SECONDS.labels(collection, method)
        child.observe(seconds)


def exposition() -> bytes:
    """Every metric in the Prometheus text format (every worker's, in multiprocess mode)."""
    if os.environ.get(MULTIPROC_ENV):
        registry = CollectorRegistry()
        multiprocess.MultiProcessCollector(registry)  # type: ignore[no-untyped-call]
        return generate_latest(registry)
    return generate_latest(REGISTRY)
