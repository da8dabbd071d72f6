"""Cold start over the API: POST /similar, POST /items, durability, tokens, bad input, races."""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from graphrec.coldstart import Attributes
from graphrec.pipeline import train_bundle
from graphrec.store import STORE_FILE
from tests.conftest import bundled_slice

TOKEN = {"Authorization": "Bearer s3cret-long-test-token"}
TOY_STORY_5 = {
    "title": "Toy Story 5 (2026)",
    "genres": ["Adventure", "Animation", "Children", "Comedy", "Fantasy"],
    "year": 2026,
    "tags": ["pixar"],
}


def _client(artifacts: Path, token: str | None = "s3cret-long-test-token") -> TestClient:
    return TestClient(create_app(Settings(artifacts=artifacts, admin_token=token)))


def _rows(artifacts: Path) -> int:
    with sqlite3.connect(artifacts / STORE_FILE) as db:
        return int(db.execute("SELECT COUNT(*) FROM movies").fetchone()[0])


def test_register_toy_story_5_and_survive_a_restart(artifacts: Path) -> None:
    with _client(artifacts) as client:
        created = client.post("/items", json=TOY_STORY_5, headers=TOKEN)
        assert created.status_code == 201, created.text
        body = created.json()
        movie_id = body["movie"]["id"]
        assert movie_id > max(client.app.state.serving.bundle.catalog.ids[:-1])
        assert len(body["embedding_from"]) == 3
        sources = [client.get(f"/movies/{i}").json() for i in body["embedding_from"]]
        assert all("Animation" in m["genres"] for m in sources)
        family = [m for m in body["similar"] if {"Animation", "Children"} & set(m["genres"])]
        assert len(family) >= len(body["similar"]) // 2
        assert client.get(f"/movies/{movie_id}").json()["title"] == "Toy Story 5 (2026)"
        first = client.get(f"/similar/{movie_id}").json()["results"]
        source_id = body["embedding_from"][0]
        others = [r["id"] for r in client.get(f"/similar/{source_id}?k=20").json()["results"]]
        assert movie_id in others  # it appears in other movies' lists where it belongs
    with _client(artifacts) as client:  # a restart: a new app over the same folders
        again = client.get(f"/similar/{movie_id}")
        assert again.status_code == 200 and again.json()["results"] == first


def test_post_similar_stores_nothing(artifacts: Path) -> None:
    with _client(artifacts) as client:
        before = len(client.app.state.serving.bundle.catalog)
        body = client.post("/similar?k=5", json=TOY_STORY_5).json()
        assert body["movie"]["id"] is None and len(body["results"]) == 5
        assert body["matched_on"] == ["genres", "year", "tags"]
        by_year = client.post("/similar?k=5", json={"title": "Untitled", "year": 1995}).json()
        assert by_year["matched_on"] == ["year"] and len(by_year["results"]) == 5
        assert len(client.app.state.serving.bundle.catalog) == before
    assert _rows(artifacts) == 0


def test_callers_id_used_when_free_and_409_when_taken(artifacts: Path) -> None:
    with _client(artifacts) as client:
        free = client.post("/items", json={**TOY_STORY_5, "id": 900_001}, headers=TOKEN)
        assert free.status_code == 201 and free.json()["movie"]["id"] == 900_001
        for taken in (1, 900_001):
            response = client.post("/items", json={**TOY_STORY_5, "id": taken}, headers=TOKEN)
            assert response.status_code == 409 and "taken" in response.json()["detail"]
    assert _rows(artifacts) == 1


@pytest.mark.parametrize(
    ("token", "headers"),
    [
        ("s3cret-long-test-token", {}),
        ("s3cret-long-test-token", {"Authorization": "Bearer wrong"}),
        (None, TOKEN),
    ],
)
def test_token_required(artifacts: Path, token: str | None, headers: dict[str, str]) -> None:
    with _client(artifacts, token) as client:
        response = client.post("/items", json=TOY_STORY_5, headers=headers)
        assert response.status_code == 401
    assert _rows(artifacts) == 0


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ({**TOY_STORY_5, "genres": ["Space Opera"]}, "unknown genres: Space Opera"),
        ({}, "body.title"),
        ({**TOY_STORY_5, "genres": ["Comedy"] * 10_000}, "body.genres"),
        ({**TOY_STORY_5, "genres": ["Comedy"] * 31}, "body.genres"),
        ({**TOY_STORY_5, "title": "x" * 1_000_000}, "body.title"),
        ({**TOY_STORY_5, "title": "x" * 301}, "body.title"),
        ({**TOY_STORY_5, "tags": ["t"] * 51}, "body.tags"),
        ({**TOY_STORY_5, "year": 3000}, "body.year"),
        ({**TOY_STORY_5, "colour": "red"}, "body.colour"),
        (
            {"title": "Toy Story 5", "tags": ["no such tag"]},
            "nothing to match on: this bundle knows genres, year, tags",
        ),
    ],
)
def test_bad_input_is_422_and_stores_nothing(
    artifacts: Path, body: dict[str, object], reason: str
) -> None:
    with _client(artifacts) as client:
        for path in ("/items", "/similar"):
            response = client.post(path, json=body, headers=TOKEN)
            assert response.status_code == 422 and reason in response.json()["detail"]
        assert client.post("/items", content=b"", headers=TOKEN).status_code == 422
    assert _rows(artifacts) == 0


def test_concurrent_registrations_and_searches(artifacts: Path) -> None:
    errors: list[str] = []
    created: list[int] = []
    with _client(artifacts) as client:

        def register(n: int) -> None:
            for i in range(5):
                body = {**TOY_STORY_5, "title": f"Sequel {n}-{i}"}
                response = client.post("/items", json=body, headers=TOKEN)
                if response.status_code != 201:
                    errors.append(response.text)
                else:
                    created.append(response.json()["movie"]["id"])

        def search() -> None:
            for _ in range(20):
                for path in ("/similar/1?k=20", "/similar/260"):
                    if client.get(path).status_code != 200:
                        errors.append(path)

        threads = [threading.Thread(target=register, args=(n,)) for n in range(4)]
        threads += [threading.Thread(target=search) for _ in range(3)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        assert errors == []
        assert len(set(created)) == 20
        for movie_id in created:
            assert client.get(f"/similar/{movie_id}").status_code == 200
    assert _rows(artifacts) == 20


def test_failed_registration_leaves_no_row_and_no_index_entry(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _client(artifacts) as client:
        bundle = client.app.state.serving.bundle
        size = len(bundle.index)

        def broken_add(*args: object) -> None:  # a fault we cannot cause otherwise
            raise RuntimeError("disk full")

        monkeypatch.setattr(bundle.catalog, "add", broken_add)
        with pytest.raises(RuntimeError, match="disk full"):
            client.post("/items", json={**TOY_STORY_5, "id": 900_002}, headers=TOKEN)
        assert len(bundle.index) == size and 900_002 not in bundle.index
    assert _rows(artifacts) == 0


def test_neighbour_count_is_configurable(artifacts: Path) -> None:
    settings = Settings(
        artifacts=artifacts, admin_token="s3cret-long-test-token", cold_neighbours=5
    )
    with TestClient(create_app(settings)) as client:
        body = client.post("/items", json=TOY_STORY_5, headers=TOKEN).json()
        assert len(body["embedding_from"]) == 5


def test_the_limits_themselves_are_accepted(artifacts: Path) -> None:
    """30 genres, a 300-character title and 50 tags are allowed: the 422s start one past them."""
    edge = {**TOY_STORY_5, "genres": ["Comedy"] * 30, "title": "x" * 300, "tags": ["t"] * 50}
    with _client(artifacts) as client:
        assert client.post("/similar", json=edge).status_code == 200


def test_a_registration_whose_index_add_fails_leaves_nothing(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _client(artifacts) as client:
        bundle = client.app.state.serving.bundle
        size, movies = len(bundle.index), len(bundle.catalog)

        def failing_add(*args: object) -> None:  # FAISS failing is a fault we cannot cause
            raise RuntimeError("index full")

        monkeypatch.setattr(bundle.index, "add", failing_add)
        with pytest.raises(RuntimeError, match="index full"):
            client.post("/items", json={**TOY_STORY_5, "id": 900_003}, headers=TOKEN)
        assert len(bundle.index) == size and len(bundle.catalog) == movies
        assert client.get("/movies/900003").status_code == 404
    assert _rows(artifacts) == 0


def test_registered_movies_survive_a_reload(artifacts: Path) -> None:
    with _client(artifacts) as client:
        movie_id = client.post("/items", json=TOY_STORY_5, headers=TOKEN).json()["movie"]["id"]
        before = client.get(f"/similar/{movie_id}").json()["results"]
        assert client.post("/admin/reload", headers=TOKEN).status_code == 200
        assert client.get(f"/similar/{movie_id}").json()["results"] == before


def test_an_id_another_server_took_meanwhile_is_409(artifacts: Path) -> None:
    """Another server registered the id, and this one has not caught up yet: 409, not 500."""
    settings = Settings(artifacts=artifacts, admin_token="s3cret-long-test-token", sync_interval=0)
    with TestClient(create_app(settings)) as client:
        store = client.app.state.serving.store
        with store.adding_movie(900_004, Attributes("Elsewhere", ["Drama"])):
            pass
        response = client.post("/items", json={**TOY_STORY_5, "id": 900_004}, headers=TOKEN)
        assert response.status_code == 409 and "taken" in response.json()["detail"]
        assert 900_004 not in client.app.state.serving.bundle.index
    assert _rows(artifacts) == 1


class _CommitFailsOnce:
    """The store's connection, except that its next COMMIT fails as a full disk's would (a
    fault we cannot cause here; everything else goes to the real connection)."""

    def __init__(self, real: sqlite3.Connection) -> None:
        self.real, self.failed = real, False

    def execute(self, sql: str, *args: object) -> sqlite3.Cursor:
        if sql == "COMMIT" and not self.failed:
            self.failed = True
            raise sqlite3.OperationalError("database or disk is full")
        return self.real.execute(sql, *args)

    def __getattr__(self, name: str) -> object:
        return getattr(self.real, name)


def test_a_registration_whose_commit_fails_leaves_nothing_and_the_next_one_lands(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    with _client(artifacts) as client:
        serving = client.app.state.serving
        bundle = serving.bundle
        size, movies = len(bundle.index), len(bundle.catalog)
        monkeypatch.setattr(serving.store, "_db", _CommitFailsOnce(serving.store._db))
        refused = client.post("/items", json={**TOY_STORY_5, "id": 900_005}, headers=TOKEN)
        assert refused.status_code == 503 and "disk is full" in refused.json()["detail"]
        assert refused.headers["retry-after"] == "5"
        assert len(bundle.index) == size and len(bundle.catalog) == movies
        assert client.get("/movies/900005").status_code == 404
        # The store is not left inside the failed transaction, and the live users' movie rows
        # still line up with the catalogue's: the next registration and feedback on it land.
        response = client.post("/items", json={**TOY_STORY_5, "id": 900_006}, headers=TOKEN)
        assert response.status_code == 201, response.text
        user = int(bundle.user_ids[0])
        event = {"user": user, "movie": 900_006, "kind": "rating", "rating": 5.0}
        assert client.post("/feedback", json=[event], headers=TOKEN).status_code == 200
        profile = serving.users.profile(user)
        assert profile is not None and 900_006 in profile.rated_ids.tolist()
        row = int(serving.users.rows_of([900_006])[0])
        assert serving.users.movie_ids[row] == 900_006 and row == len(bundle.catalog) - 1
    assert _rows(artifacts) == 1


def test_a_reload_onto_a_bundle_that_knows_a_registered_id_serves_the_bundles_movie(
    artifacts: Path, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Retrained on data where the registered id is a rated movie (here under another title):
    the new bundle's movie is served once, the registration stays stored, nothing breaks."""
    movie_id = 900_020
    with _client(artifacts) as client:
        registered = client.post("/items", json={**TOY_STORY_5, "id": movie_id}, headers=TOKEN)
        assert registered.status_code == 201
        data = bundled_slice(tmp_path / "data", num_users=40)
        with (data / "movies.csv").open("a") as movies:
            movies.write(f"{movie_id},Collision (2026),Drama\n")
        with (data / "ratings.csv").open("a") as ratings:
            ratings.writelines(f"{user},{movie_id},4.0,1700000000\n" for user in range(1, 6))
        train_bundle(data, artifacts, epochs=1, seed=0)
        with caplog.at_level("WARNING"):
            assert client.post("/admin/reload", headers=TOKEN).status_code == 200
        assert "serving the bundle's" in caplog.text
        bundle = client.app.state.serving.bundle
        assert bundle.catalog.ids.count(movie_id) == 1
        assert client.get(f"/movies/{movie_id}").json()["title"] == "Collision (2026)"
        similar = client.get(f"/similar/{movie_id}?k=3")
        assert similar.status_code == 200 and len(similar.json()["results"]) == 3
        event = {"user": 1, "movie": movie_id, "kind": "click"}
        assert client.post("/feedback", json=[event], headers=TOKEN).status_code == 200
    assert _rows(artifacts) == 1


def test_a_cached_similar_answer_never_outlives_the_index_it_came_from(
    artifacts: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A registration (and a registration rolled back) changes /similar's next answer at once,
    although the answer before it was cached."""
    with _client(artifacts) as client:
        answers = client.app.state.answers
        source = client.post("/similar", json=TOY_STORY_5).json()["results"][0]["id"]
        path = f"/similar/{source}?k=20"
        before = client.get(path).json()["results"]
        hits = answers.hits
        assert client.get(path).json()["results"] == before and answers.hits == hits + 1
        created = client.post("/items", json=TOY_STORY_5, headers=TOKEN).json()["movie"]["id"]
        after = [r["id"] for r in client.get(path).json()["results"]]
        assert created in after and after != [r["id"] for r in before]

        bundle = client.app.state.serving.bundle
        client.get(path)  # cached again, under the index's new generation

        def broken_add(*args: object) -> None:  # the catalogue failing after the index took it
            raise RuntimeError("disk full")

        monkeypatch.setattr(bundle.catalog, "add", broken_add)
        with pytest.raises(RuntimeError, match="disk full"):
            client.post("/items", json={**TOY_STORY_5, "id": 900_004}, headers=TOKEN)
        assert [r["id"] for r in client.get(path).json()["results"]] == after


def test_the_answer_cache_can_be_turned_off(artifacts: Path) -> None:
    settings = Settings(artifacts=artifacts, similar_cache_mb=0)
    with TestClient(create_app(settings)) as client:
        first = client.get("/similar/1").json()
        assert client.get("/similar/1").json() == first
        assert len(client.app.state.answers) == 0 and client.app.state.answers.hits == 0
