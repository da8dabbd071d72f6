"""/recommend: FAISS recall from the user's embedding, then a ranker (or an A/B bucket's)."""

from typing import Annotated, Literal

from fastapi import APIRouter, HTTPException, Query, Request, status

from api.deps import BundleDep, StateDep
from api.routes.similar import K, scored
from api.schemas import RecommendResponse
from graphrec.bucketing import RECALL_ORDER, bucket_of
from graphrec.recall_score import CANDIDATES
from graphrec.recommend import rank, recall, user_row

router = APIRouter(prefix="/recommend", tags=["recommend"])

RankerName = Literal["two_tower", "deepfm", "none"]


@router.get("/{user_id}")
def recommend(
    user_id: int,
    request: Request,
    state: StateDep,
    bundle: BundleDep,
    k: K = 10,
    ranker: Annotated[
        RankerName | None,
        Query(
            description="Omit to use the A/B bucket (by default the ranker with the best "
            "held-out lift over recall order, or recall order if none beat it)."
        ),
    ] = None,
) -> RecommendResponse:
    row = user_row(bundle, user_id)
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown user {user_id}")
    bucket = None
    if ranker is None:
        settings = request.app.state.settings
        bucket = bucket_of(user_id, state.shares(bundle), settings.ab_salt)
    chosen = ranker or bucket or RECALL_ORDER
    candidates = recall(bundle, row, max(CANDIDATES, k),
                        lambda query, n: state.search(bundle, query, n))  # fmt: skip
    ranked = candidates if chosen == RECALL_ORDER else rank(bundle, row, candidates, chosen)
    return RecommendResponse(
        user=user_id,
        ranker=chosen,
        bucket=bucket,
        results=scored(bundle, ranked.scores[:k], ranked.ids[:k]),
        model_version=bundle.version,
    )
