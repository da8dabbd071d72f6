"""Random walks with restart over the bipartite graph, and PinSAGE's importance neighbourhoods.

A walk goes movie → user → movie …; every walker of a chunk moves at once, one numpy gather per
hop, so the cost is linear in the number of steps and never loops over edges in Python. The
movies a query's walks visit most often are its neighbourhood (Ying et al., KDD 2018, §3.2),
and the visit counts, L1-normalised, weight its pooling. Movies visited less often but still
often are the pool hard negatives come from (§3.3: "ranked high but not too high").
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

import numpy as np

from graphrec.graph.bipartite import BipartiteGraph


@dataclass(frozen=True)
class WalkConfig:
    """How many walks, how long, and how much of each movie's visit ranking to keep.

    Attributes:
        walks_per_movie: Walkers started from each movie.
        walk_length: Movie-to-movie hops (two graph edges each) per walker.
        restart: Probability of jumping back to the start movie after each hop.
        top_t: Neighbourhood size T: the most visited movies.
        pool_size: Movies of the visit ranking kept in all (``>= top_t``); ranks ``top_t ..`` are
            the hard-negative pool.
        chunk: Start movies walked at once; memory is ``chunk * walks_per_movie * walk_length``.
    """

    walks_per_movie: int = 32
    walk_length: int = 8
    restart: float = 0.5
    top_t: int = 10
    pool_size: int = 100
    chunk: int = 4096

    def __post_init__(self) -> None:
        if self.walks_per_movie < 1 or self.walk_length < 1 or self.top_t < 1:
            raise ValueError("walks_per_movie, walk_length and top_t must be >= 1")
        if not 0.0 <= self.restart < 1.0:
            raise ValueError(f"restart must be in [0, 1) (got {self.restart})")
        if self.pool_size < self.top_t:
            raise ValueError(f"pool_size ({self.pool_size}) must be >= top_t ({self.top_t})")


@dataclass(frozen=True)
class Neighbourhoods:
    """Each movie's visit ranking, padded with ``-1``.

    Attributes:
        ranked: ``(num_movies, pool_size)`` movies by visit count from the row's movie, most
            visited first, the movie itself left out.
        counts: ``(num_movies, top_t)`` visit counts of the first ``top_t`` of ``ranked`` (0 where
            padded); the ranks beyond only feed hard negatives, which need no counts.
        top_t: How many leading columns form the pooling neighbourhood.
    """

    ranked: np.ndarray
    counts: np.ndarray
    top_t: int

    @property
    def neighbours(self) -> np.ndarray:
        """``(num_movies, top_t)`` the T most visited movies, ``-1`` padded."""
        return self.ranked[:, : self.top_t]

    def importance(self, movies: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Neighbours and importance weights (L1-normalised visit counts; zeros where no walks)
        of ``movies`` only, ``(len(movies), top_t)`` each: a minibatch pays for its own rows,
        not for the catalogue's."""
        return self.ranked[movies, : self.top_t], self.weights[movies]

    @cached_property
    def weights(self) -> np.ndarray:
        """``(num_movies, top_t)`` importance weights, normalised once per process rather than
        once per minibatch."""
        counts = self.counts.astype(np.float32)
        total = counts.sum(axis=1, keepdims=True)
        return np.divide(counts, total, out=np.zeros_like(counts), where=total > 0)


def walk_visits(
    graph: BipartiteGraph,
    starts: np.ndarray,
    config: WalkConfig,
    rng: np.random.Generator,
) -> tuple[np.ndarray, np.ndarray]:
    """Walk ``config.walks_per_movie`` walkers from each start; return every visit.

    Starts with no ratings cannot move and produce no visits.

    Returns:
        ``(source, visited)``: parallel arrays, the start movie and a movie one of its walkers
        stood on after a hop (the start itself included when a walk comes back to it).
    """
    starts = np.asarray(starts, dtype=np.int64)
    starts = starts[graph.movie_degrees()[starts] > 0]
    origin = np.repeat(starts, config.walks_per_movie)
    here = origin.copy()
    sources, visits = [], []
    movie_degrees, user_degrees = graph.movie_degrees(), graph.user_degrees()
    for _ in range(config.walk_length):
        users = graph.movie_users[
            graph.movie_indptr[here] + _pick(rng, movie_degrees[here])
        ]  # fmt: skip
        here = graph.user_movies[graph.user_indptr[users] + _pick(rng, user_degrees[users])]
        sources.append(origin)
        visits.append(here)
        here = np.where(rng.random(len(here)) < config.restart, origin, here)
    if not sources:
        return np.empty(0, np.int64), np.empty(0, np.int64)
    return np.concatenate(sources), np.concatenate(visits)


def importance_neighbourhoods(
    graph: BipartiteGraph, config: WalkConfig | None = None, *, seed: int = 0
) -> Neighbourhoods:
    """Rank, for every movie, the other movies by how often random walks from it visit them."""
    config = config or WalkConfig()
    rng = np.random.default_rng(seed)
    num_movies = graph.num_movies
    # int32 halves the largest array of a big catalogue (movies x pool_size); counts are kept
    # for the pooling neighbourhood only (movies x top_t).
    ranked = np.full((num_movies, config.pool_size), -1, dtype=np.int32)
    counts = np.zeros((num_movies, config.top_t), dtype=np.int32)
    for first in range(0, num_movies, config.chunk):
        starts = np.arange(first, min(first + config.chunk, num_movies))
        source, visited = walk_visits(graph, starts, config, rng)
        keep = source != visited
        _rank_visits(source[keep], visited[keep], num_movies, ranked, counts)
    return Neighbourhoods(ranked=ranked, counts=counts, top_t=config.top_t)


def _pick(rng: np.random.Generator, degrees: np.ndarray) -> np.ndarray:
    """A uniform offset in ``[0, degree)`` per walker."""
    return (rng.random(len(degrees)) * degrees).astype(np.int64)


def _rank_visits(
    source: np.ndarray,
    visited: np.ndarray,
    num_movies: int,
    ranked: np.ndarray,
    counts: np.ndarray,
) -> None:
    """Fill rows of ``ranked`` with each source's most visited movies, and ``counts`` with the
    visits of as many of them as it has columns, in place.

    Ties in count go to the lower movie index, so the result depends only on the walks.
    """
    keys, hits = np.unique(source * num_movies + visited, return_counts=True)
    src, dst = keys // num_movies, keys % num_movies
    order = np.lexsort((dst, -hits, src))  # by source, then count desc, then movie asc
    src, dst, hits = src[order], dst[order], hits[order]
    group_start = np.searchsorted(src, src, side="left")
    rank = np.arange(len(src)) - group_start
    keep = rank < ranked.shape[1]
    ranked[src[keep], rank[keep]] = dst[keep]
    counted = rank < counts.shape[1]
    counts[src[counted], rank[counted]] = hits[counted]
