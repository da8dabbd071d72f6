"""Both rankers overfit a tiny planted dataset: AUC rises and the planted pairs rank first."""

import dataclasses
import math

import numpy as np
import pytest
import torch
from scipy.sparse import csr_matrix

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.rankers.features import RankingFeatures
from graphrec.rankers.item_weights import ItemWeights
from graphrec.rankers.ranking import RANKERS, Rankers, build_models
from graphrec.train.ranker_training import (
    RankerConfig,
    _batches,
    _pooled,
    fit_rankers,
    listwise_loss,
    pair_figures,
)
from tests.conftest import planted


@pytest.fixture(scope="module")
def setup() -> tuple[RankingFeatures, BipartiteGraph]:
    data = planted()
    rng = np.random.default_rng(0)
    # Embeddings carry no community signal: the rankers must learn it from the labels.
    features = RankingFeatures.build(
        data.movie_table, data.users, data.movies, data.ratings,
        rng.normal(size=(40, 8)).astype(np.float32), rng.normal(size=(20, 8)).astype(np.float32),
    )  # fmt: skip
    labels = BipartiteGraph.from_interactions(data.users, data.movies, 40, 20)
    return features, labels


def all_pairs() -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    users, movies = np.meshgrid(np.arange(40), np.arange(20), indexing="ij")
    own = (users % 2 == 0) == (movies < 10)
    return users.ravel(), movies.ravel(), own.ravel()


@pytest.mark.parametrize("name", RANKERS)
def test_overfits_planted_pairs(setup: tuple[RankingFeatures, BipartiteGraph], name: str) -> None:
    features, labels = setup
    empty = BipartiteGraph.from_interactions(np.array([], int), np.array([], int), 40, 20)
    config = RankerConfig(candidates=20, hard_negatives=14, random_negatives=0, epochs=150,
                          batch_size=64, lr=0.01, validation_users=0.0, patience=150)  # fmt: skip
    torch.manual_seed(0)
    untrained = Rankers(features, build_models(
        features.user_embeddings.shape[1], features.user_dense.shape[1],
        features.movie_dense.shape[1], features.num_genres,
    ))  # fmt: skip
    trained = fit_rankers(features, empty, labels, config)
    users, movies, _ = all_pairs()
    ranks = np.zeros(len(users), dtype=np.int64)  # no recall order to lean on
    rated = np.zeros((40, 20), dtype=bool)
    rated[np.repeat(np.arange(40), labels.user_degrees()), labels.user_movies] = True
    target = rated.ravel().astype(np.float32)
    before = pair_figures(untrained.score(name, users, movies, ranks), target)
    after = pair_figures(trained.score(name, users, movies, ranks), target)
    assert after["auc"] > before["auc"]
    # Each user's six rated movies are its six best-scored.
    scores = trained.score(name, users, movies, ranks).reshape(40, 20)
    top = np.argsort(-scores, axis=1)[:, :6]
    assert np.take_along_axis(rated, top, axis=1).mean() >= 0.9


def test_auc_and_logloss_by_hand() -> None:
    figures = pair_figures(np.array([0.0, 2.0, 1.0, 1.0]), np.array([0, 1, 1, 0], np.float32))
    assert figures["auc"] == pytest.approx((1 + 1 + 0.5 + 1) / 4)
    assert math.isnan(pair_figures(np.zeros(2), np.ones(2))["auc"]), "no negatives, no AUC"


def test_a_ranker_that_learned_nothing_is_marked_not_to_serve(
    setup: tuple[RankingFeatures, BipartiteGraph],
) -> None:
    features, labels = setup
    # Recall order is perfect here: each user's rated movies score highest.
    rated = np.zeros((40, 20), dtype=np.float32)
    rated[np.repeat(np.arange(40), labels.user_degrees()), labels.user_movies] = 1.0
    perfect = RankingFeatures(
        features.user_dense, features.movie_dense, rated, np.eye(20, dtype=np.float32),
        features.num_genres, np.zeros(20, np.float32), 0.0, np.zeros(41, np.int64),
        np.zeros(0, np.int64),
    )  # fmt: skip
    empty = BipartiteGraph.from_interactions(np.array([], int), np.array([], int), 40, 20)
    untrained = RankerConfig(candidates=20, hard_negatives=14, epochs=1, lr=1e-9,
                             validation_users=0.5, patience=1)  # fmt: skip
    trained = fit_rankers(perfect, empty, labels, untrained)
    for name in RANKERS:
        figures = trained.figures[name]
        assert figures["recall_ndcg@10"] == 1.0
        assert figures["lift"] <= 0 and figures["serve"] is False, "it cannot beat recall"


def test_pairwise_batches_pair_a_positive_with_a_negative_of_its_user() -> None:
    users = np.array([0, 0, 0, 1, 1, 2])
    target = np.array([1, 0, 0, 1, 0, 1], dtype=np.float32)  # user 2 has no negative
    config = RankerConfig(loss="pairwise", pair_negatives=3, batch_size=4)
    batches = _batches(users, target, config, np.random.default_rng(0))
    positives = np.concatenate([b[0] for b in batches])
    negatives = np.concatenate([b[1] for b in batches])
    assert len(positives) == 6, "three draws for each of the two users with a negative"
    assert (target[positives] == 1).all() and (target[negatives] == 0).all()
    assert np.array_equal(users[positives], users[negatives])


def test_listwise_batches_hold_whole_users() -> None:
    users = np.repeat(np.arange(10), 3)
    target = np.tile(np.array([1, 0, 0], dtype=np.float32), 10)
    batches = _batches(users, target, RankerConfig(batch_users=4), np.random.default_rng(0))
    assert [len(np.unique(users[rows])) for (rows,) in batches] == [4, 4, 2]
    seen = np.concatenate([rows for (rows,) in batches])
    assert np.array_equal(np.sort(seen), np.arange(30)), "every pair once"
    for (rows,) in batches:
        for user in np.unique(users[rows]):
            assert (users[rows] == user).sum() == 3, "a user's list is never cut in two"


def test_listwise_loss_by_hand() -> None:
    # User 7: positive 2.0 against negatives 0.0 and 1.0; user 9: positive 0.5, no negative.
    logits = torch.tensor([2.0, 0.0, 1.0, 0.5])
    target = torch.tensor([1.0, 0.0, 0.0, 1.0])
    loss = listwise_loss(logits, np.array([7, 7, 7, 9]), target)
    expected = (-math.log(math.exp(2) / (math.exp(2) + 1 + math.e)) + 0.0) / 2
    assert loss.item() == pytest.approx(expected, rel=1e-6)
    assert listwise_loss(logits, np.array([7, 7, 7, 9]), torch.zeros(4)).item() == 0.0


def knowing(features: RankingFeatures) -> RankingFeatures:
    """``features`` with an item model that knows every answer: a movie's only weight is to
    itself, so a user's score is 1 on exactly their rated movies."""
    return dataclasses.replace(
        features, item_weights=ItemWeights(csr_matrix(np.eye(20, dtype=np.float32)), lam=1.0)
    )


def test_out_of_fold_validation_blends_in_an_item_score_the_rankers_did_not_learn(
    setup: tuple[RankingFeatures, BipartiteGraph],
) -> None:
    features, labels = setup
    # The rankers barely train; the item model knows every answer.
    knows = knowing(features)
    empty = BipartiteGraph.from_interactions(np.array([], int), np.array([], int), 40, 20)
    untrained = RankerConfig(candidates=20, hard_negatives=14, epochs=1, lr=1e-9,
                             validation_users=0.3, patience=1, item_lambdas=())  # fmt: skip
    blended = fit_rankers(knows, empty, labels, untrained)
    alone = fit_rankers(knows, empty, labels, dataclasses.replace(untrained, item_blends=(0.0,)))
    for name in RANKERS:
        assert blended.item_blends[name] > 0
        assert blended.figures[name]["item_blend"] == blended.item_blends[name]
        assert blended.figures[name]["ndcg@10"] == 1.0, "the item score orders every list"
        assert blended.figures[name]["serve"] is True
        assert alone.item_blends[name] == 0.0
        assert alone.figures[name]["ndcg@10"] < 1.0


def test_the_lift_counts_the_out_of_fold_users_too(
    setup: tuple[RankingFeatures, BipartiteGraph],
) -> None:
    features, labels = setup
    knows = knowing(features)
    empty = BipartiteGraph.from_interactions(np.array([], int), np.array([], int), 40, 20)
    # Nobody held apart: the out-of-fold users alone measure the lift.
    config = RankerConfig(candidates=20, hard_negatives=14, epochs=1, lr=1e-9,
                          validation_users=0.0, patience=1, item_lambdas=())  # fmt: skip
    for name, figures in fit_rankers(knows, empty, labels, config).figures.items():
        assert math.isnan(figures["recall_ndcg@10"]), name
        assert figures["out_of_fold_ndcg@10"] > 0.99, "the item score orders the lists"
        recall = figures["out_of_fold_recall_ndcg@10"]
        assert 0 < recall < 1
        assert figures["lift"] == pytest.approx(
            figures["out_of_fold_ndcg@10"] / recall - 1, abs=2e-3
        )
        assert figures["serve"] is True


def test_pooled_figures_weigh_parts_by_users_and_skip_unscored_ones() -> None:
    assert _pooled([(0.5, 0.4, 1), (0.2, 0.1, 3)]) == pytest.approx((0.275, 0.175))
    assert _pooled([(math.nan, 0.9, 5), (0.2, 0.1, 3)]) == pytest.approx((0.2, 0.1))
    assert all(math.isnan(x) for x in _pooled([(0.3, 0.2, 0)]))


def test_item_scores_that_say_nothing_blend_nothing_in(
    setup: tuple[RankingFeatures, BipartiteGraph],
) -> None:
    features, labels = setup  # no item weights: every item score is 0, every weight ties
    empty = BipartiteGraph.from_interactions(np.array([], int), np.array([], int), 40, 20)
    config = RankerConfig(candidates=20, hard_negatives=14, epochs=2, validation_users=0.3,
                          item_lambdas=())  # fmt: skip
    trained = fit_rankers(features, empty, labels, config)
    assert trained.item_blends == {name: 0.0 for name in RANKERS}
