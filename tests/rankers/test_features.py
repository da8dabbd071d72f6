"""Ranking features come from training interactions only."""

import numpy as np
import pytest

from graphrec.data.dataset import InteractionDataset
from graphrec.eval.protocols import make_split
from graphrec.rankers.features import (
    CROSS_COLUMNS,
    MOVIE_SCALARS,
    RECALL_COLUMNS,
    RankingFeatures,
)
from graphrec.train.config import SageConfig
from graphrec.train.ranker_training import RankerConfig
from graphrec.train.two_stage import train_two_stage
from tests.conftest import planted


def with_future_rating(data: InteractionDataset, user: int, movie: int) -> InteractionDataset:
    """``data`` plus one rating later than every other, of a movie the user had not rated."""
    return InteractionDataset(
        name=data.name, user_ids=data.user_ids, movie_ids=data.movie_ids,
        users=np.append(data.users, user), movies=np.append(data.movies, movie),
        ratings=np.append(data.ratings, 5.0).astype(np.float32),
        timestamps=np.append(data.timestamps, data.timestamps.max() + 10**6),
        movie_table=data.movie_table,
    )  # fmt: skip


def test_a_planted_future_rating_reaches_no_feature() -> None:
    data = with_future_rating(planted(num_movies=21), user=0, movie=20)  # nobody else rated 20
    split = make_split(data, "temporal")
    assert 20 in split.test.movies[split.test.users == 0], "the planted rating is on the test side"
    config = SageConfig(dim=8, epochs=2, batch_size=64, val_k=3)
    features = train_two_stage(split.train, config, RankerConfig(epochs=2)).rankers.features
    popularity, mean_rating = features.movie_dense[20, 2:MOVIE_SCALARS]
    assert popularity == 0 and mean_rating == 0, "movie 20 looks unrated"
    rated_by_user_0 = int((split.train.users == 0).sum())
    assert features.user_dense[0, 0] == np.float32(np.log1p(rated_by_user_0) / 5.0)
    assert features.user_dense[0, 0] < np.float32(np.log1p(rated_by_user_0 + 1) / 5.0)


def test_features_count_only_what_they_are_given() -> None:
    data = planted()
    table = data.movie_table
    users, movies = np.array([0, 0, 1]), np.array([3, 4, 3])
    features = RankingFeatures.build(
        table, users, movies, np.array([4.0, 2.0, 5.0]), np.ones((40, 4)), np.ones((20, 4)),
        recall_weight=0.5,
    )  # fmt: skip
    popularity = features.movie_dense[:, MOVIE_SCALARS - 2]
    assert popularity[3] > popularity[4] > 0 and popularity[5] == 0
    cross = features.cross(np.array([0, 0]), np.array([3, 5]), np.array([0, 200]))
    assert cross.shape == (2, CROSS_COLUMNS) and cross[0, 2] == 4.0  # embedding dot product
    recall, rank = RECALL_COLUMNS
    assert cross[0, recall] == pytest.approx(4.0 + 0.5 * np.log(3)), "two ratings of movie 3"
    assert cross[1, recall] == 4.0, "movie 5 is unrated here"
    assert cross[0, rank] == 0 and cross[1, rank] == pytest.approx(1.0)
    assert np.allclose(features.recall.pair_scores(np.array([0, 0]), np.array([3, 5])),
                       cross[:, recall])  # fmt: skip
