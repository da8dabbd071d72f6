"""A minibatch's computation graph: only the movies a batch's targets reach through K layers.

PinSAGE convolves over importance neighbourhoods, so the movies that layer ``l`` needs are the
targets plus ``l`` hops of neighbourhoods, and nothing else (Ying et al., §3.2, Algorithm 1).
Memory depends on batch size and ``T``, never on the catalogue. Each layer's destination nodes
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


def computation_graph(
    targets: np.ndarray, neighbourhoods: Neighbourhoods, num_layers: int
) -> ComputationGraph:
    """Collect ``num_layers`` hops of importance neighbourhoods above distinct ``targets``."""
    targets = np.asarray(targets, dtype=np.int64)
    if len(np.unique(targets)) != len(targets):
        raise ValueError("targets must be distinct")
    layers = [targets]
    blocks: list[Block] = []
    for _ in range(num_layers):
        dst = layers[-1]
        neighbours, weights = neighbourhoods.importance(dst)
        rows, cols = np.nonzero((neighbours >= 0) & (weights > 0))
        sources = neighbours[rows, cols]
        fresh = np.setdiff1d(sources, dst)  # sorted, unique
        src = np.concatenate([dst, fresh])
        blocks.append(
            Block(
                edge_index=np.stack([_positions(src, sources), rows]),
                edge_weight=weights[rows, cols],
                num_dst=len(dst),
            )
        )
        layers.append(src)
    blocks.reverse()
    return ComputationGraph(nodes=layers[-1], blocks=blocks, targets=targets)


def _positions(nodes: np.ndarray, query: np.ndarray) -> np.ndarray:
    """Position of each ``query`` movie in the distinct array ``nodes``."""
    order = np.argsort(nodes, kind="stable")
    return order[np.searchsorted(nodes, query, sorter=order)]
