"""Liveness, readiness (warm-up, store), Prometheus metrics and JSON access logs."""

from __future__ import annotations

import json
import logging
import threading
import time
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from api import Settings, create_app

TOKEN = {"Authorization": "Bearer s3cret-long-test-token"}


def _client(artifacts: Path, **settings: object) -> TestClient:
    return TestClient(
        create_app(Settings(artifacts=artifacts, admin_token="s3cret-long-test-token", **settings))
    )  # type: ignore[arg-type]


def _wait_ready(client: TestClient) -> dict:
    deadline = time.monotonic() + 60
    while True:
        response = client.get("/health/ready")
        if response.status_code == 200:
            return response.json()
        assert time.monotonic() < deadline, response.text
        time.sleep(0.1)


def test_live_then_ready_after_warm_up(artifacts: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    release = threading.Event()
    import api.app

    real = api.app.warm_up

    def slow_warm_up(state: object) -> float:  # a slow start we cannot cause otherwise
        release.wait(10)
        return real(state)  # type: ignore[arg-type]

    monkeypatch.setattr(api.app, "warm_up", slow_warm_up)
    with _client(artifacts) as client:
        assert client.get("/health/live").json() == {"status": "live"}
        waiting = client.get("/health/ready")
        assert waiting.status_code == 503 and "warming up" in waiting.json()["detail"]
        release.set()
        body = _wait_ready(client)
        assert body["status"] == "ready" and body["model_version"]


def test_not_ready_while_the_store_is_unreachable(artifacts: Path) -> None:
    with _client(artifacts) as client:
        _wait_ready(client)
        client.app.state.serving.store.close()  # the database goes away
        response = client.get("/health/ready")
        assert response.status_code == 503 and "store unreachable" in response.json()["detail"]
        assert client.get("/health/live").status_code == 200


def test_metrics_count_requests_feedback_and_reloads(artifacts: Path) -> None:
    with _client(artifacts) as client:
        for _ in range(3):
            assert client.get("/recommend/1?k=5").status_code == 200
        assert client.get("/recommend/999999").status_code == 404
        events = [{"user": 900_001, "movie": 1, "kind": "click"}] * 2
        assert client.post("/feedback", json=events, headers=TOKEN).status_code == 200
        assert client.post("/admin/reload", headers=TOKEN).status_code == 200
        response = client.get("/metrics")
        text = response.text
    assert response.headers["content-type"].startswith("text/plain")
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    route = (("method", "GET"), ("route", "/recommend/{user_id}"))
    assert samples[("graphrec_requests_total", (*route, ("status", "200")))] == 3
    assert samples[("graphrec_request_seconds_count", route)] == 4
    assert (
        'graphrec_requests_total{method="GET",route="/recommend/{user_id}",status="200"} 3.0'
        in text
    )
    assert (
        'graphrec_requests_total{method="GET",route="/recommend/{user_id}",status="404"} 1.0'
        in text
    )
    assert (
        'graphrec_request_seconds_bucket{le="0.001",method="GET",route="/recommend/{user_id}"}'
        in text
    )
    assert "graphrec_feedback_events_total 2.0" in text
    assert 'graphrec_reloads_total{result="reloaded"} 1.0' in text
    assert "graphrec_live_users 1.0" in text
    assert "graphrec_index_movies 9" in text  # 9,7xx movies
    assert 'graphrec_bundle_info{version="' in text


def test_json_access_log(artifacts: Path, caplog: pytest.LogCaptureFixture) -> None:
    with (
        caplog.at_level(logging.INFO, logger="graphrec.access"),
        _client(artifacts, json_access_log=True) as client,
    ):
        client.get("/similar/1?k=3")
    lines = [json.loads(r.getMessage()) for r in caplog.records if r.name == "graphrec.access"]
    line = next(entry for entry in lines if entry["path"] == "/similar/1")
    assert line["route"] == "/similar/{movie_id}" and line["status"] == 200 and line["ms"] > 0


def test_what_lives_at_start_is_hidden_from_the_collector(artifacts: Path) -> None:
    """Full collections set off by a reload's allocations must not walk the libraries' objects
    (api.app._freeze_once): once an app has started, they sit in the permanent generation."""
    import gc

    with _client(artifacts) as client:
        _wait_ready(client)
        assert gc.get_freeze_count() > 100_000
