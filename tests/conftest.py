"""Shared fixtures: tiny MovieLens folders written on the fly, and one small trained bundle."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from graphrec.data.dataset import InteractionDataset, MovieTable
from graphrec.data.loaders import bundled_data_dir
from tests.postgres import postgres_server, postgres_url  # noqa: F401  (fixtures)


def write_csv_layout(
    folder: Path,
    ratings: list[tuple[int, int, float, int]],
    movies: list[tuple[int, str, str]],
    tags: list[tuple[int, int, str, int]] | None = None,
) -> Path:
    """Write ratings.csv / movies.csv (/ tags.csv) in the ml-latest layout."""
    folder.mkdir(parents=True, exist_ok=True)
    pd.DataFrame(ratings, columns=["userId", "movieId", "rating", "timestamp"]).to_csv(
        folder / "ratings.csv", index=False
    )
    pd.DataFrame(movies, columns=["movieId", "title", "genres"]).to_csv(
        folder / "movies.csv", index=False
    )
    if tags is not None:
        pd.DataFrame(tags, columns=["userId", "movieId", "tag", "timestamp"]).to_csv(
            folder / "tags.csv", index=False
        )
    return folder


@pytest.fixture
def tiny_csv(tmp_path: Path) -> Path:
    return write_csv_layout(
        tmp_path / "tiny",
        ratings=[(1, 10, 4.0, 100), (1, 20, 3.5, 200), (2, 10, 5.0, 150), (3, 30, 2.0, 50)],
        movies=[
            (10, "Alpha (1999)", "Action|Comedy"),
            (20, "Beta, The (2001)", "Drama"),
            (30, "Gamma", "(no genres listed)"),
            (40, "Delta (1950)", "Comedy"),
        ],
        tags=[(1, 10, "Funny", 1), (2, 10, "funny ", 2), (2, 20, "dark", 3)],
    )


def bundled_slice(folder: Path, num_users: int) -> Path:
    """The bundled data restricted to its first ``num_users`` users (all movies kept)."""
    source = bundled_data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    ratings = pd.read_csv(source / "ratings.csv")
    ratings[ratings["userId"] <= num_users].to_csv(folder / "ratings.csv", index=False)
    for name in ("movies.csv", "tags.csv"):
        (folder / name).write_bytes((source / name).read_bytes())
    return folder


@pytest.fixture(scope="session")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A bundle trained for a few epochs on 60 users of the bundled data: seconds, not minutes."""
    from graphrec.pipeline import train_bundle

    root = tmp_path_factory.mktemp("small")
    data = bundled_slice(root / "data", num_users=60)
    train_bundle(data, root / "artifacts", epochs=3, seed=0)
    return root / "artifacts"


@pytest.fixture
def artifacts(small_bundle: Path, tmp_path: Path) -> Path:
    """A private copy of the small bundle, so registrations, feedback and impressions do not
    leak between tests."""
    from graphrec.artifacts import point_current, resolve

    root = tmp_path / "artifacts"
    shutil.copytree(resolve(small_bundle), root / "v1")
    point_current(root, "v1")
    return root


def planted(num_users: int = 40, num_movies: int = 20, seed: int = 0) -> InteractionDataset:
    """Two communities: even users rate only movies 0..9, odd users only movies 10..19."""
    rng = np.random.default_rng(seed)
    users, movies = [], []
    for user in range(num_users):
        block = 0 if user % 2 == 0 else num_movies // 2
        chosen = rng.choice(num_movies // 2, size=6, replace=False) + block
        users += [user] * len(chosen)
        movies += chosen.tolist()
    n = len(users)
    table = MovieTable(
        titles=np.array([f"m{i}" for i in range(num_movies)], dtype=object),
        genre_names=["g"],
        genres=np.zeros((num_movies, 1), dtype=bool),  # attributes carry no signal here
        years=np.zeros(num_movies, dtype=np.int64),
    )
    return InteractionDataset(
        name="planted", user_ids=np.arange(num_users), movie_ids=np.arange(num_movies),
        users=np.array(users), movies=np.array(movies), ratings=np.full(n, 4.0, np.float32),
        timestamps=rng.integers(0, 1000, n), movie_table=table,
    )  # fmt: skip
