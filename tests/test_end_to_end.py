"""Train on a slice of the bundled data, serve it with `graphrec serve` as a real process on a
free loopback port, query it over HTTP, send it feedback, kill -9 it and find the feedback again."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.conftest import bundled_slice
from tests.serving import GRAPHREC, get, post, serve, stop

TOKEN = "e2e-token-long-enough"
NEW_USER = 900_001
#: Toy Story, A Bug's Life, Toy Story 2, Monsters, Inc., Finding Nemo.
ANIMATED = [1, 2355, 3114, 4886, 6377]


def _post(url: str, body: object) -> tuple[int, dict]:
    return post(url, body, TOKEN)


def test_train_serve_query(tmp_path: Path) -> None:
    data = bundled_slice(tmp_path / "data", num_users=100)
    out = tmp_path / "artifacts"
    trained = subprocess.run(
        [*GRAPHREC, "train", "--data", str(data), "--out", str(out), "--epochs", "3", "--quiet"],
        capture_output=True, text=True, timeout=300,
    )  # fmt: skip
    assert trained.returncode == 0, trained.stderr
    assert "bundle: " in trained.stdout and "train_seconds: " in trained.stdout
    assert "epochs" not in trained.stderr and "ranker" not in trained.stderr, "--quiet is quiet"

    base, server = _serve(out)
    try:
        status, health = get(f"{base}/health")
        assert status == 200 and health["status"] == "ok"

        status, body = get(f"{base}/similar/1?k=5")
        assert status == 200 and len(body["results"]) == 5
        assert body["model_version"] == health["model_version"]
        assert 1 not in [r["id"] for r in body["results"]]
        assert get(f"{base}/similar/999999")[0] == 404
        assert get(f"{base}/similar/1?k=0")[0] == 422
        assert get(f"{base}/movies/260")[1]["title"].startswith("Star Wars")
        status, body = get(f"{base}/recommend/1?k=5&ranker=deepfm")
        assert status == 200 and body["ranker"] == "deepfm" and len(body["results"]) == 5
        assert get(f"{base}/recommend/999999")[0] == 404

        # A new user rates five animated family films and is served at once.
        events = [{"user": NEW_USER, "movie": m, "kind": "rating", "rating": 5.0}
                  for m in ANIMATED]  # fmt: skip
        status, body = _post(f"{base}/feedback", events)
        assert status == 200 and body == {"accepted": 5, "new_users": [NEW_USER]}
        status, body = get(f"{base}/recommend/{NEW_USER}?k=10")
        assert status == 200
        assert not {r["id"] for r in body["results"]} & set(ANIMATED)
        family = [r for r in body["results"] if {"Animation", "Children"} & set(r["genres"])]
        assert len(family) >= 3, body["results"]
    finally:
        server.kill()  # kill -9: nothing gets to shut down cleanly
        server.wait(timeout=20)

    base, server = _serve(out)
    try:
        status, user = get(f"{base}/users/{NEW_USER}")
        assert status == 200 and user["interactions"] == 5 and user["live_interactions"] == 5
        assert get(f"{base}/recommend/{NEW_USER}?k=10")[0] == 200
    finally:
        stop(server)
    assert server.returncode is not None


def _serve(artifacts: Path) -> tuple[str, subprocess.Popen[str]]:
    return serve(artifacts, {"GRAPHREC_ADMIN_TOKEN": TOKEN})
