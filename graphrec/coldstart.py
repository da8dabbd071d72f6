"""Cold start, Airbnb-style: a movie nobody has rated gets the mean embedding of the existing
movies most similar to it by attributes (Grbovic & Cheng, KDD 2018, used the 3 nearest).

Attribute similarity is one vectorised score over the whole catalogue: cosine of genres weighted
by inverse document frequency, closeness of release years, and cosine of tf-idf tag vectors when
the new movie has tags.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy.sparse import csr_matrix

#: Weights of the genre, year and tag parts of attribute similarity.
GENRE_WEIGHT, YEAR_WEIGHT, TAG_WEIGHT = 1.0, 0.5, 1.0
#: Years apart at which year closeness has fallen to 1/e.
YEAR_SCALE = 10.0
#: Existing movies averaged into a cold movie's embedding.
NEIGHBOURS = 3


@dataclass(frozen=True)
class Attributes:
    """What is known of a movie nobody has rated."""

    title: str
    genres: list[str]
    year: int | None = None
    tags: list[str] = field(default_factory=list)


class AttributeSimilarity:
    """Scores a new movie's attributes against every catalogue movie at once.

    Args:
        genre_names: Genre vocabulary, column order of ``genres``.
        genres: ``(num_movies, num_genres)`` multi-hot.
        years: ``(num_movies,)`` release years, 0 where unknown.
        tag_names: Tag vocabulary (lower-case).
        tag_counts: COO triplets ``(movie, tag, count)``.
    """

    def __init__(
        self,
        genre_names: list[str],
        genres: np.ndarray,
        years: np.ndarray,
        tag_names: list[str],
        tag_counts: tuple[np.ndarray, np.ndarray, np.ndarray],
    ) -> None:
        num_movies = len(years)
        self.genre_column = {name: i for i, name in enumerate(genre_names)}
        frequency = genres.sum(axis=0)
        self.genre_idf = np.log((1 + num_movies) / (1 + frequency)).astype(np.float32)
        self.genre_vectors = _unit_rows(genres.astype(np.float32) * self.genre_idf)
        self.years = years.astype(np.float32)
        self.tag_column = {name: i for i, name in enumerate(tag_names)}
        movie, tag, count = tag_counts
        matrix = csr_matrix((count, (movie, tag)), shape=(num_movies, len(tag_names)))
        document_frequency = np.bincount(tag, minlength=len(tag_names))
        self.tag_idf = np.log((1 + num_movies) / (1 + document_frequency)).astype(np.float32)
        weighted = matrix.multiply(self.tag_idf[None, :]).tocsr()
        norms = np.sqrt(np.asarray(weighted.multiply(weighted).sum(axis=1)).ravel())
        inverse = np.divide(1.0, norms, out=np.zeros_like(norms), where=norms > 0)
        self.tag_vectors = csr_matrix(weighted.multiply(inverse[:, None]))

    def unknown_genres(self, genres: list[str]) -> list[str]:
        return [g for g in genres if g not in self.genre_column]

    def known(self) -> list[str]:
        """The attributes this catalogue has any of, of ``genres``, ``year`` and ``tags``: a
        log without genres or years (graphrec.data.interaction_log) matches on the rest."""
        present = {
            "genres": bool(np.any(self.genre_vectors)),
            "year": bool(np.any(self.years > 0)),
            "tags": self.tag_vectors.nnz > 0,
        }
        return [name for name, there in present.items() if there]

    def matched_on(self, attributes: Attributes) -> list[str]:
        """The attributes of ``attributes`` that score against this catalogue: given, and
        known here (tags: at least one in the vocabulary)."""
        given = {
            "genres": bool(attributes.genres),
            "year": attributes.year is not None,
            "tags": any(t.strip().lower() in self.tag_column for t in attributes.tags),
        }
        return [name for name in self.known() if given[name]]

    def scores(self, attributes: Attributes) -> np.ndarray:
        """``(num_movies,)`` similarity of ``attributes`` to each catalogue movie."""
        query = np.zeros(len(self.genre_idf), dtype=np.float32)
        for genre in attributes.genres:
            query[self.genre_column[genre]] = 1.0
        score = GENRE_WEIGHT * (self.genre_vectors @ _unit_rows(query * self.genre_idf))
        if attributes.year is not None:
            known = self.years > 0
            closeness = np.exp(-np.abs(self.years - attributes.year) / YEAR_SCALE)
            score = score + YEAR_WEIGHT * np.where(known, closeness, 0.0)
        columns = [self.tag_column[t] for t in {t.strip().lower() for t in attributes.tags}
                   if t in self.tag_column]  # fmt: skip
        if columns:
            tags = np.zeros(len(self.tag_idf), dtype=np.float32)
            tags[columns] = self.tag_idf[columns]
            score = score + TAG_WEIGHT * (self.tag_vectors @ _unit_rows(tags))
        return np.asarray(score, dtype=np.float32)

    def nearest(self, attributes: Attributes, n: int = NEIGHBOURS) -> np.ndarray:
        """Rows of the ``n`` most similar catalogue movies, best first (ties: lower row)."""
        scores = self.scores(attributes)
        return np.argsort(-scores, kind="stable")[:n]


def airbnb_embedding(vectors: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Mean of ``vectors[rows]``, renormalised to unit length, ``(dim,)``."""
    mean = vectors[rows].mean(axis=0)
    return (mean / max(float(np.linalg.norm(mean)), 1e-12)).astype(np.float32)


def cold_index_row(source_rows: np.ndarray, item_start: int = 0) -> np.ndarray:
    """The index row a cold movie is served with, from its source movies' index rows
    ``(n, d)`` (graphrec.similarity.IndexLayout: popularity last).

    Each space of the row (the user → movie columns before ``item_start``, the movie → movie
    columns from it) is their renormalised mean, so that the cold movie's cosines are on the
    scale of every other movie's; the popularity column is the mean of theirs: with none a
    new movie would sink below every rated one wherever popularity weighs.
    """
    vectors = np.array(source_rows, dtype=np.float32, copy=True)
    body = np.arange(vectors.shape[1] - 1)
    spaces = [body[:item_start], body[item_start:]] if item_start > 0 else [body]
    row = np.zeros(vectors.shape[1], dtype=np.float32)
    for columns in spaces:
        row[columns] = airbnb_embedding(vectors[:, columns], np.arange(len(vectors)))
    row[-1] = float(vectors[:, -1].mean())
    return row


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(matrix, axis=-1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)
