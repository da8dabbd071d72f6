"""A mixed soak: `/similar`, `/recommend`, search and feedback for new users, for minutes on end.

Serves a copy of ``--artifacts`` with `graphrec serve` on a free loopback port and keeps
``--clients`` threads asking, each request drawn from the mix: 40 % `GET /similar/{movie}`,
30 % `GET /recommend/{user}` of a bundle user, 10 % `GET /movies?q=` (search), 20 % a new
user's `POST /feedback` (1–3 events) followed by their `GET /recommend`. Every ``--window``
seconds it reads the server's resident memory (/proc) and the live users it holds. Prints and
writes, per window: requests, failures, p50/p99 latency, RSS and live users; then the RSS
growth per live user (least squares over the windows) and the last window's p99 over the
first's.

    python scripts/bench_soak.py --artifacts artifacts --minutes 10 --json bench/soak.json
"""

from __future__ import annotations

import argparse
import itertools
import json
import shutil
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

import numpy as np
from bench_live import Server  # `graphrec serve` on a free port (scripts/ is on the path)

from graphrec.artifacts import load_bundle, point_current, resolve
from graphrec.eval.provenance import provenance
from graphrec.eval.report import write_json

SEARCHES = ("star", "toy story", "matrix", "lord of the", "godfather", "alien 1986", "love")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--minutes", type=float, default=10.0)
    parser.add_argument("--window", type=float, default=30.0, help="seconds per sample")
    parser.add_argument("--clients", type=int, default=4, help="threads asking at once")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    bundle = load_bundle(args.artifacts)
    movies, users = bundle.movie_ids, bundle.user_ids
    first_new = int(users.max()) + 1_000_000
    new_ids = itertools.count(first_new)
    with tempfile.TemporaryDirectory(prefix="bench-soak-") as tmp:
        shutil.copytree(resolve(args.artifacts), Path(tmp) / "artifacts" / "soak")
        point_current(Path(tmp) / "artifacts", "soak")
        with Server(Path(tmp)) as server:
            latencies: list[list[tuple[float, float, bool]]] = []  # per client: (t, ms, ok)
            stop = threading.Event()
            started = time.monotonic()
            threads = []
            for client in range(args.clients):
                log: list[tuple[float, float, bool]] = []
                latencies.append(log)
                rng = np.random.default_rng([args.seed, client])
                thread = threading.Thread(target=_ask, args=(server, rng, movies, users, new_ids,
                                                             started, stop, log))  # fmt: skip
                thread.start()
                threads.append(thread)
            samples = _sample(server, started, args.minutes * 60, args.window)
            stop.set()
            for thread in threads:
                thread.join()
    report = _report(samples, [entry for log in latencies for entry in log], args)
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, provenance("scripts/bench_soak.py", sys.argv[1:]) | report)


def _ask(
    server: Server, rng: np.random.Generator, movies: np.ndarray, users: np.ndarray,
    new_ids: itertools.count, started: float, stop: threading.Event,
    log: list[tuple[float, float, bool]],
) -> None:  # fmt: skip
    """One client's loop: a request from the mix, its latency logged, until ``stop``."""
    connection = server.connection()
    while not stop.is_set():
        draw = rng.random()
        requests: list[tuple[str, str, object]]
        if draw < 0.4:
            requests = [("GET", f"/similar/{int(rng.choice(movies))}?k=10", None)]
        elif draw < 0.7:
            requests = [("GET", f"/recommend/{int(rng.choice(users))}?k=10", None)]
        elif draw < 0.8:
            query = SEARCHES[int(rng.integers(len(SEARCHES)))].replace(" ", "+")
            requests = [("GET", f"/movies?q={query}", None)]
        else:
            user = next(new_ids)
            events = [
                {"user": user, "movie": int(m), "kind": "rating", "rating": 4.0}
                for m in rng.choice(movies, int(rng.integers(1, 4)), replace=False)
            ]
            requests = [("POST", "/feedback", events), ("GET", f"/recommend/{user}?k=10", None)]
        for method, path, body in requests:
            begun = time.monotonic()
            try:
                status, _ = server.request(method, path, body, connection)
                ok = status < 300
            except OSError:
                ok = False
                connection = server.connection()
            done = time.monotonic()
            log.append((done - started, (done - begun) * 1000, ok))


def _sample(server: Server, started: float, seconds: float, window: float) -> list[dict[str, Any]]:
    """Every ``window`` seconds until ``seconds``: the server's RSS and live users."""
    samples = []
    while (elapsed := time.monotonic() - started) < seconds:
        time.sleep(min(window, seconds - elapsed))
        samples.append({"at_s": round(time.monotonic() - started, 1),
                        "rss_mib": round(_rss(server.process.pid) / 2**20, 1),
                        "live_users": _live_users(server)})  # fmt: skip
    return samples


def _live_users(server: Server) -> int:
    """The server's ``graphrec_live_users`` gauge (GET /metrics)."""
    connection = server.connection()
    connection.request("GET", "/metrics")
    text = connection.getresponse().read().decode()
    connection.close()
    line = next(line for line in text.splitlines() if line.startswith("graphrec_live_users"))
    return int(float(line.split()[-1]))


def _rss(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    raise RuntimeError("no VmRSS")


def _report(samples: list[dict[str, Any]], entries: list[tuple[float, float, bool]],
            args: argparse.Namespace) -> dict[str, Any]:  # fmt: skip
    times = np.array([e[0] for e in entries])
    ms = np.array([e[1] for e in entries])
    ok = np.array([e[2] for e in entries], dtype=bool)
    windows, begin = [], 0.0
    for sample in samples:
        inside = (times >= begin) & (times < sample["at_s"])
        chosen = ms[inside]
        windows.append(sample | {
            "requests": int(inside.sum()), "failed": int((~ok[inside]).sum()),
            "p50_ms": round(float(np.percentile(chosen, 50)), 2) if len(chosen) else None,
            "p99_ms": round(float(np.percentile(chosen, 99)), 2) if len(chosen) else None,
        })  # fmt: skip
        begin = sample["at_s"]
    for window in windows:
        print(json.dumps(window), flush=True)
    live = np.array([w["live_users"] for w in windows], dtype=np.float64)
    rss = np.array([w["rss_mib"] for w in windows], dtype=np.float64) * 2**20
    per_user = None
    if len(windows) >= 3 and np.ptp(live[1:]) > 0:  # the first window holds start-up
        per_user = round(float(np.polyfit(live[1:], rss[1:], 1)[0]))
    p99 = [w["p99_ms"] for w in windows if w["p99_ms"] is not None]
    return {
        "minutes": args.minutes, "clients": args.clients, "windows": windows,
        "requests": len(entries), "failed": int((~ok).sum()),
        "rss_bytes_per_live_user": per_user,
        "p99_last_over_first": round(p99[-1] / p99[0], 3) if len(p99) >= 2 else None,
    }  # fmt: skip


if __name__ == "__main__":
    main()
