"""The recency term is chosen on validation only where it recalls more."""

import numpy as np

from graphrec.graph.bipartite import BipartiteGraph
from graphrec.recall_score import RecallScore
from graphrec.train.recency_tuning import tune_recency

NUM_USERS, NUM_MOVIES = 20, 40
SHAPES, WEIGHTS = ((1, 1.0), (3, 0.5)), (0.5, 1.0)


def _planted() -> tuple[tuple[np.ndarray, np.ndarray, np.ndarray], BipartiteGraph, BipartiteGraph,
                        np.ndarray]:  # fmt: skip
    """Each user rates three movies; the one rated last has a twin (same movie → movie row),
    and the twin is what the user rates next."""
    rng = np.random.default_rng(0)
    users, movies, times, targets = [], [], [], []
    for user in range(NUM_USERS):
        last = 2 * (user % 20)
        others = rng.choice([m for m in range(0, NUM_MOVIES, 2) if m != last], 2, replace=False)
        users += [user] * 3
        movies += [*(int(m) + 1 for m in others), last]
        times += [1, 2, 3]
        targets.append(last + 1)
    fit = (np.array(users), np.array(movies), np.array(times))
    fit_graph = BipartiteGraph.from_interactions(fit[0], fit[1], NUM_USERS, NUM_MOVIES)
    val_graph = BipartiteGraph.from_interactions(
        np.arange(NUM_USERS), np.array(targets), NUM_USERS, NUM_MOVIES
    )
    items = np.repeat(np.eye(NUM_MOVIES // 2, dtype=np.float32), 2, axis=0)  # twins share a row
    return fit, fit_graph, val_graph, items


def test_the_term_is_chosen_where_the_latest_movie_predicts_the_next() -> None:
    fit, fit_graph, val_graph, items = _planted()
    rng = np.random.default_rng(1)
    base = RecallScore(
        0.01 * rng.normal(size=(NUM_USERS, 4)).astype(np.float32),
        rng.normal(size=(NUM_MOVIES, 4)).astype(np.float32),
        np.zeros(NUM_MOVIES, np.float32), 0.0,
    )  # fmt: skip
    chosen = tune_recency(base, items, fit, fit_graph, val_graph, k=1, shapes=SHAPES,
                          weights=WEIGHTS)  # fmt: skip
    assert chosen.active
    assert chosen.count == 1, "only the latest movie's twin is the next one"


def test_the_term_stays_off_where_the_score_already_recalls_everything() -> None:
    fit, fit_graph, val_graph, items = _planted()
    targets = val_graph.edge_arrays()[1]
    users = np.eye(NUM_MOVIES, dtype=np.float32)[targets] * 100.0  # each user points at its target
    base = RecallScore(users, np.eye(NUM_MOVIES, dtype=np.float32),
                       np.zeros(NUM_MOVIES, np.float32), 0.0)  # fmt: skip
    chosen = tune_recency(base, items, fit, fit_graph, val_graph, k=1, shapes=SHAPES,
                          weights=WEIGHTS)  # fmt: skip
    assert not chosen.active
