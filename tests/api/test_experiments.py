"""Experiments over the API: request ids, interleaved answers, layers, impressions on and off."""

from __future__ import annotations

from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app


def _client(artifacts: Path, **settings: object) -> TestClient:
    return TestClient(create_app(Settings(artifacts=artifacts, **settings)))  # type: ignore[arg-type]


def test_an_interleaved_answer_names_each_results_team(artifacts: Path) -> None:
    with _client(artifacts) as client:
        body = client.get("/recommend/1?k=10&interleave=deepfm,none").json()
        ids = [r["id"] for r in body["results"]]
        assert len(ids) == 10 == len(set(ids))
        assert {r["team"] for r in body["results"]} <= {"deepfm", "none"}
        assert body["interleave"] == ["deepfm", "none"] and body["ranker"] == "deepfm,none"
        deepfm = [r["id"] for r in client.get("/recommend/1?k=10&ranker=deepfm").json()["results"]]
        drafted = [r["id"] for r in body["results"] if r["team"] == "deepfm"]
        assert drafted == [i for i in deepfm if i in drafted]  # in deepfm's own order
        assert all(r["team"] is None for r in client.get("/recommend/1").json()["results"])


@pytest.mark.parametrize(
    "query", ["interleave=deepfm", "interleave=deepfm,deepfm", "interleave=deepfm,bogus",
              "interleave=deepfm,none&ranker=none"],
)  # fmt: skip
def test_bad_interleave_is_422(artifacts: Path, query: str) -> None:
    with _client(artifacts) as client:
        response = client.get(f"/recommend/1?{query}")
        assert response.status_code == 422 and isinstance(response.json()["detail"], str)


def test_default_interleaving_and_layers_from_settings(artifacts: Path) -> None:
    with _client(artifacts, interleave="two_tower,none:1.0") as client:
        body = client.get("/recommend/1").json()
        assert body["interleave"] == ["two_tower", "none"] and body["bucket"] is None
        assert client.get("/recommend/1?ranker=deepfm").json()["interleave"] is None
    with _client(artifacts, ab_layers="candidates=50:0.5,20:0.5") as client:
        arms = {client.get(f"/recommend/{u}").json()["arms"]["candidates"] for u in range(1, 40)}
        assert arms == {"50", "20"}


def test_impressions_are_recorded_and_can_be_switched_off(artifacts: Path) -> None:
    with _client(artifacts) as client:
        client.get("/recommend/1")
        client.post("/recommend", json={"movies": [1, 2]})
        report = client.get("/experiments/report").json()
        assert report["impressions"] == 2
    with _client(artifacts) as client:  # a restart: what was flushed on shutdown is there
        assert client.get("/experiments/report").json()["impressions"] == 2
    with _client(artifacts, impressions=False) as client:
        body = client.get("/recommend/1").json()
        assert len(body["request_id"]) == 32
        assert client.get("/experiments/report").json()["impressions"] == 2


def test_bad_experiment_settings_stop_the_server_before_it_starts(artifacts: Path) -> None:
    from graphrec.errors import ConfigError

    with pytest.raises(ConfigError, match="interleave"):
        create_app(Settings(artifacts=artifacts, interleave="deepfm,bogus"))
    with pytest.raises(ConfigError, match="layers"):
        create_app(Settings(artifacts=artifacts, ab_layers="colour=red:1"))
