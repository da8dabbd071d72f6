"""The item model's weights are EASE's, kept per target movie; every way of scoring agrees."""

import numpy as np
import pytest
import torch

from graphrec.rankers.features import ITEM_COLUMN, RankingFeatures
from graphrec.rankers.history import history_csr
from graphrec.rankers.item_weights import ItemWeights
from graphrec.rankers.models import CrossScale
from tests.conftest import planted


def random_interactions(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    users, movies = rng.integers(0, 30, 300), rng.integers(0, 12, 300)
    return users, movies


def dense_ease(users: np.ndarray, movies: np.ndarray, lam: float) -> np.ndarray:
    """``B[s, t]``, straight from the paper's formula in float64."""
    x = np.zeros((30, 12))
    x[users, movies] = 1.0
    p = np.linalg.inv(x.T @ x + lam * np.eye(12))
    b = -p / np.diag(p)[None, :]
    np.fill_diagonal(b, 0.0)
    return b


def test_all_sources_kept_is_dense_ease() -> None:
    users, movies = random_interactions()
    weights = ItemWeights.fit(users, movies, 30, 12, lam=5.0, sources=11)
    assert np.allclose(weights.by_target.toarray().T, dense_ease(users, movies, 5.0), atol=1e-5)
    assert weights.lam == 5.0


def test_each_target_keeps_its_strongest_sources() -> None:
    users, movies = random_interactions()
    full = dense_ease(users, movies, 5.0)
    kept = ItemWeights.fit(users, movies, 30, 12, lam=5.0, sources=3).by_target.toarray()
    for target in range(12):
        strongest = np.argsort(-np.abs(full[:, target]))[:3]
        assert set(np.flatnonzero(kept[target])) == set(strongest)


def test_only_the_most_rated_movies_enter() -> None:
    users, movies = random_interactions()
    pairs = np.unique(np.column_stack([users, movies]), axis=0)
    degrees = np.bincount(pairs[:, 1], minlength=12)  # users who rated each movie
    weights = ItemWeights.fit(users, movies, 30, 12, lam=5.0, max_movies=4).by_target
    inside = np.argsort(-degrees, kind="stable")[:4]
    outside = np.setdiff1d(np.arange(12), inside)
    assert weights[outside].nnz == 0 and weights[:, outside].nnz == 0
    assert weights[inside].nnz == 4 * 3


def test_movies_too_few_users_rated_neither_give_nor_get() -> None:
    users, movies = random_interactions()
    users, movies = np.append(users, [0, 1]), np.append(movies, [12, 12])  # two users rate 12
    weights = ItemWeights.fit(users, movies, 30, 13, lam=5.0, min_users=3).by_target
    assert weights[12].nnz == 0 and weights[:, 12].nnz == 0
    kept = ItemWeights.fit(users, movies, 30, 13, lam=5.0, min_users=2).by_target
    assert kept[12].nnz > 0 and kept[:, 12].nnz > 0


def test_user_and_pair_scores_agree_with_the_product() -> None:
    users, movies = random_interactions(1)
    weights = ItemWeights.fit(users, movies, 30, 12, lam=2.0, sources=5)
    indptr, history = history_csr(users, movies, 30)
    x = np.zeros((30, 12), dtype=np.float32)
    x[users, movies] = 1.0  # a repeated pair counts once
    expected = x @ weights.by_target.toarray().T
    pair_users, pair_movies = np.repeat(np.arange(30), 12), np.tile(np.arange(12), 30)
    pairs = weights.pair_scores(indptr, history, pair_users, pair_movies)
    assert np.allclose(pairs, expected.ravel(), atol=1e-5)
    for user in (0, 7, 29):
        rated = history[indptr[user] : indptr[user + 1]]
        assert np.allclose(weights.user_scores(rated, np.arange(12)), expected[user], atol=1e-5)


def test_rows_past_the_catalogue_give_and_get_nothing() -> None:
    users, movies = random_interactions()
    weights = ItemWeights.fit(users, movies, 30, 12, lam=5.0)
    known = weights.user_scores(np.array([0, 1]), np.array([2, 3]))
    with_new = weights.user_scores(np.array([0, 1, 12]), np.array([2, 12, 3]))
    assert np.allclose(with_new, [known[0], 0.0, known[1]])


def test_bad_lambda_and_empty_data() -> None:
    with pytest.raises(ValueError, match=r"ItemWeights.*positive ridge"):
        ItemWeights.fit(np.array([0]), np.array([0]), 1, 3, lam=0.0)
    empty = ItemWeights.fit(np.array([], int), np.array([], int), 2, 3, lam=1.0)
    assert empty.by_target.nnz == 0 and empty.by_target.shape == (3, 3)
    assert (empty.pair_scores(np.zeros(3, int), np.array([], int), np.array([0]), np.array([1]))
            == 0).all()  # fmt: skip


def test_features_cross_carries_the_item_score() -> None:
    data = planted()
    weights = ItemWeights.fit(data.users, data.movies, 40, 20, lam=10.0)
    features = RankingFeatures.build(
        data.movie_table, data.users, data.movies, data.ratings, np.ones((40, 4)),
        np.ones((20, 4)), item_weights=weights,
    )  # fmt: skip
    pair_users, pair_movies = np.array([0, 1, 2]), np.array([5, 15, 9])
    cross = features.cross(pair_users, pair_movies, np.zeros(3, int))
    expected = weights.pair_scores(
        features.history_indptr, features.history_movies, pair_users, pair_movies
    )
    assert np.allclose(cross[:, ITEM_COLUMN], expected)
    # The planted communities: even users rate movies 0-9, odd users 10-19.
    assert cross[0, ITEM_COLUMN] > 0 and cross[1, ITEM_COLUMN] > 0
    assert (
        cross[0, ITEM_COLUMN]
        > features.cross(np.array([0]), np.array([15]), np.zeros(1, int))[0, ITEM_COLUMN]
    )


def test_cross_scale_standardises_then_stays() -> None:
    scale = CrossScale(2)
    cross = torch.tensor([[1.0, 10.0], [3.0, 30.0], [5.0, 50.0]])
    scale.fit(cross)
    out = scale(cross)
    assert torch.allclose(out.mean(0), torch.zeros(2), atol=1e-6)
    assert torch.allclose(out.std(0), torch.ones(2))
    assert torch.allclose(scale(torch.tensor([[3.0, 30.0]])), torch.zeros(1, 2))
    assert set(dict(scale.named_buffers())) == {"mean", "scale"}, "saved with the weights"
