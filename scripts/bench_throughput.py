"""Throughput under 32 open connections: `/similar` and `/recommend` against a bare FastAPI
endpoint that returns a fixed 10-item list, side by side in one run, with 1 and 2 workers.

`/similar/1` is answered from the server's answer cache after its first request; the row
`/similar random, uncached` asks for a random catalogue movie each time from a server whose
cache is off (``GRAPHREC_SIMILAR_CACHE_MB=0``), so every request searches the index.

Uses Debian's `wrk` (`apt-get install wrk`): 2 threads, 32 connections. All servers run at once
and the endpoints take turns, ``--seconds`` each, ``--rounds`` times; each row is the medians.
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

import numpy as np
from bench_live import Server  # `graphrec serve` on a free port (scripts/ is on the path)

from graphrec.eval.provenance import provenance
from graphrec.eval.report import write_json

BARE = """
from fastapi import FastAPI

app = FastAPI()
ITEMS = [{"id": i, "title": f"Movie {i}", "genres": ["Drama"], "score": 1.0 - i / 10}
         for i in range(10)]


@app.get("/items10")
def items10() -> dict:
    return {"results": ITEMS}


@app.get("/items10-async")
async def items10_async() -> dict:
    return {"results": ITEMS}
"""


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--seconds", type=int, default=5, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3,
                        help="turns each endpoint takes; medians are reported")  # fmt: skip
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk is not installed (apt-get install wrk)")
    rows: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory(prefix="bench-throughput-") as tmp:
        folder = Path(tmp)
        (folder / "artifacts").symlink_to(args.artifacts.resolve())
        (folder / "bare_app.py").write_text(BARE)
        ids = np.load(args.artifacts.resolve() / "current" / "movie_ids.npy")
        random_movies = folder / "random_movies.lua"
        random_movies.write_text(_random_movies(ids))
        for workers in (1, 2):
            rows += _rounds(folder, workers, random_movies, args.seconds, args.rounds)
    for row in rows:  # against the faster bare endpoint (plain `def` pays a thread-pool hop)
        bares = [r for r in rows if r["endpoint"].startswith("bare")]
        bare_row = max((r for r in bares if r["workers"] == row["workers"]),
                       key=lambda r: r["requests_per_s"])  # fmt: skip
        row["rps_vs_bare"] = round(row["requests_per_s"] / bare_row["requests_per_s"], 3)
        row["p99_vs_bare"] = round(row["p99_ms"] / bare_row["p99_ms"], 3)
    report = provenance("scripts/bench_throughput.py", sys.argv[1:]) | {
        "seconds": args.seconds,
        "rounds": args.rounds,
        "connections": 32,
        "rows": rows,
    }
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def _rounds(
    folder: Path, workers: int, random_movies: Path, seconds: int, rounds: int
) -> list[dict[str, Any]]:
    """Every endpoint's servers up at once, the endpoints measured in turn ``rounds`` times
    (so that the machine's drift falls on all of them alike), medians per endpoint."""
    flags = ("--workers", str(workers))
    uncached = {"GRAPHREC_SIMILAR_CACHE_MB": "0"}
    bare = _bare(folder, workers)
    with Server(folder, {}, flags) as server, Server(folder, uncached, flags) as cold, \
            Server(folder, {}, (*flags, "--no-access-log")) as quiet:  # fmt: skip
        for running in (server, cold, quiet):
            _wait_ready(f"http://127.0.0.1:{running.port}")
        endpoints = [
            ("bare", bare, "/items10", None),
            ("bare async", bare, "/items10-async", None),
            ("/similar", server, "/similar/1?k=10", None),
            ("/similar, --no-access-log", quiet, "/similar/1?k=10", None),
            ("/similar random, uncached", cold, "/", random_movies),
            ("/recommend", server, "/recommend/1?k=10&ranker=deepfm", None),
        ]
        try:
            for name, target, path, script in endpoints:  # warm every path up first
                _wrk(name, workers, target, path, 2, script)
            runs: dict[str, list[dict[str, Any]]] = {name: [] for name, *_ in endpoints}
            for _ in range(rounds):
                for name, target, path, script in endpoints:
                    runs[name].append(_wrk(name, workers, target, path, seconds, script))
        finally:
            bare.process.terminate()
            bare.process.wait(timeout=20)
    rows = []
    for name, measured in runs.items():
        row: dict[str, Any] = {"endpoint": name, "workers": workers}
        for key in ("requests_per_s", "p50_ms", "p90_ms", "p99_ms"):
            row[key] = round(float(np.median([m[key] for m in measured])), 2)
        row["non_2xx"] = sum(m["non_2xx"] for m in measured)
        row["requests_per_s_each_round"] = [m["requests_per_s"] for m in measured]
        print(json.dumps(row), flush=True)
        rows.append(row)
    return rows


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


def _random_movies(ids: np.ndarray) -> str:
    """A wrk script asking `/similar` for a random movie of ``ids`` each request."""
    listed = ",".join(str(int(i)) for i in ids)
    return (
        f"local ids = {{{listed}}}\n"
        "math.randomseed(7)\n"
        "request = function()\n"
        '  return wrk.format("GET", "/similar/" .. ids[math.random(#ids)] .. "?k=10")\n'
        "end\n"
    )


def _wrk(
    endpoint: str, workers: int, server: Any, path: str, seconds: int,
    script: Path | None = None,
) -> dict[str, Any]:  # fmt: skip
    url = f"http://127.0.0.1:{server.port}{path}"
    extra = ["-s", str(script)] if script is not None else []
    run = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", *extra, url],
                         capture_output=True, text=True, check=True)  # fmt: skip
    out = run.stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    quantiles = {q: _ms(v) for q, v in re.findall(r"\s+(50|90|99)%\s+([\d.]+\w+)", out)}
    row = {"endpoint": endpoint, "workers": workers, "requests_per_s": rps,
           "p50_ms": quantiles["50"], "p90_ms": quantiles["90"], "p99_ms": quantiles["99"],
           "non_2xx": int(errors.group(1)) if errors else 0}  # fmt: skip
    return row


def _ms(text: str) -> float:
    value, unit = re.match(r"([\d.]+)(\w+)", text).groups()  # type: ignore[union-attr]
    return round(float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit], 3)


if __name__ == "__main__":
    main()
