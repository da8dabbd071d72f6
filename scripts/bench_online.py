"""Why interleaving: how many users an A/B test and team-draft interleaving need to pick the better
of two rankers, with simulated users clicking over the real HTTP API.

Splits the bundled ratings per user by time (test = each user's latest 20 %), trains a bundle on
the training side and serves it. A simulated user clicks a shown movie when it is one of their
held-out movies and they looked at its position; they look at position ``i`` (0-based) with
probability ``1 / log2(i + 2)``, the DCG discount (a position-based click model).

1. One run over HTTP, as production would see it: each test user gets an A/B answer (the
   server's bucket, shares 50/50 between the pair) and an interleaved answer
   (`?interleave=A,B`); their clicks go back through `POST /feedback` with the answer's request
   id; `GET /experiments/report` reports it.
2. Users needed: each user's list from each arm is fetched over HTTP; then, repeated 500 times
   for each number of users n, n users are drawn (with replacement), the A/B test splits them
   in half and compares the share of users who clicked, and interleaving team-drafts each user's
   two lists with a fresh coin and counts wins. The verdict is right when it names the arm with
   the higher offline ndcg@10 on the same users. Reported: the smallest n right in 95 % of runs.
3. The same for recall order against deliberately weakened versions of it (``WEAKENED``: its
   list as served, reordered or cut here; no server serves them, so they have no run 1).

    python scripts/bench_online.py --json bench/online.json
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from bench_live import Server, split_by_time  # the same split and server (scripts/ is on the path)

from graphrec.eval.report import write_json
from graphrec.experiments.interleaving import team_draft

K = 10
#: Probability that a user looks at each position: the DCG discount.
EXAMINE = 1.0 / np.log2(np.arange(K) + 2.0)
PAIRS = (("deepfm", "none"), ("deepfm", "two_tower"), ("two_tower", "none"))
#: Deliberately weakened arms, made here from recall order's list as served (fetched with
#: k=15): the same ten movies with the top five shown last, and the list from its sixth movie.
WEAKENED: dict[str, Callable[[list[int]], list[int]]] = {
    "none, top five last": lambda ids: ids[5:10] + ids[:5],
    "none, from the 6th": lambda ids: ids[5:15],
}
#: Users per experiment tried: steps of about √2.
USER_GRID = tuple(round(25 * 2 ** (i / 2)) for i in range(21))  # 25 .. 25,600


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--epochs", type=int, help="cap training epochs (default: the model's)")
    parser.add_argument("--repeats", type=int, default=500)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    with tempfile.TemporaryDirectory(prefix="bench-online-") as tmp:
        folder = Path(tmp)
        _, held, _ = split_by_time(folder / "data", 0.0, rng)
        command = [sys.executable, "-m", "graphrec", "train", "--data", str(folder / "data"),
                   "--out", str(folder / "artifacts"), "--quiet",
                   "--seed", str(args.seed)]  # fmt: skip
        if args.epochs:
            command += ["--epochs", str(args.epochs)]
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL)
        targets = {int(u): set(g["movieId"].tolist()) for u, g in held.groupby("userId")}
        report: dict[str, Any] = {
            "users": len(targets),
            "k": K,
            "examine": EXAMINE.round(4).tolist(),
        }
        report["pairs"] = []
        for first, second in PAIRS:
            started = time.perf_counter()
            env = {"GRAPHREC_AB_SHARES": f"{first}:0.5,{second}:0.5"}
            with Server(folder, env) as server:
                lists = _lists(server, targets, (first, second))
                one_run = _one_run(server, targets, (first, second), random.Random(args.seed))
            row = _users_needed(lists, targets, (first, second), args.repeats, rng)
            row["one_run_report"] = one_run
            row["seconds"] = round(time.perf_counter() - started, 1)
            report["pairs"].append(row)
            print(json.dumps({k: v for k, v in row.items() if k != "one_run_report"}), flush=True)
            for name in ("store.sqlite", "store.sqlite-wal", "store.sqlite-shm"):
                (folder / "store" / name).unlink(missing_ok=True)  # each pair, a fresh store
        with Server(folder, {}) as server:
            served = _lists(server, targets, ("none",), k=15)["none"]
        for name, weaken in WEAKENED.items():
            started = time.perf_counter()
            lists = {"none": {u: ids[:K] for u, ids in served.items()},
                     name: {u: weaken(ids) for u, ids in served.items()}}  # fmt: skip
            row = _users_needed(lists, targets, ("none", name), args.repeats, rng)
            row["seconds"] = round(time.perf_counter() - started, 1)
            report["pairs"].append(row)
            print(json.dumps(row), flush=True)
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def _lists(
    server: Server, targets: dict[int, set[int]], pair: tuple[str, ...], k: int = K
) -> dict[str, dict[int, list[int]]]:
    """Each user's top-``k`` list from each arm, over HTTP."""
    connection = server.connection()
    lists: dict[str, dict[int, list[int]]] = {arm: {} for arm in pair}
    for user in targets:
        for arm in pair:
            status, body = server.request(
                "GET", f"/recommend/{user}?k={k}&ranker={arm}", connection=connection
            )
            if status != 200:
                raise RuntimeError(f"/recommend/{user} answered {status}: {body}")
            lists[arm][user] = [r["id"] for r in body["results"]]
    return lists


def _clicks(movies: list[int], relevant: set[int], rng: random.Random) -> list[int]:
    return [m for i, m in enumerate(movies) if m in relevant and rng.random() < EXAMINE[i]]


def _one_run(
    server: Server, targets: dict[int, set[int]], pair: tuple[str, str], rng: random.Random
) -> dict[str, Any]:
    """Every user once in the A/B test and once interleaved, clicks posted back; the report."""
    connection = server.connection()
    for user, relevant in targets.items():
        for path in (
            f"/recommend/{user}?k={K}",
            f"/recommend/{user}?k={K}&interleave={','.join(pair)}",
        ):
            status, body = server.request("GET", path, connection=connection)
            if status != 200:
                raise RuntimeError(f"{path} answered {status}")
            clicked = _clicks([r["id"] for r in body["results"]], relevant, rng)
            events = [{"user": user, "movie": m, "kind": "click", "request_id": body["request_id"]}
                      for m in clicked]  # fmt: skip
            if events:
                server.request("POST", "/feedback", events, connection=connection)
    status, report = server.request("GET", "/experiments/report", connection=connection)
    return report


def _users_needed(
    lists: dict[str, dict[int, list[int]]],
    targets: dict[int, set[int]],
    pair: tuple[str, str],
    repeats: int,
    rng: np.random.Generator,
) -> dict[str, Any]:
    users = sorted(targets)
    first, second = pair
    # Per user and arm, which of the K positions hold a held-out movie.
    hits = {
        arm: np.array([[m in targets[u] for m in (lists[arm][u] + [-1] * K)[:K]] for u in users])
        for arm in pair
    }
    ndcg = {arm: float(_ndcg(hits[arm], targets, users).mean()) for arm in pair}
    truth = 0 if ndcg[first] > ndcg[second] else 1
    # Interleavings per user, each with its own coin: positions' relevance and team.
    draws = 64
    inter_hits = np.zeros((len(users), draws, K), dtype=bool)
    inter_team = np.zeros((len(users), draws, K), dtype=np.int8)
    coin = random.Random(0)
    for i, u in enumerate(users):
        for d in range(draws):
            ids, teams = team_draft(lists[first][u], lists[second][u], K, coin)
            inter_hits[i, d, : len(ids)] = [m in targets[u] for m in ids]
            inter_team[i, d, : len(ids)] = teams
    right: dict[str, dict[int, float]] = {"ab": {}, "interleaving": {}}
    for n in USER_GRID:
        ab_right = inter_right = 0
        for _ in range(repeats):
            chosen = rng.integers(0, len(users), n)
            looked = rng.random((n, K)) < EXAMINE
            half = rng.random(n) < 0.5
            clicked_first = (hits[first][chosen] & looked).any(1)
            clicked_second = (hits[second][chosen] & looked).any(1)
            ctr_first = clicked_first[half].mean() if half.any() else 0.0
            ctr_second = clicked_second[~half].mean() if (~half).any() else 0.0
            ab_right += (ctr_first > ctr_second) if truth == 0 else (ctr_second > ctr_first)
            d = rng.integers(0, draws, n)
            clicks = inter_hits[chosen, d] & looked
            team = inter_team[chosen, d]
            a, b = (clicks & (team == 0)).sum(1), (clicks & (team == 1)).sum(1)
            wins_a, wins_b = int((a > b).sum()), int((b > a).sum())
            inter_right += (wins_a > wins_b) if truth == 0 else (wins_b > wins_a)
        right["ab"][n] = ab_right / repeats
        right["interleaving"][n] = inter_right / repeats
    needed = {
        method: next((n for n in USER_GRID if shares[n] >= 0.95), None)
        for method, shares in right.items()
    }
    ratio = (
        round(needed["ab"] / needed["interleaving"], 1)
        if needed["ab"] and needed["interleaving"]
        else None
    )
    return {
        "pair": list(pair),
        "offline_ndcg@10": {arm: round(v, 4) for arm, v in ndcg.items()},
        "better_offline": pair[truth],
        "right_share": {m: {str(n): round(v, 3) for n, v in r.items()} for m, r in right.items()},
        "users_needed_95": needed,
        "ab_over_interleaving": ratio,
    }


def _ndcg(hits: np.ndarray, targets: dict[int, set[int]], users: list[int]) -> np.ndarray:
    discount = 1.0 / np.log2(np.arange(K) + 2.0)
    ideal = np.array([discount[: min(len(targets[u]), K)].sum() for u in users])
    return (hits * discount).sum(1) / ideal


if __name__ == "__main__":
    main()
