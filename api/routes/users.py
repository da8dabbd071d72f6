"""GET /users/{id}: what the server knows of a user, live feedback included."""

from fastapi import APIRouter, HTTPException, status

from api.deps import StateDep
from api.routes.recommend import bucket_for
from api.schemas import Movie, UserResponse, errors

router = APIRouter(prefix="/users", tags=["users"])

#: Latest interactions `GET /users/{id}` lists.
RECENT = 10


@router.get("/{user_id}", responses=errors(404, 422))
def user(user_id: int, state: StateDep) -> UserResponse:
    users = state.users
    catalog = users.bundle.catalog
    profile = users.profile(user_id)
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown user {user_id}")
    return UserResponse(
        id=user_id,
        interactions=len(profile.interactions),
        live_interactions=profile.live,
        bucket=bucket_for(state, users.bundle, user_id),
        vectors=users.kind,
        recent=[
            Movie(**catalog.record(int(movie_id)))
            for movie_id in profile.rated_ids[::-1][:RECENT]
            if int(movie_id) in catalog
        ],
    )
