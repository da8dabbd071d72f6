"""POST /items: register a cold movie (bearer token), stored before the 201 is sent."""

from fastapi import APIRouter, HTTPException, status

from api.deps import StateDep, TokenDep
from api.routes.similar import K, scored, to_attributes
from api.schemas import ItemCreated, ItemIn, Movie, errors
from api.state import MovieIdTaken

router = APIRouter(prefix="/items", tags=["items"])


@router.post("", status_code=status.HTTP_201_CREATED, responses=errors(400, 401, 409, 422, 503))
def register(body: ItemIn, state: StateDep, _: TokenDep, k: K = 10) -> ItemCreated:
    attributes = to_attributes(body, state.bundle)
    try:
        bundle, movie_id, vector, sources = state.register(attributes, body.id)
    except MovieIdTaken as exc:
        raise HTTPException(status.HTTP_409_CONFLICT, detail=str(exc)) from exc
    scores, ids = state.similar_to_vector(bundle, vector, k + 1)
    keep = ids != movie_id
    return ItemCreated(
        movie=Movie(**bundle.catalog.record(movie_id)),
        embedding_from=sources,
        similar=scored(bundle, scores[keep][:k], ids[keep][:k]),
    )
