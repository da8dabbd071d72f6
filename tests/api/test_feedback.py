"""POST /feedback, GET /users, anonymous sessions: users change at once, durably, all or nothing."""

from __future__ import annotations

import shutil
import sqlite3
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from graphrec.artifacts import point_current
from graphrec.store import STORE_FILE

TOKEN = {"Authorization": "Bearer s3cret-long-test-token"}
#: Toy Story, A Bug's Life, Toy Story 2, Monsters, Inc., Finding Nemo.
ANIMATED = [1, 2355, 3114, 4886, 6377]
NEW_USER = 900_001


def _client(artifacts: Path, token: str | None = "s3cret-long-test-token") -> TestClient:
    return TestClient(create_app(Settings(artifacts=artifacts, admin_token=token)))


def _events(artifacts: Path) -> int:
    with sqlite3.connect(artifacts / STORE_FILE) as db:
        return int(db.execute("SELECT COUNT(*) FROM events").fetchone()[0])


def _ratings(user: int, movies: list[int], rating: float = 5.0) -> list[dict[str, object]]:
    return [{"user": user, "movie": m, "kind": "rating", "rating": rating} for m in movies]


def test_a_new_user_is_served_from_their_first_events_and_survives_a_restart(
    artifacts: Path,
) -> None:
    with _client(artifacts) as client:
        assert client.get(f"/recommend/{NEW_USER}").status_code == 404
        answer = client.post("/feedback", json=_ratings(NEW_USER, ANIMATED), headers=TOKEN)
        assert answer.status_code == 200 and answer.json() == {
            "accepted": 5,
            "new_users": [NEW_USER],
        }
        for ranker in ("none", "deepfm", "two_tower"):
            body = client.get(f"/recommend/{NEW_USER}?k=10&ranker={ranker}").json()
            ids = [r["id"] for r in body["results"]]
            assert len(ids) == 10 and not set(ids) & set(ANIMATED)
        user = client.get(f"/users/{NEW_USER}").json()
        assert user["interactions"] == 5 and user["live_interactions"] == 5
        assert user["vectors"] == "sage_fold_in" and user["bucket"] in (
            "none",
            "deepfm",
            "two_tower",
        )
        again = client.post("/feedback", json=_ratings(NEW_USER, [2]), headers=TOKEN).json()
        assert again["new_users"] == []
    with _client(artifacts) as client:  # a restart: a new app over the same folders
        user = client.get(f"/users/{NEW_USER}").json()
        assert user["interactions"] == 6 and user["live_interactions"] == 6
        assert client.get(f"/recommend/{NEW_USER}").status_code == 200


def test_a_rating_leaves_the_users_recommendations_at_once(artifacts: Path) -> None:
    with _client(artifacts) as client:
        first = client.get("/recommend/1?k=5&ranker=none").json()["results"]
        top = first[0]["id"]
        before = client.get("/users/1").json()
        event = {"user": 1, "movie": top, "kind": "click", "timestamp": 2_000_000_000}
        assert client.post("/feedback", json=[event], headers=TOKEN).status_code == 200
        after = client.get("/recommend/1?k=5&ranker=none").json()["results"]
        assert top not in [r["id"] for r in after]
        user = client.get("/users/1").json()
        assert user["interactions"] == before["interactions"] + 1
        assert user["live_interactions"] == 1


@pytest.mark.parametrize(
    ("events", "reason"),
    [
        ([{"user": 1, "movie": 999_999_999, "kind": "rating", "rating": 4.0}], "unknown movie"),
        ([{"user": 1, "movie": 1, "kind": "rating", "rating": 5.5}], "rating"),
        ([{"user": 1, "movie": 1, "kind": "rating", "rating": 0.0}], "rating"),
        ([{"user": 1, "movie": 1, "kind": "rating"}], "needs a rating"),
        ([{"user": 1, "movie": 1, "kind": "click", "rating": 3.0}], "no rating"),
        ([{"user": -1, "movie": 1, "kind": "click"}], "user"),
        ([{"user": 1.5, "movie": 1, "kind": "click"}], "user"),
        ([{"user": "7", "movie": 1, "kind": "click"}], "user"),
        ([{"user": 1, "movie": 1, "kind": "like"}], "kind"),
        ([{"user": 1, "movie": 1, "kind": "click", "colour": "red"}], "colour"),
        ([{"user": 1, "movie": 1, "kind": "click", "timestamp": -5}], "timestamp"),
        ([{"user": 1, "movie": 1, "kind": "click"}] * 10_001, "10000"),
        ([], "at least 1"),
        ({"user": 1}, "list"),
    ],
)
def test_one_bad_event_is_422_and_nothing_is_stored(
    artifacts: Path, events: object, reason: str
) -> None:
    good = {"user": 2, "movie": 1, "kind": "click"}
    body = [good, *events] if isinstance(events, list) and events else events
    with _client(artifacts) as client:
        before = client.get("/users/2").json()
        response = client.post("/feedback", json=body, headers=TOKEN)
        assert response.status_code == 422 and reason in response.json()["detail"]
        assert client.post("/feedback", content=b"{not json", headers=TOKEN).status_code == 422
        assert client.get("/users/2").json() == before
    assert _events(artifacts) == 0


@pytest.mark.parametrize(("token", "headers"), [("s3cret-long-test-token", {}), (None, TOKEN)])
def test_feedback_needs_the_token(artifacts: Path, token: str | None, headers: dict) -> None:
    with _client(artifacts, token) as client:
        response = client.post("/feedback", json=_ratings(NEW_USER, [1]), headers=headers)
        assert response.status_code == 401
    assert _events(artifacts) == 0


def test_racing_feedback_and_reads_lose_nothing(artifacts: Path) -> None:
    errors: list[str] = []
    with _client(artifacts) as client:
        movies = client.app.state.serving.bundle.movie_ids[:100].tolist()

        def send(n: int) -> None:
            for i in range(25):
                event = {"user": NEW_USER + n, "movie": movies[i], "kind": "click"}
                response = client.post("/feedback", json=[event], headers=TOKEN)
                if response.status_code != 200:
                    errors.append(response.text)

        def read() -> None:
            for _ in range(30):
                for path in ("/recommend/1?k=20", f"/recommend/{NEW_USER}?ranker=deepfm"):
                    if client.get(path).status_code not in (200, 404):
                        errors.append(path)

        threads = [threading.Thread(target=send, args=(n,)) for n in range(4)]
        threads += [threading.Thread(target=read) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        for n in range(4):
            assert client.get(f"/users/{NEW_USER + n}").json()["interactions"] == 25
    assert _events(artifacts) == 100


def test_a_reload_reapplies_live_events(artifacts: Path) -> None:
    with _client(artifacts) as client:
        client.post("/feedback", json=_ratings(NEW_USER, ANIMATED), headers=TOKEN)
        before = client.get(f"/recommend/{NEW_USER}?ranker=none").json()
        shutil.copytree(artifacts / "v1", artifacts / "v2")
        point_current(artifacts, "v2")
        assert client.post("/admin/reload", headers=TOKEN).status_code == 200
        assert client.app.state.serving.bundle.path.name == "v2"
        assert client.get(f"/users/{NEW_USER}").json()["interactions"] == 5
        after = client.get(f"/recommend/{NEW_USER}?ranker=none").json()
        assert [r["id"] for r in after["results"]] == [r["id"] for r in before["results"]]


def test_feedback_on_a_registered_movie(artifacts: Path) -> None:
    sequel = {"title": "Toy Story 5 (2026)", "genres": ["Animation", "Children"], "year": 2026}
    with _client(artifacts) as client:
        movie_id = client.post("/items", json=sequel, headers=TOKEN).json()["movie"]["id"]
        answer = client.post("/feedback", json=_ratings(NEW_USER, [movie_id]), headers=TOKEN)
        assert answer.status_code == 200
        body = client.get(f"/recommend/{NEW_USER}?k=10&ranker=deepfm").json()
        assert len(body["results"]) == 10 and movie_id not in [r["id"] for r in body["results"]]
    with _client(artifacts) as client:  # the registration is replayed before the events
        assert client.get(f"/users/{NEW_USER}").json()["interactions"] == 1


def test_an_anonymous_session_stores_nothing(artifacts: Path) -> None:
    with _client(artifacts) as client:
        for ranker in ("none", "deepfm", "two_tower"):
            response = client.post(f"/recommend?k=8&ranker={ranker}", json={"movies": ANIMATED})
            body = response.json()
            assert response.status_code == 200 and body["user"] is None
            ids = [r["id"] for r in body["results"]]
            assert len(ids) == 8 and not set(ids) & set(ANIMATED)
        default = client.post("/recommend", json={"movies": ANIMATED}).json()
        assert default["ranker"] in ("none", "deepfm", "two_tower")
        bad = client.post("/recommend", json={"movies": [1, 999_999_999]})
        assert bad.status_code == 422 and "999999999" in bad.json()["detail"]
        assert client.post("/recommend", json={"movies": []}).status_code == 422
        assert client.app.state.serving.users.live_users == 0
    assert _events(artifacts) == 0


def test_unknown_user_is_404(artifacts: Path) -> None:
    with _client(artifacts) as client:
        response = client.get(f"/users/{NEW_USER}")
        assert response.status_code == 404 and "unknown user" in response.json()["detail"]
