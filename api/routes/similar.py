"""/similar: nearest movies by item-to-item vectors, from the FAISS index; by id or attributes."""

from typing import Annotated

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from api.answer_cache import AnswerCache
from api.deps import BundleDep, StateDep
from api.schemas import (
    AttributesIn,
    ColdSimilarResponse,
    Movie,
    ScoredMovie,
    SimilarResponse,
    errors,
)
from api.state import ServingState
from graphrec.artifacts import Bundle
from graphrec.coldstart import Attributes

router = APIRouter(prefix="/similar", tags=["similar"])

K = Annotated[int, Query(ge=1, le=1000, description="How many similar movies to return.")]


@router.get("/{movie_id}", response_model=SimilarResponse, responses=errors(404, 422))
async def similar(movie_id: int, request: Request, k: K = 10) -> Response:
    """The encoded answer is kept (api.answer_cache) under the index generation it came from:
    searching 9,742 × 228 floats is most of a request's work, and a movie's neighbours only
    change when the index does.

    The state is read from ``request``, not through dependencies: resolving the three cost more
    than the rest of a cached answer. Async although it never awaits: the work is short and
    holds the interpreter lock anyway, and a plain ``def``'s thread-pool hop halved throughput
    (bench_throughput.py)."""
    state: ServingState = request.app.state.serving
    answers: AnswerCache = request.app.state.answers
    bundle = state.bundle
    key = ("similar", bundle.index.generation, movie_id, k)  # read before the search
    answer = answers.get(key)
    if answer is None:
        if movie_id not in bundle.catalog or movie_id not in bundle.index:
            raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown movie {movie_id}")
        scores, ids = state.similar_to_movie(bundle, movie_id, k)
        answer = (
            SimilarResponse(
                movie=Movie(**bundle.catalog.record(movie_id)),
                results=scored(bundle, scores, ids),
                model_version=bundle.version,
            )
            .model_dump_json()
            .encode()
        )
        answers.put(key, answer)
    return Response(answer, media_type="application/json")


@router.post("", responses=errors(400, 422))
def similar_to_attributes(
    body: AttributesIn, state: StateDep, bundle: BundleDep, k: K = 10
) -> ColdSimilarResponse:
    """Cold-start lookup: the Airbnb-style vector of these attributes; nothing is stored.
    ``matched_on`` names the attributes that counted (given, and known to the bundle)."""
    attributes = to_attributes(body, bundle)
    vector, _ = state.cold_vector(bundle, attributes)
    scores, ids = state.similar_to_vector(bundle, vector, k)
    movie = Movie(id=None, title=body.title, genres=body.genres, year=body.year)
    return ColdSimilarResponse(movie=movie, results=scored(bundle, scores, ids),
                               model_version=bundle.version,
                               matched_on=bundle.attributes.matched_on(attributes))  # fmt: skip


def to_attributes(body: AttributesIn, bundle: Bundle) -> Attributes:
    """Validated attributes, or 422 naming genres the catalogue does not know, or saying
    which attributes it knows when none given can be matched."""
    known = bundle.attributes
    unknown = known.unknown_genres(body.genres)
    if unknown:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"unknown genres: {', '.join(unknown[:5])}",
        )
    attributes = Attributes(title=body.title, genres=list(body.genres), year=body.year,
                            tags=list(body.tags))  # fmt: skip
    if not known.matched_on(attributes):
        knows = ", ".join(known.known()) or "no attributes"
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"nothing to match on: this bundle knows {knows} (the title is not used)",
        )
    return attributes


def scored(bundle: Bundle, scores: np.ndarray, ids: np.ndarray) -> list[ScoredMovie]:
    catalog = bundle.catalog
    results = []
    for score, movie_id in zip(scores, ids, strict=True):
        row = catalog.row(int(movie_id))
        if row is not None:
            results.append(ScoredMovie(id=int(movie_id), title=catalog.titles[row],
                                       genres=catalog.genres[row], score=float(score)))  # fmt: skip
    return results
