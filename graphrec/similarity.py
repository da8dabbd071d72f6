"""Item-to-item vectors: the movie → movie space blended with movie attributes, and where it
lies in an index row.

Appending a movie's (L2-normalised) attribute vector to its unit movie → movie vector, weighted
so that inner products become ``(1 - w) · cos(vectors) + w · cos(attributes)``, lets genres,
decade and tags separate a family film from a disaster film where co-engagement is thin; the
share ``w`` is chosen on validation (graphrec.train.item_space). The FAISS index holds these
rows beside the user → movie embeddings (:class:`IndexLayout`); `/similar` and next-item
evaluation rank by them.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


def item_vectors(
    embeddings: np.ndarray, features: np.ndarray, attribute_weight: float
) -> np.ndarray:
    """``(num_movies, dim + num_features)`` float32 rows whose inner products blend both cosines.

    Args:
        embeddings: L2-normalised movie vectors, ``(num_movies, dim)``.
        features: Movie attribute matrix, ``(num_movies, num_features)``.
        attribute_weight: Weight ``w`` of the attribute cosine, in ``[0, 1]``.
    """
    if not 0.0 <= attribute_weight <= 1.0:
        raise ValueError(f"attribute_weight must lie in [0, 1], got {attribute_weight}")
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    attributes = features / np.maximum(norms, 1e-12)
    blended = np.concatenate(
        [embeddings * np.sqrt(1.0 - attribute_weight), attributes * np.sqrt(attribute_weight)],
        axis=1,
    )
    return blended.astype(np.float32)


@dataclass(frozen=True)
class IndexLayout:
    """Where an index row's parts lie: the user → movie embedding ``[0, item_start)``, which
    user queries score; the movie → movie space ``[item_start, dim - 1)``, which `/similar`
    scores; the log popularity last (graphrec.popularity). A bundle from before the movie →
    movie space has ``item_start`` 0: its movies are compared over the whole row.
    """

    item_start: int
    dim: int

    def rows(self, embeddings: np.ndarray, items: np.ndarray, popularity: np.ndarray
             ) -> np.ndarray:  # fmt: skip
        """Index rows of movies from their two spaces and log popularity."""
        rows = np.concatenate([embeddings, items, popularity[:, None]], axis=1)
        if rows.shape[1] != self.dim or embeddings.shape[1] != self.item_start:
            raise ValueError(f"rows of width {rows.shape[1]} do not fit {self}")
        return rows.astype(np.float32)

    def similarity_query(self, rows: np.ndarray, weight: float) -> np.ndarray:
        """Queries whose inner product with every row is the movie → movie score of
        ``rows`` (index rows, ``(n, dim)``): item space only, popularity at ``weight``."""
        query = np.array(rows, dtype=np.float32, ndmin=2, copy=True)
        query[:, : self.item_start] = 0.0
        query[:, -1] = weight
        return query

    def to_dict(self) -> dict[str, int]:
        return {"item_start": self.item_start, "dim": self.dim}

    @classmethod
    def for_spaces(cls, embedding_dim: int, item_dim: int) -> IndexLayout:
        return cls(item_start=embedding_dim, dim=embedding_dim + item_dim + 1)
