"""Served quality on a denser split made outside the project, the way a user's check makes one.

The bundled ratings cut to movies with at least 15 ratings and users with at least 20 (three
passes; 575 users, 1,636 movies, 7.8 % dense, near MovieLens-100K's 6.3 % against the bundled
data's 1.7 %), shuffled with pandas ``random_state=7``, each user's last quarter of the shuffle
test. Nothing in the project was tuned on it: it checks that choices made on validation carry
to a graph of another shape. Writes bench/dense_split.json (a DESIGN.md evaluate document).

    python scripts/bench_dense_split.py [--models recall,...] [--out bench]
"""

from __future__ import annotations

import argparse
import logging
import sys
import tempfile
from pathlib import Path

import pandas as pd

from graphrec.data import bundled_data_dir, load_movielens
from graphrec.eval import evaluate
from graphrec.eval.protocols import split_from_files
from graphrec.eval.report import document, write_json
from graphrec.memory import keep_freed_memory
from graphrec.train import use_deterministic_kernels

MODELS = "recall,recall+two_tower,recall+deepfm,sage,pinsage,ease,itemknn,pop"


def dense_split(ratings: pd.DataFrame, folder: Path) -> tuple[Path, Path]:
    """Write the denser split's train.csv and test.csv into ``folder``."""
    for _ in range(3):
        counts = ratings.movieId.value_counts()
        ratings = ratings[ratings.movieId.isin(counts[counts >= 15].index)]
        counts = ratings.userId.value_counts()
        ratings = ratings[ratings.userId.isin(counts[counts >= 20].index)]
    shuffled = ratings.sample(frac=1.0, random_state=7)
    position = shuffled.groupby("userId").cumcount()
    size = shuffled.groupby("userId").userId.transform("size")
    is_test = position >= (0.75 * size).round()
    train, test = folder / "train.csv", folder / "test.csv"
    shuffled[~is_test].to_csv(train, index=False)
    shuffled[is_test].to_csv(test, index=False)
    return train, test


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--models", default=MODELS)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--out", type=Path, default=Path("bench"))
    args = parser.parse_args()
    use_deterministic_kernels()
    keep_freed_memory()  # as `graphrec train` and `evaluate` do
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    dataset = load_movielens()
    with tempfile.TemporaryDirectory() as folder:
        ratings = pd.read_csv(bundled_data_dir() / "ratings.csv")
        split = split_from_files(*dense_split(ratings, Path(folder)), None)
    results = evaluate(
        split, args.models.split(","), k=args.k,
        on_model=lambda name: print(f"[dense] {name}", file=sys.stderr),
    )  # fmt: skip
    for name, figures in results.items():
        print(f"{name:18s} ndcg@{args.k} {figures[f'ndcg@{args.k}']:.4f}")
    write_json(args.out / "dense_split.json", document(dataset, split, args.k, results))


if __name__ == "__main__":
    main()
