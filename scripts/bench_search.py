"""Title search speed: build time and query latency on the bundled catalogue and on a synthetic
catalogue of a million titles made of the bundled titles' words.

Queries are what a person types: a title's first word and the start of its second ("toy st"),
a whole first word, or two words and a year. Latency is the search call itself, in process.

    python scripts/bench_search.py --synthetic 1000000 --json bench/search.json
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

from graphrec.data.loaders import load_movielens
from graphrec.eval.report import write_json
from graphrec.popularity import log_popularity
from graphrec.search import TitleIndex, fold


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--synthetic", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=2000)
    parser.add_argument("--json", type=Path, help="write the figures here")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    dataset = load_movielens()
    titles = [str(t) for t in dataset.movie_table.titles]
    years = [int(y) if y > 0 else None for y in dataset.movie_table.years]
    popularity = log_popularity(np.bincount(dataset.movies, minlength=dataset.num_movies))
    rows = [_measure("bundled", titles, years, popularity, args.queries, rng)]
    words = sorted({w for t in titles for w in fold(t) if not w.isdigit()})
    n = args.synthetic
    lengths = rng.integers(1, 6, n)
    picks = rng.integers(0, len(words), lengths.sum())
    bounds = np.r_[0, np.cumsum(lengths)]
    synthetic_years = rng.integers(1900, 2026, n)
    synthetic = [
        " ".join(words[j] for j in picks[bounds[i] : bounds[i + 1]]) + f" ({synthetic_years[i]})"
        for i in range(n)
    ]
    rows.append(_measure(f"synthetic {n:,}", synthetic, synthetic_years.tolist(),
                         rng.exponential(1.0, n), args.queries, rng))  # fmt: skip
    print(json.dumps({"rows": rows}, indent=2))
    if args.json:
        write_json(args.json, {"rows": rows})


def _measure(
    name: str, titles: list[str], years: list, popularity: np.ndarray, count: int,
    rng: np.random.Generator,
) -> dict[str, object]:  # fmt: skip
    started = time.perf_counter()
    index = TitleIndex(titles, years, popularity)
    build = time.perf_counter() - started
    queries = []
    for row in rng.integers(0, len(titles), count):
        words = fold(titles[row])
        kind = rng.integers(3)
        if kind == 0 and len(words) > 1:
            queries.append(f"{words[0]} {words[1][:2]}")
        elif kind == 1 or len(words) < 3:
            queries.append(words[0])
        else:
            queries.append(f"{words[1]} {words[0]} {years[row] or ''}")
    timings, found = [], 0
    for query in queries:
        started = time.perf_counter()
        found += bool(index.search(query, 20))
        timings.append((time.perf_counter() - started) * 1000)
    values = np.array(timings)
    row = {
        "catalogue": name,
        "titles": len(titles),
        "build_seconds": round(build, 2),
        "queries": len(queries),
        "found_share": round(found / len(queries), 3),
        "p50_ms": round(float(np.percentile(values, 50)), 3),
        "p99_ms": round(float(np.percentile(values, 99)), 3),
        "max_ms": round(float(values.max()), 3),
    }
    print(json.dumps(row), flush=True)
    return row


if __name__ == "__main__":
    main()
