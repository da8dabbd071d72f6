"""Training on planted communities: the right answer is known."""

import numpy as np
import pytest

from graphrec.popularity import WEIGHT_GRID
from graphrec.train import SageConfig, SageTrainer
from tests.conftest import planted


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


def test_popularity_weights_and_half_life_are_chosen_on_validation() -> None:
    data = planted()
    config = SageConfig(dim=8, epochs=2, batch_size=64, val_fraction=0.34, val_k=3)
    trainer = SageTrainer(data, config)
    result = trainer.fit()
    choice = trainer.choose_recall()  # best weights are back in the model
    assert (result.half_life, result.popularity_weights) == (choice.half_life, choice.weights)
    assert result.popularity_weights.user in WEIGHT_GRID
    assert result.popularity_weights.item in WEIGHT_GRID
    assert result.half_life in config.half_lives
    assert np.allclose(result.popularity, np.log1p(np.bincount(data.movies, minlength=20)))


def test_an_epoch_runs_at_most_epoch_steps_over_a_fresh_share_of_ratings() -> None:
    data = planted()
    trainer = SageTrainer(data, SageConfig(dim=8, batch_size=8, epoch_steps=3))
    batches: list[np.ndarray] = []
    run = trainer._batch_loss

    def counted(batch, negatives, histories):  # type: ignore[no-untyped-def]
        batches.append(batch)
        return run(batch, negatives, histories)

    trainer._batch_loss = counted  # type: ignore[method-assign]
    trainer.train_epoch()
    assert [len(b) for b in batches] == [8, 8, 8]  # 3 of the epoch's many steps
    first = set(np.concatenate(batches).tolist())
    trainer.train_epoch()
    assert len(batches) == 6
    assert set(np.concatenate(batches[3:]).tolist()) != first  # drawn afresh each epoch
    assert len(trainer.fit_edges[0]) > 6 * 8
