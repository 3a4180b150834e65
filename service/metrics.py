"""Prometheus metrics of one app: requests, latency, predictions, model version. Never any text.

Each app owns its ``CollectorRegistry`` (not the global one). With several worker processes
(``PROMETHEUS_MULTIPROC_DIR`` set, as ``triage serve --workers N`` does) every worker writes its
values to files in that directory and ``/metrics`` on any worker reports the sum over all live
workers; ``triage_model_info`` then counts the workers serving each model version.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Any, Final

from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from prometheus_client.metrics_core import Metric
from prometheus_client.registry import Collector

from nlp.labels import DISPUTE_TYPE_IDS, RISK_GRADE_IDS

MULTIPROC_ENV: Final = "PROMETHEUS_MULTIPROC_DIR"
LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0)
HEAD_LABELS: Final = {
    "dispute_type": DISPUTE_TYPE_IDS,
    "risk_grade": RISK_GRADE_IDS,
    "escalation": ("true", "false"),
}

METRIC_NAMES: Final = (
    "triage_http_requests_total",
    "triage_http_request_duration_seconds",
    "triage_records_total",
    "triage_record_errors_total",
    "triage_predictions_total",
    "triage_needs_review_total",
    "triage_model_info",
    "triage_model_reloads_total",
)
"""Every metric the service exports (documented in docs/service.md)."""

LABEL_METRICS: Final = frozenset({"triage_predictions"})
"""Metric families that reveal what the served records were about (counts per predicted label):
exported only when ``auth.label_metrics`` is on and the request has a valid API key."""


class ServiceMetrics:
    """The metrics of one app."""

    def __init__(self, *, multiprocess_dir: str | None = None) -> None:
        """Create the metrics.

        Args:
            multiprocess_dir: when set (``$PROMETHEUS_MULTIPROC_DIR``), collect across worker
                processes from that directory.
        """
        self.multiprocess = multiprocess_dir is not None
        self._multiprocess_dir = multiprocess_dir
        self.registry = CollectorRegistry()
        if self.multiprocess:
            multiprocess.MultiProcessCollector(self.registry, path=multiprocess_dir)
            # In multiprocess mode values live in files; the metric objects register nowhere.
            target: CollectorRegistry | None = None
        else:
            target = self.registry
        self.requests = Counter(
            "triage_http_requests_total",
            "HTTP requests by method, route template and status.",
            ["method", "route", "status"],
            registry=target,
        )
        self.latency = Histogram(
            "triage_http_request_duration_seconds",
            "HTTP request latency in seconds by method, route template and status.",
            ["method", "route", "status"],
            buckets=LATENCY_BUCKETS,
            registry=target,
        )
        self.records = Counter(
            "triage_records_total", "Records received on the triage endpoints.", registry=target
        )
        self.record_errors = Counter(
            "triage_record_errors_total",
            "Records that could not be triaged, by error code.",
            ["code"],
            registry=target,
        )
        self.predictions = Counter(
            "triage_predictions_total",
            "Predictions by head and predicted label.",
            ["head", "label"],
            registry=target,
        )
        self.needs_review = Counter(
            "triage_needs_review_total", "Predictions flagged for human review.", registry=target
        )
        self.model_info = Gauge(
            "triage_model_info",
            "1 for the model version served (with several workers: how many serve it).",
            ["version", "architecture"],
            multiprocess_mode="livesum",
            registry=target,
        )
        self.reloads = Counter(
            "triage_model_reloads_total",
            "Model reloads by outcome (ok or the error code).",
            ["outcome"],
            registry=target,
        )
        for head, labels in HEAD_LABELS.items():
            for label in labels:
                self.predictions.labels(head, label)
        self._served: tuple[str, str] | None = None

    @classmethod
    def from_environment(cls) -> ServiceMetrics:
        """Metrics in multiprocess mode when ``$PROMETHEUS_MULTIPROC_DIR`` is set."""
        return cls(multiprocess_dir=os.environ.get(MULTIPROC_ENV) or None)

    def observe_request(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one finished HTTP request."""
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route, str(status)).observe(seconds)

    def observe_entries(self, entries: Iterable[Mapping[str, Any]]) -> None:
        """Count the outcome of each record entry (see ``service.records``)."""
        for entry in entries:
            self.records.inc()
            error = entry.get("error")
            if error is not None:
                self.record_errors.labels(error["code"]).inc()
                continue
            self.predictions.labels("dispute_type", entry["dispute_type"]["label"]).inc()
            self.predictions.labels("risk_grade", entry["risk_grade"]["label"]).inc()
            self.predictions.labels("escalation", str(entry["escalation"]["flag"]).lower()).inc()
            if entry["needs_review"]:
                self.needs_review.inc()

    def serve_model(self, version: str, architecture: str) -> None:
        """Record that this process now serves ``version``."""
        if self._served is not None:
            # Set to 0 before removing: in multiprocess mode the file keeps the last value.
            self.model_info.labels(*self._served).set(0)
            self.model_info.remove(*self._served)
        self.model_info.labels(version, architecture).set(1)
        self._served = (version, architecture)

    def render(self, *, label_counts: bool = False) -> tuple[bytes, str]:
        """The exposition text and its content type.

        Args:
            label_counts: include the per-label prediction counts (``LABEL_METRICS``).
        """
        if label_counts:
            return generate_latest(self.registry), CONTENT_TYPE_LATEST
        shown = CollectorRegistry(auto_describe=False)
        shown.register(_Without(self.registry, LABEL_METRICS))
        return generate_latest(shown), CONTENT_TYPE_LATEST

    def close(self) -> None:
        """Forget this process's live gauges (multiprocess mode) when the worker stops."""
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid(), self._multiprocess_dir)


class _Without(Collector):
    """The metric families of a registry less some, by family name."""

    def __init__(self, registry: CollectorRegistry, hidden: frozenset[str]) -> None:
        self._registry = registry
        self._hidden = hidden

    def collect(self) -> Iterable[Metric]:
        return (m for m in self._registry.collect() if m.name not in self._hidden)
