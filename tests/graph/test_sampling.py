import numpy as np
import pytest
import torch

from graphrec.graph import BipartiteGraph
from graphrec.graph.sampling import FanoutSampler, _stable_order


@pytest.fixture
def graph() -> BipartiteGraph:
    """User 0 rated every one of 40 movies; users 1 and 2 rated two each."""
    users = np.concatenate([np.zeros(40, dtype=np.int64), [1, 1, 2, 2]])
    movies = np.concatenate([np.arange(40), [0, 1, 1, 2]])
    return BipartiteGraph.from_interactions(users, movies, num_users=3, num_movies=40)


def test_quiet_nodes_keep_every_neighbour_and_busy_ones_draw_the_fanout(
    graph: BipartiteGraph,
) -> None:
    sampler = FanoutSampler(*graph.homogeneous_csr(), 5, seed=0)
    sample = sampler.sample(np.array([1, 0]))
    block = sample.block
    matrix = block.mean.matrix.to_dense()
    assert block.num_dst == 2 and matrix.shape == (2, len(sample.nodes))
    np.testing.assert_array_equal(sample.nodes[:2], [1, 0])  # the batch leads its inputs
    quiet = set(sample.nodes[np.flatnonzero(matrix[0].numpy())])
    assert quiet == {3, 4}  # user 1's movies 0 and 1, as nodes 3 and 4, weight 1/2 each
    torch.testing.assert_close(matrix[0].sum(), torch.tensor(1.0))
    busy = matrix[1].numpy()
    assert np.isclose(busy.sum(), 1.0) and (busy > 0).sum() <= 5
    assert all(3 <= node < 43 for node in sample.nodes[busy > 0])  # only user 0's movies
    torch.testing.assert_close(block.mean.transposed.to_dense(), matrix.T)


def test_busy_draws_are_uniform_over_neighbours(graph: BipartiteGraph) -> None:
    sampler = FanoutSampler(*graph.homogeneous_csr(), 10, seed=1)
    counts = np.zeros(43)
    for _ in range(400):
        sample = sampler.sample(np.array([0]))
        weights = sample.block.mean.matrix.to_dense()[0].numpy()
        np.add.at(counts, sample.nodes, weights * 10)
    share = counts[3:] / counts[3:].sum()
    assert counts[:3].sum() == 0 and np.all(np.abs(share - 1 / 40) < 0.01)


def test_each_node_may_have_its_own_fanout(graph: BipartiteGraph) -> None:
    """Users draw 30 of their movies, movies 1 of their users (the trainer's movie fan-out)."""
    caps = np.array([30, 30, 30] + [1] * 40)
    sampler = FanoutSampler(*graph.homogeneous_csr(), caps, seed=0)
    sample = sampler.sample(np.array([0, 4]))  # user 0 (40 movies), movie 1 (3 users)
    matrix = sample.block.mean.matrix.to_dense().numpy()
    assert 0 < (matrix[0] > 0).sum() <= 30 and np.isclose(matrix[0].sum(), 1.0)
    assert (matrix[1] > 0).sum() == 1 and np.isclose(matrix[1].sum(), 1.0)


def test_bad_fanouts_are_refused(graph: BipartiteGraph) -> None:
    with pytest.raises(ValueError, match="fan-out must be positive"):
        FanoutSampler(*graph.homogeneous_csr(), 0)


def test_the_radix_order_is_a_stable_sort() -> None:
    keys = np.random.default_rng(0).integers(0, 3 << 17, 5000)
    np.testing.assert_array_equal(_stable_order(keys), np.argsort(keys, kind="stable"))
