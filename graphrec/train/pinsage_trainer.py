"""PinSAGE training on (recent history, next movie) pairs, and under a random validation cut
(random other movies of the user, movie) pairs beside them: a sampled softmax over the batch's
positives and shared negatives (or the paper's max-margin hinge), and curriculum hard
negatives under the hinge.

Neighbourhoods come from random walks over the fitting graph (training minus the validation
slice, cut like the test: see graphrec.data.splits.validation_mask). After early stopping the
user half-life and the weights of log popularity in recall scores are chosen on the same slice
(graphrec.train.popularity_tuning), walks are redone over the whole training graph and every
movie is embedded in batches; user vectors are (time-decayed) means of their movies' vectors,
whitened where validation says so, so a user's recall is one inner-product search.
"""

from __future__ import annotations

import logging
import time

import numpy as np
import torch
import torch.nn.functional as F

from graphrec.data.dataset import InteractionDataset
from graphrec.data.features import movie_features
from graphrec.data.splits import validation_mask
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.computation import PositionMap, computation_graph
from graphrec.graph.walks import Neighbourhoods, WalkConfig, importance_neighbourhoods
from graphrec.nn.pinsage import PinSageEncoder
from graphrec.popularity import PopularityWeights, log_popularity
from graphrec.recall_score import RecallScore
from graphrec.train.config import PinSageConfig
from graphrec.train.distributed import World
from graphrec.train.early_stopping import EpochCallback, fit_with_early_stopping
from graphrec.train.margin_loss import hard_hinge, shared_hinge
from graphrec.train.pinsage_batches import (
    PairBatch,
    PairBatches,
    Sampling,
    bag_pairs,
    batch_loader,
    history_pairs,
    negative_cdf,
    to_tensors,
)
from graphrec.train.popularity_tuning import (
    RecallChoice,
    ValidationScores,
    tune_recall,
)
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.row_adam import RowAdam, sparse_rows
from graphrec.train.sampled_softmax import sampled_softmax
from graphrec.train.topk import validation_recall
from graphrec.train.user_vectors import Whitening, popularity_gram, user_vectors

logger = logging.getLogger(__name__)

#: Half-life of the user vectors early stopping watches when validation is cut by time.
STOPPING_HALF_LIFE = 2.0


class PinSageTrainer:
    """Trains a :class:`PinSageEncoder` on one dataset's interactions."""

    def __init__(
        self,
        dataset: InteractionDataset,
        config: PinSageConfig,
        world: World | None = None,
    ) -> None:
        """``world``: this process's rank when training data-parallel (every rank builds the
        same trainer: same seed, same walks, same initial weights), and the device the model
        and its steps run on (batches are always built on the CPU)."""
        self.config = config
        self.dataset = dataset
        self.world = world or World()
        self.device = self.world.device
        torch.manual_seed(config.seed)
        val_mask = validation_mask(
            dataset.users, dataset.timestamps, config.val_fraction, config.val_cut, seed=config.seed
        )
        self.fit_mask = ~val_mask
        self.fit_graph = self._graph(self.fit_mask)
        self.val_graph = self._graph(val_mask)
        self.features = movie_features(
            dataset.movie_table, dataset.movies[self.fit_mask], dataset.ratings[self.fit_mask]
        )
        self.walks = WalkConfig(
            walks_per_movie=config.walks_per_movie,
            walk_length=config.walk_length,
            restart=config.restart,
            top_t=config.top_t,
            pool_size=max(config.hard_ranks[1], config.top_t),
        )
        started = time.perf_counter()
        self.neighbourhoods = importance_neighbourhoods(
            self.fit_graph, self.walks, seed=config.seed
        )
        self.walk_seconds = time.perf_counter() - started
        self.sampling = Sampling(
            neighbourhoods=self.neighbourhoods,
            features=self.features,
            negative_cdf=negative_cdf(self.fit_graph.movie_degrees(), config.negative_power),
            num_layers=config.num_layers,
            num_negatives=config.num_negatives,
            hard_ranks=config.hard_ranks,
        )
        self.queries, self.positives = history_pairs(
            dataset.users[self.fit_mask],
            dataset.movies[self.fit_mask],
            dataset.timestamps[self.fit_mask],
            config.window,
        )
        if self.uses_bag_pairs:
            bags, positives = bag_pairs(
                dataset.users[self.fit_mask], dataset.movies[self.fit_mask], config.window,
                seed=config.seed,
            )  # fmt: skip
            self.queries = np.concatenate([self.queries, bags.astype(self.queries.dtype)])
            self.positives = np.concatenate([self.positives, positives])
        # How often each movie is a candidate: a batch's positives, its shared negatives.
        self.log_q_positive = _log_probabilities(
            np.bincount(self.positives, minlength=dataset.num_movies), self.device
        )
        self.log_q_negative = _log_probabilities(
            np.diff(self.sampling.negative_cdf, prepend=0.0), self.device
        )
        self.model = PinSageEncoder(
            dataset.num_movies, self.features.shape[1], config.dim, config.num_layers
        ).to(self.device)
        self.dense = [
            p for n, p in self.model.named_parameters() if not n.startswith("movie_embedding")
        ]
        self.optimizer = torch.optim.Adam(self.dense, lr=config.lr)
        self.row_optimizer = RowAdam(self.model.movie_embedding.weight, lr=config.lr)
        self.epoch = 0

    def _graph(self, mask: np.ndarray) -> BipartiteGraph:
        d = self.dataset
        return BipartiteGraph.from_interactions(
            d.users[mask], d.movies[mask], d.num_users, d.num_movies
        )

    def train_epoch(self, max_batches: int | None = None) -> dict[str, float]:
        """One pass over the training pairs; hard negatives join from the second epoch.

        ``max_batches`` stops early (benchmarks time part of an epoch on large graphs).
        """
        self.epoch += 1
        self.model.train()
        batches = PairBatches(
            self.queries,
            self.positives,
            self.sampling,
            batch_size=self.config.batch_size,
            num_hard=min(self.epoch - 1, self.config.max_hard),
            epoch=self.epoch,
            seed=self.config.seed,
            rank=self.world.rank,
            world_size=self.world.size,
        )
        total, steps = 0.0, 0
        for batch in batch_loader(batches, self.config.workers):
            if max_batches is not None and steps >= max_batches:
                break
            loss = self._loss(batch.to(self.device))
            self.optimizer.zero_grad()
            loss.backward()
            # Partial losses of one batch: their gradients (and values) add up over the ranks.
            loss = self.world.all_reduce_grads(self.dense, loss.detach())
            self.optimizer.step()
            rows, values = sparse_rows(self.model.movie_embedding.weight)
            rows, values = self.world.gather_rows(rows, values)
            # A computation graph's nodes are distinct; several ranks' may overlap.
            self.row_optimizer.step(rows, values, distinct=self.world.size == 1)
            total += loss.item()
            steps += 1
        stats = {"loss": total / max(steps, 1)}
        if self.world.size > 1:
            stats["comm_seconds"] = self.world.take_comm_seconds()
        return stats

    def _loss(self, batch: PairBatch) -> torch.Tensor:
        """The queries' softmax (or hinge) over the batch, plus the hinge on hard negatives."""
        z = self.model(batch.movies, batch.features, batch.blocks(self.device))
        (b, w), n = batch.query.shape, len(batch.negatives)
        # One gather, so that backward scatters into z once rather than four times, and
        # index_select's (index_add_) rather than indexing's (index_put_, ten times slower).
        positions = torch.cat(
            [batch.query.ravel(), batch.positive, batch.negatives, batch.hard.ravel()]
        )
        hard = batch.hard.shape
        # split, not slicing: its gradient is one concatenation, not a zero-filled copy a piece.
        history, positive, negatives, hard_rows = z.index_select(0, positions).split(
            [b * w, b, n, hard[0] * hard[1]]
        )
        # The query is what recall will query with: the normalised mean of recent movies.
        query = F.normalize((history.view(b, w, -1) * batch.query_mask.unsqueeze(-1)).sum(1))
        positive_score = (query * positive).sum(-1, keepdim=True)
        margin = self.config.margin
        if self.config.loss == "softmax":
            targets = batch.movies[: len(z)]  # the encoder's rows are the graph's targets
            main = self._softmax(query, positive, targets[batch.positive], negatives,
                                 targets[batch.negatives], batch.pairs)  # fmt: skip
        else:
            main = shared_hinge(query, negatives, positive_score, margin, batch.shared_denominator)
        if batch.hard_denominator == 0:
            return main
        hard_term = hard_hinge(
            query, hard_rows.view(*hard, -1), batch.hard_mask, positive_score, margin,
            batch.hard_denominator,
        )  # fmt: skip
        return main + self.config.hard_weight * hard_term

    def _softmax(
        self,
        query: torch.Tensor,
        positive: torch.Tensor,
        positive_ids: torch.Tensor,
        negatives: torch.Tensor,
        negative_ids: torch.Tensor,
        pairs: int,
    ) -> torch.Tensor:
        """Each query against every rank's positives of the batch and the shared negatives."""
        positives, ids, start = self.world.gather_batch(positive, positive_ids)
        return sampled_softmax(
            query,
            torch.cat([positives, negatives]),
            torch.cat([ids, negative_ids]),
            torch.cat([self.log_q_positive[ids], self.log_q_negative[negative_ids]]),
            start + torch.arange(len(query), device=query.device),
            self.config.temperature,
            pairs,
        )

    @torch.no_grad()
    def embed_movies(self, neighbourhoods: Neighbourhoods | None = None) -> np.ndarray:
        """``(num_movies, dim)`` vectors of every movie, ``inference_batch`` movies at a time."""
        neighbourhoods = neighbourhoods or self.neighbourhoods
        self.model.eval()
        out = np.empty((self.dataset.num_movies, self.config.dim), dtype=np.float32)
        step = self.config.inference_batch
        positions = PositionMap(self.dataset.num_movies)
        for start in range(0, self.dataset.num_movies, step):
            targets = np.arange(start, min(start + step, self.dataset.num_movies))
            graph = computation_graph(targets, neighbourhoods, self.config.num_layers, positions)
            out[targets] = (
                self.model(
                    torch.from_numpy(graph.nodes).to(self.device),
                    torch.from_numpy(self.features[graph.nodes]).to(self.device),
                    to_tensors(graph, self.device),
                )
                .cpu()
                .numpy()
            )
        return out

    def embed_users(
        self,
        movie_vectors: np.ndarray,
        mask: np.ndarray,
        half_life: float | None,
        whitening: Whitening | None = None,
    ) -> np.ndarray:
        """User vectors from the ``mask`` interactions (whitened by those interactions' movie
        popularity, as a bundle's are by its training history's)."""
        d = self.dataset
        gram = None
        if whitening is not None:
            degrees = np.bincount(d.movies[mask], minlength=d.num_movies)
            gram = popularity_gram(movie_vectors, degrees)
        return user_vectors(
            movie_vectors, d.users[mask], d.movies[mask], d.timestamps[mask], d.num_users,
            half_life, whitening, gram,
        )  # fmt: skip

    def users_by_half_life(self, movie_vectors: np.ndarray) -> dict[float | None, np.ndarray]:
        """Fitting-side user vectors for every candidate half-life."""
        return {
            h: self.embed_users(movie_vectors, self.fit_mask, h) for h in self.config.half_lives
        }

    def validate(self) -> float:
        """Recall@k of the validation slice with users as means of their fitting movies, scored
        by the recall score without popularity.

        The half-life is held fixed while training (:attr:`stopping_half_life`) so that epochs
        compare like with like; the best one is chosen once training has stopped.
        """
        movies = self.embed_movies()
        users = self.embed_users(movies, self.fit_mask, self.stopping_half_life)
        popularity = np.zeros(len(movies), dtype=np.float32)
        return validation_recall(
            RecallScore(users, movies, popularity, 0.0).scores,
            self.fit_graph, self.val_graph, self.config.val_k,
        )  # fmt: skip

    @property
    def uses_bag_pairs(self) -> bool:
        """Whether bag pairs join the history pairs (``PinSageConfig.bag_pairs``)."""
        when = self.config.bag_pairs
        return when == "always" or (when == "random-cut" and self.config.val_cut == "random")

    @property
    def stopping_half_life(self) -> float | None:
        """A plain mean when validation is a random slice (recency tells nothing there), a
        half-life of 2 ratings when it is the latest."""
        return None if self.config.val_cut == "random" else STOPPING_HALF_LIFE

    def choose_recall(self) -> RecallChoice:
        """User half-life and popularity weights chosen on the validation slice."""
        movies = self.embed_movies()
        return tune_recall(
            ValidationScores(
                users=self.users_by_half_life(movies),
                movies=movies,
                popularity=log_popularity(self.fit_graph.movie_degrees()),
            ),
            self.fit_graph,
            self.val_graph,
            k=self.config.val_k,
            whitenings=lambda half_life: {
                w: self.embed_users(movies, self.fit_mask, half_life, w)
                for w in (Whitening(beta, ridge) for beta, ridge in self.config.whitenings)
            },
        )

    def follow(self) -> int:
        """A helper rank's part (:meth:`World.follow`); returns the epochs run."""
        return self.world.follow(self.train_epoch)

    def fit(self, on_epoch: EpochCallback | None = None) -> TrainedEmbeddings:
        """Train with early stopping; return the best weights' embeddings over all training data.

        Data-parallel, this is rank 0's part; it validates alone while the others wait."""
        if len(self.queries) == 0:
            raise ValueError("no training pairs: every user has a single rating")

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
            else RecallChoice(self.config.half_lives[0], PopularityWeights())
        )
        fit_movies = self.embed_movies()  # best weights, fitting-graph neighbourhoods
        fit_users = self.embed_users(fit_movies, self.fit_mask, choice.half_life, choice.whitening)
        everything = np.ones(len(self.dataset.users), dtype=bool)
        graph = self._graph(everything)
        full = importance_neighbourhoods(graph, self.walks, seed=self.config.seed)
        movies = self.embed_movies(full)
        return TrainedEmbeddings(
            model=self.model,
            features=self.features,
            user_embeddings=self.embed_users(
                movies, everything, choice.half_life, choice.whitening
            ),
            movie_embeddings=movies,
            popularity=log_popularity(graph.movie_degrees()),
            popularity_weights=choice.weights,
            half_life=choice.half_life,
            whitening=choice.whitening,
            history=history,
            best_epoch=best_epoch,
            fit_vectors=(fit_users, fit_movies),
        )


def _log_probabilities(weights: np.ndarray, device: torch.device) -> torch.Tensor:
    """``log(weights / Σ weights)`` per movie (movies never drawn get a finite floor)."""
    share = weights.astype(np.float64) / max(float(weights.sum()), 1e-300)
    return torch.from_numpy(np.log(np.maximum(share, 1e-30)).astype(np.float32)).to(device)
