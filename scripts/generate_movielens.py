"""MovieLens-shaped synthetic ratings in the ml-25m csv layout, to measure how training grows.

    python scripts/generate_movielens.py --ratings 5000000 --out /tmp/ml-5m [--seed 0]

writes ``ratings.csv`` (userId, movieId, rating, timestamp) and ``movies.csv`` (movieId,
title, genres), which `graphrec train --data DIR` reads as it reads a real release.

The shape follows ml-25m (25,000,095 ratings, 162,541 users, 59,047 movies): users grow with
the ratings (6.5 per thousand), movies with their square root (59 k at 25 M, 11.8 k at 1 M),
and both degrees are heavy-tailed: every user has at least 20 ratings and a log-normal excess
(median about 70, a few thousand at most), movies a Zipf popularity. So that models can still
be told apart, ratings follow latent tastes: 48 topics, each movie a mix of two of them (its
genres come from them), each user three with Dirichlet weights; a user's movies are drawn
from their topics in proportion to popularity, the rating from a user bias, the movie's
quality and noise, on MovieLens's half-star scale. A user rates within an active span of
log-normal length, never before a movie's year, so `temporal` cuts and next-item figures
mean what they do on the real data. Everything is vectorised and seeded.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

#: ml-25m's shape.
USERS_PER_RATING = 162_541 / 25_000_095
MOVIES_AT_25M = 59_047
NUM_TOPICS = 48
TOPICS_PER_USER = 3
MIN_USER_RATINGS = 20
GENRES = (
    "Action", "Adventure", "Animation", "Children", "Comedy", "Crime", "Documentary", "Drama",
    "Fantasy", "Film-Noir", "Horror", "IMAX", "Musical", "Mystery", "Romance", "Sci-Fi",
    "Thriller", "War", "Western",
)  # fmt: skip
FIRST_SECOND, LAST_SECOND = 822_873_600, 1_574_327_703  # ml-25m's first and last timestamps


def shape(ratings: int) -> tuple[int, int]:
    """``(users, movies)`` for ``ratings`` ratings, as ml-25m grows (module docstring)."""
    users = max(2, round(ratings * USERS_PER_RATING))
    movies = max(2, round(MOVIES_AT_25M * (ratings / 25_000_095) ** 0.5))
    return users, movies


def user_degrees(ratings: int, users: int, rng: np.random.Generator) -> np.ndarray:
    """Heavy-tailed ratings per user, at least ``MIN_USER_RATINGS`` each, ``ratings`` in all."""
    excess = rng.lognormal(mean=3.9, sigma=1.25, size=users)
    budget = ratings - MIN_USER_RATINGS * users
    if budget < 0:
        raise ValueError(f"{ratings:,} ratings cannot give {users:,} users 20 each")
    excess = np.floor(excess / excess.sum() * budget).astype(np.int64)
    excess[rng.integers(0, users, budget - int(excess.sum()))] += 1  # the rounding's remainder
    return excess + MIN_USER_RATINGS


def generate(ratings: int, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``(ratings, movies)`` frames in the MovieLens csv layout (module docstring)."""
    rng = np.random.default_rng(seed)
    num_users, num_movies = shape(ratings)
    degrees = user_degrees(ratings, num_users, rng)
    # Movies: Zipf popularity in a random order, two topics each, a year and a quality.
    popularity = rng.permutation(1.0 / np.arange(1, num_movies + 1) ** 1.1)
    movie_topics = rng.integers(0, NUM_TOPICS, (num_movies, 2))
    quality = rng.normal(0.0, 0.5, num_movies)
    years = np.clip(np.round(2019 - rng.exponential(18.0, num_movies)), 1902, 2019).astype(int)
    # P(movie | topic) ∝ popularity over the movies holding the topic: one CDF per topic.
    weight = np.zeros((NUM_TOPICS + 1, num_movies))
    weight[NUM_TOPICS] = popularity  # the last row: the whole catalogue
    for column in range(2):
        np.add.at(weight, (movie_topics[:, column], np.arange(num_movies)), popularity)
    cdf = np.cumsum(weight, axis=1)
    cdf /= cdf[:, -1:]
    # Users: three topics with Dirichlet weights, a rating bias, an active span.
    topics = rng.integers(0, NUM_TOPICS, (num_users, TOPICS_PER_USER))
    mix = np.cumsum(rng.dirichlet(np.ones(TOPICS_PER_USER), num_users), axis=1)
    bias = rng.normal(0.0, 0.4, num_users)
    start = rng.uniform(FIRST_SECOND, LAST_SECOND, num_users)
    span = np.minimum(rng.lognormal(17.0, 1.5, num_users), LAST_SECOND - start)

    def draw(users: np.ndarray) -> np.ndarray:
        """A movie for each of ``users``: from one of their topics, or (a quarter of the
        time) from the whole catalogue, in proportion to popularity either way."""
        choice = (rng.random(len(users))[:, None] > mix[users][:, :-1]).sum(axis=1)
        topic = np.where(rng.random(len(users)) < 0.25, NUM_TOPICS, topics[users, choice])
        movies = np.empty(len(users), dtype=np.int64)
        for k in range(NUM_TOPICS + 1):
            rows = np.flatnonzero(topic == k)
            movies[rows] = np.searchsorted(cdf[k], rng.random(len(rows)), side="right")
        return np.minimum(movies, num_movies - 1)

    # Draw twice each user's deficit until the degrees are met (repeated pairs collapse), at
    # most eight rounds: the heaviest users may end short, 2 % of the total at 1 M.
    keys = np.empty(0, dtype=np.int64)
    wanted = degrees.copy()
    for _ in range(8):
        users = np.repeat(np.arange(num_users), 2 * wanted)  # twice: the head repeats
        if len(users) == 0:
            break
        keys = np.unique(np.concatenate([keys, users * num_movies + draw(users)]))
        have = np.bincount(keys // num_movies, minlength=num_users)
        wanted = np.maximum(degrees - have, 0)
    users, movies = keys // num_movies, keys % num_movies
    keep = np.arange(len(keys)) - np.searchsorted(users, users) < degrees[users]
    users, movies = users[keep], movies[keep]

    affinity = 0.6 * (topics[users] == movie_topics[movies, :1]).any(axis=1)
    score = 3.5 + bias[users] + quality[movies] + affinity + rng.normal(0.0, 0.8, len(users))
    stars = np.clip(np.round(score * 2) / 2, 0.5, 5.0)
    release = (years[movies] - 1970) * 31_557_600.0
    at = start[users] + rng.random(len(users)) * span[users]
    timestamps = np.maximum(at, release + rng.uniform(0, 31_557_600.0, len(users)))
    timestamps = np.minimum(timestamps, LAST_SECOND).astype(np.int64)

    genre_of_topic = rng.permutation(np.arange(NUM_TOPICS) % len(GENRES))
    genre_pairs = genre_of_topic[movie_topics]
    genre_names = np.asarray(GENRES, dtype=object)
    genres = np.where(
        genre_pairs[:, 0] == genre_pairs[:, 1],
        genre_names[genre_pairs[:, 0]],
        genre_names[genre_pairs.min(axis=1)] + "|" + genre_names[genre_pairs.max(axis=1)],
    )
    movie_ids = np.arange(1, num_movies + 1)
    titles = pd.Series(movie_ids).map("Movie {}".format) + " (" + pd.Series(years).astype(str) + ")"
    rating_frame = pd.DataFrame({
        "userId": users + 1, "movieId": movie_ids[movies], "rating": stars,
        "timestamp": timestamps,
    })  # fmt: skip
    movie_frame = pd.DataFrame({"movieId": movie_ids, "title": titles, "genres": genres})
    return rating_frame, movie_frame


def write(folder: Path, ratings: pd.DataFrame, movies: pd.DataFrame) -> None:
    """Both csv files into ``folder``, each written to a temporary name and renamed."""
    folder.mkdir(parents=True, exist_ok=True)
    for name, frame in (("ratings.csv", ratings), ("movies.csv", movies)):
        partial = folder / f".{name}.partial"
        frame.to_csv(partial, index=False)
        partial.replace(folder / name)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ratings", type=int, required=True, help="How many ratings.")
    parser.add_argument("--out", type=Path, required=True, help="Folder to write.")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    if args.ratings < 1000:
        parser.error("--ratings must be at least 1000")
    started = time.perf_counter()
    ratings, movies = generate(args.ratings, args.seed)
    write(args.out, ratings, movies)
    print(
        f"{len(ratings):,} ratings, {ratings.userId.nunique():,} users, "
        f"{ratings.movieId.nunique():,} rated movies of {len(movies):,} → {args.out} "
        f"({time.perf_counter() - started:.1f} s)",
        file=sys.stderr,
    )


if __name__ == "__main__":
    main()
