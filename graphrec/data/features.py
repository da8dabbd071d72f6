"""Movie attribute features: genres, release year, tags, and training-only popularity and rating.

Popularity and mean rating come from the interactions passed in, which must be training
interactions only, so that no held-out rating leaks into a feature.
"""

from __future__ import annotations

import numpy as np

from graphrec.data.dataset import MovieTable

#: Decades one-hot encoded for the release year, the first and last open-ended.
DECADES = np.arange(1920, 2030, 10)
#: The most used tags kept as feature columns; rarer ones add width, not signal.
MAX_TAG_FEATURES = 128


def movie_features(
    table: MovieTable,
    movies: np.ndarray,
    ratings: np.ndarray,
    *,
    max_tags: int = MAX_TAG_FEATURES,
) -> np.ndarray:
    """Dense feature matrix, one row per movie of ``table``.

    Args:
        table: The catalogue's attributes.
        movies: Contiguous movie index of each training interaction, ``(num_interactions,)``.
        ratings: Rating of each training interaction, ``(num_interactions,)``.
        max_tags: How many of the most used tags become columns.

    Returns:
        ``(num_movies, num_features)`` float32: genres, decade one-hot, scaled year and a
        missing-year flag, log popularity, centred mean rating, log tag counts.
    """
    num_movies = len(table.titles)
    genres = table.genres.astype(np.float32)
    years = table.years.astype(np.float32)
    known_year = years > 0
    decade = np.zeros((num_movies, len(DECADES) + 1), dtype=np.float32)
    decade[np.flatnonzero(known_year), np.searchsorted(DECADES, years[known_year], "right")] = 1.0
    scaled_year = np.where(known_year, (years - 1990.0) / 30.0, 0.0).astype(np.float32)
    counts = np.bincount(movies, minlength=num_movies).astype(np.float32)
    sums = np.bincount(movies, weights=ratings, minlength=num_movies).astype(np.float32)
    global_mean = float(ratings.mean()) if len(ratings) else 0.0
    mean_rating = np.where(counts > 0, sums / np.maximum(counts, 1), global_mean)
    popularity = np.log1p(counts) / max(1.0, float(np.log1p(counts.max(initial=0.0))))
    columns: list[np.ndarray] = [
        genres,
        decade,
        scaled_year[:, None],
        (~known_year).astype(np.float32)[:, None],
        popularity[:, None],
        ((mean_rating - global_mean) / 2.0).astype(np.float32)[:, None],
        _tag_columns(table, num_movies, max_tags),
    ]
    return np.concatenate(columns, axis=1).astype(np.float32)


def _tag_columns(table: MovieTable, num_movies: int, max_tags: int) -> np.ndarray:
    movie_index, tag_index, counts = table.tag_counts
    if len(counts) == 0 or max_tags <= 0:
        return np.zeros((num_movies, 0), dtype=np.float32)
    usage = np.bincount(tag_index, weights=counts, minlength=len(table.tag_names))
    top = np.argsort(-usage, kind="stable")[:max_tags]
    column_of = np.full(len(table.tag_names), -1, dtype=np.int64)
    column_of[top] = np.arange(len(top))
    keep = column_of[tag_index] >= 0
    dense = np.zeros((num_movies, len(top)), dtype=np.float32)
    np.add.at(dense, (movie_index[keep], column_of[tag_index[keep]]), np.log1p(counts[keep]))
    return dense
