"""GET /users/{id}: what the server knows of a user, live feedback included."""

from fastapi import APIRouter, HTTPException, status

from api.deps import StateDep
from api.routes.recommend import bucket_for
from api.schemas import UserResponse

router = APIRouter(prefix="/users", tags=["users"])


@router.get("/{user_id}")
def user(user_id: int, state: StateDep) -> UserResponse:
    users = state.users
    profile = users.profile(user_id)
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown user {user_id}")
    return UserResponse(
        id=user_id,
        interactions=len(profile.interactions),
        live_interactions=profile.live,
        bucket=bucket_for(state, users.bundle, user_id),
        vectors=users.kind,
    )
