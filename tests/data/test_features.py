import numpy as np

from graphrec.data import load_movielens
from graphrec.data.features import movie_features


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
