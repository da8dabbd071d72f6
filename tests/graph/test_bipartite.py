import numpy as np
import pytest
import torch

from graphrec.graph import BipartiteGraph, graph_stats, to_networkx


@pytest.fixture
def graph() -> BipartiteGraph:
    # users 0,1 share movie 1; user 2 alone with movie 3; movie 2 unrated; (0, 1) repeated.
    users = np.array([0, 0, 1, 1, 0, 2])
    movies = np.array([1, 0, 1, 4, 1, 3])
    return BipartiteGraph.from_interactions(users, movies, num_users=3, num_movies=5)


def test_csr_both_directions(graph: BipartiteGraph) -> None:
    assert graph.num_edges == 5  # the repeated (0, 1) is one edge
    assert graph.user_indptr.tolist() == [0, 2, 4, 5]
    assert graph.user_movies.tolist() == [0, 1, 1, 4, 3]
    assert graph.movie_indptr.tolist() == [0, 1, 3, 3, 4, 5]
    assert graph.movie_users.tolist() == [0, 0, 1, 2, 1]
    assert graph.movie_degrees().tolist() == [1, 2, 0, 1, 1]


def test_homogeneous_views_agree(graph: BipartiteGraph) -> None:
    edge_index = graph.homogeneous_edge_index()
    assert edge_index.shape == (2, 10)
    dense = torch.zeros(8, 8)
    dense[edge_index[0], edge_index[1]] = 1
    assert torch.equal(graph.homogeneous_adjacency().to_dense(), dense)
    assert torch.equal(dense, dense.T)
    assert dense[0, 3 + 1] == 1 and dense[3 + 2].sum() == 0


def test_out_of_range_rejected() -> None:
    with pytest.raises(ValueError, match="movie index out of range"):
        BipartiteGraph.from_interactions(np.array([0]), np.array([5]), 1, 5)


def test_stats_networkx_and_scipy_agree(graph: BipartiteGraph, monkeypatch) -> None:
    stats = graph_stats(graph)
    # {u0, u1, m0, m1, m4}, {u2, m3}, {m2}
    assert (stats.num_components, stats.largest_component, stats.isolated_movies) == (3, 5, 1)
    assert stats.method == "networkx"
    assert stats.user_degree_quantiles[1.0] == 2 and stats.movie_degree_quantiles[0.0] == 0
    monkeypatch.setattr("graphrec.graph.stats.NETWORKX_MAX_EDGES", 0)
    scipy_stats = graph_stats(graph)
    assert scipy_stats.method == "scipy"
    assert (scipy_stats.num_components, scipy_stats.largest_component) == (3, 5)
    assert to_networkx(graph).number_of_edges() == 5


def test_homogeneous_csr_is_the_adjacencys_pattern(graph: BipartiteGraph) -> None:
    indptr, indices = graph.homogeneous_csr()
    adjacency = graph.homogeneous_adjacency()
    np.testing.assert_array_equal(indptr, adjacency.crow_indices().numpy())
    np.testing.assert_array_equal(indices, adjacency.col_indices().numpy())
