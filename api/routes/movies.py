"""GET /movies?q= (title search) and GET /movies/{movie_id}."""

from typing import Annotated

from fastapi import APIRouter, HTTPException, Query, status

from api.deps import BundleDep
from api.schemas import Movie, MovieSearch, errors

router = APIRouter(prefix="/movies", tags=["movies"])


@router.get("", responses=errors(422))
def search_movies(
    bundle: BundleDep,
    q: Annotated[str, Query(min_length=1, max_length=200, description="Words of a title, any "
                            "order; the last may be a prefix; a year narrows.")],
    limit: Annotated[int, Query(ge=1, le=100)] = 20,
) -> MovieSearch:  # fmt: skip
    if not q.strip():
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail="query.q: empty query")
    catalog = bundle.catalog
    rows = [m.row for m in catalog.search(q, limit) if m.row < len(catalog)]
    return MovieSearch(query=q, results=[Movie(**catalog.record(catalog.ids[r])) for r in rows])


@router.get("/{movie_id}", responses=errors(404, 422))
def get_movie(movie_id: int, bundle: BundleDep) -> Movie:
    if movie_id not in bundle.catalog:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown movie {movie_id}")
    return Movie(**bundle.catalog.record(movie_id))
