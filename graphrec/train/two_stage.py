"""Recall embeddings, then rankers trained on their candidates: what `graphrec train` stores.

The rankers learn from the embedding trainer's validation slice (each user's latest ratings
under `graphrec train`) with features and embeddings computed over the other ratings only.
For serving and evaluation the features are rebuilt over all training ratings with the final
embeddings.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from graphrec.data.dataset import InteractionDataset
from graphrec.data.splits import validation_mask
from graphrec.graph.bipartite import BipartiteGraph
from graphrec.progress import SILENT, Progress
from graphrec.rankers.features import RankingFeatures
from graphrec.rankers.item_weights import ItemWeights
from graphrec.rankers.ranking import RANKERS, Rankers
from graphrec.recency import RecentTerm, recent_vectors
from graphrec.train.config import PinSageConfig, SageConfig
from graphrec.train.distributed import World
from graphrec.train.early_stopping import EpochCallback
from graphrec.train.item_space import with_item_space
from graphrec.train.pinsage_trainer import PinSageTrainer
from graphrec.train.ranker_training import RankerConfig, fit_rankers
from graphrec.train.result import TrainedEmbeddings
from graphrec.train.sage_trainer import SageTrainer

#: (user, movie) embedding matrices.
Embeddings = tuple[np.ndarray, np.ndarray]


@dataclass
class TwoStage:
    """Recall embeddings and rankers whose features match them, and each stage's seconds."""

    embeddings: TrainedEmbeddings
    rankers: Rankers
    stage_seconds: dict[str, float] = field(default_factory=dict)


def train_two_stage(
    dataset: InteractionDataset,
    config: SageConfig | PinSageConfig,
    ranker_config: RankerConfig | None = None,
    on_epoch: EpochCallback | None = None,
    progress: Progress = SILENT,
    world: World | None = None,
) -> TwoStage:
    """Train the embedding model named by ``config``'s type, then both rankers on its recall.

    ``world``: the data-parallel group and device, this process its rank 0."""
    result: TrainedEmbeddings
    model = "pinsage" if isinstance(config, PinSageConfig) else "sage"
    progress.stage(f"{model} epochs", total=config.epochs)

    def epoch_done(record: dict[str, float]) -> None:
        progress.epoch(record)
        if on_epoch is not None:
            on_epoch(record)

    started = time.perf_counter()
    if isinstance(config, PinSageConfig):
        result = PinSageTrainer(dataset, config, world).fit(epoch_done)
    else:
        result = SageTrainer(dataset, config, world).fit(epoch_done)
    embedded = time.perf_counter()
    result = with_item_space(dataset, result, config, progress)
    spaced = time.perf_counter()
    label_mask = validation_mask(
        dataset.users, dataset.timestamps, config.val_fraction, config.val_cut, seed=config.seed
    )
    if result.fit_vectors is None:
        raise ValueError("the embedding trainer returned no fitting-side vectors")
    progress.stage("rankers", total=len(RANKERS))
    rankers = train_rankers(
        dataset, label_mask, result.fit_vectors, (result.user_embeddings, result.movie_embeddings),
        ranker_config, popularity_weight=result.popularity_weights.user, seed=config.seed,
        on_ranker=lambda figures: progress.step(lift=figures.get("lift", float("nan"))),
        recent=(_fit_side_recent(dataset, label_mask, result), result.recent),
    )  # fmt: skip
    progress.close()
    epochs = sum(record.get("train_seconds", record["seconds"]) for record in result.history)
    validation = sum(record["seconds"] for record in result.history) - epochs
    stages = {
        "embedding_epochs": epochs,
        "embedding_validation": validation,
        "embedding_setup_and_tuning": embedded - started - epochs - validation,
        "item_space": spaced - embedded,
        "rankers": time.perf_counter() - spaced,
    }
    return TwoStage(result, rankers, {name: round(s, 3) for name, s in stages.items()})


def train_rankers(
    dataset: InteractionDataset,
    label_mask: np.ndarray,
    early: Embeddings,
    final: Embeddings,
    config: RankerConfig | None = None,
    *,
    popularity_weight: float = 0.0,
    seed: int = 0,
    on_ranker: Callable[[dict[str, float]], None] | None = None,
    recent: tuple[RecentTerm | None, RecentTerm | None] = (None, None),
) -> Rankers:
    """Fit both rankers on ``label_mask`` ratings; return them with all-training features.

    Args:
        label_mask: Interactions that are labels; every other one is an input.
        early: Embeddings computed without the label interactions.
        final: Embeddings over all training interactions (what serving recalls with).
        popularity_weight: Weight of log popularity in recall scores (graphrec.recall_score).
        recent: The recall score's recency term, early and final (graphrec.recency).
    """
    d = dataset
    inputs = RankingFeatures.build(
        d.movie_table, d.users[~label_mask], d.movies[~label_mask], d.ratings[~label_mask], *early,
        recall_weight=popularity_weight, recent=recent[0],
    )  # fmt: skip
    fit_graph, label_graph = (
        BipartiteGraph.from_interactions(d.users[m], d.movies[m], d.num_users, d.num_movies)
        for m in (~label_mask, label_mask)
    )
    rankers = fit_rankers(inputs, fit_graph, label_graph, config, seed=seed, on_ranker=on_ranker)
    chosen = rankers.features.item_weights
    item_weights = (
        ItemWeights.fit(
            d.users, d.movies, d.num_users, d.num_movies, chosen.lam,
            sources=(config or RankerConfig()).item_sources,
        )
        if chosen.lam > 0
        else None
    )  # fmt: skip
    rankers.features = RankingFeatures.build(
        d.movie_table, d.users, d.movies, d.ratings, *final, recall_weight=popularity_weight,
        item_weights=item_weights, recent=recent[1],
    )  # fmt: skip
    return rankers


def _fit_side_recent(
    dataset: InteractionDataset, label_mask: np.ndarray, result: TrainedEmbeddings
) -> RecentTerm | None:
    """The recency term as the fitting side makes it: latest movies before the labels, rows of
    the movie → movie space over the fitting neighbourhoods (what it was chosen with)."""
    space, d, fit = result.item_space, dataset, ~label_mask
    if result.recent is None or space is None or space.fit_vectors is None:
        return None
    recent = recent_vectors(space.fit_vectors, d.users[fit], d.movies[fit], d.timestamps[fit],
                            d.num_users, result.recency)  # fmt: skip
    return RecentTerm(recent, space.fit_vectors)
