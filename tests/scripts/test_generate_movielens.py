"""The MovieLens-shaped generator: the layout graphrec reads, the shape asked for, seeded."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd

from graphrec.data import load_movielens

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "generate_movielens.py"


def test_it_writes_a_folder_graphrec_reads_with_the_asked_shape(tmp_path: Path) -> None:
    for name in ("a", "b"):
        subprocess.run([sys.executable, str(SCRIPT), "--ratings", "20000", "--out",
                        str(tmp_path / name), "--seed", "3"], check=True)  # fmt: skip
    ratings = pd.read_csv(tmp_path / "a" / "ratings.csv")
    assert list(ratings.columns) == ["userId", "movieId", "rating", "timestamp"]
    assert 0.8 * 20000 <= len(ratings) <= 20000  # the heaviest users of a small catalogue end short
    assert not ratings.duplicated(["userId", "movieId"]).any()
    assert ratings.groupby("userId").size().min() >= 20
    assert set(np.unique(ratings.rating * 2)) <= set(range(1, 11))
    movie_degrees = ratings.groupby("movieId").size()
    assert movie_degrees.max() > 10 * movie_degrees.median()  # heavy-tailed
    assert (tmp_path / "a" / "ratings.csv").read_bytes() == (
        tmp_path / "b" / "ratings.csv"
    ).read_bytes()  # seeded
    dataset = load_movielens(tmp_path / "a")
    assert len(dataset.users) == len(ratings)
    assert dataset.movie_table.genres.any(axis=1).all()
    assert (dataset.movie_table.years > 1900).all()
