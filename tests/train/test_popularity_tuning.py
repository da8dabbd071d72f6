"""Half-life and popularity weights are chosen by what validation rewards, on literal vectors."""

import numpy as np

from graphrec.graph import BipartiteGraph
from graphrec.popularity import log_popularity
from graphrec.train.popularity_tuning import (
    RecallChoice,
    ValidationScores,
    Whitenings,
    next_item_pairs,
    tune_recall,
    tuning_slice,
)
from graphrec.train.user_vectors import Whitening
from tests.conftest import planted

# Movie 1 is closer to user 0 and to movie 0 (cosine 0.8) than movie 2 is (0.6), but movie 2
# has three fitting ratings: log(4) = 1.386, so weight w lifts it to 0.6 + 1.386 w; it
# passes 0.8 from the grid's 0.15 on.
MOVIES = np.array([[1.0, 0.0], [0.8, 0.6], [0.6, 0.8], [-1.0, 0.0]], dtype=np.float32)
FIT = BipartiteGraph.from_interactions(np.array([0, 1, 2, 3]), np.array([0, 2, 2, 2]), 4, 4)
USERS = np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0], [0.0, 1.0]], dtype=np.float32)


def _tune(
    target: int,
    users: dict[float | None, np.ndarray] | None = None,
    whitenings: Whitenings | None = None,
) -> RecallChoice:
    scores = ValidationScores(
        users=users or {None: USERS}, movies=MOVIES,
        popularity=log_popularity(FIT.movie_degrees()),
    )  # fmt: skip
    val = BipartiteGraph.from_interactions(np.array([0]), np.array([target]), 4, 4)
    return tune_recall(scores, FIT, val, k=1, whitenings=whitenings)


def test_the_smallest_weight_that_lets_a_popular_target_through() -> None:
    weights = _tune(target=2).weights
    assert weights.user == 0.15 and weights.item == 0.0, "the item space chooses its own"


def test_no_popularity_when_validation_wants_the_rare_movie() -> None:
    weights = _tune(target=1).weights
    assert weights.user == 0.0


def test_the_half_life_whose_user_vectors_find_the_target() -> None:
    # Under half-life 4 user 0 points at movie 3 (the target), under a plain mean at movie 0.
    towards_three = USERS.copy()
    towards_three[0] = [-1.0, 0.0]
    choice = _tune(target=3, users={None: USERS, 4.0: towards_three})
    assert choice.half_life == 4.0 and choice.weights.user == 0.0
    assert _tune(target=1, users={None: USERS, 4.0: towards_three}).half_life is None


def test_whitened_users_replace_the_mean_only_where_they_recall_more() -> None:
    towards_three = USERS.copy()
    towards_three[0] = [-1.0, 0.0]
    asked: list[float | None] = []

    def whitened(half_life: float | None) -> dict[Whitening, np.ndarray]:
        asked.append(half_life)
        return {Whitening(1.0, 0.1): USERS, Whitening(0.3, 0.1): towards_three}

    choice = _tune(target=3, users={None: USERS, 4.0: USERS}, whitenings=whitened)
    assert choice.whitening == Whitening(0.3, 0.1) and choice.half_life is None
    assert asked == [None], "tried at the chosen half-life"
    assert _tune(target=1, whitenings=whitened).whitening is None, "a tie keeps the mean"
    assert _tune(target=3, whitenings=lambda _: {}).whitening is None, "none to try"


def test_next_item_pairs_are_the_latest_fitting_and_earliest_validation_movies() -> None:
    data = planted(num_users=2)
    held = np.zeros(len(data.users), dtype=bool)
    held[data.users == 0] = data.timestamps[data.users == 0] >= np.median(
        data.timestamps[data.users == 0]
    )
    queries, targets = next_item_pairs(data, ~held)
    mine = data.users == 0
    fit, val = mine & ~held, mine & held
    assert queries[0] == data.movies[fit][np.argmax(data.timestamps[fit])]
    assert targets[0] == data.movies[val][np.argmin(data.timestamps[val])]
    assert queries[1] == data.movies[data.users == 1][np.argmax(data.timestamps[data.users == 1])]
    assert targets[1] == -1, "user 1 has nothing held out"


def test_tuning_judges_a_seeded_sample_of_users_and_keeps_each_one_whole() -> None:
    rng = np.random.default_rng(0)
    users, movies = rng.integers(0, 50, 400), rng.integers(0, 30, 400)
    val = BipartiteGraph.from_interactions(users, movies, 50, 30)
    assert tuning_slice(val, max_users=50) is val  # few enough: all of them
    sample = tuning_slice(val, max_users=10)
    kept = np.flatnonzero(sample.user_degrees() > 0)
    assert len(kept) == 10
    assert np.array_equal(sample.user_degrees()[kept], val.user_degrees()[kept])  # whole users
    again = tuning_slice(val, max_users=10)
    assert np.array_equal(np.flatnonzero(again.user_degrees() > 0), kept)  # seeded
