import numpy as np
import torch

from graphrec.graph import BipartiteGraph
from graphrec.train import top_k_excluding


def test_excludes_known_items_and_breaks_ties_by_index() -> None:
    users = torch.tensor([[1.0], [1.0]])
    movies = torch.tensor([[0.5], [0.9], [0.5], [0.5], [0.1]])
    known = BipartiteGraph.from_interactions(np.array([0]), np.array([1]), 2, 5)
    top = top_k_excluding(users, movies, known, k=3, batch_size=1)
    assert top.tolist() == [[0, 2, 3], [1, 0, 2]]
    assert top_k_excluding(users, movies, known, k=9, users=np.array([1])).shape == (1, 5)
