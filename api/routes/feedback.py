"""POST /feedback: interactions that change users at once, stored before the 200 (bearer token)."""

import time
from typing import Annotated

from fastapi import APIRouter, Body, HTTPException, Request, status

from api.deps import StateDep, TokenDep
from api.schemas import MAX_EVENTS, EventIn, FeedbackResponse, errors
from api.state import InvalidFeedback
from graphrec.store import FeedbackEvent

router = APIRouter(prefix="/feedback", tags=["feedback"])

Events = Annotated[list[EventIn], Body(min_length=1, max_length=MAX_EVENTS)]


@router.post("", responses=errors(400, 401, 422, 503))
def feedback(events: Events, request: Request, state: StateDep, _: TokenDep) -> FeedbackResponse:
    """All or nothing: one bad event and nothing is stored."""
    now = int(time.time())
    stored = [
        FeedbackEvent(
            e.user,
            e.movie,
            e.kind,
            e.rating,
            now if e.timestamp is None else e.timestamp,
            e.request_id,
        )
        for e in events
    ]
    try:
        new_users = state.feedback(stored)
    except InvalidFeedback as exc:
        raise HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, detail=str(exc)) from exc
    request.app.state.metrics.feedback_events.inc(len(stored))
    return FeedbackResponse(accepted=len(stored), new_users=new_users)
