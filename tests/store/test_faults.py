"""Store faults caused for real: a full disk under a live server (RLIMIT_FSIZE on its process),
and its PostgreSQL server stopped mid-run and started again.

The client sees 503 with Retry-After, reads go on, nothing of the refused write is stored or
applied, and once the disk has room again the next write succeeds without a restart.
"""

from __future__ import annotations

import http.client
import json
import os
import resource
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from graphrec.artifacts import load_bundle
from tests.postgres import new_cluster
from tests.serving import GRAPHREC, free_port, stop

TOKEN = "store-faults-long-token"


def call(port: int, method: str, path: str, body: Any = None) -> tuple[int, dict, dict]:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}
    connection.request(method, path, None if body is None else json.dumps(body), headers)
    response = connection.getresponse()
    payload = json.loads(response.read())
    connection.close()
    return response.status, {k.lower(): v for k, v in response.getheaders()}, payload


def start_server(artifacts: Path, env: dict[str, str]) -> tuple[int, subprocess.Popen[bytes]]:
    """`graphrec serve` (output to /dev/null: no log file may grow) once it is ready."""
    port = free_port()
    server = subprocess.Popen(
        [*GRAPHREC, "serve", "--artifacts", str(artifacts), "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
        env={**os.environ, "GRAPHREC_ADMIN_TOKEN": TOKEN, **env},
    )  # fmt: skip
    deadline = time.monotonic() + 90
    while True:
        try:
            if call(port, "GET", "/health/ready")[0] == 200:
                return port, server
        except OSError:
            pass
        assert server.poll() is None and time.monotonic() < deadline
        time.sleep(0.3)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="prlimit is Linux's")
def test_a_full_disk_refuses_writes_with_503_and_keeps_serving(
    artifacts: Path, tmp_path: Path
) -> None:
    port, server = start_server(artifacts, {"GRAPHREC_DATA_DIR": str(tmp_path / "store")})
    try:
        bundle = load_bundle(artifacts)
        user, movie = int(bundle.user_ids[0]), int(bundle.movie_ids[0])
        event = {"user": 990001, "movie": movie, "kind": "rating", "rating": 4.0}
        assert call(port, "POST", "/feedback", [event])[0] == 200

        _, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (1, hard))  # no file may grow
        refused = {"user": 990002, "movie": movie, "kind": "rating", "rating": 5.0}
        status, headers, body = call(port, "POST", "/feedback", [refused])
        assert status == 503 and headers["retry-after"] == "5", body
        assert "store unavailable" in body["detail"]
        item = {"title": "A Film Nobody Saw", "genres": ["Drama"], "year": 2020, "tags": []}
        status, _, body = call(port, "POST", "/items", item)
        assert status == 503, body
        assert call(port, "GET", f"/similar/{movie}?k=5")[0] == 200
        assert call(port, "GET", f"/recommend/{user}?k=5")[0] == 200
        assert call(port, "GET", "/users/990002")[0] == 404  # not applied in memory either
        assert "A Film Nobody Saw" not in json.dumps(call(port, "GET", "/movies?q=nobody")[2])

        resource.prlimit(server.pid, resource.RLIMIT_FSIZE, (hard, hard))
        again = {"user": 990003, "movie": movie, "kind": "rating", "rating": 3.0}
        assert call(port, "POST", "/feedback", [again])[0] == 200
        assert call(port, "GET", "/users/990003")[0] == 200
    finally:
        stop(server)
    with sqlite3.connect(tmp_path / "store" / "store.sqlite") as db:
        users = sorted(u for (u,) in db.execute("SELECT user_id FROM events"))
    assert users == [990001, 990003]


def test_a_stopped_postgres_refuses_writes_and_they_resume_when_it_is_back(
    artifacts: Path,
) -> None:
    import psycopg

    cluster = new_cluster()
    try:
        with psycopg.connect(f"{cluster.url}/postgres", autocommit=True) as db:
            db.execute("CREATE DATABASE faults")
        url = f"{cluster.url}/faults"
        port, server = start_server(artifacts, {"GRAPHREC_DATABASE_URL": url})
        try:
            bundle = load_bundle(artifacts)
            user, movie = int(bundle.user_ids[0]), int(bundle.movie_ids[0])
            event = {"user": 990001, "movie": movie, "kind": "rating", "rating": 4.0}
            assert call(port, "POST", "/feedback", [event])[0] == 200
            cluster.stop()
            refused = {"user": 990002, "movie": movie, "kind": "rating", "rating": 5.0}
            status, headers, body = call(port, "POST", "/feedback", [refused])
            assert status == 503 and headers["retry-after"] == "5", body
            assert call(port, "GET", "/health/ready")[0] == 503
            assert call(port, "GET", f"/similar/{movie}?k=5")[0] == 200
            assert call(port, "GET", f"/recommend/{user}?k=5")[0] == 200
            assert call(port, "GET", "/users/990001")[0] == 200  # acknowledged, still served
            assert call(port, "GET", "/users/990002")[0] == 404
            cluster.start()
            again = {"user": 990003, "movie": movie, "kind": "rating", "rating": 3.0}
            assert call(port, "POST", "/feedback", [again])[0] == 200  # no restart
            assert call(port, "GET", "/health/ready")[0] == 200
        finally:
            stop(server)
        with psycopg.connect(url) as db:
            users = sorted(u for (u,) in db.execute("SELECT user_id FROM events"))
        assert users == [990001, 990003]
    finally:
        cluster.remove()
