"""Two workers, one store: what one worker is told, the other answers within a second, and a
kill -9 of both loses nothing."""

from __future__ import annotations

import time
from pathlib import Path

from tests.serving import get, kill_all, post, serve, stop

TOKEN = "workers-token"
NEW_USER = 900_001
ANIMATED = [1, 2355, 3114, 4886, 6377]
SEQUEL = {"title": "Toy Story 5 (2026)", "genres": ["Animation", "Children"], "year": 2026}


def _all_answer(url: str, *, within: float = 1.0, tries: int = 20) -> None:
    """``tries`` fresh connections in a row (the kernel spreads them over the workers) all get
    200, starting no later than ``within`` seconds from now."""
    deadline = time.monotonic() + within
    while True:
        codes = [get(url)[0] for _ in range(tries)]
        if codes == [200] * tries:
            return
        assert time.monotonic() < deadline, f"{url}: {codes}"
        time.sleep(0.05)


def test_two_workers_share_registrations_and_feedback(artifacts: Path) -> None:
    env = {"GRAPHREC_ADMIN_TOKEN": TOKEN}
    base, server = serve(artifacts, env, ("--workers", "2"))
    try:
        _all_answer(f"{base}/health/ready", within=60)
        status, created = post(f"{base}/items", SEQUEL, TOKEN)
        assert status == 201, created
        movie_id = created["movie"]["id"]
        _all_answer(f"{base}/similar/{movie_id}?k=5")
        events = [{"user": NEW_USER, "movie": m, "kind": "rating", "rating": 5.0}
                  for m in [*ANIMATED, movie_id]]  # fmt: skip
        assert post(f"{base}/feedback", events, TOKEN)[0] == 200
        _all_answer(f"{base}/recommend/{NEW_USER}?k=5")
        users = [get(f"{base}/users/{NEW_USER}")[1]["interactions"] for _ in range(10)]
        assert users == [6] * 10
    finally:
        kill_all(server)  # kill -9, every worker
    base, server = serve(artifacts, env, ("--workers", "2"))
    try:
        _all_answer(f"{base}/similar/{movie_id}?k=5", within=60)
        assert get(f"{base}/users/{NEW_USER}")[1]["interactions"] == 6
    finally:
        stop(server)
