"""Serving figures: `/similar` and `/recommend` latency over real HTTP, FAISS build times.

Starts `graphrec serve` on a free loopback port over an existing bundle, sends a bounded number of
sequential requests for random catalogue movies, and reports latency quantiles (`/recommend` also
on a server with `GRAPHREC_IMPRESSIONS=false`, to show what recording impressions costs); then
times index builds on the bundle's item-to-item vectors (what the served index holds) and on
larger synthetic vectors resampled around them (IVF above 100k).

    python scripts/bench_serving.py --artifacts artifacts --requests 500 --json bench/serving.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import socket
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from graphrec.artifacts import Bundle, load_bundle
from graphrec.eval.provenance import provenance
from graphrec.eval.report import write_json
from index import MovieIndex


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--requests", type=int, default=500)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--synthetic", default="100000,300000", help="index sizes to time")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    bundle = load_bundle(args.artifacts)
    report: dict[str, object] = provenance("scripts/bench_serving.py", sys.argv[1:]) | {
        "bundle": bundle.version,
        "train": bundle.manifest.get("metrics", {}),
        **_latencies(args.artifacts, bundle, args.requests, args.k),
        "index_build": _index_builds(
            np.stack([bundle.index.vector(int(i)) for i in bundle.movie_ids]), args.synthetic
        ),
    }
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def _latencies(artifacts: Path, bundle: Bundle, requests: int, k: int) -> dict[str, object]:
    """Latency of /similar and of /recommend with each ranker, one server, sequential requests;
    then /recommend again on a server that records no impressions."""
    rng = np.random.default_rng(0)
    movies = rng.choice(bundle.catalog.ids, size=requests)
    users = rng.choice(bundle.user_ids, size=requests)
    paths = {"similar_latency_ms": [f"/similar/{m}?k={k}" for m in movies]}
    for ranker in ("none", "two_tower", "deepfm"):
        paths[f"recommend_{ranker}_latency_ms"] = [
            f"/recommend/{u}?k={k}&ranker={ranker}" for u in users
        ]
    report = _latency(artifacts, paths)
    without = {
        f"{name}_impressions_off": urls for name, urls in paths.items() if "recommend" in name
    }
    return report | _latency(artifacts, without, {"GRAPHREC_IMPRESSIONS": "false"})


def _latency(
    artifacts: Path, paths: dict[str, list[str]], env: dict[str, str] | None = None
) -> dict[str, object]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = int(sock.getsockname()[1])
    server = subprocess.Popen(
        [sys.executable, "-m", "graphrec", "serve", "--artifacts", str(artifacts),
         "--port", str(port)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env={**os.environ, **(env or {})},
    )  # fmt: skip
    try:
        connection = _connect(port, server)
        report: dict[str, object] = {}
        for name, urls in paths.items():
            timings = []
            for url in urls:
                started = time.perf_counter()
                connection.request("GET", url)
                response = connection.getresponse()
                response.read()
                timings.append((time.perf_counter() - started) * 1000)
                if response.status != 200:
                    raise RuntimeError(f"{url} answered {response.status}")
            report[name] = _percentiles(np.array(timings))
    finally:
        server.terminate()
        server.wait(timeout=20)
    return report


def _percentiles(values: np.ndarray) -> dict[str, float]:
    return {
        "requests": len(values),
        "p50": round(float(np.percentile(values, 50)), 3),
        "p95": round(float(np.percentile(values, 95)), 3),
        "p99": round(float(np.percentile(values, 99)), 3),
        "max": round(float(values.max()), 3),
    }


def _connect(port: int, server: subprocess.Popen[bytes]) -> http.client.HTTPConnection:
    deadline = time.monotonic() + 90
    while True:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        try:
            connection.request("GET", "/health")
            connection.getresponse().read()
            return connection
        except OSError:
            if server.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError("server did not start") from None
            time.sleep(0.5)


def _index_builds(vectors: np.ndarray, synthetic: str) -> list[dict[str, object]]:
    rows = []
    sizes = [len(vectors)] + [int(s) for s in synthetic.split(",") if s]
    rng = np.random.default_rng(0)
    for size in sizes:
        if size == len(vectors):
            data = vectors
        else:  # clustered unit vectors of the bundle's width, resampled around real ones
            base = vectors[rng.integers(0, len(vectors), size)]
            data = base + 0.05 * rng.normal(size=base.shape).astype(np.float32)
            data /= np.linalg.norm(data, axis=1, keepdims=True)
        index = MovieIndex.build(np.arange(size), data)
        rows.append({"vectors": size, **index.info.__dict__})
        print(f"index {size}: {index.info}", file=sys.stderr)
    return rows


if __name__ == "__main__":
    main()
