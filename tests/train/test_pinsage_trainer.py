"""PinSAGE training on planted communities, its batches and its user vectors."""

import numpy as np
import pytest

from graphrec.popularity import WEIGHT_GRID
from graphrec.train.config import PinSageConfig
from graphrec.train.pinsage_batches import PairBatches, bag_pairs, history_pairs
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.user_vectors import (
    Whitening,
    interaction_weights,
    popularity_gram,
    user_vectors,
)
from tests.conftest import planted

TINY = PinSageConfig(
    dim=16, walks_per_movie=16, walk_length=4, top_t=4, hard_ranks=(4, 8), num_negatives=8,
    batch_size=32, lr=0.02, epochs=12, patience=12, val_fraction=0.34, val_k=3, workers=0,
)  # fmt: skip


@pytest.mark.parametrize("loss", ["softmax", "margin"])
def test_separates_planted_communities(loss: str) -> None:
    result = PinSageTrainer(planted(), TINY.model_copy(update={"loss": loss})).fit()
    movies = result.movie_embeddings
    assert movies.shape == (20, 16)
    assert np.allclose(np.linalg.norm(movies, axis=1), 1.0, atol=1e-5)
    similarity = movies @ movies.T
    np.fill_diagonal(similarity, -np.inf)
    nearest = similarity.argmax(axis=1)
    assert ((nearest < 10) == (np.arange(20) < 10)).mean() >= 0.9
    # A user's vector is closest to their own community's movies.
    users = result.user_embeddings
    block = np.arange(40) % 2 == 1
    assert ((users @ movies.T).argmax(axis=1) >= 10).tolist() == block.tolist()
    assert result.history[-1]["loss"] < result.history[0]["loss"]


def test_workers_do_not_change_the_result() -> None:
    config = TINY.model_copy(update={"epochs": 2})
    alone = PinSageTrainer(planted(), config).fit().movie_embeddings
    helped = PinSageTrainer(planted(), config.model_copy(update={"workers": 1})).fit()
    assert np.array_equal(alone, helped.movie_embeddings)


def test_batches_hold_hard_negatives_from_the_second_epoch() -> None:
    trainer = PinSageTrainer(planted(), TINY)
    first = PairBatches(
        trainer.queries, trainer.positives, trainer.sampling, batch_size=16, num_hard=0,
        epoch=1, seed=0,
    )[0]  # fmt: skip
    later = PairBatches(
        trainer.queries, trainer.positives, trainer.sampling, batch_size=16, num_hard=2,
        epoch=2, seed=0,
    )[0]  # fmt: skip
    assert first.hard.shape == (16, 0)
    assert later.hard.shape == (16, 2) and bool(later.hard_mask.any())
    targets = later.movies[: later.layers[-1].num_dst]
    query = targets[later.query]
    positive = targets[later.positive]
    assert query.shape == (16, TINY.window) and bool(later.query_mask[:, 0].all())
    assert not (targets[later.hard] == positive[:, None])[later.hard_mask].any()


def test_a_query_is_the_users_previous_movies_latest_first() -> None:
    users = np.array([0, 0, 0, 1, 1])
    movies = np.array([5, 6, 7, 8, 9])
    times = np.array([3, 1, 2, 0, 0])
    queries, positives = history_pairs(users, movies, times, window=1)
    pairs = sorted(zip(queries[:, 0].tolist(), positives.tolist(), strict=True))
    assert pairs == [(6, 7), (7, 5), (8, 9)]
    queries, positives = history_pairs(users, movies, times, window=2)
    assert queries.shape == (3, 2)
    rows = dict(zip(positives.tolist(), queries.tolist(), strict=True))
    assert rows == {7: [6, -1], 5: [7, 6], 9: [8, -1]}
    # A movie rated again is no query of its own later rating.
    queries, positives = history_pairs(
        np.array([0, 0, 0]), np.array([5, 6, 5]), np.array([0, 1, 2]), window=2
    )
    rows = dict(zip(positives.tolist(), queries.tolist(), strict=True))
    assert rows == {6: [5, -1], 5: [6, -1]}


def test_a_bag_query_is_other_movies_of_the_same_user() -> None:
    users = np.array([0, 1, 0, 2, 0, 1, 3, 3])
    movies = np.array([5, 8, 6, 10, 7, 9, 11, 11])
    queries, positives = bag_pairs(users, movies, window=6, seed=0)
    # Every rating of a user with another movie is a positive: user 2 has one rating, and
    # user 3 rated one movie twice, which is no query of itself.
    assert sorted(positives.tolist()) == [5, 6, 7, 8, 9]
    owner = {5: 0, 6: 0, 7: 0, 8: 1, 9: 1}
    for query, positive in zip(queries.tolist(), positives.tolist(), strict=True):
        drawn = [m for m in query if m >= 0]
        assert query[0] >= 0 and positive not in drawn
        assert {owner[m] for m in drawn} == {owner[positive]}
    assert set(queries[positives == 8].ravel().tolist()) == {9}  # a short history repeats
    again, _ = bag_pairs(users, movies, window=6, seed=0)
    assert np.array_equal(again, queries), "the same seed draws the same queries"
    assert queries.dtype == np.int32


@pytest.mark.parametrize(
    ("when", "cut", "with_bags"),
    [
        ("random-cut", "random", True), ("random-cut", "temporal", False),
        ("always", "temporal", True), ("never", "random", False),
    ],
)  # fmt: skip
def test_bag_pairs_join_the_history_pairs_when_configured(
    when: str, cut: str, with_bags: bool
) -> None:
    data = planted(seed=0)
    config = TINY.model_copy(update={"bag_pairs": when, "val_cut": cut})
    trainer = PinSageTrainer(data, config)
    fit = trainer.fit_mask
    history, _ = history_pairs(data.users[fit], data.movies[fit], data.timestamps[fit], TINY.window)
    bags, _ = bag_pairs(data.users[fit], data.movies[fit], TINY.window, seed=TINY.seed)
    assert len(trainer.queries) == len(history) + (len(bags) if with_bags else 0)
    assert trainer.uses_bag_pairs is with_bags


def test_user_vectors_weight_recent_ratings_more() -> None:
    users, times = np.array([0, 0, 0]), np.array([10, 30, 20])
    assert np.allclose(interaction_weights(users, times, half_life=1.0), [0.25, 1.0, 0.5])
    movie_vectors = np.eye(3, dtype=np.float32)
    plain = user_vectors(movie_vectors, users, np.array([0, 1, 2]), times, 2)
    decayed = user_vectors(movie_vectors, users, np.array([0, 1, 2]), times, 2, half_life=1.0)
    assert np.allclose(plain[0], np.ones(3) / np.sqrt(3))
    assert decayed[0].argmax() == 1
    assert np.all(plain[1] == 0), "a user with no ratings gets zeros"


def test_trained_embeddings_carry_log_popularity_and_grid_weights() -> None:
    dataset = planted()
    result = PinSageTrainer(dataset, TINY.model_copy(update={"epochs": 1})).fit()
    assert np.allclose(result.popularity, np.log1p(np.bincount(dataset.movies, minlength=20)))
    assert result.popularity_weights.user in WEIGHT_GRID
    assert result.popularity_weights.item in WEIGHT_GRID
    assert result.half_life in TINY.half_lives


def test_user_vectors_are_the_chosen_mean_whitened_or_not() -> None:
    data = planted()
    result = PinSageTrainer(data, TINY.model_copy(update={"epochs": 2})).fit()
    grid = [Whitening(beta, ridge) for beta, ridge in TINY.whitenings]
    assert result.whitening is None or result.whitening in grid
    gram = popularity_gram(result.movie_embeddings, np.bincount(data.movies, minlength=20))
    expected = user_vectors(
        result.movie_embeddings, data.users, data.movies, data.timestamps, data.num_users,
        result.half_life, result.whitening, gram,
    )  # fmt: skip
    assert np.allclose(result.user_embeddings, expected, atol=1e-6)
