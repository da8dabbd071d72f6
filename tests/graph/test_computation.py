"""Computation graphs over literal neighbourhoods."""

import numpy as np
import pytest

from graphrec.graph.computation import PositionMap, computation_graph
from graphrec.graph.walks import Neighbourhoods


def chain() -> Neighbourhoods:
    """Movie i's neighbourhood is i+1 (weight 3) and i+2 (weight 1); the last two run short."""
    ranked = np.array([[1, 2], [2, 3], [3, 4], [4, -1], [-1, -1]])
    counts = np.array([[3, 1], [3, 1], [3, 1], [2, 0], [0, 0]])
    return Neighbourhoods(ranked=ranked, counts=counts, top_t=2)


def test_layers_reach_exactly_the_needed_movies() -> None:
    graph = computation_graph(np.array([0]), chain(), num_layers=2)
    assert graph.nodes[0] == 0 and set(graph.nodes) == {0, 1, 2, 3, 4}
    top, bottom = graph.blocks[1], graph.blocks[0]
    assert top.num_dst == 1 and bottom.num_dst == 3
    # Top layer: target 0 hears from 1 (0.75) and 2 (0.25) at their positions in layer 1.
    layer1 = graph.nodes[: bottom.num_dst]
    edges = zip(top.edge_index.T, top.edge_weight, strict=True)
    pairs = {(int(layer1[s]), int(d)): w for (s, d), w in edges}
    assert pairs == {(1, 0): 0.75, (2, 0): 0.25}
    # Bottom layer: every edge points into the first num_dst nodes, which are layer 1's.
    assert np.array_equal(graph.nodes[: bottom.num_dst], layer1)
    sources = graph.nodes[bottom.edge_index[0]]
    destinations = layer1[bottom.edge_index[1]]
    assert {(int(s), int(d)) for s, d in zip(sources, destinations, strict=True)} == {
        (1, 0),
        (2, 0),
        (2, 1),
        (3, 1),
        (3, 2),
        (4, 2),
    }


def test_padding_and_isolated_targets_add_no_edges() -> None:
    graph = computation_graph(np.array([3, 4]), chain(), num_layers=1)
    block = graph.blocks[0]
    assert list(graph.nodes[block.edge_index[0]]) == [4]
    assert list(block.edge_index[1]) == [0]
    assert block.edge_weight.tolist() == [1.0]


def test_repeated_targets_are_refused() -> None:
    with pytest.raises(ValueError, match="distinct"):
        computation_graph(np.array([1, 1]), chain(), num_layers=1)


def test_position_map_deduplicates_and_leaves_itself_clean() -> None:
    positions = PositionMap(10)
    distinct, position = positions.distinct(np.array([7, 3, 7, 9, 3]))
    assert sorted(distinct.tolist()) == [3, 7, 9]
    assert np.array_equal(distinct[position], [7, 3, 7, 9, 3])
    assert bool((positions.slots == -1).all())


def test_a_reused_position_map_gives_the_same_graph() -> None:
    positions = PositionMap(5)
    first = computation_graph(np.array([0, 2]), chain(), 2, positions)
    again = computation_graph(np.array([0, 2]), chain(), 2, positions)
    fresh = computation_graph(np.array([0, 2]), chain(), 2)
    for graph in (again, fresh):
        assert np.array_equal(graph.nodes, first.nodes)
        for ours, theirs in zip(graph.blocks, first.blocks, strict=True):
            assert np.array_equal(ours.edge_index, theirs.edge_index)
    assert bool((positions.slots == -1).all())
