"""PinSAGE training batches: negatives, hard negatives and each batch's computation graph.

They can be prepared in DataLoader workers ahead of the training step (the paper's producer–
consumer), which pays where there are cores to spare; on 2 cores building them in the training
process is faster. A batch is a pure function of (seed, epoch, batch number), so results do not
depend on how many workers there are.
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import torch
from torch import Tensor
from torch.utils.data import DataLoader, Dataset

from graphrec.graph.computation import ComputationGraph, PositionMap, computation_graph
from graphrec.graph.walks import Neighbourhoods
from graphrec.nn.adjacency import Adjacency
from graphrec.nn.pinsage import Block


@dataclass
class PairBatch:
    """One step's inputs; positions index the rows the encoder returns for ``targets``.

    Attributes:
        movies: ``(|V_0|,)`` input-layer movies.
        features: ``(|V_0|, F)`` their attributes.
        layers: Each layer's adjacency as CSR arrays, input layer first (see :attr:`blocks`).
        query: ``(B, W)`` positions of each query's movies; ``query_mask`` (1.0 or 0.0)
            says which exist (a user's first ratings have fewer than ``W`` before them).
        positive: ``(B,)`` positions of each pair's positive.
        negatives: ``(N,)`` positions of the random negatives every query shares.
        hard: ``(B, H)`` positions of per-query hard negatives; ``hard_mask`` says which exist.
        pairs, shared_denominator, hard_denominator: What the loss sums divide by: the whole
            batch's pairs, (query, negative) pairs and hard negatives, across every rank's
            share of it, so the ranks' partial losses add up to the whole batch's.
    """

    movies: Tensor
    features: Tensor
    layers: list[LayerCsr]
    query: Tensor
    query_mask: Tensor
    positive: Tensor
    negatives: Tensor
    hard: Tensor
    hard_mask: Tensor
    pairs: int
    shared_denominator: int
    hard_denominator: int

    def blocks(self, device: torch.device) -> list[Block]:
        """The layers as the encoder's blocks, built where the step runs."""
        return [(layer.adjacency().to(device), None, layer.num_dst) for layer in self.layers]

    def to(self, device: torch.device) -> PairBatch:
        """The batch's tensors on ``device`` (the layers move as :meth:`blocks` builds them)."""
        if device.type == "cpu":
            return self
        move = {name: getattr(self, name).to(device) for name in _TENSORS}
        return replace(self, **move)


_TENSORS = (
    "movies", "features", "query", "query_mask", "positive", "negatives", "hard", "hard_mask",
)  # fmt: skip


@dataclass(frozen=True)
class Sampling:
    """What batch preparation needs besides the pairs (all shared read-only with workers)."""

    neighbourhoods: Neighbourhoods
    features: np.ndarray
    negative_cdf: np.ndarray
    num_layers: int
    num_negatives: int
    hard_ranks: tuple[int, int]


def history_pairs(
    users: np.ndarray, movies: np.ndarray, timestamps: np.ndarray, window: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every rating but a user's first as a positive, its query the ``window`` movies the
    user rated just before it.

    The paper's positives are items engaged with right after the query; a user's next rating
    is MovieLens's closest analogue. The query is a history rather than one movie
    because a served user is the mean of their movies' vectors: training scores a positive
    against the (normalised) mean of the movies before it, as recall will.

    Returns:
        ``(P, window)`` query movies, latest first, ``-1`` where the user had fewer earlier
        ratings; ``(P,)`` positives. A movie the user rated again is left out of the query
        its later rating is the positive of.
    """
    order = np.lexsort((movies, timestamps, users))
    users, movies = users[order], movies[order]
    n = len(users)
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if n else np.zeros(0, int)
    rank = np.arange(n) - np.repeat(starts, np.diff(np.r_[starts, n]))  # earlier ratings
    # One step back at a time, each earlier movie written to its row's next free slot: the
    # table is the only (P, window) array, int32 where movie ids fit (10M ratings × 20:
    # 0.8 GB).
    dtype = np.int32 if n == 0 or movies.max() < np.iinfo(np.int32).max else np.int64
    queries = np.full((n, window), -1, dtype=dtype)
    filled = np.zeros(n, dtype=np.int64)
    for back in range(1, window + 1):
        rows = np.flatnonzero(rank >= back)
        earlier = movies[rows - back]
        other = earlier != movies[rows]
        rows = rows[other]
        queries[rows, filled[rows]] = earlier[other]
        filled[rows] += 1
    has_query = filled > 0
    return queries[has_query], movies[has_query]


def bag_pairs(
    users: np.ndarray, movies: np.ndarray, window: int, seed: int
) -> tuple[np.ndarray, np.ndarray]:
    """Every rating of a user with two or more as a positive, its query ``window`` of the
    user's other movies drawn at random, whenever they were rated.

    :func:`history_pairs` teaches what follows a user's latest movies; a served user is the
    mean of *all* their movies, and a random test holds movies from anywhere in their
    history. These pairs teach that too (beside the history pairs, they raised validation
    recall on the mean of five random splits; the trainer adds them under a random cut only).
    Drawn with replacement, so a short history repeats movies; a draw that is the positive
    itself (a movie rated twice) is left out.

    Returns:
        ``(P, window)`` query movies, ``-1`` where left out, a movie in the first column of
        each row; ``(P,)`` positives.
    """
    order = np.argsort(users, kind="stable")
    users, movies = users[order], movies[order]
    n = len(users)
    starts = np.flatnonzero(np.r_[True, users[1:] != users[:-1]]) if n else np.zeros(0, int)
    counts = np.diff(np.r_[starts, n])
    start = np.repeat(starts, counts)
    count = np.repeat(counts, counts)
    own = np.arange(n) - start  # the rating's place among its user's
    dtype = np.int32 if n == 0 or movies.max() < np.iinfo(np.int32).max else np.int64
    rng = np.random.default_rng(seed)
    # One column at a time: a random other place of the same user (places past the rating's
    # own shift up by one, so it is never drawn), written where it is not the positive.
    queries = np.full((n, window), -1, dtype=dtype)
    filled = np.zeros(n, dtype=np.int64)
    has_other = count > 1
    for _ in range(window):
        place = (rng.random(n) * np.maximum(count - 1, 1)).astype(np.int64)
        place += place >= own
        drawn = movies[start + np.minimum(place, count - 1)]
        rows = np.flatnonzero(has_other & (drawn != movies))
        queries[rows, filled[rows]] = drawn[rows]
        filled[rows] += 1
    keep = filled > 0
    return queries[keep], movies[keep]


def negative_cdf(degrees: np.ndarray, power: float) -> np.ndarray:
    """Cumulative sampling distribution ∝ ``degree ** power`` over movies with ratings."""
    weights = np.where(degrees > 0, degrees.astype(np.float64) ** power, 0.0)
    cdf = np.cumsum(weights)
    return cdf / cdf[-1]


@dataclass
class LayerCsr:
    """One layer's ``(num_dst, num_src)`` adjacency and its transpose as CSR arrays.

    Plain tensors cross from a DataLoader worker cheaply; sparse ones do not.
    """

    crow: Tensor
    col: Tensor
    weight: Tensor
    transposed_crow: Tensor
    transposed_col: Tensor
    transposed_weight: Tensor
    num_dst: int
    num_src: int

    def adjacency(self) -> Adjacency:
        """The layer as the encoder pools it, built where the step runs."""
        with warnings.catch_warnings():  # "sparse CSR support is in beta": relied on knowingly
            warnings.simplefilter("ignore", UserWarning)
            return Adjacency(
                torch.sparse_csr_tensor(
                    self.crow, self.col, self.weight, size=(self.num_dst, self.num_src)
                ),
                torch.sparse_csr_tensor(
                    self.transposed_crow, self.transposed_col, self.transposed_weight,
                    size=(self.num_src, self.num_dst),
                ),
            )  # fmt: skip


def layer_csr(graph: ComputationGraph) -> list[LayerCsr]:
    """A computation graph's blocks as CSR arrays, input layer first (edges already come
    grouped by destination; the transpose is sorted by source, then destination)."""
    layers: list[LayerCsr] = []
    num_src = len(graph.nodes)
    for block in graph.blocks:  # input layer first: its sources are all the input nodes
        src, dst = block.edge_index
        weight = block.edge_weight.astype(np.float32)
        by_source = np.argsort(src * block.num_dst + dst)  # distinct keys: a full order
        layers.append(
            LayerCsr(
                crow=torch.from_numpy(_row_pointers(dst, block.num_dst)),
                col=torch.from_numpy(src),
                weight=torch.from_numpy(weight),
                transposed_crow=torch.from_numpy(_row_pointers(src, num_src)),
                transposed_col=torch.from_numpy(dst[by_source]),
                transposed_weight=torch.from_numpy(weight[by_source]),
                num_dst=block.num_dst,
                num_src=num_src,
            )
        )
        num_src = block.num_dst
    return layers


def _row_pointers(rows: np.ndarray, num_rows: int) -> np.ndarray:
    pointers = np.zeros(num_rows + 1, dtype=np.int64)
    np.cumsum(np.bincount(rows, minlength=num_rows), out=pointers[1:])
    return pointers


def to_tensors(graph: ComputationGraph, device: torch.device) -> list[Block]:
    """A computation graph's blocks as :class:`PinSageEncoder` takes them, on ``device``."""
    return [(layer.adjacency().to(device), None, layer.num_dst) for layer in layer_csr(graph)]


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
        rank: int = 0,
        world_size: int = 1,
    ) -> None:
        self.queries, self.positives = queries, positives
        self.share = slice(rank, None, world_size)  # this rank's pairs of every batch
        self.sampling = sampling
        self.batch_size = batch_size
        self.num_hard = num_hard
        self.seed = (seed, epoch)
        self.order = np.random.default_rng(self.seed).permutation(len(queries))
        ranked = sampling.neighbourhoods.ranked
        self.pool_length = (ranked >= 0).sum(axis=1)
        self._positions: PositionMap | None = None  # made in the process that builds batches

    def __len__(self) -> int:
        return -(-len(self.order) // self.batch_size)

    def __getitem__(self, index: int) -> PairBatch:
        rng = np.random.default_rng((*self.seed, index))
        pairs = self.order[index * self.batch_size : (index + 1) * self.batch_size]
        query, positive = self.queries[pairs], self.positives[pairs]
        s = self.sampling
        # Negatives and hard negatives are drawn for the whole batch, so every rank's share
        # of it is what one process would have drawn for the same pairs.
        negatives = np.searchsorted(s.negative_cdf, rng.random(s.num_negatives), side="right")
        negatives = np.minimum(negatives, len(s.negative_cdf) - 1)
        hard, hard_mask = self._hard_negatives(query[:, 0], positive, rng)
        shared_denominator, hard_denominator = len(query) * len(negatives), int(hard_mask.sum())
        query, positive = query[self.share], positive[self.share]
        hard, hard_mask = hard[self.share], hard_mask[self.share]
        if self._positions is None:
            self._positions = PositionMap(len(s.negative_cdf))
        b, w = query.shape
        query_mask = query >= 0
        latest = query[:, :1]  # every query has one; it stands in where the masks say none
        query = np.where(query_mask, query, latest).ravel()
        hard_or_query = np.where(hard_mask, hard, latest).ravel()
        targets, position = self._positions.distinct(
            np.concatenate([query, positive, negatives, hard_or_query])
        )
        graph = computation_graph(targets, s.neighbourhoods, s.num_layers, self._positions)
        negatives_at = b * w + b
        hard_position = position[negatives_at + len(negatives) :].reshape(hard.shape)
        return PairBatch(
            movies=torch.from_numpy(graph.nodes),
            features=torch.from_numpy(s.features[graph.nodes]),
            layers=layer_csr(graph),
            query=torch.from_numpy(position[: b * w].reshape(b, w)),
            query_mask=torch.from_numpy(query_mask.astype(np.float32)),
            positive=torch.from_numpy(position[b * w : negatives_at]),
            negatives=torch.from_numpy(position[negatives_at : negatives_at + len(negatives)]),
            hard=torch.from_numpy(hard_position),
            hard_mask=torch.from_numpy(hard_mask),
            pairs=len(pairs),
            shared_denominator=shared_denominator,
            hard_denominator=hard_denominator,
        )

    def _hard_negatives(
        self, query: np.ndarray, positive: np.ndarray, rng: np.random.Generator
    ) -> tuple[np.ndarray, np.ndarray]:
        """Movies at visit ranks ``hard_ranks`` from each query's latest movie: related, yet
        not its closest."""
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
