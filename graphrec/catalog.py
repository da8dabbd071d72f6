"""The movie catalogue as served: id → title, genres, year, built once for fast lookups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from graphrec.data.dataset import MovieTable
from graphrec.search import Match, TitleIndex


@dataclass
class Catalog:
    """Movies by original id, in row order of the bundle's embeddings.

    Attributes:
        ids: Original movie ids, ``(num_movies,)``.
        titles: One per movie.
        genres: Genre names per movie.
        years: Release year or ``None``.
    """

    ids: list[int]
    titles: list[str]
    genres: list[list[str]]
    years: list[int | None]
    _row: dict[int, int] = field(init=False, repr=False)
    _titles: TitleIndex | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self._row = {movie_id: row for row, movie_id in enumerate(self.ids)}

    def index_titles(self, popularity: np.ndarray) -> None:
        """Build the title search (graphrec.search) once; ``popularity`` ranks equal matches."""
        self._titles = TitleIndex(self.titles, self.years, popularity)

    def search(self, query: str, limit: int) -> list[Match]:
        """Movies whose titles match ``query`` (rows), best first; see :meth:`index_titles`."""
        if self._titles is None:
            self.index_titles(np.zeros(len(self.ids), dtype=np.float32))
        assert self._titles is not None
        return self._titles.search(query, limit)

    @classmethod
    def from_table(cls, movie_ids: np.ndarray, table: MovieTable) -> Catalog:
        names = np.array(table.genre_names, dtype=object)
        return cls(
            ids=[int(i) for i in movie_ids],
            titles=[str(t) for t in table.titles],
            genres=[list(names[row]) for row in table.genres],
            years=[int(y) if y > 0 else None for y in table.years],
        )

    def add(self, movie_id: int, title: str, genres: list[str], year: int | None) -> None:
        """Append a registered movie (its row follows the bundle's)."""
        if movie_id in self._row:
            raise ValueError(f"movie {movie_id} is already in the catalogue")
        self._row[movie_id] = len(self.ids)
        self.ids.append(movie_id)
        self.titles.append(title)
        self.genres.append(list(genres))
        self.years.append(year)
        if self._titles is not None:
            self._titles.add(title, year)

    def discard(self, movie_id: int) -> None:
        """Undo :meth:`add` of the last movie (a registration that failed); others are kept."""
        if self.ids and self.ids[-1] == movie_id:
            del self._row[movie_id]
            self.ids.pop()
            self.titles.pop()
            self.genres.pop()
            self.years.pop()
            if self._titles is not None:
                self._titles.pop()

    def __len__(self) -> int:
        return len(self.ids)

    def __contains__(self, movie_id: int) -> bool:
        return movie_id in self._row

    def row(self, movie_id: int) -> int | None:
        """Row of ``movie_id`` or ``None`` when it is not in the catalogue."""
        return self._row.get(movie_id)

    def record(self, movie_id: int) -> dict[str, Any]:
        """``{"id", "title", "genres", "year"}`` of a known movie; ``KeyError`` otherwise."""
        row = self._row[movie_id]
        return {
            "id": movie_id,
            "title": self.titles[row],
            "genres": self.genres[row],
            "year": self.years[row],
        }

    def to_json(self) -> dict[str, Any]:
        return {"ids": self.ids, "titles": self.titles, "genres": self.genres, "years": self.years}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> Catalog:
        return cls(ids=data["ids"], titles=data["titles"], genres=data["genres"],
                   years=data["years"])  # fmt: skip
