import numpy as np
import pytest

from graphrec.data import load_movielens
from graphrec.data.features import movie_features
from graphrec.data.splits import per_user_latest


def test_per_user_latest_takes_each_users_newest() -> None:
    users = np.array([0, 0, 0, 0, 0, 1, 1, 2])
    times = np.array([5, 1, 4, 2, 3, 7, 9, 1])
    mask = per_user_latest(users, times, 0.4)
    # user 0: floor(0.4*5)=2 newest (times 5, 4); user 1: floor(0.8)=0; user 2 keeps its only one
    assert mask.tolist() == [True, False, True, False, False, False, False, False]


def test_per_user_latest_keeps_min_and_rejects_bad_fraction() -> None:
    users = np.zeros(3, dtype=np.int64)
    assert per_user_latest(users, np.arange(3), 0.99).sum() == 2
    with pytest.raises(ValueError, match="fraction"):
        per_user_latest(users, np.arange(3), 1.0)


def test_movie_features_use_only_given_interactions(tiny_csv) -> None:
    data = load_movielens(tiny_csv)
    full = movie_features(data.movie_table, data.movies, data.ratings)
    without_movie_0 = data.movies != 0
    part = movie_features(
        data.movie_table, data.movies[without_movie_0], data.ratings[without_movie_0]
    )
    assert full.shape == part.shape and full.dtype == np.float32
    num_genres = len(data.movie_table.genre_names)
    assert full[0, :num_genres].tolist() == [1.0, 1.0, 0.0]
    assert not np.allclose(full[0], part[0])  # popularity of movie 0 came from its ratings
    assert np.allclose(full[3], part[3])  # an unrated movie's row does not depend on others
