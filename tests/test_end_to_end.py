"""Train on a slice of the bundled data, serve it with `graphrec serve` as a real process on a
free loopback port, and query it over HTTP."""

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

    port = _free_port()
    server = subprocess.Popen(
        [*GRAPHREC, "serve", "--artifacts", str(out), "--host", "127.0.0.1", "--port", str(port)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            try:
                status, health = _get(f"{base}/health")
                break
            except (urllib.error.URLError, ConnectionError):
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, "server did not come up in 90 s"
                time.sleep(0.5)
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
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
    assert server.returncode is not None
