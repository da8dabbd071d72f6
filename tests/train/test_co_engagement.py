"""Co-engagement pairs on literal histories: who watched what beside what."""

import numpy as np

from graphrec.graph.walks import Neighbourhoods
from graphrec.train.co_engagement import UserSequences, walk_pairs

# User 0 watched 5, 6, 7 in that order (timestamps out of row order); user 1 only 8.
USERS = np.array([0, 0, 0, 1])
MOVIES = np.array([7, 5, 6, 8])
TIMES = np.array([30, 10, 20, 5])


def test_nearby_pairs_are_within_the_window_both_ways() -> None:
    sequences = UserSequences(USERS, MOVIES, TIMES, num_users=2)
    queries, positives = sequences.nearby(window=1)
    assert sorted(zip(queries.tolist(), positives.tolist(), strict=True)) == [
        (5, 6), (6, 5), (6, 7), (7, 6),
    ]  # fmt: skip
    wide = sequences.nearby(window=2)
    assert (5, 7) in set(zip(*(a.tolist() for a in wide), strict=True))
    assert len(sequences.nearby(window=0)[0]) == 0


def test_partners_are_another_movie_of_the_same_user() -> None:
    sequences = UserSequences(USERS, MOVIES, TIMES, num_users=2)
    rng = np.random.default_rng(0)
    seen = set()
    for _ in range(50):
        queries, partners = sequences.partners(rng)
        assert len(queries) == 3, "user 1's single rating has no partner"
        assert (queries != partners).all() and set(partners.tolist()) <= {5, 6, 7}
        seen |= set(zip(queries.tolist(), partners.tolist(), strict=True))
    assert len(seen) == 6, "every ordered pair of user 0's movies is drawn in time"


def test_walk_pairs_follow_the_visit_counts() -> None:
    ranked = np.array([[1, 2], [0, -1], [-1, -1]], dtype=np.int32)
    counts = np.array([[3, 1], [2, 0], [0, 0]], dtype=np.int32)
    neighbourhoods = Neighbourhoods(ranked=ranked, counts=counts, top_t=2)
    queries, positives = walk_pairs(neighbourhoods, 2000, np.random.default_rng(0))
    assert 2 not in queries.tolist(), "movie 2's walks visited nothing"
    assert (positives[queries == 1] == 0).all()
    share = np.mean(positives[queries == 0] == 1)
    assert 0.7 < share < 0.8, f"visited 3 times in 4: {share}"
