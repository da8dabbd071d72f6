"""GET /movies/{movie_id}."""

from fastapi import APIRouter, HTTPException, status

from api.deps import BundleDep
from api.schemas import Movie

router = APIRouter(prefix="/movies", tags=["movies"])


@router.get("/{movie_id}")
def get_movie(movie_id: int, bundle: BundleDep) -> Movie:
    if movie_id not in bundle.catalog:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown movie {movie_id}")
    return Movie(**bundle.catalog.record(movie_id))
