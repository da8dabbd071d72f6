"""Prometheus metrics and structured access logs, recorded by one small ASGI middleware.

Counters and histograms come from prometheus-client, in a registry of the app's own (so that
two apps in one process, as in tests, do not share counts). Per-route labels use the route's
template (``/recommend/{user_id}``), never the raw path, so that label values stay few.

With several workers (``graphrec serve --workers N``) each process writes its values to files
in ``PROMETHEUS_MULTIPROC_DIR`` (prometheus-client's multiprocess mode, which the server sets
up) and ``/metrics``, whichever worker answers, sums the counters and histograms of all of
them; a gauge reports the largest worker's value (the workers converge within a second).
"""

from __future__ import annotations

import json
import logging
import os
import time
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge, Histogram, generate_latest
from prometheus_client.multiprocess import MultiProcessCollector

#: Where worker processes share their values; set by `graphrec serve --workers N`.
MULTIPROCESS_DIR = "PROMETHEUS_MULTIPROC_DIR"

access_logger = logging.getLogger("graphrec.access")

#: Latency buckets (seconds): a served request takes milliseconds.
BUCKETS = (0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.2, 0.5, 1.0, 2.0, 5.0)


class Metrics:
    """Everything `/metrics` exposes."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        r = self.registry
        self.requests = Counter("graphrec_requests", "HTTP requests answered.",
                                ["route", "method", "status"], registry=r)  # fmt: skip
        self.latency = Histogram("graphrec_request_seconds", "Time to answer a request.",
                                 ["route", "method"], buckets=BUCKETS, registry=r)  # fmt: skip
        self.bundle = Gauge("graphrec_bundle_info", "The bundle served (value 1).", ["version"],
                            multiprocess_mode="max", registry=r)  # fmt: skip
        self.movies = Gauge("graphrec_index_movies", "Movies in the FAISS index.",
                            multiprocess_mode="max", registry=r)  # fmt: skip
        self.live_users = Gauge("graphrec_live_users", "Users feedback changed or created.",
                                multiprocess_mode="max", registry=r)  # fmt: skip
        self.feedback_events = Counter("graphrec_feedback_events", "Feedback events accepted.",
                                       registry=r)  # fmt: skip
        self.reloads = Counter("graphrec_reloads", "Bundle reloads, by result.", ["result"],
                               registry=r)  # fmt: skip
        self._version: str | None = None

    def exposition(self, version: str, movies: int, live_users: int) -> bytes:
        """The text format, with the served state's gauges set first; every worker's values
        when workers share a multiprocess directory."""
        if version != self._version:
            if self._version is not None:  # a worker's file keeps each label: zero, not clear
                self.bundle.labels(self._version).set(0)
            self.bundle.labels(version).set(1)
            self._version = version
        self.movies.set(movies)
        self.live_users.set(live_users)
        if not os.environ.get(MULTIPROCESS_DIR):
            return generate_latest(self.registry)
        everyone = CollectorRegistry()
        MultiProcessCollector(everyone)
        return generate_latest(everyone)


class ObservedApp:
    """ASGI middleware: counts and times every HTTP request, and with ``json_log`` writes one
    JSON line per request to the ``graphrec.access`` logger."""

    def __init__(self, app: Any, metrics: Metrics, *, json_log: bool = False) -> None:
        self.app = app
        self.metrics = metrics
        self.json_log = json_log

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = [500]

        async def observe(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                status[0] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, observe)
        finally:
            seconds = time.perf_counter() - started
            route = getattr(scope.get("route"), "path", None) or "unmatched"
            method = scope.get("method", "")
            self.metrics.requests.labels(route, method, str(status[0])).inc()
            self.metrics.latency.labels(route, method).observe(seconds)
            if self.json_log:
                access_logger.info(json.dumps({
                    "time": round(time.time(), 3), "method": method, "path": scope.get("path"),
                    "route": route, "status": status[0], "ms": round(seconds * 1000, 3),
                    "client": (scope.get("client") or [None])[0],
                }))  # fmt: skip
