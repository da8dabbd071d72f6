import numpy as np
import pytest
import torch

from graphrec.graph import BipartiteGraph
from graphrec.nn import SageEncoder
from graphrec.nn.adjacency import Adjacency


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


def test_a_mean_adjacency_gives_pygs_output_and_gradients() -> None:
    torch.manual_seed(0)
    users = np.array([0, 0, 1, 2])
    movies = np.array([0, 1, 1, 2])
    graph = BipartiteGraph.from_interactions(users, movies, num_users=3, num_movies=4)
    model = SageEncoder(num_users=3, num_movies=4, feature_dim=2, dim=4, num_layers=3)
    features = torch.randn(4, 2)
    outputs, grads = [], []
    for adjacency in (graph.homogeneous_adjacency(), graph.mean_adjacency()):
        model.zero_grad()
        out = model(features, adjacency)
        (out * torch.arange(out.numel()).view_as(out)).sum().backward()
        outputs.append(out.detach())
        grads.append([p.grad.clone() for p in model.parameters() if p.grad is not None])
    torch.testing.assert_close(outputs[0], outputs[1])
    assert len(grads[0]) == len(grads[1]) > 0
    for pyg, ours in zip(*grads, strict=True):
        torch.testing.assert_close(pyg, ours)


def test_the_rows_of_some_nodes_and_sparse_features_give_the_full_output_and_gradients() -> None:
    torch.manual_seed(0)
    users = np.array([0, 0, 1, 2, 2])
    movies = np.array([0, 1, 1, 2, 3])
    graph = BipartiteGraph.from_interactions(users, movies, num_users=3, num_movies=4)
    model = SageEncoder(num_users=3, num_movies=4, feature_dim=2, dim=4, num_layers=3)
    features = torch.randn(4, 2)
    nodes = torch.tensor([0, 4, 6])  # user 0, movies 1 and 3
    weights = torch.randn(3, 4)
    results = []
    features[features < 0] = 0.0  # some zeros for the sparse copy to leave out
    sparse = Adjacency.of_dense(features)
    for adjacency in (graph.homogeneous_adjacency(), graph.mean_adjacency()):
        for subset, inputs in ((None, features), (nodes, features), (nodes, sparse)):
            model.zero_grad()
            out = model(inputs, adjacency, subset)
            rows = out if subset is not None else out[nodes]
            (rows * weights).sum().backward()
            results.append((rows.detach(), [p.grad.clone() for p in model.parameters()]))
    assert results[0][0].shape == (3, 4)
    for rows, grads in results[1:]:
        torch.testing.assert_close(rows, results[0][0])
        for full, ours in zip(results[0][1], grads, strict=True):
            torch.testing.assert_close(full, ours)
