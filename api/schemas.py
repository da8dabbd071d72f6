"""Response bodies, as ../shared/DESIGN.md fixes them."""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Tag = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Genre = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class Health(BaseModel):
    status: str
    model_version: str


class Movie(BaseModel):
    id: int | None  # None for a cold lookup that stores nothing
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


class RecommendResponse(BaseModel):
    user: int
    ranker: str  # the ranker that ordered the results ("none": recall order)
    bucket: str | None  # the A/B variant, when the ranker was not asked for
    results: list[ScoredMovie]
    model_version: str


class ReloadResponse(BaseModel):
    status: str
    model_version: str


class AttributesIn(BaseModel):
    """A movie nobody has rated: what POST /similar and POST /items take."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    genres: list[Genre] = Field(min_length=1, max_length=30)
    year: int | None = Field(None, ge=1870, le=2100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class ItemIn(AttributesIn):
    id: int | None = Field(None, ge=1, le=2**62, description="Wanted id; 409 when taken.")


class ItemCreated(BaseModel):
    movie: Movie
    embedding_from: list[int]
    similar: list[ScoredMovie]
