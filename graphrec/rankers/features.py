"""Ranking features from training interactions only: user, movie, and their crossings.

Everything here is computed from the interactions passed in, which must be the training side,
so no later rating can reach a feature (a test plants one and checks).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from graphrec.data.dataset import MovieTable
from graphrec.popularity import log_popularity
from graphrec.rankers.history import history_csr, max_similarity
from graphrec.rankers.item_weights import ItemWeights
from graphrec.recall_score import RecallScore
from graphrec.recency import RecentTerm, with_recency

#: Leading scalar columns of ``user_dense`` and ``movie_dense``; genre columns follow.
USER_SCALARS, MOVIE_SCALARS = 3, 4
#: Years are centred and scaled so that a 30-year gap is 1.
YEAR_CENTRE, YEAR_SCALE = 1990.0, 30.0
#: Columns of :meth:`RankingFeatures.cross`: the recall score and rank, and the item model's
#: score, among them.
CROSS_COLUMNS = 7
RECALL_COLUMNS = (3, 4)
ITEM_COLUMN = 6
#: Recall ranks are scaled so that the 200th candidate sits at about 1.
RANK_SCALE = float(np.log1p(200))


@dataclass(frozen=True)
class RankingFeatures:
    """Dense features per user and per movie, plus the graph embeddings.

    Attributes:
        user_dense: ``(num_users, 3 + G)``: log rating count, centred mean rating, mean year of
            their movies, favourite-genre distribution.
        movie_dense: ``(num_movies, 4 + G)``: scaled year, missing-year flag, log popularity,
            centred mean rating, genres multi-hot.
        user_embeddings: ``(num_users, d)`` graph embeddings.
        movie_embeddings: ``(num_movies, d)`` graph embeddings.
        num_genres: ``G``.
        popularity: ``(num_movies,)`` log popularity over the interactions given.
        recall_weight: Weight of ``popularity`` in the recall score.
        history_indptr, history_movies: Each user's rated movies (CSR) among those given.
        global_mean: Mean rating of the interactions given (ratings are centred on it).
        item_weights: Item-to-item weights fitted on the interactions given (none by default).
        recent: The recall score's recency term over the interactions given
            (graphrec.recency); ``None``: the score has none.
    """

    user_dense: np.ndarray
    movie_dense: np.ndarray
    user_embeddings: np.ndarray
    movie_embeddings: np.ndarray
    num_genres: int
    popularity: np.ndarray
    recall_weight: float
    history_indptr: np.ndarray
    history_movies: np.ndarray
    global_mean: float = 0.0
    item_weights: ItemWeights = field(default_factory=lambda: ItemWeights.empty(0))
    recent: RecentTerm | None = None

    @property
    def recall(self) -> RecallScore:
        """The recall score these features' candidates are recalled by."""
        score = RecallScore(
            self.user_embeddings, self.movie_embeddings, self.popularity, self.recall_weight
        )
        return score if self.recent is None else with_recency(score, self.recent)

    @classmethod
    def build(
        cls,
        table: MovieTable,
        users: np.ndarray,
        movies: np.ndarray,
        ratings: np.ndarray,
        user_embeddings: np.ndarray,
        movie_embeddings: np.ndarray,
        recall_weight: float = 0.0,
        item_weights: ItemWeights | None = None,
        recent: RecentTerm | None = None,
    ) -> RankingFeatures:
        """From training interactions ``(users, movies, ratings)``, trained embeddings, the
        popularity weight and recency term of the recall score and item weights fitted on
        the same interactions."""
        num_users, num_movies = len(user_embeddings), len(movie_embeddings)
        global_mean = float(ratings.mean()) if len(ratings) else 0.0
        genres = table.genres.astype(np.float32)
        years = table.years.astype(np.float32)
        known = years > 0
        scaled_year = np.where(known, (years - YEAR_CENTRE) / YEAR_SCALE, 0.0).astype(np.float32)

        movie_count = np.bincount(movies, minlength=num_movies).astype(np.float32)
        movie_mean = _mean(movies, ratings, movie_count, global_mean)
        movie_dense = np.column_stack(
            [scaled_year, ~known, np.log1p(movie_count) / 5.0, movie_mean, genres]
        ).astype(np.float32)
        indptr, history = history_csr(users, movies, num_users)
        return cls(
            user_dense=user_dense(movie_dense, users, movies, ratings, num_users, global_mean),
            movie_dense=movie_dense,
            user_embeddings=user_embeddings.astype(np.float32),
            movie_embeddings=movie_embeddings.astype(np.float32),
            num_genres=genres.shape[1],
            popularity=log_popularity(movie_count),
            recall_weight=float(recall_weight),
            history_indptr=indptr,
            history_movies=history,
            global_mean=global_mean,
            item_weights=item_weights or ItemWeights.empty(num_movies),
            recent=recent,
        )

    def cross(self, users: np.ndarray, movies: np.ndarray, ranks: np.ndarray) -> np.ndarray:
        """``(n, 7)``: genre match, year distance, graph-embedding dot product, recall score,
        scaled recall rank, the largest embedding similarity to a movie the user rated, and
        the item model's score (graphrec.rankers.item_weights).

        The recall score and rank let a ranker keep the recall order where it knows nothing
        better; ``ranks`` is each movie's 0-based position among its user's candidates.
        """
        indptr, history = self.history_indptr, self.history_movies
        nearest = max_similarity(indptr, history, self.movie_embeddings, users, movies)
        item = self.item_weights.pair_scores(indptr, history, users, movies)
        return self.cross_of(
            self.user_dense[users], self.user_embeddings[users], movies, ranks, nearest, item
        )

    def cross_of(
        self,
        user_dense: np.ndarray,
        user_embedding: np.ndarray,
        movies: np.ndarray,
        ranks: np.ndarray,
        nearest: np.ndarray,
        item: np.ndarray,
    ) -> np.ndarray:
        """:meth:`cross` from the users' own rows (``(n, ·)`` each), for users the tables do
        not hold (live and session users); ``nearest`` and ``item``, the last two columns,
        given."""
        user_genres = user_dense[:, USER_SCALARS:]
        movie_genres = self.movie_dense[movies, MOVIE_SCALARS:]
        match = (user_genres * movie_genres).sum(axis=1) / np.maximum(movie_genres.sum(axis=1), 1)
        dated = self.movie_dense[movies, 1] == 0
        gap = np.abs(user_dense[:, 2] - self.movie_dense[movies, 0])
        distance = np.where(dated, gap, 0.0)
        dot = (user_embedding * self.movie_embeddings[movies]).sum(axis=1)
        recall = dot + self.recall_weight * self.popularity[movies]
        rank = np.log1p(ranks) / RANK_SCALE
        columns = [match, distance, dot, recall, rank, nearest, item]
        return np.column_stack(columns).astype(np.float32)


def user_dense(
    movie_dense: np.ndarray,
    users: np.ndarray,
    movies: np.ndarray,
    ratings: np.ndarray,
    num_users: int,
    global_mean: float,
) -> np.ndarray:
    """``(num_users, 3 + G)`` user rows of :attr:`RankingFeatures.user_dense` from interactions
    ``(users, movies, ratings)``; a NaN rating (a click) counts for everything but the mean.

    Movie genres and years are read off ``movie_dense``'s columns, so that a user row made at
    serving time from live interactions is the one training would have made.
    """
    genres = movie_dense[:, MOVIE_SCALARS:]
    scaled_year, known = movie_dense[:, 0], movie_dense[:, 1] == 0
    count = np.bincount(users, minlength=num_users).astype(np.float32)
    rated = ~np.isnan(ratings)
    rated_count = np.bincount(users[rated], minlength=num_users).astype(np.float32)
    mean = _mean(users[rated], ratings[rated], rated_count, global_mean)
    # Sums per user by sorting once and adding runs: no Python loop, no sparse-matrix set-up
    # (which cost a one-event feedback request most of its time).
    order = np.argsort(users, kind="stable")
    starts = np.searchsorted(users[order], np.arange(num_users))
    present = count > 0
    genre_mass = np.zeros((num_users, genres.shape[1]), dtype=np.float64)
    dated = np.zeros(num_users, dtype=np.float64)
    year_sum = np.zeros(num_users, dtype=np.float64)
    if len(users):
        at = starts[present]
        sorted_movies = movies[order]
        genre_mass[present] = np.add.reduceat(genres[sorted_movies], at, axis=0)
        dated[present] = np.add.reduceat(known[sorted_movies].astype(np.float64), at)
        year_sum[present] = np.add.reduceat(scaled_year[sorted_movies].astype(np.float64), at)
    genre_share = genre_mass / np.maximum(genre_mass.sum(axis=1, keepdims=True), 1e-9)
    mean_year = year_sum / np.maximum(dated, 1.0)
    return np.column_stack([np.log1p(count) / 5.0, mean, mean_year, genre_share]).astype(np.float32)


def _mean(
    index: np.ndarray, ratings: np.ndarray, counts: np.ndarray, fallback: float
) -> np.ndarray:
    sums = np.bincount(index, weights=ratings, minlength=len(counts))
    return (np.where(counts > 0, sums / np.maximum(counts, 1), fallback) - fallback) / 2.0


def unrated_movie_dense(genres: np.ndarray, year: int | None) -> np.ndarray:
    """``(4 + G,)`` the :attr:`RankingFeatures.movie_dense` row of a movie nobody rated (a
    registered cold movie): its year and genres, no popularity, the mean rating's fallback."""
    known = year is not None and year > 0
    scaled = (year - YEAR_CENTRE) / YEAR_SCALE if year is not None and known else 0.0
    return np.concatenate([[scaled, not known, 0.0, 0.0], genres]).astype(np.float32)
