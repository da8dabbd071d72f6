"""The recall score, written once: ``user · movie + weight · log(1 + training degree)``; and
its movie-to-movie twin, the similarity score.

Tuning the popularity weight, training the rankers on recalled candidates, evaluating the
`recall` rows and serving `/recommend` all rank by this one function, so that the order a
figure was measured on is the order that is served.

FAISS serves it as a plain inner product. An index row is a movie's item-to-item vector
(``√(1 - a) · embedding`` then ``√a · attributes``, see graphrec.similarity) with its log
popularity as the last column; :func:`index_query` builds the query whose inner product with
every row is exactly :meth:`RecallScore.scores` for that user.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

#: Candidates recalled per user before a ranker reorders them (training, evaluation, serving).
CANDIDATES = 200


@dataclass(frozen=True)
class RecallScore:
    """Scores of users over movies by embedding inner product plus weighted log popularity.

    Attributes:
        users: User vectors, ``(num_users, dim)``.
        movies: Movie vectors, ``(num_movies, dim)``.
        popularity: Log popularity of each movie, ``(num_movies,)``.
        weight: Weight of the popularity term.
    """

    users: np.ndarray
    movies: np.ndarray
    popularity: np.ndarray
    weight: float

    def scores(self, users: np.ndarray) -> torch.Tensor:
        """``(len(users), num_movies)`` recall scores."""
        vectors = torch.from_numpy(np.ascontiguousarray(self.users[users], dtype=np.float32))
        return vectors @ torch.from_numpy(self.movies).T + self.weight * torch.from_numpy(
            self.popularity
        )

    def pair_scores(self, users: np.ndarray, movies: np.ndarray) -> np.ndarray:
        """``(n,)`` recall scores of the pairs ``(users[i], movies[i])``."""
        dot = np.einsum("ij,ij->i", self.users[users], self.movies[movies])
        return (dot + self.weight * self.popularity[movies]).astype(np.float32)


@dataclass(frozen=True)
class SimilarityScore:
    """Movie-to-movie scores: item-to-item vectors' inner product plus weighted log popularity,
    as `/similar` serves them.

    Attributes:
        items: Item-to-item vectors (graphrec.similarity), ``(num_movies, d)``.
        popularity: Log popularity of each movie, ``(num_movies,)``.
        weight: Weight of the popularity term.
    """

    items: np.ndarray
    popularity: np.ndarray
    weight: float

    def scores(self, movies: np.ndarray) -> torch.Tensor:
        """``(len(movies), num_movies)`` similarity of each query movie to every movie."""
        items = torch.from_numpy(self.items)
        return items[torch.from_numpy(movies)] @ items.T + self.weight * torch.from_numpy(
            self.popularity
        )


def index_query(
    user_vector: np.ndarray, weight: float, index_dim: int, attribute_weight: float
) -> np.ndarray:
    """``(1, index_dim)`` query whose inner product with an index row is the recall score.

    The row's embedding part is scaled by ``√(1 - attribute_weight)``, so the query's is
    divided by it; the attribute part stays zero and the popularity column takes ``weight``.
    """
    if not 0.0 <= attribute_weight < 1.0:
        raise ValueError(f"attribute_weight must lie in [0, 1), got {attribute_weight}")
    query = np.zeros((1, index_dim), dtype=np.float32)
    query[0, : len(user_vector)] = user_vector / np.sqrt(1.0 - attribute_weight)
    query[0, -1] = weight
    return query
