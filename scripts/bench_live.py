"""Live feedback over real HTTP: next-event hit@10 live vs static, feedback throughput, and
`/recommend` latency while feedback streams in.

Splits the bundled ratings per user by time (training = all but each user's latest 20 %) and
holds 10 % of users out entirely (new users). Trains a bundle on the training side with
`graphrec train`, starts `graphrec serve` on a free loopback port, then replays test users'
held-out events in time order: before each event it asks `/recommend/{user}?k=10` with ranker
`none` and with the bundle's default ranker and scores whether the next movie is among the ten.
The static run never posts an event; the live run posts each one through `POST /feedback` after
asking. New users start with nothing: before their first event both runs can only 404 (a miss).
The session run replays the new users as anonymous visitors (`POST /recommend` with the movies
so far). Their counting peer, `cooc_last_5`, ranks by co-occurrence with the last 5 movies.

    python scripts/bench_live.py --json bench/live.json
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.sparse import csr_matrix

from graphrec.artifacts import load_bundle
from graphrec.bucketing import default_shares
from graphrec.data.loaders import bundled_data_dir
from graphrec.data.splits import per_user_latest
from graphrec.eval.provenance import provenance
from graphrec.eval.report import write_json

TOKEN = "bench-live-long-token"
HEADERS = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/json"}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default="sage", choices=["sage", "pinsage"])
    parser.add_argument("--epochs", type=int, help="cap training epochs (default: the model's)")
    parser.add_argument("--known-users", type=int, default=200, help="known test users replayed")
    parser.add_argument("--new-share", type=float, default=0.1, help="users held out entirely")
    parser.add_argument("--new-users", type=int, default=60, help="new users replayed")
    parser.add_argument("--events-per-user", type=int, default=20, help="cap per replayed user")
    parser.add_argument("--stream", type=int, default=1000, help="events for the throughput runs")
    parser.add_argument("--latency-requests", type=int, default=4000)
    parser.add_argument(
        "--stream-rate",
        type=float,
        default=100.0,
        help="feedback events/s posted beside the latency run (one per request)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()

    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-live-") as tmp:
        folder = Path(tmp)
        train, known, new = split_by_time(folder / "data", args.new_share, rng)
        started = time.perf_counter()
        command = [sys.executable, "-m", "graphrec", "train", "--data", str(folder / "data"),
                   "--out", str(folder / "artifacts"), "--model", args.model, "--quiet",
                   "--seed", str(args.seed)]  # fmt: skip
        if args.epochs:
            command += ["--epochs", str(args.epochs)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        train_seconds = time.perf_counter() - started
        bundle = load_bundle(folder / "artifacts")
        best = default_shares(bundle.ranker_lifts)[0]
        best_ranker = max(best, key=best.__getitem__)
        rankers = ["none"] if best_ranker == "none" else ["none", best_ranker]
        known_users = rng.permutation(known["userId"].unique())[: args.known_users]
        new_users = rng.permutation(new["userId"].unique())[: args.new_users]
        replays = {
            "known": _replay_events(known, known_users, args.events_per_user),
            "new": _replay_events(new, new_users, args.events_per_user),
        }
        report: dict[str, Any] = provenance("scripts/bench_live.py", sys.argv[1:]) | {
            "model": args.model,
            "bundle": bundle.version,
            "user_vectors": bundle.manifest["user_vectors"],
            "train_seconds": round(train_seconds, 1),
            "training_ratings": len(train),
            "rankers": rankers,
            "replayed_events": {name: len(events) for name, events in replays.items()},
            "replayed_users": {"known": len(known_users), "new": len(new_users)},
        }
        counting = LastMoviesCooccurrence(train, bundle.movie_ids)
        report["cooc_last_5"] = {
            name: counting.hits(events, known_history=name == "known")
            for name, events in replays.items()
        }
        with Server(folder) as server:
            report["static"] = {
                name: _hits(server, events, rankers, post=False) for name, events in replays.items()
            }
            report["live"] = {
                name: _hits(server, events, rankers, post=True) for name, events in replays.items()
            }
            report["session"] = {"new": _session_hits(server, replays["new"], rankers)}
            catalogue = bundle.movie_ids
            report["events_per_second"] = {
                "batch_1": _throughput(server, catalogue, args.stream, 1, rng),
                "batch_100": _throughput(server, catalogue, args.stream * 10, 100, rng),
            }
            users = rng.choice(bundle.user_ids, args.latency_requests)
            report["recommend_latency_ms"] = {
                "quiet": _latency(server, users, best_ranker),
                "with_feedback_streaming": _latency(
                    server, users, best_ranker, catalogue, args.stream_rate
                ),
            }
    report["ratios"] = {
        f"{group}_{ranker}_live_over_static": _ratio(report, group, ranker)
        for group in ("known", "new")
        for ranker in rankers
    } | {
        f"{group}_{ranker}_{run}_over_cooc_last_5": _over_counting(report, run, group, ranker)
        for run, group in (("live", "known"), ("live", "new"), ("session", "new"))
        for ranker in rankers
    }
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def split_by_time(
    data: Path, new_share: float, rng: np.random.Generator
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Write the training side as a MovieLens folder; return it, the known users' held-out
    events and the new users' events."""
    source = bundled_data_dir()
    ratings = pd.read_csv(source / "ratings.csv")
    all_users = ratings["userId"].unique()
    new_ids = rng.choice(all_users, round(new_share * len(all_users)), replace=False)
    is_new = ratings["userId"].isin(new_ids).to_numpy()
    held = per_user_latest(ratings["userId"].to_numpy(), ratings["timestamp"].to_numpy(), 0.2)
    train = ratings[~is_new & ~held]
    data.mkdir(parents=True)
    train.to_csv(data / "ratings.csv", index=False)
    for name in ("movies.csv", "tags.csv"):
        (data / name).write_bytes((source / name).read_bytes())
    return train, ratings[~is_new & held], ratings[is_new]


def _replay_events(events: pd.DataFrame, users: np.ndarray, cap: int) -> pd.DataFrame:
    """Each chosen user's events in time order, the first ``cap`` of them."""
    chosen = events[events["userId"].isin(users)].sort_values(
        ["userId", "timestamp"], kind="stable"
    )
    return chosen.groupby("userId", sort=False).head(cap)


class Server:
    """`graphrec serve` on a free loopback port with a token and its own store."""

    def __init__(
        self, folder: Path, env: dict[str, str] | None = None, args: tuple[str, ...] = ()
    ) -> None:
        self.folder = folder
        self.env = env or {}
        self.args = args

    def __enter__(self) -> Server:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            self.port = int(sock.getsockname()[1])
        env = {**os.environ, "GRAPHREC_ADMIN_TOKEN": TOKEN,
               "GRAPHREC_DATA_DIR": str(self.folder / "store"), **self.env}  # fmt: skip
        self.process = subprocess.Popen(
            [sys.executable, "-m", "graphrec", "serve", "--artifacts",
             str(self.folder / "artifacts"), "--port", str(self.port), *self.args],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env,
        )  # fmt: skip
        deadline = time.monotonic() + 90
        while True:
            try:
                self.request("GET", "/health")
                return self
            except OSError:
                if self.process.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("server did not start") from None
                time.sleep(0.5)

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        self.process.wait(timeout=20)

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)

    def request(
        self, method: str, path: str, body: object = None,
        connection: http.client.HTTPConnection | None = None,
    ) -> tuple[int, Any]:  # fmt: skip
        own = connection is None
        connection = connection or self.connection()
        data = None if body is None else json.dumps(body)
        connection.request(method, path, body=data, headers=HEADERS)
        response = connection.getresponse()
        payload = json.loads(response.read())
        if own:
            connection.close()
        return response.status, payload


def _hits(
    server: Server, events: pd.DataFrame, rankers: list[str], *, post: bool
) -> dict[str, Any]:
    """Next-event hit@10 per ranker over ``events`` in order, posting each after asking."""
    connection = server.connection()
    hits = dict.fromkeys(rankers, 0)
    served = 0
    for user, movie, rating, timestamp in events[
        ["userId", "movieId", "rating", "timestamp"]
    ].itertuples(index=False):
        for ranker in rankers:
            status, body = server.request(
                "GET", f"/recommend/{user}?k=10&ranker={ranker}", connection=connection
            )
            if status == 200:
                served += ranker == rankers[0]
                hits[ranker] += int(movie) in {r["id"] for r in body["results"]}
        if post:
            event = {"user": int(user), "movie": int(movie), "kind": "rating",
                     "rating": float(rating), "timestamp": int(timestamp)}  # fmt: skip
            status, body = server.request("POST", "/feedback", [event], connection=connection)
            if status != 200:
                raise RuntimeError(f"feedback refused: {body}")
    n = len(events)
    return {
        "events": n,
        "served_share": round(served / max(n, 1), 4),
        **{f"hit@10_{ranker}": round(hits[ranker] / max(n, 1), 4) for ranker in rankers},
    }


def _session_hits(server: Server, events: pd.DataFrame, rankers: list[str]) -> dict[str, Any]:
    """Next-event hit@10 of anonymous sessions: before each event, `POST /recommend` with the
    user's earlier replayed movies (the first event has none: a miss)."""
    connection = server.connection()
    hits = dict.fromkeys(rankers, 0)
    for _, group in events.groupby("userId", sort=False):
        movies = group["movieId"].astype(int).tolist()
        for position in range(1, len(movies)):
            for ranker in rankers:
                status, body = server.request(
                    "POST", f"/recommend?k=10&ranker={ranker}",
                    {"movies": movies[:position]}, connection=connection,
                )  # fmt: skip
                if status == 200:
                    hits[ranker] += movies[position] in {r["id"] for r in body["results"]}
    n = len(events)
    return {"events": n, **{f"hit@10_{r}": round(hits[r] / max(n, 1), 4) for r in rankers}}


class LastMoviesCooccurrence:
    """The counting peer of live users and sessions: before each event, the movies with the
    highest summed co-occurrence cosine (training ratings) to the user's last 5 movies, every
    movie the user has seen left out."""

    def __init__(self, train: pd.DataFrame, movie_ids: np.ndarray) -> None:
        self.movie_ids = np.asarray(movie_ids)
        self.column = {int(m): i for i, m in enumerate(self.movie_ids)}
        users, rows = np.unique(train["userId"].to_numpy(), return_inverse=True)
        columns = np.searchsorted(self.movie_ids, train["movieId"].to_numpy())
        matrix = csr_matrix(
            (np.ones(len(train), np.float32), (rows, columns)),
            shape=(len(users), len(self.movie_ids)),
        )
        norms = np.sqrt(np.asarray(matrix.sum(axis=0)).ravel())
        self.inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        self.matrix = matrix.tocsc()
        ordered = train.sort_values(["userId", "timestamp"], kind="stable")
        self.history = {int(u): g.astype(int).tolist()
                        for u, g in ordered.groupby("userId")["movieId"]}  # fmt: skip

    def top(self, last: list[int], seen: set[int], k: int = 10) -> set[int]:
        columns = [self.column[m] for m in last if m in self.column]
        if not columns:
            return set()
        counts = np.asarray((self.matrix[:, columns].T @ self.matrix).sum(axis=0)).ravel()
        scores = counts * self.inverse  # the query side's norm only scales each term
        scores[[self.column[m] for m in seen if m in self.column]] = -np.inf
        return {int(self.movie_ids[i]) for i in np.argsort(-scores, kind="stable")[:k]}

    def hits(self, events: pd.DataFrame, *, known_history: bool) -> dict[str, Any]:
        """Next-event hit@10 over ``events`` in order, each event joining the history after."""
        hits = 0
        for user, group in events.groupby("userId", sort=False):
            history = list(self.history.get(int(user), [])) if known_history else []
            for movie in group["movieId"].astype(int):
                hits += movie in self.top(history[-5:], set(history))
                history.append(movie)
        return {"events": len(events), "hit@10": round(hits / max(len(events), 1), 4)}


def _throughput(
    server: Server, movies: np.ndarray, total: int, batch: int, rng: np.random.Generator
) -> float:
    """Events accepted per second, sent in batches of ``batch`` by one client."""
    connection = server.connection()
    users = rng.integers(10_000_000, 10_100_000, total)
    chosen = rng.choice(movies, total)
    started = time.perf_counter()
    for start in range(0, total, batch):
        body = [
            {"user": int(u), "movie": int(m), "kind": "click"}
            for u, m in zip(
                users[start : start + batch], chosen[start : start + batch], strict=True
            )
        ]
        status, answer = server.request("POST", "/feedback", body, connection=connection)
        if status != 200:
            raise RuntimeError(f"feedback refused: {answer}")
    return round(total / (time.perf_counter() - started), 1)


def _latency(
    server: Server, users: np.ndarray, ranker: str, stream_movies: np.ndarray | None = None,
    rate: float = 0.0,
) -> dict[str, float]:  # fmt: skip
    """`/recommend` latency quantiles; with ``stream_movies``, another process meanwhile posts
    single-event feedback at ``rate`` events per second (a process of its own, so that it does
    not share this one's interpreter lock with the timed client)."""
    stop = multiprocessing.Event()
    streamed = multiprocessing.Value("i", 0)
    streamer = None
    if stream_movies is not None:
        streamer = multiprocessing.Process(
            target=_stream, args=(server.port, stream_movies.tolist(), rate, stop, streamed)
        )
        streamer.start()
        time.sleep(0.5)  # let it reach its rate
    connection = server.connection()
    timings = []
    before = streamed.value
    started_all = time.perf_counter()
    for user in users:
        started = time.perf_counter()
        status, _ = server.request(
            "GET", f"/recommend/{user}?k=10&ranker={ranker}", connection=connection
        )
        timings.append((time.perf_counter() - started) * 1000)
        if status != 200:
            raise RuntimeError(f"/recommend/{user} answered {status}")
    elapsed = time.perf_counter() - started_all
    stop.set()
    if streamer is not None:
        streamer.join()
    values = np.array(timings)
    return {
        "requests": len(values),
        "p50": round(float(np.percentile(values, 50)), 3),
        "p99": round(float(np.percentile(values, 99)), 3),
        "feedback_events_meanwhile_per_s": round((streamed.value - before) / elapsed, 1)
        if streamer is not None
        else 0.0,
    }


def _stream(port: int, movies: list[int], rate: float, stop: Any, streamed: Any) -> None:
    """Post one click at a time at ``rate`` per second until ``stop`` is set."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    rng = np.random.default_rng(1)
    started = time.perf_counter()
    sent = 0
    while not stop.is_set():
        event = {"user": int(rng.integers(20_000_000, 20_100_000)),
                 "movie": int(rng.choice(movies)), "kind": "click"}  # fmt: skip
        connection.request("POST", "/feedback", body=json.dumps([event]), headers=HEADERS)
        connection.getresponse().read()
        sent += 1
        with streamed.get_lock():
            streamed.value += 1
        wait = started + sent / rate - time.perf_counter()
        if wait > 0:
            stop.wait(wait)


def _over_counting(report: dict[str, Any], run: str, group: str, ranker: str) -> float | None:
    counting = report["cooc_last_5"][group]["hit@10"]
    served = report[run][group][f"hit@10_{ranker}"]
    return round(served / counting, 3) if counting > 0 else None


def _ratio(report: dict[str, Any], group: str, ranker: str) -> float | None:
    static = report["static"][group][f"hit@10_{ranker}"]
    live = report["live"][group][f"hit@10_{ranker}"]
    return round(live / static, 3) if static > 0 else None


if __name__ == "__main__":
    main()
