"""Movie → movie training pairs: movies engaged with beside each other.

Related-item training (PinSAGE's "related pins") needs a query movie and a movie a user took up
next to it. Three sources, each linear in the ratings and built with array operations only:

- **nearby**: within one user's history in time order, every movie and the movies at most
  ``window`` positions before or after it (both directions): what a user watches next;
- **partners**: every rating paired with one other movie of the same user drawn at random,
  drawn afresh each epoch, so that over the epochs a whole history is sampled without the
  square of its length that all of its pairs would cost;
- **walk co-visits**: a movie and a movie its random walks visit, drawn by visit count
  (graphrec.graph.walks), PinSAGE's own positives.
"""

from __future__ import annotations

import numpy as np

from graphrec.graph.walks import Neighbourhoods


class UserSequences:
    """Every user's movies in time order, one flat array with per-user offsets."""

    def __init__(self, users: np.ndarray, movies: np.ndarray, timestamps: np.ndarray,
                 num_users: int) -> None:  # fmt: skip
        order = np.lexsort((movies, timestamps, users))
        self.users = np.asarray(users, dtype=np.int64)[order]
        self.movies = np.asarray(movies, dtype=np.int64)[order]
        counts = np.bincount(self.users, minlength=num_users)
        self.starts = np.concatenate([[0], np.cumsum(counts)[:-1]])
        self.counts = counts

    def nearby(self, window: int) -> tuple[np.ndarray, np.ndarray]:
        """``(query, positive)`` pairs of movies at most ``window`` positions apart in one
        user's history, both directions."""
        u, m = self.users, self.movies
        queries, positives = [], []
        for gap in range(1, window + 1):
            same = u[gap:] == u[:-gap]
            before, after = m[:-gap][same], m[gap:][same]
            queries += [before, after]
            positives += [after, before]
        if not queries:
            return np.zeros(0, np.int64), np.zeros(0, np.int64)
        return np.concatenate(queries), np.concatenate(positives)

    def partners(self, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
        """``(query, positive)``: each rating's movie and another movie of the same user,
        uniformly drawn (users with one rating give none)."""
        u = self.users
        count = self.counts[u]
        keep = count > 1
        position = np.arange(len(u)) - self.starts[u]
        offset = (rng.random(len(u)) * (count - 1)).astype(np.int64)
        offset += offset >= position  # skip the rating itself
        partner = self.movies[np.minimum(self.starts[u] + offset, len(u) - 1)]
        return self.movies[keep], partner[keep]


def walk_pairs(
    neighbourhoods: Neighbourhoods, per_movie: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """``per_movie`` draws per movie of a neighbour by its importance weight: ``(query,
    positive)``; movies whose walks visited nothing give none."""
    weights = neighbourhoods.weights
    num_movies, top_t = weights.shape
    if per_movie < 1 or top_t == 0:
        return np.zeros(0, np.int64), np.zeros(0, np.int64)
    queries = np.repeat(np.arange(num_movies, dtype=np.int64), per_movie)
    cumulative = np.cumsum(weights, axis=1)[queries]
    column = (rng.random(len(queries))[:, None] >= cumulative).sum(axis=1)
    column = np.minimum(column, top_t - 1)
    positives = neighbourhoods.neighbours[queries, column].astype(np.int64)
    keep = (positives >= 0) & (cumulative[:, -1] > 0)
    return queries[keep], positives[keep]
