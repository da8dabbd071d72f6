"""/recommend: FAISS recall from a user's (or a session's) vector, then a ranker (or an A/B
bucket's)."""

from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, status

from api.deps import StateDep
from api.routes.similar import K, scored
from api.schemas import RecommendResponse, SessionIn
from api.state import ServingState
from graphrec.artifacts import Bundle
from graphrec.bucketing import RECALL_ORDER, bucket_of
from graphrec.recall_score import CANDIDATES
from graphrec.recommend import rank, recall
from graphrec.users.live import LiveUsers, UserProfile

router = APIRouter(prefix="/recommend", tags=["recommend"])

RankerName = Literal["two_tower", "deepfm", "none"]
RankerQuery = Annotated[
    RankerName | None,
    Query(
        description="Omit to use the A/B bucket (by default the ranker with the best "
        "held-out lift over recall order, or recall order if none beat it)."
    ),
]


@router.get("/{user_id}")
def recommend(
    user_id: int, state: StateDep, k: K = 10, ranker: RankerQuery = None
) -> RecommendResponse:
    users = state.users  # read once: a reload swaps it whole
    profile = users.profile(user_id)
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown user {user_id}")
    bucket = None if ranker is not None else bucket_for(state, users.bundle, user_id)
    return _answer(state, users, profile, user_id, ranker or bucket or RECALL_ORDER, bucket, k)


@router.post("")
def recommend_session(
    body: SessionIn, state: StateDep, k: K = 10, ranker: RankerQuery = None
) -> RecommendResponse:
    """An anonymous session: recommendations from these movies (their vector as a user who
    rated nothing else would get, the movies left out); nothing is stored. Without ``ranker``
    the arm with the largest share answers."""
    users = state.users
    rows = users.rows_of(np.array(body.movies, dtype=np.int64))
    if (rows < 0).any():
        unknown = [m for m, r in zip(body.movies, rows.tolist(), strict=True) if r < 0]
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"unknown movies: {', '.join(map(str, unknown[:5]))}",
        )
    shares = state.shares(users.bundle)
    chosen: str = ranker or max(shares, key=shares.__getitem__)
    return _answer(state, users, users.session(rows), None, chosen, None, k)


def bucket_for(state: ServingState, bundle: Bundle, user_id: int) -> str:
    """The A/B arm of ``user_id`` under this bundle's shares."""
    return bucket_of(user_id, state.shares(bundle), state.ab_salt)


def _answer(
    state: ServingState, users: LiveUsers, profile: UserProfile, user_id: int | None,
    chosen: str, bucket: str | None, k: int,
) -> RecommendResponse:  # fmt: skip
    bundle = users.bundle
    candidates = recall(bundle, profile, max(CANDIDATES, k),
                        lambda query, n: state.search(bundle, query, n))  # fmt: skip
    ranked = candidates if chosen == RECALL_ORDER else rank(users, profile, candidates, chosen)
    return RecommendResponse(
        user=user_id,
        ranker=chosen,
        bucket=bucket,
        results=scored(bundle, ranked.scores[:k], ranked.ids[:k]),
        model_version=bundle.version,
    )
