import numpy as np
import torch

from graphrec.graph import BipartiteGraph
from graphrec.train import top_k_excluding, validation_recall
from graphrec.train.topk import stable_top_k, validation_next_item_hit


def _dot(users: torch.Tensor, movies: torch.Tensor):
    return lambda batch: users[torch.from_numpy(batch)] @ movies.T


def test_excludes_known_items_and_breaks_ties_by_index() -> None:
    users = torch.tensor([[1.0], [1.0]])
    movies = torch.tensor([[0.5], [0.9], [0.5], [0.5], [0.1]])
    known = BipartiteGraph.from_interactions(np.array([0]), np.array([1]), 2, 5)
    score = _dot(users, movies)
    top = top_k_excluding(score, known, 3, np.arange(2), batch_size=1)
    assert top.tolist() == [[0, 2, 3], [1, 0, 2]]
    assert top_k_excluding(score, known, 9, np.array([1])).shape == (1, 5)
    assert top_k_excluding(score, None, 1, np.array([0])).tolist() == [[1]]


def test_validation_recall_counts_held_out_hits() -> None:
    users = torch.tensor([[1.0], [1.0]])
    movies = torch.tensor([[0.9], [0.8], [0.1]])
    fit = BipartiteGraph.from_interactions(np.array([0]), np.array([0]), 2, 3)
    held = BipartiteGraph.from_interactions(np.array([0, 1]), np.array([1, 2]), 2, 3)
    # user 0: top-1 after excluding movie 0 is movie 1 (hit); user 1: top-1 is movie 0 (miss)
    assert validation_recall(_dot(users, movies), fit, held, k=1) == 0.5


def test_validation_next_item_hit_ranks_by_the_query_movie() -> None:
    movies = torch.tensor([[1.0, 0.0], [0.9, 0.1], [0.0, 1.0], [0.1, 0.9]])
    score = lambda batch: movies[torch.from_numpy(batch)] @ movies.T  # noqa: E731
    fit = BipartiteGraph.from_interactions(np.array([0, 1]), np.array([0, 2]), 3, 4)
    queries, targets = np.array([0, 2, 1]), np.array([1, 1, -1])
    # user 0: 0 → top-1 is 1 once its own movie 0 is left out (hit); user 1: 2 → 3 (miss);
    # user 2 has no target and is not counted.
    assert validation_next_item_hit(score, fit, queries, targets, k=1) == 0.5
    assert validation_next_item_hit(score, fit, np.array([-1]), np.array([1]), k=1) == 0.0


def test_stable_top_k_matches_a_full_sort_by_score_then_index() -> None:
    rng = np.random.default_rng(0)
    scores = torch.from_numpy(rng.integers(0, 4, (50, 30)).astype(np.float32))
    scores[3] = -torch.inf  # a row with nothing left: lowest indices first
    scores[4, :5] = -torch.inf
    for k in (1, 7, 30):
        expected = np.stack([np.lexsort((np.arange(30), -row))[:k] for row in scores.numpy()])
        assert np.array_equal(stable_top_k(scores, k), expected)
