"""Train on a slice of the bundled data, serve it with `graphrec serve` as a real process on a
free loopback port, query it over HTTP, send it feedback, kill -9 it and find the feedback again."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

from tests.conftest import bundled_slice

GRAPHREC = [sys.executable, "-m", "graphrec"]
TOKEN = "e2e-token"
NEW_USER = 900_001
#: Toy Story, A Bug's Life, Toy Story 2, Monsters, Inc., Finding Nemo.
ANIMATED = [1, 2355, 3114, 4886, 6377]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def _post(url: str, body: object) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {TOKEN}"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


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
        status, health = _get(f"{base}/health")
        assert status == 200 and health["status"] == "ok"

        status, body = _get(f"{base}/similar/1?k=5")
        assert status == 200 and len(body["results"]) == 5
        assert body["model_version"] == health["model_version"]
        assert 1 not in [r["id"] for r in body["results"]]
        assert _get(f"{base}/similar/999999")[0] == 404
        assert _get(f"{base}/similar/1?k=0")[0] == 422
        assert _get(f"{base}/movies/260")[1]["title"].startswith("Star Wars")
        status, body = _get(f"{base}/recommend/1?k=5&ranker=deepfm")
        assert status == 200 and body["ranker"] == "deepfm" and len(body["results"]) == 5
        assert _get(f"{base}/recommend/999999")[0] == 404

        # A new user rates five animated family films and is served at once.
        events = [{"user": NEW_USER, "movie": m, "kind": "rating", "rating": 5.0}
                  for m in ANIMATED]  # fmt: skip
        status, body = _post(f"{base}/feedback", events)
        assert status == 200 and body == {"accepted": 5, "new_users": [NEW_USER]}
        status, body = _get(f"{base}/recommend/{NEW_USER}?k=10")
        assert status == 200
        assert not {r["id"] for r in body["results"]} & set(ANIMATED)
        family = [r for r in body["results"] if {"Animation", "Children"} & set(r["genres"])]
        assert len(family) >= 3, body["results"]
    finally:
        server.kill()  # kill -9: nothing gets to shut down cleanly
        server.wait(timeout=20)

    base, server = _serve(out)
    try:
        status, user = _get(f"{base}/users/{NEW_USER}")
        assert status == 200 and user["interactions"] == 5 and user["live_interactions"] == 5
        assert _get(f"{base}/recommend/{NEW_USER}?k=10")[0] == 200
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert server.returncode is not None


def _serve(artifacts: Path) -> tuple[str, subprocess.Popen[str]]:
    """`graphrec serve` on a free loopback port, once it answers /health."""
    port = _free_port()
    server = subprocess.Popen(
        [*GRAPHREC, "serve", "--artifacts", str(artifacts), "--host", "127.0.0.1",
         "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1", "GRAPHREC_ADMIN_TOKEN": TOKEN},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            _get(f"{base}/health")
            return base, server
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, server.stdout.read() if server.stdout else ""
            assert time.monotonic() < deadline, "server did not come up in 90 s"
            time.sleep(0.5)
