"""Training on planted communities: the right answer is known."""

import numpy as np
import pytest

from graphrec.data.dataset import InteractionDataset, MovieTable
from graphrec.train import SageConfig, SageTrainer


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


@pytest.mark.parametrize("loss", ["softmax", "bpr"])
def test_separates_planted_communities(loss: str) -> None:
    data = planted()
    config = SageConfig(
        dim=16,
        epochs=30,
        batch_size=64,
        lr=0.02,
        loss=loss,
        val_fraction=0.34,
        val_k=3,
        patience=10,
    )
    result = SageTrainer(data, config).fit()
    movies = result.movie_embeddings
    assert movies.shape == (20, 16)
    assert np.allclose(np.linalg.norm(movies, axis=1), 1.0, atol=1e-5)
    similarity = movies @ movies.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)
    same_block = (nearest < 10) == (np.arange(20) < 10)
    assert same_block.mean() >= 0.9
    losses = [h["loss"] for h in result.history]
    assert losses[-1] < losses[0]
    assert 1 <= result.best_epoch <= len(result.history)


def test_is_reproducible_with_a_seed() -> None:
    data = planted()
    config = SageConfig(dim=8, epochs=2, batch_size=64)
    first = SageTrainer(data, config).fit().movie_embeddings
    second = SageTrainer(data, config).fit().movie_embeddings
    assert np.array_equal(first, second)
