"""/recommend: FAISS recall from a user's (or a session's) vector, then a ranker — the one asked
for, the user's A/B arms', or two of them interleaved — and an impression recorded."""

import time
import uuid
from typing import Annotated, Literal

import numpy as np
from fastapi import APIRouter, HTTPException, Query, Request, status

from api.deps import StateDep
from api.routes.similar import K, scored
from api.schemas import Because, RecommendedMovie, RecommendResponse, SessionIn, errors
from api.state import Experiments, ServingState
from graphrec.artifacts import Bundle
from graphrec.bucketing import RECALL_ORDER, bucket_of
from graphrec.experiments.impressions import Impression
from graphrec.experiments.interleaving import coin_for, team_draft
from graphrec.recall_score import CANDIDATES
from graphrec.recommend import Ranked, nearest_rated, rank, recall
from graphrec.users.live import LiveUsers, UserProfile

router = APIRouter(prefix="/recommend", tags=["recommend"])

RankerName = Literal["two_tower", "deepfm", "none"]
ARMS = ("two_tower", "deepfm", "none")
RankerQuery = Annotated[
    RankerName | None,
    Query(
        description="Omit to use the A/B bucket (by default the ranker with the best "
        "held-out lift over recall order, or recall order if none beat it)."
    ),
]
InterleaveQuery = Annotated[
    str | None,
    Query(
        pattern=r"^\s*[a-z_]+\s*,\s*[a-z_]+\s*$",
        description="Two arms, 'A,B' (of two_tower, deepfm, none): their lists merged by team "
        "draft, each result naming its team.",
    ),
]


@router.get("/{user_id}", responses=errors(404, 422))
async def recommend(
    user_id: int,
    request: Request,
    state: StateDep,
    k: K = 10,
    ranker: RankerQuery = None,
    interleave: InterleaveQuery = None,
) -> RecommendResponse:
    """Async although it never awaits, as /similar: 2.3× the requests/s of a plain ``def`` at
    32 connections (bench_throughput.py)."""
    users = state.users  # read once: a reload swaps it whole
    profile = users.profile(user_id)
    if profile is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, detail=f"unknown user {user_id}")
    experiments: Experiments = request.app.state.experiments
    pair = _pair(interleave)
    if ranker is not None and pair is not None:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT, detail="give ranker or interleave, not both"
        )
    default = experiments.interleave
    if ranker is None and pair is None and default is not None and default.applies(user_id):
        pair = (default.first, default.second)
    if pair is not None:
        return _interleaved(state, experiments, users, profile, user_id, pair, k)
    arms: dict[str, str] = {}
    bucket = None
    candidates = CANDIDATES
    if ranker is None:
        bucket = bucket_for(state, users.bundle, user_id)
        arms = {"ranker": bucket} | {layer.name: layer.arm(user_id) for layer in experiments.layers}
        candidates = int(arms.get("candidates", CANDIDATES))
    chosen = ranker or bucket or RECALL_ORDER
    ranked = _ranked(state, users, profile, chosen, max(candidates, k))
    results = explained(users, profile, scored(users.bundle, ranked.scores[:k], ranked.ids[:k]))
    return _answer(experiments, users.bundle, user_id, chosen, bucket, results, arms)


@router.post("", responses=errors(400, 422))
def recommend_session(
    body: SessionIn, request: Request, state: StateDep, k: K = 10, ranker: RankerQuery = None
) -> RecommendResponse:
    """An anonymous session: recommendations from these movies (their vector as a user who
    rated nothing else would get, the movies left out); nothing is stored but the impression.
    Without ``ranker`` the arm with the largest share answers."""
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
    session = users.session(rows)
    ranked = _ranked(state, users, session, chosen, max(CANDIDATES, k))
    results = explained(users, session, scored(users.bundle, ranked.scores[:k], ranked.ids[:k]))
    return _answer(request.app.state.experiments, users.bundle, None, chosen, None, results, {})


def bucket_for(state: ServingState, bundle: Bundle, user_id: int) -> str:
    """The A/B arm of ``user_id`` under this bundle's shares."""
    return bucket_of(user_id, state.shares(bundle), state.ab_salt)


def _pair(text: str | None) -> tuple[str, str] | None:
    if text is None:
        return None
    first, second = (name.strip() for name in text.split(","))
    if first not in ARMS or second not in ARMS or first == second:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_CONTENT,
            detail=f"interleave needs two different arms of {', '.join(ARMS)}, got {text!r}",
        )
    return first, second


def _ranked(
    state: ServingState, users: LiveUsers, profile: UserProfile, arm: str, candidates: int
) -> Ranked:
    bundle = users.bundle
    recalled = recall(bundle, profile, candidates,
                      lambda query, n: state.search(bundle, query, n))  # fmt: skip
    return recalled if arm == RECALL_ORDER else rank(users, profile, recalled, arm)


def _interleaved(
    state: ServingState, experiments: Experiments, users: LiveUsers, profile: UserProfile,
    user_id: int, pair: tuple[str, str], k: int,
) -> RecommendResponse:  # fmt: skip
    bundle = users.bundle
    recalled = recall(bundle, profile, max(CANDIDATES, k),
                      lambda query, n: state.search(bundle, query, n))  # fmt: skip
    lists = [
        recalled if arm == RECALL_ORDER else rank(users, profile, recalled, arm) for arm in pair
    ]
    request_id = uuid.uuid4().hex
    ids, teams = team_draft(lists[0].ids[:k].tolist(), lists[1].ids[:k].tolist(), k,
                            coin_for(request_id))  # fmt: skip
    score_of = [dict(zip(lst.ids.tolist(), lst.scores.tolist(), strict=True)) for lst in lists]
    results = [
        RecommendedMovie(**movie.model_dump(), team=pair[team])
        for movie, team in zip(
            scored(bundle, np.array([score_of[t][i] for i, t in zip(ids, teams, strict=True)]),
                   np.array(ids, dtype=np.int64)),
            teams, strict=True,
        )
    ]  # fmt: skip
    results = explained(users, profile, results)
    return _answer(experiments, bundle, user_id, ",".join(pair), None, results, {},
                   request_id=request_id, pair=pair, teams=teams)  # fmt: skip


def explained(users: LiveUsers, profile: UserProfile, results: list) -> list[RecommendedMovie]:
    """``results`` with each one's ``because``: the rated movie it is nearest to."""
    nearest = nearest_rated(users, profile, np.array([r.id for r in results], dtype=np.int64))
    catalog = users.bundle.catalog
    out = []
    for result, movie_id in zip(results, nearest.tolist(), strict=True):
        row = catalog.row(movie_id) if movie_id >= 0 else None
        because = None if row is None else Because(id=movie_id, title=catalog.titles[row])
        out.append(RecommendedMovie(**result.model_dump(exclude={"because"}), because=because))
    return out


def _answer(
    experiments: Experiments, bundle: Bundle, user_id: int | None, ranker: str,
    bucket: str | None, results: list, arms: dict[str, str], *, request_id: str | None = None,
    pair: tuple[str, str] | None = None, teams: list[int] | None = None,
) -> RecommendResponse:  # fmt: skip
    request_id = request_id or uuid.uuid4().hex
    shown = [RecommendedMovie(**r.model_dump()) for r in results]
    if experiments.log is not None:
        experiments.log.add(Impression(
            request_id=request_id, user=user_id, timestamp=time.time(), arms=arms,
            interleave=pair, movies=[r.id for r in shown], teams=teams,
        ))  # fmt: skip
    return RecommendResponse(
        user=user_id, ranker=ranker, bucket=bucket, results=shown, model_version=bundle.version,
        request_id=request_id, arms=arms, interleave=None if pair is None else list(pair),
    )  # fmt: skip
