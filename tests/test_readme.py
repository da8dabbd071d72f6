"""The README's example answers are what `make demo` serves: a bundle trained as `make demo`
trains it (`graphrec train`, every default), asked the README's own requests."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from api import Settings, create_app

README = Path(__file__).resolve().parents[1] / "README.md"
TOKEN = "change-me-to-a-long-secret"  # the README's
NEW_USER_EVENTS = [
    {"user": 900001, "movie": movie, "kind": "rating", "rating": 5}
    for movie in (1, 2355, 3114, 4886, 6377)
]
TOY_STORY_5 = {"title": "Toy Story 5 (2026)", "year": 2026,
               "genres": ["Adventure", "Animation", "Children", "Comedy", "Fantasy"]}  # fmt: skip


def promised(fragment: str) -> list[str]:
    """The titles the README's comment promises on the line that holds ``fragment``."""
    line = next(line for line in README.read_text().splitlines() if fragment in line)
    comment = line.split("#", 1)[1]
    comment = comment.split("→", 1)[1] if "→" in comment else comment.split(":", 1)[-1]
    return [name.strip() for name in comment.split(",") if name.strip() not in ("", "…")]


def normalised(title: str) -> str:
    """Lower case, the year dropped, a trailing ", The" / ", A" moved to the front."""
    title = re.sub(r"\s*\(\d{4}\)\s*$", "", title).lower()
    match = re.match(r"^(.*), (the|a|an)$", title)
    return f"{match.group(2)} {match.group(1)}" if match else title


def check(answer: list[str], names: list[str]) -> None:
    """Each promised name is in the answer (README: "→ A, B, C, …"). Their order is not
    asserted: float rounding on another CPU can swap two neighbours with near-equal scores."""
    titles = [normalised(t) for t in answer]
    assert names, "the README promises nothing here"
    for name in names:
        assert any(name.lower() in title for title in titles), (name, answer)


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("demo") / "artifacts"
    subprocess.run([sys.executable, "-m", "graphrec", "train", "--out", str(out), "--quiet"],
                   check=True, stdout=subprocess.DEVNULL)  # fmt: skip
    return out


@pytest.mark.slow
def test_the_readme_tour_answers_as_the_demo_serves(demo: Path) -> None:
    settings = Settings(artifacts=demo, admin_token=TOKEN)
    auth = {"Authorization": f"Bearer {TOKEN}"}
    with TestClient(create_app(settings)) as client:

        def titles(response: object) -> list[str]:
            return [r["title"] for r in response.json()["results"]]  # type: ignore[attr-defined]

        check(titles(client.get("/similar/260?k=5")), promised("/similar/260?k=5"))
        check(titles(client.get("/similar/1?k=10")), promised("/similar/1?k=10"))
        check(titles(client.get("/recommend/1?k=5&ranker=deepfm")),
              promised("/recommend/1?k=5&ranker=deepfm"))  # fmt: skip
        created = client.post("/items", json=TOY_STORY_5, headers=auth)
        assert created.status_code == 201
        check([m["title"] for m in created.json()["similar"]], promised("/items "))
        response = client.post("/feedback", json=NEW_USER_EVENTS, headers=auth)
        assert response.json() == {"accepted": 5, "new_users": [900001]}
        check(titles(client.get("/recommend/900001?k=10")), promised("/recommend/900001?k=10"))
        session = client.post("/recommend?k=5", json={"movies": [260, 1196]})
        check(titles(session), promised("'http://127.0.0.1:8000/recommend?k=5'"))
