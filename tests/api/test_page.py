"""The page's API: title search, the map, a user's latest movies; the page's files are served and
fetch nothing from elsewhere."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app
from api.app import STATIC

TOKEN = {"Authorization": "Bearer s3cret-long-test-token"}


@pytest.fixture(scope="module")
def client(small_bundle: Path):
    with TestClient(create_app(Settings(artifacts=small_bundle))) as test_client:
        yield test_client


def _titles(client: TestClient, query: str, limit: int = 20) -> list[str]:
    response = client.get("/movies", params={"q": query, "limit": limit})
    assert response.status_code == 200, response.text
    return [m["title"] for m in response.json()["results"]]


def test_star_wa_lists_star_wars_first(client: TestClient) -> None:
    titles = _titles(client, "star wa", 5)
    assert titles and all(t.startswith("Star Wars") for t in titles)


def test_accents_prefixes_and_years(client: TestClient) -> None:
    for query in ("amelie", "AMÉLIE", "poulain amel"):
        assert "Amélie Poulain" in _titles(client, query)[0]
    assert _titles(client, "toy st")[0] == "Toy Story (1995)"
    assert _titles(client, "heat 1995")[0] == "Heat (1995)"
    assert _titles(client, "story toy 1999") == ["Toy Story 2 (1999)"]


@pytest.mark.parametrize(
    "params", [{"q": ""}, {"q": "   "}, {"q": "x" * 300}, {"q": "toy", "limit": 0},
               {"q": "toy", "limit": 101}, {}],
)  # fmt: skip
def test_bad_searches_are_422(client: TestClient, params: dict[str, object]) -> None:
    response = client.get("/movies", params=params)
    assert response.status_code == 422 and isinstance(response.json()["detail"], str)


def test_registered_movies_are_found(artifacts: Path) -> None:
    sequel = {"title": "Toy Story 5 (2026)", "genres": ["Animation"], "year": 2026}
    with TestClient(
        create_app(Settings(artifacts=artifacts, admin_token="s3cret-long-test-token"))
    ) as client:
        assert client.post("/items", json=sequel, headers=TOKEN).status_code == 201
        assert _titles(client, "toy story 2026") == ["Toy Story 5 (2026)"]
    with TestClient(create_app(Settings(artifacts=artifacts))) as client:  # after a restart
        assert _titles(client, "toy story 2026") == ["Toy Story 5 (2026)"]


def test_the_map_has_a_point_and_a_genre_per_movie(client: TestClient) -> None:
    body = client.get("/map").json()
    n = len(body["ids"])
    assert n > 9000 and len(body["x"]) == len(body["y"]) == len(body["genre"]) == n
    toy_story = body["ids"].index(1)
    assert body["genres"][body["genre"][toy_story]] in ("Animation", "Children")
    assert "Animation" in body["all_genres"]
    assert len(set(zip(body["x"][:100], body["y"][:100], strict=True))) > 50  # spread out


def test_a_users_latest_movies(client: TestClient) -> None:
    body = client.get("/users/1").json()
    assert 0 < len(body["recent"]) <= 10 and {"id", "title"} <= set(body["recent"][0])


def test_the_page_and_its_files_are_served(client: TestClient) -> None:
    page = client.get("/")
    assert page.status_code == 200 and "text/html" in page.headers["content-type"]
    for name in ("app.js", "style.css"):
        assert name in page.text and client.get(f"/static/{name}").status_code == 200


def test_no_served_file_names_an_outside_url() -> None:
    """The page must work with no network beyond this server: no CDN, font or image URL."""
    pattern = re.compile(r"(https?:)?//[a-z0-9.-]+\.[a-z]{2,}", re.IGNORECASE)
    for path in STATIC.iterdir():
        assert not pattern.search(path.read_text()), f"{path.name} names an outside URL"
