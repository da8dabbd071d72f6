"""PinSAGE training batches, prepared in DataLoader workers ahead of the training step.

The paper's producer–consumer: CPU workers sample each batch's negatives and computation graph
while the trainer runs the previous step. A batch is a pure function of (seed, epoch, batch
number), so results do not depend on how many workers there are.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from graphrec.graph.computation import ComputationGraph, computation_graph
from graphrec.graph.walks import Neighbourhoods
from graphrec.nn.pinsage import Block


@dataclass
class PairBatch:
    """One step's inputs; positions index the rows the encoder returns for ``targets``.

    Attributes:
        movies: ``(|V_0|,)`` input-layer movies.
        features: ``(|V_0|, F)`` their attributes.
        layers: Each layer's adjacency as CSR arrays, input layer first (see :attr:`blocks`).
        query, positive: ``(B,)`` positions of each pair's movies.
        negatives: ``(N,)`` positions of the random negatives every query shares.
        hard: ``(B, H)`` positions of per-query hard negatives; ``hard_mask`` says which exist.
    """

    movies: Tensor
    features: Tensor
    layers: list[CsrParts]
    query: Tensor
    positive: Tensor
    negatives: Tensor
    hard: Tensor
    hard_mask: Tensor

    @property
    def blocks(self) -> list[Block]:
        """The layers as the encoder's blocks, built where the step runs."""
        return sparse_blocks(self.layers)


@dataclass(frozen=True)
class Sampling:
    """What batch preparation needs besides the pairs (all shared read-only with workers)."""

    neighbourhoods: Neighbourhoods
    features: np.ndarray
    negative_cdf: np.ndarray
    num_layers: int
    num_negatives: int
    hard_ranks: tuple[int, int]


def co_interaction_pairs(
    users: np.ndarray, movies: np.ndarray, timestamps: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """(earlier, later) movie pairs rated by one user at most ``window`` ratings apart.

    The paper's positives are items engaged with right after the query; a user's consecutive
    ratings are MovieLens's closest analogue.
    """
    order = np.lexsort((movies, timestamps, users))
    users, movies = users[order], movies[order]
    queries, positives = [], []
    for gap in range(1, window + 1):
        same = (users[gap:] == users[:-gap]) & (movies[gap:] != movies[:-gap])
        queries.append(movies[:-gap][same])
        positives.append(movies[gap:][same])
    return np.concatenate(queries), np.concatenate(positives)


def negative_cdf(degrees: np.ndarray, power: float) -> np.ndarray:
    """Cumulative sampling distribution ∝ ``degree ** power`` over movies with ratings."""
    weights = np.where(degrees > 0, degrees.astype(np.float64) ** power, 0.0)
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


#: One layer as CSR arrays: ``(crow, col, weight, num_dst, num_src)``.
CsrParts = tuple[Tensor, Tensor, Tensor, int, int]


def csr_parts(graph: ComputationGraph) -> list[CsrParts]:
    """A computation graph's blocks as CSR arrays of ``(num_dst, num_src)`` adjacencies (edges
    already come grouped by destination). Plain tensors cross from a DataLoader worker
    cheaply; sparse ones do not."""
    parts: list[CsrParts] = []
    num_src = len(graph.nodes)
    for block in graph.blocks:  # input layer first: its sources are all the input nodes
        src, dst = block.edge_index
        crow = np.zeros(block.num_dst + 1, dtype=np.int64)
        np.cumsum(np.bincount(dst, minlength=block.num_dst), out=crow[1:])
        weight = torch.from_numpy(block.edge_weight.astype(np.float32))
        parts.append(
            (torch.from_numpy(crow), torch.from_numpy(src), weight, block.num_dst, num_src)
        )
        num_src = block.num_dst
    return parts


def sparse_blocks(parts: list[CsrParts]) -> list[Block]:
    """Weighted sparse adjacencies, the blocks :class:`PinSageEncoder` pools fastest."""
    with warnings.catch_warnings():  # "sparse CSR support is in beta": relied on knowingly
        warnings.simplefilter("ignore", UserWarning)
        return [
            (torch.sparse_csr_tensor(crow, col, weight, size=(num_dst, num_src)), None, num_dst)
            for crow, col, weight, num_dst, num_src in parts
        ]


def to_tensors(graph: ComputationGraph) -> list[Block]:
    """A computation graph's blocks as :class:`PinSageEncoder` takes them."""
    return sparse_blocks(csr_parts(graph))


class PairBatches(Dataset[PairBatch]):
    """Batch ``i`` of one epoch's shuffled pairs, built on demand (in a worker)."""

    def __init__(
        self,
        queries: np.ndarray,
        positives: np.ndarray,
        sampling: Sampling,
        *,
        batch_size: int,
        num_hard: int,
        epoch: int,
        seed: int,
    ) -> None:
        self.queries, self.positives = queries, positives
        self.sampling = sampling
        self.batch_size = batch_size
        self.num_hard = num_hard
        self.seed = (seed, epoch)
        self.order = np.random.default_rng(self.seed).permutation(len(queries))
        ranked = sampling.neighbourhoods.ranked
        self.pool_length = (ranked >= 0).sum(axis=1)

    def __len__(self) -> int:
        return -(-len(self.order) // self.batch_size)

    def __getitem__(self, index: int) -> PairBatch:
        rng = np.random.default_rng((*self.seed, index))
        pairs = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        query, positive = self.queries[pairs], self.positives[pairs]
        s = self.sampling
        negatives = np.searchsorted(s.negative_cdf, rng.random(s.num_negatives), side="right")
        negatives = np.minimum(negatives, len(s.negative_cdf) - 1)
        hard, hard_mask = self._hard_negatives(query, positive, rng)
        targets = np.unique(np.concatenate([query, positive, negatives, hard[hard_mask]]))
        graph = computation_graph(targets, s.neighbourhoods, s.num_layers)
        position = np.searchsorted(targets, np.concatenate([query, positive, negatives]))
        hard_position = np.searchsorted(targets, np.where(hard_mask, hard, targets[0]))
        b = len(query)
        return PairBatch(
            movies=torch.from_numpy(graph.nodes),
            features=torch.from_numpy(s.features[graph.nodes]),
            layers=csr_parts(graph),
            query=torch.from_numpy(position[:b]),
            positive=torch.from_numpy(position[b : 2 * b]),
            negatives=torch.from_numpy(position[2 * b :]),
            hard=torch.from_numpy(hard_position),
            hard_mask=torch.from_numpy(hard_mask),
        )

    def _hard_negatives(
        self, query: np.ndarray, positive: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Movies at visit ranks ``hard_ranks`` from each query: related, yet not its closest."""
        low, high = self.sampling.hard_ranks
        available = np.minimum(self.pool_length[query], high) - low
        shape = (len(query), self.num_hard)
        ranks = low + (rng.random(shape) * np.maximum(available, 0)[:, None]).astype(np.int64)
        ranked = self.sampling.neighbourhoods.ranked
        hard = ranked[query[:, None], np.minimum(ranks, ranked.shape[1] - 1)]
        mask = (available[:, None] > 0) & (hard >= 0) & (hard != positive[:, None])
        return hard, mask


def batch_loader(batches: PairBatches, workers: int) -> DataLoader[PairBatch]:
    """Batches in order, ``workers`` processes ahead of the consumer (0: in this process)."""
    return DataLoader(
        batches,
        batch_size=None,
        shuffle=False,
        num_workers=workers,
        prefetch_factor=4 if workers else None,
        collate_fn=_identity,
    )


def _identity(batch: Any) -> Any:
    """With ``batch_size=None`` each item is already a whole batch."""
    return batch
