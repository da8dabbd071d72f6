"""The PinSAGE convolution on a literal 4-node graph, and the encoder's shapes."""

import pytest
import torch
import torch.nn.functional as F

from graphrec.nn.adjacency import Adjacency
from graphrec.nn.pinsage import PinSageConv, PinSageEncoder


def four_nodes() -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Node 0 hears from 1 (weight 0.75) and 2 (0.25); node 1 from 3 (1.0); node 3 from none."""
    torch.manual_seed(0)
    x = torch.randn(4, 3)
    edge_index = torch.tensor([[1, 2, 3], [0, 0, 1]])
    edge_weight = torch.tensor([0.75, 0.25, 1.0])
    return x, edge_index, edge_weight


def by_hand(
    conv: PinSageConv, x: torch.Tensor, node: int, sources: dict[int, float]
) -> torch.Tensor:
    pooled = torch.zeros(conv.neighbour.out_channels)
    for source, weight in sources.items():
        pooled += weight * F.relu(conv.neighbour(x[source]))
    z = F.relu(conv.combine(torch.cat([x[node], pooled])))
    return z / z.norm()


def test_matches_the_paper_formula_with_importance_weights() -> None:
    x, edge_index, edge_weight = four_nodes()
    conv = PinSageConv(3, 5, hidden_channels=4)
    out = conv(x, edge_index, edge_weight)
    assert out.shape == (4, 5)
    torch.testing.assert_close(out[0], by_hand(conv, x, 0, {1: 0.75, 2: 0.25}))
    torch.testing.assert_close(out[1], by_hand(conv, x, 1, {3: 1.0}))
    torch.testing.assert_close(out[3], by_hand(conv, x, 3, {}))  # pools a zero vector


def test_weights_change_the_output_and_rows_are_unit_length() -> None:
    x, edge_index, edge_weight = four_nodes()
    conv = PinSageConv(3, 8)
    out = conv(x, edge_index, edge_weight)
    swapped = conv(x, edge_index, torch.tensor([0.25, 0.75, 1.0]))
    assert not torch.allclose(out[0], swapped[0])
    torch.testing.assert_close(out[1], swapped[1])
    norms = out.norm(dim=-1)
    assert torch.all(((norms - 1).abs() < 1e-5) | (norms == 0))


def test_bipartite_input_returns_destination_rows_only() -> None:
    x, edge_index, edge_weight = four_nodes()
    conv = PinSageConv(3, 5)
    out = conv((x, x[:2]), edge_index[:, :2], edge_weight[:2])
    assert out.shape == (2, 5)


def test_encoder_runs_its_layers_over_blocks() -> None:
    encoder = PinSageEncoder(num_movies=4, feature_dim=3, dim=6, num_layers=2)
    x, edge_index, edge_weight = four_nodes()
    movies = torch.arange(4)
    # Layer 1 feeds all 4 nodes into nodes 0-1; layer 2 feeds those into node 0.
    blocks = [(edge_index, edge_weight, 2), (torch.tensor([[1], [0]]), torch.tensor([1.0]), 1)]
    out = encoder(movies, x, blocks)
    assert out.shape == (1, 6)
    torch.testing.assert_close(out.norm(dim=-1), torch.ones(1))


def test_an_adjacency_pools_and_backpropagates_as_the_edge_list_does() -> None:
    x, edge_index, edge_weight = four_nodes()
    conv = PinSageConv(3, 5, hidden_channels=4)
    matrix = torch.sparse_coo_tensor(
        torch.stack([edge_index[1], edge_index[0]]), edge_weight, size=(4, 4)
    )
    adjacency = Adjacency(matrix.to_sparse_csr(), matrix.t().coalesce().to_sparse_csr())
    x_sparse, x_edges = x.clone().requires_grad_(), x.clone().requires_grad_()
    out_sparse, out_edges = conv(x_sparse, adjacency), conv(x_edges, edge_index, edge_weight)
    torch.testing.assert_close(out_sparse, out_edges)
    weights = torch.randn_like(out_edges)
    (out_sparse * weights).sum().backward()
    (out_edges * weights).sum().backward()
    assert x_sparse.grad is not None and x_edges.grad is not None
    torch.testing.assert_close(x_sparse.grad, x_edges.grad)


def test_an_edge_list_needs_its_weights() -> None:
    x, edge_index, _ = four_nodes()
    with pytest.raises(ValueError, match="needs edge_weight"):
        PinSageConv(3, 5)(x, edge_index)
