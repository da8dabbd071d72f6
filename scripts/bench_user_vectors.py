"""Cost of PinSAGE's user vectors as the data grows: the plain mean and the whitened mean.

Synthetic interactions 1, 10 and 100 times the bundled set's (100,836 ratings, 610 users,
9,742 movies: users and movies grow with the ratings), movies drawn from a power law; the
seconds of :func:`graphrec.train.user_vectors.user_vectors` over every user, which
`graphrec train` pays once per candidate (the whitened ones at the chosen half-life only) and
the server pays per feedback request for the users it touches.

    python scripts/bench_user_vectors.py --scales 1,10,100 --json bench/user_vectors.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from graphrec.eval.report import write_json
from graphrec.train.user_vectors import Whitening, popularity_gram, user_vectors

RATINGS, USERS, MOVIES, DIM = 100_836, 610, 9_742, 64


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--scales", default="1,10,100", help="multiples of the bundled set")
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    rows = [_measure(int(s)) for s in args.scales.split(",") if s]
    report = {"dim": DIM, "rows": rows}
    print(json.dumps(report, indent=2))
    if args.json:
        write_json(args.json, report)


def _measure(scale: int) -> dict[str, float]:
    rng = np.random.default_rng(0)
    ratings, num_users, num_movies = RATINGS * scale, USERS * scale, MOVIES * scale
    movies = np.minimum(rng.zipf(1.3, ratings) - 1, num_movies - 1)
    users = rng.integers(0, num_users, ratings)
    times = rng.integers(0, 10**9, ratings)
    vectors = rng.normal(size=(num_movies, DIM)).astype(np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    started = time.perf_counter()
    plain = user_vectors(vectors, users, movies, times, num_users, 2.0)
    plain_seconds = time.perf_counter() - started
    started = time.perf_counter()
    gram = popularity_gram(vectors, np.bincount(movies, minlength=num_movies))
    whitened = user_vectors(
        vectors, users, movies, times, num_users, 2.0, Whitening(1.0, 0.3), gram
    )
    whitened_seconds = time.perf_counter() - started
    row = {
        "scale": scale, "ratings": ratings, "users": num_users, "movies": num_movies,
        "plain_seconds": round(plain_seconds, 3), "whitened_seconds": round(whitened_seconds, 3),
        "whitened_per_million_ratings": round(whitened_seconds / ratings * 1e6, 3),
        "agreement": float(np.mean(np.sum(plain * whitened, axis=1))),
    }  # fmt: skip
    print(json.dumps(row), flush=True)
    return row


if __name__ == "__main__":
    main()
