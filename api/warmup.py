"""Warm-up before ready: the first real request should not be the one that pages in the index,
builds caches and loads lazy code paths."""

from __future__ import annotations

import logging
import time

import numpy as np

from api.state import ServingState
from graphrec.rankers.ranking import RANKERS
from graphrec.recall_score import CANDIDATES
from graphrec.recommend import rank, recall

logger = logging.getLogger(__name__)

#: Index searches run before the server calls itself ready.
SEARCHES = 300


def warm_up(state: ServingState, searches: int = SEARCHES) -> float:
    """Run a few hundred searches and every route's code path once; returns the seconds taken."""
    started = time.perf_counter()
    users = state.users
    bundle = users.bundle
    rng = np.random.default_rng(0)
    ids = bundle.movie_ids[rng.integers(0, len(bundle.movie_ids), searches)]
    for movie_id in ids.tolist():
        state.similar_to_movie(bundle, int(movie_id), 10)
    profile = users.profile(int(bundle.user_ids[0])) if len(bundle.user_ids) else None
    if profile is not None:
        candidates = recall(bundle, profile, CANDIDATES, lambda q, n: state.search(bundle, q, n))
        for ranker in RANKERS:
            rank(users, profile, candidates, ranker)
    session = users.session(np.array([0, 1], dtype=np.int64))
    recall(bundle, session, CANDIDATES, lambda q, n: state.search(bundle, q, n))
    bundle.catalog.search("a", 20)
    seconds = time.perf_counter() - started
    logger.info("warmed up in %.2f s (%d searches)", seconds, searches)
    return seconds
