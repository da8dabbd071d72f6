"""What the movies a user rated say about a candidate: EASE's item-to-item weights, sparsified.

Graph embeddings squeeze every user into one point of a ``d``-dimensional space; an item-item
linear model keeps one weight per pair of movies and, under a random split, ranks better than
any embedding model we measured (EASE ndcg@10 0.402 against GraphSAGE's 0.338 on the bundled
data). As a ranker feature it lets the reranker order recall's candidates by that evidence too:
a candidate's score is the sum of the weights from the movies the user rated to it.

EASE (Steck, WWW 2019): ``B = I - P / diag(P)`` with ``P = (XᵀX + λI)⁻¹``, zero diagonal. The
dense ``B`` would cost ``movies²`` floats in every bundle and every worker, so each target movie
keeps only the sources with the largest ``|B|``. The Gram matrix is dense over the most rated
``max_movies`` movies rated by at least ``min_users`` users (two dense float32 matrices of
``4 · max_movies²`` bytes at a time, ``max_movies³`` flops); other movies neither receive nor
give weight.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import torch
from scipy.sparse import csr_matrix

logger = logging.getLogger(__name__)

#: Sources kept per target movie: ranking every movie, 400 kept 0.392 of dense EASE's 0.402
#: ndcg@10 (stratified, bundled data) and 0.129 of 0.131 (temporal); 200 kept 0.387 and 0.125.
SOURCES_PER_MOVIE = 400
#: Movies the dense Gram matrix covers at most (1.6 GB of float32 each at 20,000, two at a time).
MAX_MOVIES = 20_000
#: Movies rated by fewer users neither receive nor give weight: at 3 the candidates' ndcg@10
#: of the score alone moved by at most 0.001 (bundled data, both protocols) while a fit took
#: 1.5 s instead of 7.6 (6,000 movies instead of 9,700 in the Gram matrix).
MIN_USERS = 3
#: Ridge strengths the rankers' validation chooses among (EASE's own grid).
LAMBDAS = (100.0, 300.0, 1000.0)
#: Scores of a block of users are built densely, this many floats at a time.
_BLOCK_FLOATS = 1 << 22


@dataclass(frozen=True)
class ItemWeights:
    """Sparse item-to-item weights, one row per target movie.

    Attributes:
        by_target: ``(num_movies, num_movies)`` CSR; row ``t`` holds the weights of the source
            movies that most influence ``t`` (``B[s, t]`` at column ``s``).
        lam: The ridge strength they were fitted with (0 for no weights).
    """

    by_target: csr_matrix
    lam: float = 0.0

    @property
    def num_movies(self) -> int:
        return int(self.by_target.shape[0])

    @classmethod
    def empty(cls, num_movies: int) -> ItemWeights:
        """No weights at all: every score is 0 (features built without an item model)."""
        return cls(csr_matrix((num_movies, num_movies), dtype=np.float32))

    @classmethod
    def fit(
        cls,
        users: np.ndarray,
        movies: np.ndarray,
        num_users: int,
        num_movies: int,
        lam: float,
        *,
        sources: int = SOURCES_PER_MOVIE,
        max_movies: int = MAX_MOVIES,
        min_users: int = MIN_USERS,
    ) -> ItemWeights:
        """EASE on the binary interactions ``(users, movies)``, sparsified per target, over the
        ``max_movies`` most rated movies with at least ``min_users`` users."""
        if lam <= 0:
            raise ValueError(f"'{cls.__name__}' needs a positive ridge strength, got {lam}")
        matrix = _binary(users, movies, num_users, num_movies)
        degrees = np.asarray(matrix.sum(axis=0)).ravel()
        rated = np.flatnonzero(degrees >= max(min_users, 1))
        active = rated[np.argsort(-degrees[rated], kind="stable")[:max_movies]]
        active.sort()
        if len(active) < 2:
            return cls.empty(num_movies)
        sub = matrix[:, active]
        gram = torch.from_numpy((sub.T @ sub).toarray().astype(np.float32))
        gram.diagonal().add_(float(lam))
        factor = torch.linalg.cholesky(gram)
        del gram  # two dense matrices at a time at most, not three
        inverse = torch.cholesky_inverse(factor)
        del factor
        # Row t of Bᵀ is -P[t] / P[t, t] (P is symmetric): the weights of every source into t.
        into = inverse.div_(-inverse.diagonal().unsqueeze(1))
        into.fill_diagonal_(0.0)
        keep = min(sources, len(active) - 1)
        _, columns = torch.topk(into.abs(), keep, dim=1)
        values = torch.gather(into, 1, columns).numpy().ravel()
        rows = np.repeat(active, keep)
        by_target = csr_matrix(
            (values, (rows, active[columns.numpy().ravel()])),
            shape=(num_movies, num_movies),
            dtype=np.float32,
        )
        return cls(by_target, float(lam))

    @cached_property
    def by_source(self) -> csr_matrix:
        """The transpose, row ``s`` the weights from ``s``: what a user-row product needs."""
        return self.by_target.T.tocsr()

    def user_scores(self, rated: np.ndarray, movies: np.ndarray) -> np.ndarray:
        """``(len(movies),)`` scores of candidate rows ``movies`` for one user who rated the
        movie rows ``rated``; rows past the weights' catalogue (movies registered after
        training) give and get nothing.

        Cost is candidates × sources, whatever the length of the user's history.
        """
        n = self.num_movies
        mask = np.zeros(n + 1, dtype=np.float32)
        mask[rated[rated < n]] = 1.0
        known = movies < n
        out = np.zeros(len(movies), dtype=np.float32)
        out[known] = self.by_target[movies[known]] @ mask[:n]  # one sparse product, in C
        return out

    def pair_scores(
        self, indptr: np.ndarray, history: np.ndarray, users: np.ndarray, movies: np.ndarray
    ) -> np.ndarray:
        """``(n,)`` score of each pair ``(users[i], movies[i])`` for users whose rated movies
        are the CSR ``indptr``/``history``; users are scored in blocks of whole rows."""
        out = np.zeros(len(users), dtype=np.float32)
        if len(users) == 0 or self.by_target.nnz == 0:
            return out
        n = self.num_movies
        order = np.argsort(users, kind="stable")
        distinct, first = np.unique(users[order], return_index=True)
        bounds = np.r_[first, len(order)]
        per_block = max(1, _BLOCK_FLOATS // max(n, 1))
        for start in range(0, len(distinct), per_block):
            block_users = distinct[start : start + per_block]
            rows = _rows(indptr, history, block_users, n)
            dense = (rows @ self.by_source).toarray()
            pairs = order[bounds[start] : bounds[min(start + per_block, len(distinct))]]
            local = np.searchsorted(block_users, users[pairs])
            out[pairs] = dense[local, movies[pairs]]
        return out


def _binary(users: np.ndarray, movies: np.ndarray, num_users: int, num_movies: int) -> csr_matrix:
    matrix = csr_matrix(
        (np.ones(len(users), dtype=np.float32), (users, movies)), shape=(num_users, num_movies)
    )
    matrix.data[:] = 1.0  # a repeated (user, movie) pair counts once
    return matrix


def _rows(indptr: np.ndarray, history: np.ndarray, users: np.ndarray, n: int) -> csr_matrix:
    """Binary ``(len(users), n)`` rows of the given users' rated movies (rows past ``n``
    dropped)."""
    starts, ends = indptr[users], indptr[users + 1]
    lengths = ends - starts
    take = np.repeat(starts - np.r_[0, np.cumsum(lengths)[:-1]], lengths) + np.arange(lengths.sum())
    columns = history[take]
    row_of = np.repeat(np.arange(len(users)), lengths)
    inside = columns < n
    matrix = csr_matrix(
        (np.ones(int(inside.sum()), dtype=np.float32), (row_of[inside], columns[inside])),
        shape=(len(users), n),
    )
    matrix.data[:] = 1.0
    return matrix
