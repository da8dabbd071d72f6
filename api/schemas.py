"""Response bodies, as ../shared/DESIGN.md fixes them."""

from __future__ import annotations

from pydantic import BaseModel


class Health(BaseModel):
    status: str
    model_version: str


class Movie(BaseModel):
    id: int
    title: str
    genres: list[str]
    year: int | None


class ScoredMovie(BaseModel):
    id: int
    title: str
    genres: list[str]
    score: float


class SimilarResponse(BaseModel):
    movie: Movie
    results: list[ScoredMovie]
    model_version: str


class ReloadResponse(BaseModel):
    status: str
    model_version: str
