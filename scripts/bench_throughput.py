"""Throughput under 32 open connections: `/similar` and `/recommend` against a bare FastAPI
endpoint that returns a fixed 10-item list, side by side in one run, with 1 and 2 workers.

Uses Debian's `wrk` (`apt-get install wrk`): 2 threads, 32 connections, ``--seconds`` each.
Everything runs on this machine, the load generator included, so read ratios, not absolutes.

    python scripts/bench_throughput.py --artifacts artifacts --json bench/throughput.json
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from bench_live import Server  # `graphrec serve` on a free port (scripts/ is on the path)

BARE = """
from fastapi import FastAPI

app = FastAPI()
ITEMS = [{"id": i, "title": f"Movie {i}", "genres": ["Drama"], "score": 1.0 - i / 10}
         for i in range(10)]


@app.get("/items10")
def items10() -> dict:
    return {"results": ITEMS}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        folder = Path(tmp)
        (folder / "artifacts").symlink_to(args.artifacts.resolve())
        (folder / "bare_app.py").write_text(BARE)
        for workers in (1, 2):
            bare = _bare(folder, workers)
            try:
                rows.append(_wrk("bare", workers, bare, "/items10", args.seconds))
            finally:
                bare.process.terminate()
                bare.process.wait(timeout=20)
            with Server(folder, {}, ("--workers", str(workers))) as server:
                base = f"http://127.0.0.1:{server.port}"
                _wait_ready(base)
                rows.append(_wrk("/similar", workers, server, "/similar/1?k=10", args.seconds))
                rows.append(_wrk("/recommend", workers, server,
                                 "/recommend/1?k=10&ranker=deepfm", args.seconds))  # fmt: skip
    for row in rows:
        bare_row = next(
            r for r in rows if r["endpoint"] == "bare" and r["workers"] == row["workers"]
        )
        row["rps_vs_bare"] = round(row["requests_per_s"] / bare_row["requests_per_s"], 3)
        row["p99_vs_bare"] = round(row["p99_ms"] / bare_row["p99_ms"], 3)
    report = {"seconds": args.seconds, "connections": 32, "rows": rows}
    text = json.dumps(report, indent=2)
    print(text)
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(text + "\n")


class _Bare:
    def __init__(self, process: subprocess.Popen[bytes], port: int) -> None:
        self.process, self.port = process, port


def _bare(folder: Path, workers: int) -> _Bare:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    # Served as `graphrec serve` serves: several workers share a socket made with TCP's
    # protocol number (graphrec.cli.listening_socket), or the comparison would be unfair.
    launcher = (
        "import sys, uvicorn\n"
        "from uvicorn.supervisors import Multiprocess\n"
        "from graphrec.cli import listening_socket\n"
        f"sys.path.insert(0, {str(folder)!r})\n"
        "if __name__ == '__main__':\n"
        f"    config = uvicorn.Config('bare_app:app', port={port}, workers={workers},\n"
        "                            access_log=False, log_level='warning')\n"
        f"    sock = listening_socket('127.0.0.1', {port})\n"
        f"    if {workers} > 1:\n"
        "        Multiprocess(config, sockets=[sock]).run()\n"
        "    else:\n"
        "        uvicorn.Server(config).run(sockets=[sock])\n"
    )
    (folder / "bare_launch.py").write_text(launcher)
    process = subprocess.Popen(
        [sys.executable, str(folder / "bare_launch.py")], env={**os.environ, "OMP_NUM_THREADS": "1"}
    )
    _wait_ready(f"http://127.0.0.1:{port}", path="/items10")
    return _Bare(process, port)


def _wait_ready(base: str, path: str = "/health/ready") -> None:
    deadline = time.monotonic() + 90
    while True:
        try:
            with urllib.request.urlopen(base + path, timeout=5) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        if time.monotonic() > deadline:
            raise RuntimeError(f"{base}{path} never answered 200")
        time.sleep(0.3)


def _wrk(endpoint: str, workers: int, server: Any, path: str, seconds: int) -> dict[str, Any]:
    url = f"http://127.0.0.1:{server.port}{path}"
    run = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", url],
                         capture_output=True, text=True, check=True)  # fmt: skip
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    quantiles = {q: _ms(v) for q, v in re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out)}
    row = {"endpoint": endpoint, "workers": workers, "requests_per_s": rps,
           "p50_ms": quantiles["50"], "p90_ms": quantiles["90"], "p99_ms": quantiles["99"],
           "non_2xx": int(errors.group(1)) if errors else 0}  # fmt: skip
    print(json.dumps(row), flush=True)
    return row


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 3)


if __name__ == "__main__":
    main()
