"""Judges of item-to-item lists that popularity alone cannot win.

Next-item hit rewards whatever the next movie tends to be, and the next movie is most often a
popular one: a list of the year's blockbusters scores well on it for every query. These judges
look at a movie's own list instead, each query a movie with at least
:data:`~graphrec.data.franchises.MIN_RATINGS` training ratings:

- ``franchise_recall@k``: for a movie of a franchise (graphrec.data.franchises), the share of
  its franchise mates in its top k;
- ``genre_jaccard@k``: the mean Jaccard overlap of the query's genres with each neighbour's;
- ``neighbour_popularity@k``: the median popularity percentile of the query's neighbours
  (0 = the most rated movie, 1 = the least), averaged over queries: higher means less
  popular neighbours, a list that does not lean on the blockbusters;
- ``similar_coverage@k``: the share of the catalogue found in any query's list.

Lists leave the query itself out and nothing else (there is no user to exclude).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
import torch

from graphrec.data.franchises import MIN_RATINGS, franchise_groups, franchise_recall
from graphrec.eval.intervals import Sample
from graphrec.eval.metrics import coverage
from graphrec.popularity import popularity_percentile
from graphrec.train.topk import similar_lists

#: Scores of a batch of query movies over all movies, ``(len(movies), num_movies)``.
ItemScores = Callable[[np.ndarray], torch.Tensor]


@dataclass(frozen=True)
class JudgeQueries:
    """What the judges need from the training side.

    Attributes:
        movies: Query movies (``MIN_RATINGS`` or more training ratings), ``(n,)``.
        franchise: Franchise number of every movie (``-1``: none), ``(num_movies,)``.
        genres: Multi-hot genres, ``(num_movies, num_genres)`` of bool.
        percentile: Popularity percentile of every movie by training ratings, 0 = most rated,
            ``(num_movies,)``.
    """

    movies: np.ndarray
    franchise: np.ndarray
    genres: np.ndarray
    percentile: np.ndarray

    @classmethod
    def build(cls, titles: np.ndarray, genres: np.ndarray, degrees: np.ndarray,
              min_ratings: int = MIN_RATINGS) -> JudgeQueries:  # fmt: skip
        """Queries and ground truth from titles, genres and training degrees."""
        degrees = np.asarray(degrees)
        return cls(
            movies=np.flatnonzero(degrees >= min_ratings),
            franchise=franchise_groups(titles, degrees, min_ratings),
            genres=np.asarray(genres, dtype=bool),
            percentile=popularity_percentile(degrees),
        )


def judge_samples(scores: ItemScores, queries: JudgeQueries, k: int) -> dict[str, Sample]:
    """Each judge's units for one model's item-to-item scores (module docstring)."""
    q = queries
    lists = similar_lists(scores, q.movies, k)
    samples: dict[str, Sample] = {}
    samples[f"franchise_recall@{k}"] = Sample(franchise_recall(lists, q.movies, q.franchise))

    query_genres = q.genres[q.movies][:, None, :]
    neighbour_genres = q.genres[lists]
    union = (query_genres | neighbour_genres).sum(axis=2)
    overlap = (query_genres & neighbour_genres).sum(axis=2)
    jaccard = np.divide(overlap, union, out=np.zeros(union.shape), where=union > 0)
    samples[f"genre_jaccard@{k}"] = Sample(jaccard.mean(axis=1))
    samples[f"neighbour_popularity@{k}"] = Sample(np.median(q.percentile[lists], axis=1))
    samples[f"similar_coverage@{k}"] = Sample(
        lists, statistic=partial(_coverage, num_movies=len(q.percentile))
    )
    return samples


def _coverage(lists: np.ndarray, num_movies: int) -> float:
    return coverage(lists, num_movies)
