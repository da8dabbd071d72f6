"""A minibatch's computation graph: only the movies a batch's targets reach through K layers.

PinSAGE convolves over importance neighbourhoods, so the movies that layer ``l`` needs are the
targets plus ``l`` hops of neighbourhoods, and nothing else (Ying et al., §3.2, Algorithm 1).
Time and the graph's memory depend on batch size and ``T``, never on the catalogue (the
position table a process reuses is 8 bytes a movie). Each layer's destination nodes
are a prefix of its source nodes, so a layer reads its own nodes' previous vectors as
``x[:num_dst]``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from graphrec.graph.walks import Neighbourhoods


@dataclass(frozen=True)
class Block:
    """Messages of one layer, in local indices.

    Attributes:
        edge_index: ``(2, E)``: row 0 the source position (previous layer's nodes), row 1 the
            destination position (this layer's nodes).
        edge_weight: ``(E,)`` importance of each source to its destination (rows sum to 1).
        num_dst: Destination nodes, the first ``num_dst`` of the source nodes.
    """

    edge_index: np.ndarray
    edge_weight: np.ndarray
    num_dst: int


@dataclass(frozen=True)
class ComputationGraph:
    """Input movies and the layers that carry them up to the targets.

    Attributes:
        nodes: Movie index of every input position; ``nodes[:len(targets)] == targets``.
        blocks: One per layer, from the input layer up.
        targets: The distinct movies whose vectors come out, in output order.
    """

    nodes: np.ndarray
    blocks: list[Block]
    targets: np.ndarray


class PositionMap:
    """A reusable movie → position table (``-1``: absent) that deduplicates in O(n).

    Sorting (``np.unique``, ``setdiff1d``, ``searchsorted``) made graph assembly the largest
    cost of a PinSAGE batch; one gather and one scatter per array replace it. The table is
    catalogue-sized but allocated once per process and left all ``-1`` after each call.
    """

    def __init__(self, num_movies: int) -> None:
        self.slots = np.full(num_movies, -1, dtype=np.int64)

    def distinct(self, values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The distinct ``values`` and the position of each value among them."""
        distinct = self.claim(values, 0)
        positions = self.slots[values]
        self.slots[distinct] = -1
        return distinct, positions

    def claim(self, values: np.ndarray, offset: int) -> np.ndarray:
        """Give each distinct unclaimed value the next position from ``offset``; return them."""
        values = values[self.slots[values] < 0]
        order = np.arange(len(values))
        self.slots[values] = order  # a repeated value keeps one of its writes: that one wins
        fresh = values[self.slots[values] == order]
        self.slots[fresh] = offset + np.arange(len(fresh))
        return fresh


def computation_graph(
    targets: np.ndarray,
    neighbourhoods: Neighbourhoods,
    num_layers: int,
    positions: PositionMap | None = None,
) -> ComputationGraph:
    """Collect ``num_layers`` hops of importance neighbourhoods above distinct ``targets``.

    ``positions`` is scratch space a caller building many graphs keeps (one per process).
    """
    targets = np.asarray(targets, dtype=np.int64)
    positions = positions or PositionMap(len(neighbourhoods.ranked))
    slots = positions.slots
    slots[targets] = np.arange(len(targets))
    if not np.array_equal(slots[targets], np.arange(len(targets))):  # a repeat lost its write
        slots[targets] = -1
        raise ValueError("targets must be distinct")
    layers = [targets]
    blocks: list[Block] = []
    for _ in range(num_layers):
        dst = layers[-1]  # its positions are claimed: 0 .. len(dst) - 1
        neighbours, weights = neighbourhoods.importance(dst)
        rows, cols = np.nonzero((neighbours >= 0) & (weights > 0))
        sources = neighbours[rows, cols]
        fresh = positions.claim(sources, len(dst))
        blocks.append(
            Block(
                edge_index=np.stack([slots[sources], rows]),
                edge_weight=weights[rows, cols],
                num_dst=len(dst),
            )
        )
        layers.append(np.concatenate([dst, fresh]))
    slots[layers[-1]] = -1
    blocks.reverse()
    return ComputationGraph(nodes=layers[-1], blocks=blocks, targets=targets)
