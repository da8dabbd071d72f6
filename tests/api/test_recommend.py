"""GET /recommend: recall then rank, never a rated movie, exactly k, A/B buckets."""

import json
import logging
import shutil
from pathlib import Path

import numpy as np
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.settings import Settings
from graphrec.artifacts import load_bundle
from graphrec.errors import ConfigError
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.recall_score import CANDIDATES
from graphrec.recency import RecentTerm, recent_vectors, with_recency
from graphrec.train.topk import top_k_excluding


@pytest.fixture(scope="module")
def client(small_bundle: Path):
    with TestClient(create_app(Settings(artifacts=small_bundle))) as test_client:
        yield test_client


def rated_by(small_bundle: Path, user_id: int) -> set[int]:
    bundle = load_bundle(small_bundle)
    row = int(np.searchsorted(bundle.user_ids, user_id))
    return set(bundle.movie_ids[bundle.history.of(row).movies].tolist())


@pytest.mark.parametrize("ranker", ["two_tower", "deepfm", "none"])
def test_exactly_k_unrated_movies(client: TestClient, small_bundle: Path, ranker: str) -> None:
    user_ids = load_bundle(small_bundle).user_ids[:5]
    for user_id in user_ids.tolist():
        body = client.get(f"/recommend/{user_id}", params={"k": 25, "ranker": ranker}).json()
        ids = [r["id"] for r in body["results"]]
        assert len(ids) == 25 and len(set(ids)) == 25
        assert not set(ids) & rated_by(small_bundle, user_id)
        assert body["ranker"] == ranker and body["bucket"] is None
        scores = [r["score"] for r in body["results"]]
        assert scores == sorted(scores, reverse=True)
        assert {"id", "title", "genres", "score"} <= set(body["results"][0])


def test_without_a_ranker_the_bucket_decides_and_stays(
    client: TestClient, small_bundle: Path
) -> None:
    user_id = int(load_bundle(small_bundle).user_ids[0])
    first = client.get(f"/recommend/{user_id}").json()
    assert first["bucket"] in ("two_tower", "deepfm", "none") and first["ranker"] == first["bucket"]
    again = client.get(f"/recommend/{user_id}").json()
    assert again["request_id"] != first["request_id"]  # every answer is its own impression
    assert {**again, "request_id": None} == {**first, "request_id": None}


def with_lifts(small_bundle: Path, folder: Path, lifts: dict[str, float]) -> Path:
    """A copy of the small bundle whose manifest gives the rankers these held-out lifts."""
    source = load_bundle(small_bundle).path
    target = folder / source.name
    shutil.copytree(source, target)
    manifest = json.loads((target / "manifest.json").read_text())
    for name, lift in lifts.items():
        manifest["rankers"][name] |= {"lift": lift, "serve": lift > 0}
    (target / "manifest.json").write_text(json.dumps(manifest))
    return target


def test_a_ranker_marked_not_to_serve_gets_no_default_traffic(
    small_bundle: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    bundle = with_lifts(small_bundle, tmp_path / "a", {"two_tower": -0.1, "deepfm": 0.2})
    user_ids = load_bundle(bundle).user_ids.tolist()
    with caplog.at_level(logging.INFO), TestClient(create_app(Settings(artifacts=bundle))) as c:
        buckets = {c.get(f"/recommend/{u}").json()["bucket"] for u in user_ids}
        assert buckets == {"deepfm"}, "the ranker that beat recall order takes the traffic"
        assert c.get(f"/recommend/{user_ids[0]}?ranker=two_tower").json()["ranker"] == "two_tower"
    assert "ranker two_tower did not beat recall order" in caplog.text
    losers = with_lifts(small_bundle, tmp_path / "b", {"two_tower": -0.1, "deepfm": 0.0})
    with TestClient(create_app(Settings(artifacts=losers))) as c:
        assert {c.get(f"/recommend/{u}").json()["bucket"] for u in user_ids} == {"none"}
    explicit = Settings(artifacts=bundle, ab_shares="two_tower:1")
    with TestClient(create_app(explicit)) as c:
        assert {c.get(f"/recommend/{u}").json()["bucket"] for u in user_ids} == {"two_tower"}


def test_rankers_reorder_the_recall(client: TestClient, small_bundle: Path) -> None:
    user_id = int(load_bundle(small_bundle).user_ids[1])
    orders = {
        ranker: [r["id"] for r in client.get(f"/recommend/{user_id}",
                                             params={"k": 20, "ranker": ranker}).json()["results"]]
        for ranker in ("none", "two_tower", "deepfm")
    }  # fmt: skip
    assert orders["two_tower"] != orders["none"] or orders["deepfm"] != orders["none"]


@pytest.mark.parametrize(
    ("path", "code"),
    [("/recommend/999999", 404), ("/recommend/1?k=0", 422), ("/recommend/1?ranker=bogus", 422)],
)
def test_bad_requests(client: TestClient, path: str, code: int) -> None:
    response = client.get(path)
    assert response.status_code == code
    assert isinstance(response.json()["detail"], str)


def test_bad_shares_stop_the_server_before_it_starts(small_bundle: Path) -> None:
    with pytest.raises(ConfigError, match="unknown ranker"):
        create_app(Settings(artifacts=small_bundle, ab_shares="bogus:1"))


@pytest.mark.parametrize("ranker", ["none", "deepfm", "two_tower"])
def test_served_scores_are_the_evaluated_ones(
    client: TestClient, small_bundle: Path, ranker: str
) -> None:
    """The server ranks by the very recall score (and ranker logits over the same candidates)
    that tuning, ranker training and evaluation use."""
    bundle = load_bundle(small_bundle)
    features = bundle.rankers.features
    assert features.item_weights.by_target.nnz > 0, "the item-model feature is exercised too"
    assert bundle.recency.active, "the recall score's recency term is exercised too"
    h = bundle.history
    trained = BipartiteGraph.from_interactions(
        h.users, h.movies, h.num_users, len(features.popularity)
    )
    items = bundle.index.vectors(bundle.movie_ids)[:, bundle.layout.item_start : -1]
    recent = recent_vectors(items, h.users, h.movies, h.timestamps, h.num_users, bundle.recency)
    recall = with_recency(features.recall, RecentTerm(recent, items))  # as training scored
    for row, user_id in enumerate(bundle.user_ids[:3].tolist()):
        candidates = top_k_excluding(recall.scores, trained, CANDIDATES, np.array([row]))[0]
        if ranker == "none":
            scores = recall.scores(np.array([row]))[0].numpy()[candidates]
        else:
            rows, ranks = np.full(CANDIDATES, row), np.arange(CANDIDATES)
            inputs = bundle.rankers.inputs(rows, candidates, ranks)
            scores = bundle.rankers.list_scores(ranker, inputs)
        order = np.argsort(-scores, kind="stable")[:20]
        body = client.get(f"/recommend/{user_id}", params={"k": 20, "ranker": ranker}).json()
        assert [r["id"] for r in body["results"]] == bundle.movie_ids[candidates[order]].tolist()
        served = [r["score"] for r in body["results"]]
        assert np.allclose(served, scores[order], atol=1e-4)


def test_each_result_names_the_rated_movie_it_is_nearest_to(
    client: TestClient, small_bundle: Path
) -> None:
    bundle = load_bundle(small_bundle)
    user_id = int(bundle.user_ids[2])
    row = int(np.searchsorted(bundle.user_ids, user_id))
    rated_rows = bundle.history.of(row).movies
    body = client.get(f"/recommend/{user_id}", params={"k": 8, "ranker": "none"}).json()
    for result in body["results"]:
        movie_row = int(np.searchsorted(bundle.movie_ids, result["id"]))
        similarity = bundle.movie_embeddings[rated_rows] @ bundle.movie_embeddings[movie_row]
        nearest = int(bundle.movie_ids[rated_rows[int(np.argmax(similarity))]])
        assert result["because"]["id"] == nearest
        assert result["because"]["title"] == bundle.catalog.record(nearest)["title"]
    session_movies = [int(m) for m in bundle.movie_ids[rated_rows[:3]]]
    session = client.post("/recommend", params={"k": 5}, json={"movies": session_movies}).json()
    assert all(r["because"]["id"] in session_movies for r in session["results"])
