"""Scale of the live user state: memory per live user, one update's cost, and a restart's replay,
at growing numbers of synthetic live users (the movie index does not grow).

Loads a bundle, then feeds :class:`graphrec.users.live.LiveUsers` synthetic click events for new
users (``--events`` each, random movies) in batches as `POST /feedback` would, measuring resident
memory before and after; then times single-event updates of random live users and a replay of
every event into a fresh table (what a restart or reload does).

    python scripts/bench_user_state.py --artifacts artifacts --users 100000,1000000 \\
        --json bench/user_state.json
"""

from __future__ import annotations

import argparse
import gc
import json
import resource
import time
from pathlib import Path
from typing import Any

import numpy as np

from graphrec.artifacts import load_bundle
from graphrec.eval.report import write_json
from graphrec.users.history import Interactions
from graphrec.users.live import LiveUsers

BATCH = 10_000


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--artifacts", type=Path, default=Path("artifacts"))
    parser.add_argument("--users", default="100000,1000000", help="live user counts to measure")
    parser.add_argument("--events", type=int, default=5, help="events per synthetic user")
    parser.add_argument("--updates", type=int, default=1000, help="single updates timed")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    bundle = load_bundle(args.artifacts)
    rows = []
    for count in (int(c) for c in args.users.split(",") if c):
        rows.append(_measure(bundle, count, args.events, args.updates))
        print(json.dumps(rows[-1]))
    report = {"bundle": bundle.version, "model": bundle.manifest["model"], "rows": rows}
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def _measure(bundle: Any, count: int, events: int, updates: int) -> dict[str, Any]:
    rng = np.random.default_rng(0)
    first_user = int(bundle.user_ids.max()) + 1
    movies = rng.integers(0, len(bundle.movie_ids), (count, events))
    gc.collect()
    users = LiveUsers.for_bundle(bundle)
    before = _rss_mib()
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        users.apply(_batch(first_user, start, min(start + BATCH, count), movies))
    fill_seconds = time.perf_counter() - started
    gc.collect()
    per_user_bytes = (_rss_mib() - before) * 2**20 / count

    timings = []
    for i in range(updates):
        user = first_user + int(rng.integers(count))
        event = Interactions.of([int(rng.integers(len(bundle.movie_ids)))], [np.nan], [10**9 + i])
        started = time.perf_counter()
        users.apply({user: event})
        timings.append((time.perf_counter() - started) * 1000)
    update_ms = np.array(timings)

    replayed = LiveUsers.for_bundle(bundle)
    started = time.perf_counter()
    for start in range(0, count, BATCH):
        replayed.apply(_batch(first_user, start, min(start + BATCH, count), movies))
    replay_seconds = time.perf_counter() - started
    assert replayed.live_users == count
    return {
        "live_users": count,
        "events": count * events,
        "bytes_per_live_user": round(per_user_bytes),
        "fill_events_per_s": round(count * events / fill_seconds),
        "update_ms_p50": round(float(np.percentile(update_ms, 50)), 3),
        "update_ms_p99": round(float(np.percentile(update_ms, 99)), 3),
        "replay_seconds": round(replay_seconds, 1),
    }


def _batch(first_user: int, start: int, end: int, movies: np.ndarray) -> dict[int, Interactions]:
    """Users ``start..end`` with their events, as one feedback request would group them."""
    n = movies.shape[1]
    return {
        first_user + user: Interactions.of(movies[user], np.full(n, np.nan), np.arange(n))
        for user in range(start, end)
    }


def _rss_mib() -> float:
    """Resident memory now (MiB), from /proc; ru_maxrss would only give the peak."""
    try:
        with open("/proc/self/statm") as statm:
            pages = int(statm.read().split()[1])
        return pages * resource.getpagesize() / 2**20
    except OSError:
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


if __name__ == "__main__":
    main()
