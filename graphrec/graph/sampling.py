"""Fan-out neighbour sampling over CSR arrays: one hop around a minibatch's nodes.

GraphSAGE's minibatch step (Hamilton et al., 2017, Algorithm 2) samples up to ``fanout``
neighbours of every node it computes. A node with no more neighbours than the fan-out keeps
all of them (its mean is exact); a busier one gets ``fanout`` drawn uniformly with
replacement (an unbiased estimate of the mean). Expanded hop by hop, the sample of a 3-layer
model grows with the graph until it covers it (a batch of 2,048 ratings reached 158 k nodes
of ml-25m's size); one hop, with the layers above reading histories (graphrec.nn.sage), costs
the batch times the fan-out at any size. pyg-lib's sampler does not install here; this is
the same draw in numpy, one vectorised pass.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np
import torch

from graphrec.graph.computation import PositionMap
from graphrec.nn.adjacency import Adjacency


@dataclass(frozen=True)
class Block:
    """One layer of a sampled computation graph.

    Attributes:
        num_dst: Nodes this layer computes; they are the first ``num_dst`` of its inputs, so
            a node's own state (GraphSAGE's root term) is row ``i`` of both.
        mean: ``(num_dst, num_src)`` weights averaging each node's sampled neighbours.
    """

    num_dst: int
    mean: Adjacency


@dataclass(frozen=True)
class Sample:
    """A minibatch's hop: ``nodes`` are the batch's (the first ``block.num_dst``, in their
    order), then their sampled neighbours; ``block`` averages the neighbours."""

    nodes: np.ndarray
    block: Block


class FanoutSampler:
    """Samples one hop around minibatches of one CSR graph (``indptr``, ``indices``).

    Args:
        indptr: ``(num_nodes + 1,)`` row pointers.
        indices: Neighbour of each edge.
        fanout: Neighbours kept per node: one for all, or ``(num_nodes,)`` one per node.
        seed: Seed of the draws.
    """

    def __init__(self, indptr: np.ndarray, indices: np.ndarray, fanout: int | np.ndarray,
                 seed: int = 0) -> None:  # fmt: skip
        caps = np.broadcast_to(np.asarray(fanout, dtype=np.int64), (len(indptr) - 1,))
        if len(caps) and int(caps.min()) < 1:
            raise ValueError(f"fan-out must be positive (got {int(caps.min())})")
        self.indptr, self.indices = indptr, indices
        self.degrees = np.diff(indptr)
        self.fanout = caps
        self.rng = np.random.default_rng(seed)
        self.positions = PositionMap(len(indptr) - 1)  # local numbering without a sort

    def sample(self, nodes: np.ndarray) -> Sample:
        """The hop around distinct ``nodes`` (module docstring)."""
        dst = np.asarray(nodes, dtype=np.int64)
        fanout = self.fanout[dst]
        degrees = self.degrees[dst]
        counts = np.minimum(degrees, fanout)
        rows = np.repeat(np.arange(len(dst)), counts)
        starts = np.cumsum(counts) - counts
        offsets = np.arange(len(rows)) - starts[rows]
        busy = degrees[rows] > fanout[rows]
        offsets[busy] = (self.rng.random(int(busy.sum())) * degrees[rows][busy]).astype(np.int64)
        neighbours = self.indices[self.indptr[dst][rows] + offsets]

        slots = self.positions.slots
        slots[dst] = np.arange(len(dst))
        src = np.concatenate([dst, self.positions.claim(neighbours, len(dst))])
        columns = slots[neighbours]
        slots[src] = -1

        weights = (1.0 / counts[rows]).astype(np.float32)
        crow = np.concatenate([[0], np.cumsum(counts)])
        mean = _adjacency(crow, columns, weights, (len(dst), len(src)), rows)
        return Sample(nodes=src, block=Block(num_dst=len(dst), mean=mean))


def _adjacency(crow: np.ndarray, columns: np.ndarray, weights: np.ndarray,
               shape: tuple[int, int], rows: np.ndarray) -> Adjacency:  # fmt: skip
    """The CSR matrix and its transpose, the transpose by a two-pass radix order of the
    columns (linear; a comparison sort of a step's edges cost more than the step)."""
    order = _stable_order(columns)
    crow_t = np.zeros(shape[1] + 1, dtype=np.int64)
    np.cumsum(np.bincount(columns, minlength=shape[1]), out=crow_t[1:])
    with warnings.catch_warnings():  # "sparse CSR support is in beta": we rely on it knowingly
        warnings.simplefilter("ignore", UserWarning)
        matrix = torch.sparse_csr_tensor(
            torch.from_numpy(crow), torch.from_numpy(columns), torch.from_numpy(weights),
            size=shape,
        )  # fmt: skip
        transposed = torch.sparse_csr_tensor(
            torch.from_numpy(crow_t), torch.from_numpy(rows[order]),
            torch.from_numpy(weights[order]), size=(shape[1], shape[0]),
        )  # fmt: skip
    return Adjacency(matrix, transposed)


def _stable_order(keys: np.ndarray) -> np.ndarray:
    """``np.argsort(keys, kind="stable")`` for keys below 2**32, in two radix passes of 16
    bits (numpy sorts 16-bit keys by radix)."""
    order = np.argsort((keys & 0xFFFF).astype(np.uint16), kind="stable")
    if len(keys) and int(keys.max()) >= 1 << 16:
        order = order[np.argsort((keys[order] >> 16).astype(np.uint16), kind="stable")]
    return order
