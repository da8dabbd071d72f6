import numpy as np
import pytest
import torch

from graphrec.graph import BipartiteGraph
from graphrec.graph.sampling import FanoutSampler
from graphrec.nn import SageEncoder


def test_shapes_repr_and_neighbourhood_use() -> None:
    torch.manual_seed(0)
    model = SageEncoder(num_users=2, num_movies=3, feature_dim=4, dim=8)
    assert repr(model) == "SageEncoder(users=2, movies=3, features=4, dim=8, layers=2)"
    edge_index = torch.tensor([[0, 2, 1, 3], [2, 0, 3, 1]])  # u0–m0, u1–m1
    features = torch.randn(3, 4)
    out = model(features, edge_index)
    assert out.shape == (5, 8)
    rewired = model(features, torch.tensor([[0, 3, 1, 2], [3, 0, 2, 1]]))  # u0–m1, u1–m0
    assert not torch.allclose(out[0], rewired[0])  # a user's vector depends on its neighbours
    assert torch.allclose(out[4], rewired[4])  # movie 2 has no edges either way


def test_invalid_layers() -> None:
    with pytest.raises(ValueError, match="'SageEncoder' needs num_layers >= 1"):
        SageEncoder(1, 1, 1, num_layers=0)


def test_a_step_over_current_histories_gives_the_full_output_and_trains_every_weight() -> None:
    """With the fan-out above every degree and histories from a full pass, a step's rows are
    the full graph's; every weight gets a gradient (the id tables a sparse one), and the
    batch's fresh states are written back to the histories."""
    torch.manual_seed(0)
    users = np.array([0, 0, 1, 2, 2, 2])
    movies = np.array([0, 1, 1, 2, 3, 0])
    graph = BipartiteGraph.from_interactions(users, movies, num_users=3, num_movies=4)
    model = SageEncoder(num_users=3, num_movies=4, feature_dim=2, dim=4, num_layers=3)
    features = torch.randn(4, 2)
    nodes = np.array([0, 4, 6])  # user 0, movies 1 and 3
    with torch.no_grad():
        states = model.states(features, graph.homogeneous_adjacency())
        full = model(features, graph.homogeneous_adjacency())[nodes]
    histories = [state.clone() for state in states[1:-1]]
    for history in histories:
        history[nodes] = 0.0  # stale rows of the batch: the step overwrites them
    sampler = FanoutSampler(*graph.homogeneous_csr(), 8)
    rows = model.forward_historical(features, sampler.sample(nodes), histories)
    torch.testing.assert_close(rows.detach(), full)
    for history, state in zip(histories, states[1:-1], strict=True):
        torch.testing.assert_close(history, state)
    (rows * torch.randn(3, 4)).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    assert model.user_embedding.weight.grad is not None
    assert model.user_embedding.weight.grad.is_sparse
