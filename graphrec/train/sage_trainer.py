"""GraphSAGE embedding training: sampled-softmax or BPR loss, early stopping on a validation slice.

The validation slice is taken out of the training data given, cut as the test is cut (see
graphrec.data.splits.validation_mask); its edges are removed from the message-passing graph
during training so nothing leaks. After early stopping the user half-life and the weights of
log popularity in recall scores are chosen on the same slice (graphrec.train.popularity_tuning),
and final embeddings are computed over the full training graph with the best weights.
"""

from __future__ import annotations

import logging

import numpy as np
import torch
import torch.nn.functional as F

from graphrec.data.dataset import InteractionDataset
from graphrec.data.features import movie_features
from graphrec.data.splits import validation_mask
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.sampling import FanoutSampler
from graphrec.nn.sage import SageEncoder
from graphrec.popularity import PopularityWeights, log_popularity
from graphrec.train.config import SageConfig
from graphrec.train.distributed import World
from graphrec.train.early_stopping import EpochCallback, fit_with_early_stopping
from graphrec.train.popularity_tuning import (
    RecallChoice,
    ValidationScores,
    tune_recall,
)
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.row_adam import RowAdam, sparse_rows
from graphrec.train.sampled_softmax import grouped_sampled_softmax
from graphrec.train.topk import validation_recall
from graphrec.train.user_vectors import fold_in_vectors

logger = logging.getLogger(__name__)


class SageTrainer:
    """Trains a :class:`SageEncoder` on one dataset's interactions (all treated as positives).

    Data-parallel (``world`` of several ranks, graphrec.train.distributed), every rank draws the
    same batches and trains on its share of each one's pairs: the softmax sees every rank's
    positives, the dense gradients are summed and the id rows gathered, and every rank applies
    the same update. With one layer it is the one-process update; with more, a neighbour in
    another rank's share is read from the histories (no gradient through it) rather than
    fresh, so the update is close to it (gradient cosines 0.98-1.0 on a test graph). Each
    rank writes only its own pairs' fresh states into its histories; the pass over the whole
    graph at each epoch's start makes them equal again.
    Rank 0 validates and decides each epoch whether all ranks go on.
    """

    def __init__(
        self, dataset: InteractionDataset, config: SageConfig, world: World | None = None
    ) -> None:
        self.config = config
        self.dataset = dataset
        self.world = world or World()
        torch.manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)
        val_mask = validation_mask(
            dataset.users, dataset.timestamps, config.val_fraction, config.val_cut, seed=config.seed
        )
        self.fit_mask = ~val_mask
        fit_users, fit_movies = dataset.users[~val_mask], dataset.movies[~val_mask]
        self.fit_graph = BipartiteGraph.from_interactions(
            fit_users, fit_movies, dataset.num_users, dataset.num_movies
        )
        self.val_graph = BipartiteGraph.from_interactions(
            dataset.users[val_mask], dataset.movies[val_mask], dataset.num_users,
            dataset.num_movies,
        )  # fmt: skip
        self.fit_edges = self.fit_graph.edge_arrays()
        # In-batch negatives arrive in proportion to popularity; log q corrects for it.
        counts = np.maximum(self.fit_graph.movie_degrees(), 1).astype(np.float32)
        self.log_q = torch.from_numpy(np.log(counts / counts.sum()))
        self.adjacency = self.fit_graph.homogeneous_adjacency()
        # Steps convolve over one sampled hop (graphrec.graph.sampling), the layers above the
        # first over the states of the epoch's histories: a step costs its batch, not the graph.
        fanout = np.full(dataset.num_users + dataset.num_movies, config.fanout, dtype=np.int64)
        fanout[dataset.num_users :] = config.movie_fanout or config.fanout
        self.sampler = FanoutSampler(*self.fit_graph.homogeneous_csr(), fanout, seed=config.seed)
        self.features = torch.from_numpy(
            movie_features(dataset.movie_table, fit_movies, dataset.ratings[~val_mask])
        )
        self.model = SageEncoder(
            dataset.num_users,
            dataset.num_movies,
            self.features.shape[1],
            dim=config.dim,
            num_layers=config.num_layers,
            dropout=config.dropout,
        )
        # Steps touch the sample's id rows only: lazy Adam on those, Adam on the layers.
        tables = (self.model.user_embedding.weight, self.model.movie_embedding.weight)
        self.row_optimizers = [RowAdam(table, lr=config.lr) for table in tables]
        self.dense = [p for p in self.model.parameters() if all(p is not t for t in tables)]
        self.optimizer = torch.optim.Adam(
            self.dense, lr=config.lr, weight_decay=config.weight_decay
        )

    def train_epoch(self, max_steps: int | None = None) -> dict[str, float]:
        """One pass over the fitting edges in shuffled batches, at most the config's
        ``epoch_steps`` of them (and ``max_steps``, when timing a part of an epoch); returns
        ``{"loss": mean}``.

        The layers' histories start from one pass over the whole fitting graph (linear in
        the ratings, once an epoch); each step then runs over its batch's sampled
        neighbours only (:meth:`SageEncoder.forward_historical`)."""
        self.model.train()
        order = self.rng.permutation(len(self.fit_edges[0]))
        limits = [n for n in (max_steps, self.config.epoch_steps) if n is not None]
        if limits:
            order = order[: min(limits) * self.config.batch_size]
        with torch.no_grad():
            histories = self.model.states(self.features, self.adjacency)[1:-1]
        total, steps = 0.0, 0
        world = self.world
        for start in range(0, len(order), self.config.batch_size):
            batch = order[start : start + self.config.batch_size]
            if len(batch) < 2 * world.size:
                continue
            # Every rank draws the whole batch (their generators stay in step), then takes
            # its share of the pairs.
            negatives = None
            if self.config.loss == "bpr":
                negatives = self.rng.integers(0, self.dataset.num_movies, len(batch))
            self.optimizer.zero_grad()
            loss = self._batch_loss(batch, negatives, histories)
            loss.backward()
            # Partial losses of one batch: their gradients (and values) add up over the ranks.
            loss = world.all_reduce_grads(self.dense, loss.detach())
            self.optimizer.step()
            for optimizer in self.row_optimizers:
                optimizer.step(*world.gather_rows(*sparse_rows(optimizer.weight)))
            total += loss.item()
            steps += 1
        stats = {"loss": total / max(steps, 1)}
        if world.size > 1:
            stats["comm_seconds"] = world.take_comm_seconds()
        return stats

    def _batch_loss(
        self, batch: np.ndarray, negatives: np.ndarray | None, histories: list[torch.Tensor]
    ) -> torch.Tensor:
        """This rank's part of the loss of the fitting edges ``batch`` (its share of them, and
        of their BPR ``negatives``), over its sampled neighbours and ``histories``."""
        world, num_users = self.world, self.dataset.num_users
        users, movies = self.fit_edges
        pairs = len(batch)
        batch = batch[world.rank :: world.size]
        wanted = [users[batch], movies[batch] + num_users]
        if negatives is not None:
            wanted.append(negatives[world.rank :: world.size] + num_users)
        # Sorted, so the batch's distinct users come first: pair i's user is rows[0][i].
        nodes, rows = torch.unique(torch.from_numpy(np.concatenate(wanted)), return_inverse=True)
        sample = self.sampler.sample(nodes.numpy())
        out = self.model.forward_historical(self.features, sample, histories)
        return self._loss(out, rows.view(len(wanted), -1), movies[batch], pairs)

    def _loss(
        self, out: torch.Tensor, rows: torch.Tensor, movies: np.ndarray, pairs: int
    ) -> torch.Tensor:
        """This rank's part of the batch's loss (of ``pairs`` pairs in all) from the output
        rows of its distinct nodes: ``rows[0]`` indexes each pair's user, ``rows[1]`` its
        movie, ``rows[2]`` its random negative (BPR)."""
        tau = self.config.temperature
        out = F.normalize(out, dim=-1)
        match self.config.loss:
            case "softmax":
                # Every other positive in the batch, every rank's, is a negative (sampled
                # softmax), log-q corrected; one logits row per distinct user.
                distinct_users = int(rows[0].max()) + 1
                positives, ids, start = self.world.gather_batch(
                    out[rows[1]], torch.from_numpy(movies)
                )
                correction = -self.config.logq * self.log_q[ids]
                return grouped_sampled_softmax(
                    out[:distinct_users], rows[0], positives, correction, tau,
                    start=start, pairs=pairs,
                )  # fmt: skip
            case "bpr":
                pos = (out[rows[0]] * out[rows[1]]).sum(-1) / tau
                neg = (out[rows[0]] * out[rows[2]]).sum(-1) / tau
                return -F.logsigmoid(pos - neg).sum() / pairs

    @torch.no_grad()
    def embed(self, adjacency: torch.Tensor | None = None) -> tuple[np.ndarray, np.ndarray]:
        """L2-normalised ``(user, movie)`` embeddings over ``adjacency`` (default: fit graph)."""
        self.model.eval()
        out = self.model(self.features, self.adjacency if adjacency is None else adjacency)
        out = F.normalize(out, dim=-1)
        num_users = self.dataset.num_users
        return out[:num_users].numpy(), out[num_users:].numpy()

    @torch.no_grad()
    def validate(self) -> float:
        """Recall@k of the validation slice, ranking all movies minus each user's fitting edges."""
        user_emb, movie_emb = (torch.from_numpy(e) for e in self.embed())
        return validation_recall(
            lambda users: user_emb[torch.from_numpy(users)] @ movie_emb.T,
            self.fit_graph,
            self.val_graph,
            self.config.val_k,
        )

    @torch.no_grad()
    def layer_states(self, adjacency: torch.Tensor) -> list[np.ndarray]:
        """Every layer's node states over ``adjacency`` (one pass over its edges)."""
        self.model.eval()
        return [s.numpy() for s in self.model.states(self.features, adjacency)]

    @torch.no_grad()
    def embed_users(
        self, states: list[np.ndarray], mask: np.ndarray, half_life: float | None
    ) -> np.ndarray:
        """``(num_users, dim)`` user vectors from the :meth:`layer_states` ``states``, each
        user's node folded in from its ``mask`` interactions weighted by ``half_life``
        (graphrec.train.user_vectors)."""
        self.model.eval()
        n, d = self.dataset.num_users, self.dataset
        return fold_in_vectors(
            self.model, states[0][:n], [s[n:] for s in states[:-1]],
            d.users[mask], d.movies[mask], d.timestamps[mask], half_life,
        )  # fmt: skip

    def choose_recall(self) -> RecallChoice:
        """User half-life and popularity weights with the best validation figures, users folded
        in from their fitting interactions over the fitting graph (a plain mean is the trained
        forward pass). Zero weights, the embeddings' own order, are among the candidates."""
        movies = self.embed()[1]
        states = self.layer_states(self.adjacency)
        users = {h: self.embed_users(states, self.fit_mask, h) for h in self.config.half_lives}
        return tune_recall(
            ValidationScores(
                users=users,
                movies=movies,
                popularity=log_popularity(self.fit_graph.movie_degrees()),
            ),
            self.fit_graph,
            self.val_graph,
            k=self.config.val_k,
        )

    def follow(self) -> int:
        """A helper rank's part (:meth:`World.follow`); returns the epochs run."""
        return self.world.follow(self.train_epoch)

    def fit(self, on_epoch: EpochCallback | None = None) -> TrainedEmbeddings:
        """Train with early stopping, choose the user half-life and popularity
        weights; return the best weights' embeddings over the full graph.

        Data-parallel, this is rank 0's part; it validates alone while the others wait."""

        def train_epoch_everywhere() -> dict[str, float]:
            self.world.go_on(True)
            with self.world.sharing_cores():  # validation, alone, has every core again
                return self.train_epoch()

        history, best_epoch = fit_with_early_stopping(
            self.model,
            train_epoch_everywhere,
            self.validate if self.val_graph.num_edges > 0 else None,
            epochs=self.config.epochs,
            patience=self.config.patience,
            on_epoch=on_epoch,
        )
        self.world.go_on(False)
        choice = (
            self.choose_recall()
            if self.val_graph.num_edges > 0
            else RecallChoice(None, PopularityWeights())
        )
        graph = BipartiteGraph.from_interactions(
            self.dataset.users, self.dataset.movies, self.dataset.num_users, self.dataset.num_movies
        )
        full = graph.homogeneous_adjacency()
        everything = np.ones(len(self.dataset.users), dtype=bool)
        fit_users = self.embed_users(
            self.layer_states(self.adjacency), self.fit_mask, choice.half_life
        )
        return TrainedEmbeddings(
            model=self.model,
            features=self.features.numpy(),
            user_embeddings=self.embed_users(self.layer_states(full), everything,
                                             choice.half_life),
            movie_embeddings=self.embed(full)[1],
            popularity=log_popularity(graph.movie_degrees()),
            popularity_weights=choice.weights,
            half_life=choice.half_life,
            history=history,
            best_epoch=best_epoch,
            fit_vectors=(fit_users, self.embed()[1]),
        )  # fmt: skip
