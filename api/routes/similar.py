"""GET /similar/{movie_id}: nearest movies by item-to-item vectors, from the FAISS index."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import BundleDep
from api.schemas import Movie, ScoredMovie, SimilarResponse
from graphrec.catalog import Catalog

router = APIRouter(prefix="/similar", tags=["similar"])

K = Annotated[int, Query(ge=1, le=1000, description="How many similar movies to return.")]


@router.get("/{movie_id}")
def similar(movie_id: int, bundle: BundleDep, k: K = 10) -> SimilarResponse:
    catalog = bundle.catalog
    if movie_id not in catalog or movie_id not in bundle.index:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown movie {movie_id}")
    scores, ids = bundle.index.search_by_id(movie_id, k)
    results = [
        _scored(catalog, int(i), float(s))
        for s, i in zip(scores, ids, strict=True)
        if int(i) in catalog
    ]
    return SimilarResponse(
        movie=Movie(**catalog.record(movie_id)), results=results, model_version=bundle.version
    )


def _scored(catalog: Catalog, movie_id: int, score: float) -> ScoredMovie:
    row = catalog.row(movie_id)
    assert row is not None
    return ScoredMovie(
        id=movie_id, title=catalog.titles[row], genres=catalog.genres[row], score=score
    )
