"""Response bodies, as ../shared/DESIGN.md fixes them."""

from __future__ import annotations

from typing import Annotated, Literal, Self

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

Tag = Annotated[str, StringConstraints(min_length=1, max_length=100)]
Genre = Annotated[str, StringConstraints(min_length=1, max_length=100)]


class ErrorDetail(BaseModel):
    """Every 4xx and 5xx answer: one line saying what was wrong (for a 422, which field and why,
    ``"query.k: Input should be greater than or equal to 1"``), not FastAPI's list of errors."""

    detail: str


#: What each error status means, as the spec declares it.
_ERRORS = {
    400: "The body could not be read (not UTF-8 or not JSON at all).",
    401: "Missing or wrong bearer token (or writes closed: no GRAPHREC_ADMIN_TOKEN).",
    404: "Unknown movie or user.",
    409: "Conflict: the id is taken, or the bundle was refused and the old one kept.",
    422: "Invalid input: the field and the reason, in one line.",
    503: "Not ready, or the store cannot take writes now (retry after Retry-After seconds).",
}


def errors(*codes: int) -> dict[int | str, dict[str, object]]:
    """``responses=`` of a route that answers these error statuses."""
    return {code: {"model": ErrorDetail, "description": _ERRORS[code]} for code in codes}


class Health(BaseModel):
    status: str
    model_version: str


class Movie(BaseModel):
    id: int | None  # None for a cold lookup that stores nothing
    title: str
    genres: list[str]
    year: int | None


class MovieSearch(BaseModel):
    query: str
    results: list[Movie]  # best match first


class ScoredMovie(BaseModel):
    id: int
    title: str
    genres: list[str]
    score: float


class SimilarResponse(BaseModel):
    movie: Movie
    results: list[ScoredMovie]
    model_version: str


class ColdSimilarResponse(SimilarResponse):
    matched_on: list[str] = Field(
        description="The attributes that counted: given, and known to the bundle "
        "(of genres, year, tags)."
    )


class Because(BaseModel):
    """The rated movie a recommendation is nearest to, by movie embedding."""

    id: int
    title: str


class RecommendedMovie(ScoredMovie):
    team: str | None = None  # in an interleaved answer, the arm that drafted this movie
    because: Because | None = None  # the rated movie it is nearest to; None without history


class RecommendResponse(BaseModel):
    user: int | None  # None for an anonymous session
    ranker: str  # the ranker that ordered the results ("none": recall order; "A,B": interleaved)
    bucket: str | None  # the A/B variant, when the ranker was not asked for
    results: list[RecommendedMovie]
    model_version: str
    request_id: str  # name it in a click's feedback event to credit this answer
    arms: dict[str, str] = {}  # per A/B layer, the arm that chose this answer
    interleave: list[str] | None = None  # the two interleaved arms (teams), if interleaved


class ReloadResponse(BaseModel):
    status: str
    model_version: str


class AttributesIn(BaseModel):
    """A movie nobody has rated: what POST /similar and POST /items take."""

    model_config = ConfigDict(extra="forbid")

    title: str = Field(min_length=1, max_length=300)
    genres: list[Genre] = Field(
        default_factory=list, max_length=30,
        description="Known genres; may be left out where the bundle has none or the year or "
        "tags say enough (422 when nothing given can be matched).",
    )  # fmt: skip
    year: int | None = Field(None, ge=1870, le=2100)
    tags: list[Tag] = Field(default_factory=list, max_length=50)


class ItemIn(AttributesIn):
    id: int | None = Field(None, ge=1, le=2**62, description="Wanted id; 409 when taken.")


class ItemCreated(BaseModel):
    movie: Movie
    embedding_from: list[int]
    similar: list[ScoredMovie]


#: A user or movie id: a non-negative JSON integer (``1.5``, ``"7"`` and ``true`` are refused).
Id = Annotated[int, Field(strict=True, ge=0, le=2**62)]
#: Most events one feedback request may carry.
MAX_EVENTS = 10_000


class EventIn(BaseModel):
    """One interaction: a rating (0.5..5) or a click (no rating)."""

    model_config = ConfigDict(extra="forbid")

    user: Id
    movie: Id
    kind: Literal["rating", "click"]
    rating: float | None = Field(None, ge=0.5, le=5.0, allow_inf_nan=False)
    timestamp: int | None = Field(
        None, strict=True, ge=0, le=2**62, description="Seconds since 1970; omitted: now."
    )
    request_id: str | None = Field(
        None, min_length=1, max_length=100, description="The /recommend answer a click came from."
    )

    @model_validator(mode="after")
    def rating_matches_kind(self) -> Self:
        if self.kind == "rating" and self.rating is None:
            raise ValueError("a rating event needs a rating (0.5..5)")
        if self.kind == "click" and self.rating is not None:
            raise ValueError("a click carries no rating")
        return self


class FeedbackResponse(BaseModel):
    accepted: int
    new_users: list[int]


class UserResponse(BaseModel):
    id: int
    interactions: int  # training and live, one per movie
    live_interactions: int  # of those, the ones feedback added since the bundle was trained
    bucket: str  # the A/B arm `/recommend` gives this user without `ranker=`
    vectors: str  # how the user's vector is made: "decayed_mean" or "sage_fold_in"
    recent: list[Movie] = []  # the latest movies the user interacted with, newest first


class SessionIn(BaseModel):
    """An anonymous visitor's movies, most recent last."""

    model_config = ConfigDict(extra="forbid")

    movies: list[Id] = Field(min_length=1, max_length=1000)
