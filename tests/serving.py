"""Helpers for tests that run `graphrec serve` as a real process on a free loopback port."""

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

GRAPHREC = [sys.executable, "-m", "graphrec"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post(url: str, body: object, token: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        url, data=json.dumps(body).encode(), method="POST",
        headers={"Content-Type": "application/json", "Authorization": f"Bearer {token}"},
    )  # fmt: skip
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def serve(
    artifacts: Path, env: dict[str, str], args: tuple[str, ...] = ()
) -> tuple[str, subprocess.Popen[str]]:
    """`graphrec serve` with ``env`` added, once it answers /health: its base URL and process.

    Its output goes to ``serve.log`` beside ``artifacts`` (a pipe nobody reads would fill with
    access-log lines and stall the server).
    """
    port = free_port()
    log = Path(artifacts).parent / "serve.log"
    with log.open("a") as out:
        server = subprocess.Popen(
            [*GRAPHREC, "serve", "--artifacts", str(artifacts), "--host", "127.0.0.1",
             "--port", str(port), *args],
            stdout=out, stderr=subprocess.STDOUT, text=True, start_new_session=True,
            env={**os.environ, "PYTHONUNBUFFERED": "1", **env},
        )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            get(f"{base}/health")
            return base, server
        except (urllib.error.URLError, ConnectionError):
            assert server.poll() is None, log.read_text()
            assert time.monotonic() < deadline, "server did not come up in 90 s"
            time.sleep(0.5)


def stop(server: subprocess.Popen[str]) -> None:
    """Ctrl-C, as an operator would; kill if it does not exit in 20 s."""
    server.send_signal(2)
    try:
        server.wait(timeout=20)
    except subprocess.TimeoutExpired:
        server.kill()
        server.wait(timeout=20)


def kill_all(server: subprocess.Popen[str]) -> None:
    """kill -9 the server and every worker it started (its process group)."""
    os.killpg(server.pid, signal.SIGKILL)
    server.wait(timeout=20)
