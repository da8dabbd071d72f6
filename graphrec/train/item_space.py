"""The movie → movie space `/similar` serves: a PinSAGE-convolved encoder trained on
co-engagement, then blended with attributes and popularity as validation chooses.

The user → movie embeddings rank movies for a user; their nearest neighbours are the movies
every user is recommended, the year's blockbusters. Related-item training (PinSAGE's own job)
asks instead: given a movie, which movie did its users take up beside it? Each step scores
the batch's queries against their positives and shared uniform negatives, a sampled softmax
over ``cos / τ + β · log(1 + degree)``: the popularity term explains the co-engagements
popularity alone predicts, so the vectors learn what is particular to each pair.

Validation is the trainer's latest (or random) slice of each user, cut as the test is cut:
the encoder is trained on the other ratings, and the attribute share and popularity weight of
the served similarity are chosen on it (graphrec.train.blend_choice): next-item hit times
franchise recall, among the blends whose neighbours are no more popular than their queries.
Titles only judge: no title word is in the vectors or the score.
The served vectors are the trained encoder's over walks of all training ratings.
"""

from __future__ import annotations

import logging
import time
from dataclasses import replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from graphrec.data.dataset import InteractionDataset
from graphrec.data.splits import validation_mask
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.graph.walks import Neighbourhoods, importance_neighbourhoods
from graphrec.nn.item_encoder import ItemEncoder
from graphrec.popularity import log_popularity
from graphrec.progress import SILENT, Progress
from graphrec.recall_score import SimilarityScore
from graphrec.similarity import item_vectors
from graphrec.train.blend_choice import Blend, BlendJudges, best_blend
from graphrec.train.co_engagement import UserSequences, walk_pairs
from graphrec.train.config import ItemSpaceConfig, PinSageConfig, SageConfig
from graphrec.train.recency_tuning import with_recency_term
from graphrec.train.result import ItemSpace, TrainedEmbeddings

logger = logging.getLogger(__name__)


def _edges(neighbourhoods: Neighbourhoods) -> tuple[Tensor, Tensor]:
    """``edge_index`` (neighbour → movie) and importance weights of the walk neighbourhoods."""
    neighbours, weights = neighbourhoods.neighbours, neighbourhoods.weights
    movies = np.repeat(np.arange(len(neighbours)), neighbours.shape[1])
    sources = neighbours.ravel().astype(np.int64)
    keep = sources >= 0
    edge_index = torch.from_numpy(np.stack([sources[keep], movies[keep]]))
    return edge_index, torch.from_numpy(weights.ravel()[keep].astype(np.float32))


class ItemSpaceTrainer:
    """Trains an :class:`ItemEncoder` on one dataset's fitting ratings (module docstring).

    Args:
        dataset: Training interactions.
        fit_mask: The ratings the encoder learns from; the rest validate.
        features: Movie attribute matrix, ``(num_movies, num_features)``.
        config: Hyper-parameters.
    """

    def __init__(self, dataset: InteractionDataset, fit_mask: np.ndarray, features: np.ndarray,
                 config: ItemSpaceConfig | None = None) -> None:  # fmt: skip
        self.config = config = config or ItemSpaceConfig()
        self.dataset, self.fit_mask = dataset, fit_mask
        torch.manual_seed(config.seed)
        self.rng = np.random.default_rng(config.seed)
        d = dataset
        self.fit_graph = BipartiteGraph.from_interactions(
            d.users[fit_mask], d.movies[fit_mask], d.num_users, d.num_movies
        )
        self.features = torch.from_numpy(np.ascontiguousarray(features, dtype=np.float32))
        self.learn_from(self.fit_graph, fit_mask)
        self.model = ItemEncoder(d.num_movies, features.shape[1], config.dim)
        self.optimizer = torch.optim.Adam(self.model.parameters(), lr=config.lr)
        self.epochs_run = 0

    def learn_from(self, graph: BipartiteGraph, mask: np.ndarray) -> None:
        """Draw pairs, neighbourhoods and popularity from the ratings ``mask`` (``graph``
        is their graph) from the next epoch on."""
        d = self.dataset
        self.popularity = log_popularity(graph.movie_degrees())
        self.neighbourhoods = importance_neighbourhoods(graph, seed=self.config.seed)
        self.neighbours = torch.from_numpy(self.neighbourhoods.neighbours.astype(np.int64))
        self.weights = torch.from_numpy(self.neighbourhoods.weights.astype(np.float32))
        self.sequences = UserSequences(
            d.users[mask], d.movies[mask], d.timestamps[mask], d.num_users
        )
        self.nearby = self.sequences.nearby(self.config.window)

    def pairs(self) -> tuple[np.ndarray, np.ndarray]:
        """This epoch's ``(query, positive)`` pairs (module docstring of co_engagement), at
        most ``max_pairs`` of them."""
        parts = [self.nearby]
        if self.config.partners:
            parts.append(self.sequences.partners(self.rng))
        if self.config.walk_pairs:
            parts.append(walk_pairs(self.neighbourhoods, self.config.walk_pairs, self.rng))
        queries = np.concatenate([p[0] for p in parts])
        positives = np.concatenate([p[1] for p in parts])
        if len(queries) > self.config.max_pairs:
            keep = self.rng.integers(0, len(queries), self.config.max_pairs)
            queries, positives = queries[keep], positives[keep]
        return queries, positives

    def train_epoch(self) -> dict[str, float]:
        """One pass over freshly drawn pairs; returns ``{"loss": mean batch loss}``."""
        c = self.config
        self.model.train()
        queries, positives = (torch.from_numpy(a) for a in self.pairs())
        if len(queries) == 0:
            return {"loss": float("nan")}
        popularity = torch.from_numpy(self.popularity) * c.popularity_offset
        if c.lr_decay:  # epoch e of n at lr · (1 - e / n)
            for group in self.optimizer.param_groups:
                group["lr"] = c.lr * max(0.0, 1.0 - self.epochs_run / c.epochs)
        self.epochs_run += 1
        order = torch.randperm(len(queries))
        total, steps = 0.0, 0
        for start in range(0, len(order), c.batch_size):
            batch = order[start : start + c.batch_size]
            q, p = queries[batch], positives[batch]
            negatives = torch.randint(0, self.dataset.num_movies, (c.num_negatives,))
            nodes, at = torch.unique(torch.cat([q, p, negatives]), return_inverse=True)
            z = self.model.encode(self.features, nodes, self.neighbours, self.weights)
            zq, zp, zn = z[at[: len(q)]], z[at[len(q) : 2 * len(q)]], z[at[2 * len(q) :]]
            positive = (zq * zp).sum(dim=1, keepdim=True) / c.temperature + popularity[p].unsqueeze(
                1
            )
            negative = zq @ zn.T / c.temperature + popularity[negatives]
            negative = negative.masked_fill(negatives.unsqueeze(0) == p.unsqueeze(1), -torch.inf)
            logits = torch.cat([positive, negative], dim=1)
            loss = F.cross_entropy(logits, torch.zeros(len(batch), dtype=torch.long))
            self.optimizer.zero_grad()
            loss.backward()
            self.optimizer.step()
            total, steps = total + loss.item(), steps + 1
        return {"loss": total / steps}

    @torch.no_grad()
    def embed(self) -> np.ndarray:
        """``(num_movies, dim)`` unit vectors over the current neighbourhoods."""
        self.model.eval()
        return self.model(self.features, *_edges(self.neighbourhoods)).numpy()

    def choose_blend(self, embeddings: np.ndarray) -> Blend:
        """The blend of attribute share and popularity weight validation prefers
        (graphrec.train.blend_choice)."""
        c = self.config
        judges = BlendJudges(self.dataset, self.fit_mask, self.fit_graph,
                             c.validation_queries, self.rng)  # fmt: skip
        blends = []
        for attribute_weight in c.attribute_weights:
            items = item_vectors(embeddings, self.features.numpy(), attribute_weight)
            for weight in c.popularity_weights:
                score = SimilarityScore(items, self.popularity, weight).scores
                blends.append(judges.judge(score, attribute_weight, weight))
        return best_blend(blends)

    def fit(self, graph: BipartiteGraph, progress: Progress = SILENT) -> ItemSpace:
        """Train, choose the blend on validation, and embed over ``graph`` (all training
        ratings)."""
        started = time.perf_counter()
        progress.stage("item space epochs", total=self.config.epochs)
        for _ in range(self.config.epochs):
            progress.step(**self.train_epoch())
        judged = self.embed()
        blend = self.choose_blend(judged)
        attribute_weight, weight = blend.attribute_weight, blend.popularity_weight
        self.learn_from(graph, np.ones(len(self.dataset.users), dtype=bool))  # serve all walks
        features = self.features.numpy()
        vectors = item_vectors(self.embed(), features, attribute_weight)
        with torch.no_grad():
            alone = self.model.attribute_path(self.features).numpy()
        seconds = time.perf_counter() - started
        logger.info(
            "item space: attribute share %.2f, popularity weight %.3f (validation %s), %.1f s",
            attribute_weight, weight, blend.figures, seconds,
        )  # fmt: skip
        alone = item_vectors(alone, features, attribute_weight)
        return ItemSpace(vectors, attribute_weight, weight, alone, blend.figures, seconds,
                         item_vectors(judged, features, attribute_weight))  # fmt: skip


def with_item_space(
    dataset: InteractionDataset,
    result: TrainedEmbeddings,
    config: SageConfig | PinSageConfig,
    progress: Progress = SILENT,
) -> TrainedEmbeddings:
    """``result`` with its movie → movie space trained beside it, on the same fitting slice
    and attributes, and the space's popularity weight as the movie weight."""
    fit_mask = ~validation_mask(
        dataset.users, dataset.timestamps, config.val_fraction, config.val_cut, seed=config.seed
    )
    space_config = config.item_space.model_copy(update={"seed": config.seed})
    if not dataset.has_timestamps:  # no order to take neighbours from: whole histories, sampled
        space_config = space_config.model_copy(update={"window": 0, "partners": True})
    trainer = ItemSpaceTrainer(dataset, fit_mask, result.features, space_config)
    graph = BipartiteGraph.from_interactions(
        dataset.users, dataset.movies, dataset.num_users, dataset.num_movies
    )
    space = trainer.fit(graph, progress)
    weights = replace(result.popularity_weights, item=space.popularity_weight)
    result = replace(result, item_space=space, popularity_weights=weights)
    if not dataset.has_timestamps:  # no latest movies to speak of
        return result
    return with_recency_term(dataset, result, fit_mask, space_config, k=config.val_k)
