"""The user–movie bipartite graph as CSR arrays in both directions, built without Python loops."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch


@dataclass(frozen=True)
class BipartiteGraph:
    """Deduplicated user–movie edges in CSR form, both directions.

    ``user_indptr[u]:user_indptr[u + 1]`` slices ``user_movies`` to the movies of user ``u``
    (sorted); ``movie_indptr``/``movie_users`` are the transpose.

    Attributes:
        num_users: Number of user nodes.
        num_movies: Number of movie nodes.
        user_indptr: ``(num_users + 1,)`` row pointers.
        user_movies: ``(num_edges,)`` movie index of each user's edges.
        movie_indptr: ``(num_movies + 1,)`` row pointers.
        movie_users: ``(num_edges,)`` user index of each movie's edges.
    """

    num_users: int
    num_movies: int
    user_indptr: np.ndarray
    user_movies: np.ndarray
    movie_indptr: np.ndarray
    movie_users: np.ndarray

    @classmethod
    def from_interactions(
        cls, users: np.ndarray, movies: np.ndarray, num_users: int, num_movies: int
    ) -> BipartiteGraph:
        """Build from parallel index arrays; repeated (user, movie) pairs become one edge."""
        users = np.asarray(users, dtype=np.int64)
        movies = np.asarray(movies, dtype=np.int64)
        if len(users) != len(movies):
            raise ValueError(f"users ({len(users)}) and movies ({len(movies)}) differ in length")
        if len(users) and (users.min() < 0 or users.max() >= num_users):
            raise ValueError(f"user index out of range [0, {num_users})")
        if len(movies) and (movies.min() < 0 or movies.max() >= num_movies):
            raise ValueError(f"movie index out of range [0, {num_movies})")
        keys = np.unique(users * num_movies + movies)  # sorted by user, then movie
        edge_users, edge_movies = keys // num_movies, keys % num_movies
        user_indptr = _indptr(edge_users, num_users)
        order = np.lexsort((edge_users, edge_movies))  # by movie, then user
        movie_indptr = _indptr(edge_movies[order], num_movies)
        return cls(
            num_users=num_users,
            num_movies=num_movies,
            user_indptr=user_indptr,
            user_movies=edge_movies,
            movie_indptr=movie_indptr,
            movie_users=edge_users[order],
        )

    @property
    def num_edges(self) -> int:
        return len(self.user_movies)

    def user_degrees(self) -> np.ndarray:
        """``(num_users,)`` number of distinct movies per user."""
        return np.diff(self.user_indptr)

    def movie_degrees(self) -> np.ndarray:
        """``(num_movies,)`` number of distinct users per movie."""
        return np.diff(self.movie_indptr)

    def edge_arrays(self) -> tuple[np.ndarray, np.ndarray]:
        """``(users, movies)`` of every edge, sorted by user."""
        users = np.repeat(np.arange(self.num_users, dtype=np.int64), self.user_degrees())
        return users, self.user_movies

    def homogeneous_edge_index(self) -> torch.Tensor:
        """``(2, 2 * num_edges)`` edge_index over nodes ``[users..., movies...]``, both directions.

        Movie ``m`` is node ``num_users + m``; the layout PyG's message-passing layers take.
        """
        users, movies = self.edge_arrays()
        movie_nodes = movies + self.num_users
        source = np.concatenate([users, movie_nodes])
        target = np.concatenate([movie_nodes, users])
        return torch.from_numpy(np.stack([source, target]))

    def homogeneous_csr(self) -> tuple[np.ndarray, np.ndarray]:
        """``(indptr, indices)`` of both directions over ``[users..., movies...]``: the rows of
        the users, then of the movies (node ``num_users + m``)."""
        crow = np.concatenate([self.user_indptr, self.movie_indptr[1:] + self.num_edges])
        col = np.concatenate([self.user_movies + self.num_users, self.movie_users])
        return crow, col

    def homogeneous_adjacency(self) -> torch.Tensor:
        """``(n, n)`` sparse CSR adjacency over ``[users..., movies...]``, ``n = users + movies``.

        Symmetric, so it is its own transpose: PyG layers take it as ``adj_t`` and aggregate with
        one sparse matrix product, about three times faster on CPU than scattering over an
        ``edge_index``. Built straight from the CSR arrays, no sorting.
        """
        n = self.num_users + self.num_movies
        crow, col = self.homogeneous_csr()
        with warnings.catch_warnings():  # "sparse CSR support is in beta": we rely on it knowingly
            warnings.simplefilter("ignore", UserWarning)
            return torch.sparse_csr_tensor(
                torch.from_numpy(crow), torch.from_numpy(col), torch.ones(len(col)), size=(n, n)
            )


def _indptr(sorted_rows: np.ndarray, num_rows: int) -> np.ndarray:
    counts = np.bincount(sorted_rows, minlength=num_rows)
    indptr = np.zeros(num_rows + 1, dtype=np.int64)
    np.cumsum(counts, out=indptr[1:])
    return indptr
